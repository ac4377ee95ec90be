package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestDocsSayWhatIsTrue (issue 14, finding 9): the claims of the README and
// the operations guide that were false, checked against what they describe.
func TestDocsSayWhatIsTrue(t *testing.T) {
	read := func(p string) string {
		t.Helper()
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	readme, gomod, ops := read("../../README.md"), read("../../go.mod"), read("../../docs/operations.md")
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(gomod)[1]
	if !strings.Contains(readme, "Go "+goVersion) {
		t.Errorf("README names no Go %s (go.mod's)", goVersion)
	}
	if strings.Contains(readme, "../shared/") {
		t.Errorf("README points outside the repository")
	}
	// sandbox serves until stopped: it is not listed among the commands
	// that end by themselves.
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(readme, -1) {
		if strings.Contains(block[1], "recon run ") && strings.Contains(block[1], "recon sandbox") {
			t.Errorf("README lists sandbox with the commands that end:\n%s", block[1])
		}
	}

	// A killed run is listed as "interrupted (killed)", and runs --help
	// says so.
	if help, _, _ := runRecon(t, nil, "runs", "--help"); !strings.Contains(help, `"interrupted (killed)"`) ||
		strings.Contains(help, "shown as running whose process") {
		t.Errorf("runs --help does not say how a killed run shows:\n%s", help)
	}

	// The Kubernetes recipe: exit 3 (findings) ends the Job without a
	// retry; exit 1 is retried.
	var manifest struct {
		Spec struct {
			JobTemplate struct {
				Spec struct {
					BackoffLimit     int `yaml:"backoffLimit"`
					PodFailurePolicy struct {
						Rules []struct {
							Action      string `yaml:"action"`
							OnExitCodes *struct {
								Operator string `yaml:"operator"`
								Values   []int  `yaml:"values"`
							} `yaml:"onExitCodes"`
						} `yaml:"rules"`
					} `yaml:"podFailurePolicy"`
					Template struct {
						Spec struct {
							RestartPolicy string `yaml:"restartPolicy"`
						} `yaml:"spec"`
					} `yaml:"template"`
				} `yaml:"spec"`
			} `yaml:"jobTemplate"`
		} `yaml:"spec"`
	}
	var found bool
	for _, block := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(ops, -1) {
		if strings.Contains(block[1], "kind: CronJob") {
			found = true
			if err := yaml.Unmarshal([]byte(block[1]), &manifest); err != nil {
				t.Fatalf("the CronJob manifest is not YAML: %v", err)
			}
		}
	}
	if !found {
		t.Fatal("docs/operations.md has no CronJob manifest")
	}
	job := manifest.Spec.JobTemplate.Spec
	failsOn := map[int]bool{}
	for _, r := range job.PodFailurePolicy.Rules {
		if r.Action == "FailJob" && r.OnExitCodes != nil && r.OnExitCodes.Operator == "In" {
			for _, v := range r.OnExitCodes.Values {
				failsOn[v] = true
			}
		}
	}
	if !failsOn[exitDiscrepancies] || failsOn[exitFailed] || job.BackoffLimit < 1 {
		t.Errorf("the manifest fails the Job on exit codes %v with backoffLimit %d: want 3 not retried, 1 retried",
			failsOn, job.BackoffLimit)
	}
	if rp := job.Template.Spec.RestartPolicy; rp != "Never" {
		t.Errorf("restartPolicy %q: a podFailurePolicy needs Never", rp)
	}
}
