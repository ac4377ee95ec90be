package store

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A store written before the shared vocabulary (schema 1: replies stored as
// the SDK's Go struct) is refused with what to do, never misread.
func TestOpenRefusesOtherSchema(t *testing.T) {
	tests := []struct {
		name, schema string
		want         []string
	}{
		{"older", "1", []string{"schema 1", "older recon", "point store: at a new file"}},
		{"newer", "99", []string{"schema 99", "newer recon"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "old.db")
			b, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = b.Update(func(tx *bolt.Tx) error {
				meta, err := tx.CreateBucketIfNotExists(bucketMeta)
				if err != nil {
					return err
				}
				runs, err := tx.CreateBucketIfNotExists(bucketRuns)
				if err != nil {
					return err
				}
				if err := runs.Put([]byte("r1"), []byte(`{"run_id":"r1"}`)); err != nil {
					return err
				}
				return meta.Put([]byte("schema"), []byte(tt.schema))
			})
			if err != nil {
				t.Fatal(err)
			}
			b.Close()

			db, err := Open(path, time.Second)
			if err == nil {
				db.Close()
				t.Fatal("opened a store of another schema")
			}
			if !errors.Is(err, ErrSchema) {
				t.Errorf("error %v is not ErrSchema", err)
			}
			for _, w := range append(tt.want, path) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}
