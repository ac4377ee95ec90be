// Package docs_test keeps the documents honest: the code they show is the
// code that builds.
package docs_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/reconhq/recon/rules"
)

var fence = regexp.MustCompile("(?ms)^```(go|lua)\n(.*?)^```\n")

// blocks returns the fenced blocks of one language in a document, in order.
func blocks(t *testing.T, doc, lang string) []string {
	t.Helper()
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range fence.FindAllStringSubmatch(string(b), -1) {
		if m[1] == lang {
			out = append(out, m[2])
		}
	}
	return out
}

// The tutorial's Go blocks are the files of one plugin program: written out
// side by side inside the module, they must build and pass vet.
func TestPluginsTutorialBuilds(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("the go command is needed to build the tutorial")
	}
	src := blocks(t, "plugins.md", "go")
	if len(src) < 4 {
		t.Fatalf("docs/plugins.md has %d Go blocks; the tutorial has at least 4", len(src))
	}
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("testdata", "tutorial-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for i, s := range src {
		if !strings.HasPrefix(s, "package main\n") {
			t.Fatalf("Go block %d is not part of the plugin program (package main)", i+1)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("block%d.go", i+1)), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "vet", "./"+filepath.ToSlash(dir))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docs/plugins.md's program does not build:\n%s", out)
	}
}

// The tutorial's rule file compiles and lints clean with the built-in rules.
func TestPluginsTutorialRules(t *testing.T) {
	src := blocks(t, "plugins.md", "lua")
	if len(src) == 0 {
		t.Fatal("docs/plugins.md has no Lua block")
	}
	for i, s := range src {
		f := rules.File{Name: fmt.Sprintf("plugins.md#lua%d", i+1), Source: []byte(s)}
		rs, err := rules.New(append(rules.Builtin(), f), rules.Options{})
		if err != nil {
			t.Fatalf("Lua block %d: %v", i+1, err)
		}
		rs.Close()
	}
}

// docs/contract.md is the repo's copy of the project's statement of the
// contract (../shared/CONTRACT.md beside a working tree): they must not drift.
func TestContractCopyInStep(t *testing.T) {
	shared, err := os.ReadFile(filepath.Join("..", "..", "shared", "CONTRACT.md"))
	if os.IsNotExist(err) {
		t.Skip("no ../shared/CONTRACT.md beside this clone to compare with")
	}
	if err != nil {
		t.Fatal(err)
	}
	copy, err := os.ReadFile("contract.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(copy) != string(shared) {
		t.Fatal("docs/contract.md differs from ../shared/CONTRACT.md: copy it over (cp ../shared/CONTRACT.md docs/contract.md)")
	}
}
