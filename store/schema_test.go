package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A store written before the shared vocabulary (schema 1: replies stored as
// the SDK's Go struct) or before checksummed records (schema 2) is refused
// with what to do, never misread.
func TestOpenRefusesOtherSchema(t *testing.T) {
	tests := []struct {
		name, schema string
		want         []string
	}{
		{"older", "1", []string{"schema 1", "older recon", "point store: at a new file"}},
		{"previous", "2", []string{"schema 2", "older recon", "point store: at a new file"}},
		{"newer", "99", []string{"schema 99", "newer recon"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "old.db")
			// As recon wrote its stores before schema 3: the freelist not
			// in the file.
			b, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true})
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
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}

			db, err := Open(path, time.Second)
			if err == nil {
				db.Close()
				t.Fatal("opened a store of another schema")
			}
			var se *SchemaError
			if !errors.As(err, &se) || !errors.Is(err, ErrSchema) {
				t.Errorf("error %v is not a *SchemaError", err)
			}
			for _, w := range append(tt.want, path) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			// Refused before bbolt opens it for writing: the file is as it was.
			if after, err := os.ReadFile(path); err != nil || !bytes.Equal(before, after) {
				t.Errorf("the refused store changed (%v)", err)
			}
		})
	}
}

// A schema mark that rotted reads as damage, not as another schema.
func TestOpenRefusesRottedSchemaMark(t *testing.T) {
	tests := []struct {
		name   string
		change func(meta *bolt.Bucket) error
		want   string
	}{
		{"mark rotted to another number", func(m *bolt.Bucket) error { return m.Put(keySchema, []byte("2")) }, "the schema mark reads 2"},
		{"mark not a number", func(m *bolt.Bucket) error { return m.Put(keySchema, []byte("3\x00")) }, "not a number"},
		{"mark lost", func(m *bolt.Bucket) error { return m.Delete(keySchema) }, "missing, though the format record is there"},
		{"format record lost", func(m *bolt.Bucket) error { return m.Delete(keyFormat) }, "missing"},
		{"format record rotted", func(m *bolt.Bucket) error {
			v := bytes.Clone(m.Get(keyFormat))
			v[len(v)-2] ^= 0x01
			return m.Put(keyFormat, v)
		}, "checksum mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "recon.db")
			d, err := Open(path, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.PutRun(&Run{ID: "r1"}); err != nil {
				t.Fatal(err)
			}
			if err := d.db.Update(func(tx *bolt.Tx) error { return tt.change(tx.Bucket(bucketMeta)) }); err != nil {
				t.Fatal(err)
			}
			d.Close()
			d, err = Open(path, time.Second)
			if err == nil {
				d.Close()
				t.Fatal("opened a store whose schema mark rotted")
			}
			var ce *CorruptError
			if !errors.As(err, &ce) || errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("Open: %v; want a CorruptError saying %q", err, tt.want)
			}
		})
	}
}
