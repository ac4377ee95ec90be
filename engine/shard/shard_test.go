package shard

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		flag, index, count string
		want               Spec
		err                string // "" for none
	}{
		{"1/3", "", "", Spec{1, 3}, ""},
		{"0/1", "", "", Spec{0, 1}, ""},
		{"", "2", "3", Spec{2, 3}, ""},   // an Indexed Job's pod: both from the environment
		{"1", "7", "4", Spec{1, 4}, ""},  // the flag's index wins, the count from $RECON_SHARDS
		{"/5", "4", "9", Spec{4, 5}, ""}, // the flag's count wins
		{"", "", "3", Spec{}, "$JOB_COMPLETION_INDEX is not set"},
		{"", "0", "", Spec{}, "$RECON_SHARDS is not set"},
		{"3/3", "", "", Spec{}, "INDEX 3 is not below COUNT 3"},
		{"-1/3", "", "", Spec{}, "not a whole number from 0"},
		{"1/0", "", "", Spec{}, "COUNT \"0\" is not a whole number from 1"},
		{"a/3", "", "", Spec{}, "INDEX \"a\""},
	}
	for _, tt := range tests {
		got, err := Parse(tt.flag, tt.index, tt.count)
		if tt.err == "" {
			if err != nil || got != tt.want {
				t.Errorf("Parse(%q, %q, %q) = %v, %v; want %v", tt.flag, tt.index, tt.count, got, err, tt.want)
			}
			continue
		}
		if err == nil || !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("Parse(%q, %q, %q) = %v, %v; want an ErrSpec saying %q", tt.flag, tt.index, tt.count, got, err, tt.err)
		}
	}
	if s := (Spec{1, 3}).String(); s != "1/3" {
		t.Errorf("String %q", s)
	}
}

// The default assignment is what the docs tell operators to compute:
// FNV-1a 64 of the name, modulo the count. The values were computed apart
// (a few lines of Python over the FNV offset basis and prime), so that a
// change of hash, which would move every account's store state, cannot
// pass.
func TestHashIsFNV1a64(t *testing.T) {
	tests := []struct {
		account string
		count   int
		want    int
	}{
		{"shop-upay", 3, 0}, // 0xf4b03d50a7e50a0b
		{"shop-upay", 8, 3},
		{"shop-vborder", 3, 0}, // 0x87d5163f03fcc0bc
		{"shop-vborder", 8, 4},
		{"shop-paypro", 3, 1}, // 0x80a19ee5dce904b9
		{"", 3, 2},            // the offset basis: a row with no account cell goes somewhere too
		{"", 8, 5},
		{"demo-upay", 8, 2},
		{"shop-upay", 1, 0},
	}
	for _, tt := range tests {
		if got := Hash(tt.account, tt.count); got != tt.want {
			t.Errorf("Hash(%q, %d) = %d; want %d", tt.account, tt.count, got, tt.want)
		}
	}
}

// Every account cell is in exactly one shard, whatever the count.
func TestEveryAccountInOneShard(t *testing.T) {
	names := []string{"a", "b", "shop-1", "shop-2", "no-such-account", ""}
	for count := 1; count <= 5; count++ {
		for _, name := range names {
			n := 0
			for i := range count {
				a, err := New(Spec{i, count}, "", nil)
				if err != nil {
					t.Fatal(err)
				}
				if a.Mine(name) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d shards: account %q is in %d of them", count, name, n)
			}
		}
	}
}

func TestAssignmentFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("shards.yaml", "# by last night's volume\nbig: 0\nsmall-1: 1\nsmall-2: 1\nretired: 2\nold-shop: 0\n")
	config := []string{"big", "small-1", "small-2"}
	tests := []struct {
		name     string
		path     string
		accounts []string
		spec     Spec
		mine     map[string]bool // account cells and whether shard spec runs them
		err      string          // the error names file and account
	}{
		{"the file decides", good, config, Spec{1, 3}, map[string]bool{"big": false, "small-1": true, "small-2": true}, ""},
		// The file's entry for an account the config no longer has is not
		// used: its rows (INVALID) go by the hash, as the contract says.
		{"a name only the file has goes by hash", good, config, Spec{1, 3}, map[string]bool{"old-shop": Hash("old-shop", 3) == 1}, ""},
		{"an unknown account goes by hash", good, config, Spec{Hash("stranger", 3), 3}, map[string]bool{"stranger": true}, ""},
		{"an account of the config missing", good, append(config, "new-shop"), Spec{0, 3}, nil,
			`shards file ` + good + `: account "new-shop": has no shard in the file`},
		{"an index beyond the count", good, config, Spec{0, 2}, nil,
			`shards file ` + good + `: account "retired": shard 2 is not one of 0..1`},
		{"an entry without an index", write("null.yaml", "big:\nsmall-1: 1\nsmall-2: ~\n"), config, Spec{0, 2}, nil,
			`account "big": has no shard in the file`},
		{"not a map", write("list.yaml", "- big\n- small\n"), config, Spec{0, 2}, nil, "list.yaml: want a map of account name to shard index"},
		{"not an index", write("word.yaml", "big: zero\n"), config, Spec{0, 2}, nil, "word.yaml: want a map"},
		{"no such file", filepath.Join(dir, "none.yaml"), config, Spec{0, 2}, nil, "none.yaml: open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := New(tt.spec, tt.path, tt.accounts)
			if tt.err != "" {
				var fe *FileError
				if err == nil || !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v; want a FileError saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tt.mine {
				if got := a.Mine(name); got != want {
					t.Errorf("shard %s runs %q: %v; want %v", tt.spec, name, got, want)
				}
			}
		})
	}
}
