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
// contract (../shared/CONTRACT.md beside a working tree). The copy may extend
// it, never change it: every line of the shared text appears in the copy, in
// order, and only lines are added between them.
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
	if line, missing := notExtended(string(shared), string(copy)); missing != "" {
		t.Fatalf("docs/contract.md no longer extends ../shared/CONTRACT.md: its line %d is missing or out of order:\n%s", line, missing)
	}
}

// notExtended reports the first line of base (1-based, and its text) that is
// not found, in order, among the lines of ext; "" when ext only adds lines.
func notExtended(base, ext string) (int, string) {
	have := strings.Split(ext, "\n")
	j := 0
	for i, l := range strings.Split(base, "\n") {
		for j < len(have) && have[j] != l {
			j++
		}
		if j == len(have) {
			return i + 1, l
		}
		j++
	}
	return 0, ""
}

func TestNotExtended(t *testing.T) {
	base := "a\nb\nc"
	for _, tc := range []struct {
		ext  string
		line int
	}{
		{"a\nb\nc", 0},
		{"a\nx\nb\ny\nc\nz", 0},
		{"a\nc", 2},    // a line dropped
		{"a\nB\nc", 2}, // a line changed
		{"a\nc\nb", 3}, // lines reordered
		{"x\na\nb", 3}, // the end cut off
	} {
		if line, _ := notExtended(base, tc.ext); line != tc.line {
			t.Errorf("notExtended(%q, %q) = line %d, want %d", base, tc.ext, line, tc.line)
		}
	}
}
