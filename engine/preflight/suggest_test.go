package preflight

import "testing"

func TestClosest(t *testing.T) {
	for _, tt := range []struct {
		s    string
		from []string
		want string
	}{
		{"upya", []string{"edgeros", "paypro", "upay", "vborder"}, "upay"},
		{"terminal_sm", []string{"terminal_sn", "terminal_key"}, "terminal_sn"},
		{"secret_key", []string{"merchant_no", "secret"}, ""}, // four letters more: another word
		{"mch_n", []string{"mch_no", "app_no"}, "mch_no"},
		{"stripe", []string{"edgeros", "paypro", "upay", "vborder"}, ""},
		{"", []string{"upay"}, ""},
	} {
		if got := closest(tt.s, tt.from); got != tt.want {
			t.Errorf("closest(%q, %v) = %q, want %q", tt.s, tt.from, got, tt.want)
		}
	}
}

func TestSuspect(t *testing.T) {
	vborder := []string{"customer_no", "sign_key", "platform_public_key", "merchant_private_key", "response_key"}
	for _, tt := range []struct {
		msg       string
		creds     []string
		verifying bool
		want      string
	}{
		{"code 400: 签名错误 (check sign_key, customer_no and platform_public_key)", vborder, false, "sign_key"},
		{"upay: request rejected 400 ILLEGAL_SIGN", []string{"terminal_sn", "terminal_key"}, false, "terminal_key"},
		{"paypro code 8000: sign error", []string{"merchant_no", "secret"}, false, "secret"},
		{"platform signature: signature does not verify", []string{"mch_no", "app_no", "merchant_private_key", "platform_public_key"}, true, "platform_public_key"},
		{"terminal_key_file unreadable", []string{"terminal_sn", "terminal_key"}, false, "terminal_key"},
	} {
		if got := suspect(tt.msg, tt.creds, tt.verifying); got != tt.want {
			t.Errorf("suspect(%q) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}
