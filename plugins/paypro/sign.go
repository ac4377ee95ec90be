package paypro

import (
	"crypto/md5"
	"encoding/hex"
	"sort"
	"strings"
)

// signString is the text PayPro signs: `key=value` for every body field
// except `sign` and fields with empty values, keys sorted a–z, joined with no
// delimiter: "timestamp=1729153976003tradeNo=133323384".
func signString(fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k, v := range fields {
		if k == "sign" || v == "" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(fields[k])
	}
	return b.String()
}

// sign is lowercase hex MD5(signString(fields) + secret).
func sign(fields map[string]string, secret string) string {
	sum := md5.Sum([]byte(signString(fields) + secret))
	return hex.EncodeToString(sum[:])
}
