package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const notifyAcct = "accounts:\n  a:\n    plugin: upay\n    endpoint: http://x.test\n"

func TestObservabilitySettings(t *testing.T) {
	tests := []struct {
		name        string
		yaml        string
		env         []string
		pushgateway string
		notify      *Notify
	}{
		{"none", notifyAcct, nil, "", nil},
		{"pushgateway", notifyAcct + "pushgateway: http://pgw.example.test:9091\n", nil, "http://pgw.example.test:9091", nil},
		{"notify defaults", notifyAcct + "notify:\n  url: https://hooks.example.test/T1/B2\n", nil, "",
			&Notify{URL: "https://hooks.example.test/T1/B2", On: NotifyFindings, Timeout: DefaultNotifyTimeout}},
		{"notify from the environment", notifyAcct + "notify:\n  url: ${HOOK}\n  on: always\n  timeout: 2s\n" +
			"  headers:\n    Authorization: Bearer ${TOKEN}\n", []string{"HOOK", "http://127.0.0.1:9/h", "TOKEN", "t0ken-value"}, "",
			&Notify{URL: "http://127.0.0.1:9/h", On: NotifyAlways, Timeout: 2 * time.Second,
				Headers: map[string]string{"Authorization": "Bearer t0ken-value"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse(filepath.Join("testdata", "c.yaml"), []byte(tt.yaml), env(tt.env...))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Pushgateway != tt.pushgateway {
				t.Errorf("pushgateway %q; want %q", cfg.Pushgateway, tt.pushgateway)
			}
			if !reflect.DeepEqual(cfg.Notify, tt.notify) {
				t.Errorf("notify %+v; want %+v", cfg.Notify, tt.notify)
			}
		})
	}
}

func TestObservabilityErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  []string
		want []string // "line|key|words"
	}{
		{"pushgateway not a URL", notifyAcct + "pushgateway: pgw:9091\n", nil, []string{"5|pushgateway|not an http(s) URL"}},
		{"notify without url", notifyAcct + "notify:\n  on: always\n", nil, []string{"5|notify.url|missing"}},
		{"notify on a typo", notifyAcct + "notify:\n  url: http://h.test/x\n  on: findngs\n", nil,
			[]string{"7|notify.on|\"findngs\" is not findings, failure or always"}},
		{"notify unknown key", notifyAcct + "notify:\n  url: http://h.test/x\n  when: always\n", nil,
			[]string{"7|notify.when|unknown key (known here: headers, on, timeout, url)"}},
		{"notify timeout", notifyAcct + "notify:\n  url: http://h.test/x\n  timeout: soon\n", nil,
			[]string{"7|notify.timeout|not a positive duration"}},
		{"notify header variable missing", notifyAcct + "notify:\n  url: http://h.test/x\n  headers:\n    X-Token: ${NOPE}\n", nil,
			[]string{"8|notify.headers.X-Token|NOPE is not set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", "c.yaml")
			_, err := Parse(path, []byte(tt.yaml), env(tt.env...))
			if err == nil {
				t.Fatal("parsed")
			}
			errs := configErrors(t, err)
			if len(errs) != len(tt.want) {
				t.Fatalf("%d errors; want %d:\n%v", len(errs), len(tt.want), err)
			}
			for i, w := range tt.want {
				parts := strings.SplitN(w, "|", 3)
				e := errs[i]
				if parts[0] != itoa(e.Line) || e.Key != parts[1] || !strings.Contains(e.Msg, parts[2]) {
					t.Errorf("error %d: %s (line %d, key %q); want line %s key %q saying %q", i, e, e.Line, e.Key, parts[0], parts[1], parts[2])
				}
			}
		})
	}
}

// A webhook's URL is a secret (chat webhooks carry their token in the
// path): an error about the config never quotes it.
func TestNotifyURLNotQuoted(t *testing.T) {
	yaml := notifyAcct + "notify:\n  url: hooks.example.test/T0/SECRETPATH\n"
	_, err := Parse("c.yaml", []byte(yaml), env())
	if err == nil {
		t.Fatal("parsed")
	}
	if !strings.Contains(err.Error(), "notify.url") || strings.Contains(err.Error(), "SECRETPATH") {
		t.Errorf("the error quotes the webhook URL: %v", err)
	}
}
