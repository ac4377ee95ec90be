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

// Sign is PayPro's request signature: lowercase hex MD5(signString(fields) +
// secret). It is exported for the simulator, which checks requests with the
// very rule the client signs them by. PayPro's answers carry no signature,
// so there is nothing to verify on the way back.
func Sign(fields map[string]string, secret string) string {
	sum := md5.Sum([]byte(signString(fields) + secret))
	return hex.EncodeToString(sum[:])
}
