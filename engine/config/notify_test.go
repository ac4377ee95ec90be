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
