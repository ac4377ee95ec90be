package docs_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var yamlFence = regexp.MustCompile("(?ms)^```yaml\n(.*?)^```\n")

// manifests are the Kubernetes objects of docs/kubernetes.md's YAML
// blocks (those with a kind), each decoded as a generic tree.
func manifests(t *testing.T) []map[string]any {
	t.Helper()
	b, err := os.ReadFile("kubernetes.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, m := range yamlFence.FindAllSubmatch(b, -1) {
		dec := yaml.NewDecoder(bytes.NewReader(m[1]))
		for {
			var doc map[string]any
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("a YAML block of docs/kubernetes.md does not parse: %v\n%s", err, m[1])
			}
			if doc["kind"] != nil {
				out = append(out, doc)
			}
		}
	}
	return out
}

// get walks a decoded manifest by keys (and list indexes).
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not a map at %q", path, k)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("%v: no item %d", path, k)
			}
			v = l[k]
		}
	}
	return v
}

func byName(t *testing.T, objs []map[string]any, kind, name string) map[string]any {
	t.Helper()
	for _, o := range objs {
		if o["kind"] == kind && get(t, o, "metadata", "name") == name {
			return o
		}
	}
	t.Fatalf("docs/kubernetes.md has no %s %s", kind, name)
	return nil
}

// The sharded night's manifests say what the document says they do: an
// Indexed Job whose shards are not retried on findings, pods that are
// never restarted in place, credentials from a Secret as files, and a
// merge over the same shards and night.
func TestKubernetesManifests(t *testing.T) {
	objs := manifests(t)
	shards := byName(t, objs, "CronJob", "recon-shards")
	job := get(t, shards, "spec", "jobTemplate", "spec")
	if got := get(t, job, "completionMode"); got != "Indexed" {
		t.Errorf("completionMode %v; want Indexed", got)
	}
	completions, _ := get(t, job, "completions").(int)
	if completions < 2 || get(t, job, "parallelism") == nil || get(t, job, "backoffLimitPerIndex") == nil {
		t.Errorf("completions %v, parallelism %v, backoffLimitPerIndex %v", get(t, job, "completions"),
			get(t, job, "parallelism"), get(t, job, "backoffLimitPerIndex"))
	}
	pod := get(t, job, "template", "spec")
	if got := get(t, pod, "restartPolicy"); got != "Never" {
		t.Errorf("restartPolicy %v; want Never (podFailurePolicy needs it)", got)
	}
	// Exit 3 is findings: that index is never run again.
	onThree := ""
	for _, r := range get(t, job, "podFailurePolicy", "rules").([]any) {
		codes, ok := get(t, r, "onExitCodes").(map[string]any)
		if !ok || codes["operator"] != "In" {
			continue
		}
		for _, v := range codes["values"].([]any) {
			if v == 3 {
				onThree = get(t, r, "action").(string)
			}
		}
	}
	// (Ignore would not count the failure but replace the pod: the shard
	// would run again.)
	if onThree != "FailIndex" {
		t.Errorf("exit 3's podFailurePolicy action is %q; want FailIndex", onThree)
	}

	c := get(t, pod, "containers", 0)
	cmd := strings.Join(strs(get(t, c, "command")), " ") + " " + strings.Join(strs(get(t, c, "args")), " ")
	for _, w := range []string{"recon run", "--publish", "--store", "$JOB_COMPLETION_INDEX"} {
		if !strings.Contains(cmd, w) {
			t.Errorf("the shard's command %q lacks %q", cmd, w)
		}
	}
	env := map[string]any{}
	for _, e := range get(t, c, "env").([]any) {
		env[get(t, e, "name").(string)] = get(t, e, "value")
	}
	if env["RECON_SHARDS"] != strconv.Itoa(completions) {
		t.Errorf("RECON_SHARDS %v; want the Job's completions, %d", env["RECON_SHARDS"], completions)
	}
	if get(t, c, "resources", "requests", "cpu") == nil || get(t, c, "resources", "requests", "memory") == nil {
		t.Error("the shard has no resource requests")
	}
	// Credentials: a Secret, mounted as files.
	secretVolume := ""
	for _, v := range get(t, pod, "volumes").([]any) {
		if s, ok := get(t, v, "secret").(map[string]any); ok && s["secretName"] == "recon-credentials" {
			secretVolume = get(t, v, "name").(string)
		}
	}
	mounted := false
	for _, m := range get(t, c, "volumeMounts").([]any) {
		mounted = mounted || get(t, m, "name") == secretVolume
	}
	if secretVolume == "" || !mounted {
		t.Error("the shard does not mount the recon-credentials Secret as files")
	}
	byName(t, objs, "Secret", "recon-credentials")
	cfg := get(t, byName(t, objs, "ConfigMap", "recon-config"), "data", "recon.yaml").(string)
	if !strings.Contains(cfg, "_file: /etc/recon/secrets/") {
		t.Error("the config does not read its credentials from the mounted Secret (X_file)")
	}

	// The merge: the same shard count and night URL as the shards publish to.
	merge := byName(t, objs, "CronJob", "recon-merge")
	mc := get(t, merge, "spec", "jobTemplate", "spec", "template", "spec", "containers", 0)
	mcmd := strings.Join(strs(get(t, mc, "args")), " ")
	if !strings.Contains(mcmd, "recon merge") || !strings.Contains(mcmd, "--shards "+strconv.Itoa(completions)) {
		t.Errorf("the merge step %q does not merge the %d shards", mcmd, completions)
	}
	from := regexp.MustCompile(`--from (\S+)`).FindStringSubmatch(mcmd)
	publish := regexp.MustCompile(`--publish (\S+)`).FindStringSubmatch(cmd)
	if from == nil || publish == nil || from[1] != publish[1] {
		t.Errorf("the merge reads %v; the shards publish to %v", from, publish)
	}
	if get(t, merge, "spec", "schedule") != get(t, shards, "spec", "schedule") ||
		get(t, merge, "spec", "timeZone") != get(t, shards, "spec", "timeZone") {
		t.Error("the merge's schedule and zone are not the shards': it would compute another night")
	}
	if !strings.Contains(mcmd, "--wait") {
		t.Error("the merge starts with the shards but does not wait for them")
	}
}

func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, len(l))
	for i, s := range l {
		out[i], _ = s.(string)
	}
	return out
}
