package main

import (
	"io"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// commandPaths are every command and subcommand, as typed ("rules check").
func commandPaths() []string {
	var out []string
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, cmd := range cmds {
			path := strings.TrimSpace(prefix + " " + cmd.Name)
			out = append(out, path)
			walk(path, cmd.Subcommands)
		}
	}
	walk("", NewApp(io.Discard, io.Discard).Commands)
	return out
}

// TestLogFlagsCheckedByEveryCommand (review, defect 6): every command
// refuses a bad --log-format or --log-level, logging or not.
func TestLogFlagsCheckedByEveryCommand(t *testing.T) {
	for _, path := range commandPaths() {
		cmd := strings.Fields(path)
		t.Run(path, func(t *testing.T) {
			// sandbox's --listen is a usage error of its own, after the
			// log flags: it must not start serving.
			rest := map[string][]string{"sandbox": {"--listen", "0.0.0.0:0"}}[path]
			for _, bad := range [][]string{{"--log-format", "xml"}, {"--log-level", "loud"}} {
				stdout, stderr, code := runRecon(t, []string{"RECON_STORE=" + t.TempDir() + "/none.db"},
					append(append(append([]string{}, cmd...), bad...), rest...)...)
				if code != exitUsage || !strings.Contains(stderr, bad[0]+` "`+bad[1]+`"`) {
					t.Errorf("%s %s: exit %d, want 2 naming it\nstdout:\n%s\nstderr:\n%s", bad[0], bad[1], code, stdout, stderr)
				}
			}
		})
	}
}

// TestGlobalFlagsOnEveryCommand (review, defect 7): every command takes
// every global flag after its name; those it does not use are ignored, and
// not listed by its --help (TestEveryCommandsHelp).
func TestGlobalFlagsOnEveryCommand(t *testing.T) {
	for _, path := range commandPaths() {
		t.Run(path, func(t *testing.T) {
			args := append(strings.Fields(path), "--config", "c.yaml", "--store", "s.db", "--no-progress",
				"--log-format", "json", "--log-level", "warn", "--help")
			if stdout, stderr, code := runRecon(t, nil, args...); code != exitOK {
				t.Errorf("every global flag: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
		})
	}
	// Ignored, not only parsed: plugins reads no store and lists.
	stdout, stderr, code := runRecon(t, nil, "plugins", "--store", "nowhere/s.db", "--no-progress")
	if code != exitOK || !strings.Contains(stdout, "upay") {
		t.Errorf("plugins --store --no-progress: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
