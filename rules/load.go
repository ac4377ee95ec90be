package rules

import (
	"path/filepath"
	"runtime"
)

// Sources returns the rule files of a rule set: the built-in ones, then the
// merchant's at paths in order, each path once (a file named twice, say by
// the config and again on the command line, applies once, where first named).
func Sources(paths []string) ([]File, error) {
	seen := map[string]bool{}
	var uniq []string
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			abs = p
		}
		if !seen[abs] {
			seen[abs] = true
			uniq = append(uniq, p)
		}
	}
	files, err := ReadFiles(uniq)
	if err != nil {
		return nil, err
	}
	return append(Builtin(), files...), nil
}

// Load is the one way a command builds the rule set it judges with: the
// built-in rules and the merchant's files at paths (see Sources), compiled,
// with a pool sized to judge on every core. A file that does not compile is
// an error naming its file and line, before anything is judged.
func Load(paths []string) (*Rules, error) {
	files, err := Sources(paths)
	if err != nil {
		return nil, err
	}
	return New(files, Options{PoolSize: 2 * runtime.GOMAXPROCS(0)})
}
