package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Commands that start no plugin stand in a placeholder for exactly the
// credentials whose variable is not set: recognised by the config error's
// cause and key, so that a reworded message cannot turn a missing endpoint
// into a placeholder, nor a missing secret into a failure.
func TestLoadConfigWithoutSecrets(t *testing.T) {
	const acct = "accounts:\n  shop-upay:\n    plugin: upay\n    endpoint: %s\n    credentials:\n      terminal_sn: \"1001\"\n      terminal_key: %s\n"
	tests := []struct {
		name     string
		endpoint string
		key      string
		// wantKey is the terminal_key loaded; "" for an error.
		wantKey string
	}{
		{"a credential's variable unset", "http://upay.test", "${RECON_TEST_UNSET_KEY}", unsetSecret},
		{"two in one value", "http://upay.test", "${RECON_TEST_UNSET_A}${RECON_TEST_UNSET_B}", unsetSecret + unsetSecret},
		{"an endpoint's variable unset", "${RECON_TEST_UNSET_HOST}", "k-1234", ""},
		{"both", "${RECON_TEST_UNSET_HOST}", "${RECON_TEST_UNSET_KEY}", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "recon.yaml")
			if err := os.WriteFile(path, []byte(fmt.Sprintf(acct, tt.endpoint, tt.key)), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := loadConfigWithoutSecrets(path)
			if tt.wantKey == "" {
				if err == nil {
					t.Fatal("loaded; want the config error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Accounts["shop-upay"].Credentials["terminal_key"]; got != tt.wantKey {
				t.Errorf("terminal_key %q; want %q", got, tt.wantKey)
			}
		})
	}
}
