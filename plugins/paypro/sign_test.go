package paypro

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/reconhq/recon/plugins/helper/jsonfields"
)

// The provider page's request example. Its sign was made with a secret we do
// not know, so the vector is the sign string built from it.
func TestSignStringOfPageRequestExample(t *testing.T) {
	raw, err := os.ReadFile("testdata/request_example.json")
	if err != nil {
		t.Fatal(err)
	}
	fields, err := jsonfields.FromObject(raw)
	if err != nil {
		t.Fatal(err)
	}
	if fields["sign"] != "b609f38f4c3900a82beaf2222611083d" {
		t.Fatalf("example sign not read: %q", fields["sign"])
	}
	const want = "timestamp=1729153976003tradeNo=133323384"
	if got := signString(fields); got != want {
		t.Errorf("signString(page example) = %q, want %q", got, want)
	}
}

// The MD5 vectors in testdata/sign_vectors.tsv were made with md5sum by
// testdata/gen_sign_vectors.sh, not by this package.
func TestSignVectors(t *testing.T) {
	f, err := os.Open("testdata/sign_vectors.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pairs := regexp.MustCompile(`^timestamp=(\d+)tradeNo=(.+)$`)
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			t.Fatalf("bad vector line %q", line)
		}
		secret, str, want := cols[0], cols[1], cols[2]
		m := pairs.FindStringSubmatch(str)
		if m == nil {
			t.Fatalf("vector sign string %q is not timestamp=…tradeNo=…", str)
		}
		fields := map[string]string{"tradeNo": m[2], "timestamp": m[1]}
		if got := signString(fields); got != str {
			t.Errorf("signString(%v) = %q, want %q", fields, got, str)
		}
		if got := Sign(fields, secret); got != want {
			t.Errorf("sign(%q) = %s, want %s", str, got, want)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("read %d vectors, want at least 5", n)
	}
}

func TestSignStringRules(t *testing.T) {
	tests := []struct {
		name   string
		fields map[string]string
		want   string
	}{
		{"sign dropped", map[string]string{"tradeNo": "A1", "timestamp": "1", "sign": "abc"}, "timestamp=1tradeNo=A1"},
		{"empty values dropped", map[string]string{"tradeNo": "A1", "timestamp": "", "extra": ""}, "tradeNo=A1"},
		{"sorted by key", map[string]string{"tradeNo": "A1", "amount": "5.00", "timestamp": "1"}, "amount=5.00timestamp=1tradeNo=A1"},
		{"no escaping", map[string]string{"tradeNo": "a=b&c d"}, "tradeNo=a=b&c d"},
		{"nothing to sign", map[string]string{"sign": "x"}, ""},
	}
	for _, tt := range tests {
		if got := signString(tt.fields); got != tt.want {
			t.Errorf("%s: signString = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// The request the client sends, byte for byte; its sign is the md5sum vector.
func TestRequestBody(t *testing.T) {
	got, err := requestBody("133323384", "1729153976003", "paypro-demo-secret-3f9c2a7e")
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"tradeNo":"133323384","timestamp":"1729153976003","sign":"d0868f9c1b3c4fb8e379b65f764be519"}`
	if string(got) != want {
		t.Errorf("requestBody =\n%s\nwant\n%s", got, want)
	}
}
