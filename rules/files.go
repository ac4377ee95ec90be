package rules

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

//go:embed builtin/*.lua
var builtinFS embed.FS

// BuiltinPrefix names the built-in files in reports: "(built-in)/upay.lua".
const BuiltinPrefix = "(built-in)/"

// File is one rule file's source.
type File struct {
	Name   string // a path, or BuiltinPrefix + base name
	Source []byte
}

// SHA256 returns the hex sha256 of the file's source.
func (f File) SHA256() string {
	sum := sha256.Sum256(f.Source)
	return hex.EncodeToString(sum[:])
}

// Builtin returns the embedded rule files: reconcile.lua (the contract's
// verdicts) first, then the providers' mappings by name.
func Builtin() []File {
	entries, err := fs.ReadDir(builtinFS, "builtin")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	var out []File
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".lua") {
			continue
		}
		src, err := builtinFS.ReadFile(path.Join("builtin", e.Name()))
		if err != nil {
			panic(err)
		}
		out = append(out, File{Name: BuiltinPrefix + e.Name(), Source: src})
	}
	sort.SliceStable(out, func(i, j int) bool {
		return rank(out[i].Name) < rank(out[j].Name) ||
			rank(out[i].Name) == rank(out[j].Name) && out[i].Name < out[j].Name
	})
	return out
}

func rank(name string) int {
	if strings.HasSuffix(name, "/reconcile.lua") {
		return 0
	}
	return 1
}

// ReadFiles reads rule files from disk, in the given order.
func ReadFiles(paths []string) ([]File, error) {
	out := make([]File, 0, len(paths))
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("rule file: %w", err)
		}
		out = append(out, File{Name: p, Source: src})
	}
	return out, nil
}

// compiled is a file compiled once and shared by every pooled state.
type compiled struct {
	File
	proto *lua.FunctionProto
}

// CompileError names the file and line of a rule file that does not compile.
type CompileError struct {
	File string
	Err  error
}

func (e *CompileError) Error() string {
	return fmt.Sprintf("rule file %s: %s", e.File, errorText(e.Err))
}
func (e *CompileError) Unwrap() error { return e.Err }

func compile(f File) (compiled, error) {
	chunk, err := parse.Parse(strings.NewReader(string(f.Source)), f.Name)
	if err != nil {
		return compiled{}, &CompileError{File: f.Name, Err: newSyntaxError(f.Name, f.Source, err)}
	}
	proto, err := lua.Compile(chunk, f.Name)
	if err != nil {
		return compiled{}, &CompileError{File: f.Name, Err: err}
	}
	return compiled{File: f, proto: proto}, nil
}
