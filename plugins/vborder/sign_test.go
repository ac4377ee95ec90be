package vborder

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"
)

// The vectors under testdata/sign: NAME.json is a business map, NAME.tosign
// the string the protocol says to hash (written by hand), NAME.sign its
// uppercase MD5 as md5sum computed it (testdata/gen.sh).
func TestSignVectors(t *testing.T) {
	key := readTestdataString(t, "sign/key.txt")
	for _, name := range []string{"request", "example", "nested"} {
		t.Run(name, func(t *testing.T) {
			var fields map[string]json.RawMessage
			dec := json.NewDecoder(bytes.NewReader(readTestdata(t, "sign/"+name+".json")))
			dec.UseNumber()
			if err := dec.Decode(&fields); err != nil {
				t.Fatal(err)
			}
			got, err := signString(fields, key)
			if err != nil {
				t.Fatal(err)
			}
			if want := string(readTestdata(t, "sign/"+name+".tosign")); got != want {
				t.Errorf("signString:\n got %s\nwant %s", got, want)
			}
			sign, err := Sign(fields, key)
			if err != nil {
				t.Fatal(err)
			}
			if want := readTestdataString(t, "sign/"+name+".sign"); sign != want {
				t.Errorf("Sign = %s, want %s (md5sum)", sign, want)
			}
		})
	}
}

func TestSignValue(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want string
		ok   bool
	}{
		{`"abc"`, "abc", true},
		{`""`, "", false},
		{`null`, "", false},
		{`1`, "1", true},
		{`1.50`, "1.50", true}, // the number's own text, never reformatted
		{`12345678901234567890`, "12345678901234567890", true},
		{`true`, "true", true},
		{`"{}"`, "{}", true}, // a string holding JSON is a string
		{`{}`, "{}", true},   // an empty object is a value
		{`[]`, "[]", true},
		{`{ "b": 1, "a": [1, 2] }`, `{"b":1,"a":[1,2]}`, true}, // compact, sender's key order
		{`"微保 & <x>"`, "微保 & <x>", true},
		{`"\u5fae\u4fdd"`, "微保", true},
	} {
		got, ok, err := signValue(json.RawMessage(c.raw))
		if err != nil || got != c.want || ok != c.ok {
			t.Errorf("signValue(%s) = %q, %v, %v; want %q, %v", c.raw, got, ok, err, c.want, c.ok)
		}
	}
}

func TestSignMatches(t *testing.T) {
	const want = "009E2062EE81BF2AB612B35ABE67D3FE"
	for got, ok := range map[string]bool{
		want:                               true,
		"009e2062ee81bf2ab612b35abe67d3fe": true, // hex case is not significant
		"009E2062EE81BF2AB612B35ABE67D3FF": false,
		"":                                 false,
		want + "00":                        false,
	} {
		if SignMatches(got, want) != ok {
			t.Errorf("SignMatches(%q) = %v", got, !ok)
		}
	}
}

// The request map as the client builds it signs like the hand-written vector.
func TestRequestSignMatchesVector(t *testing.T) {
	m := map[string]any{"orderNo": "202209070002"}
	if err := AddSign(m, readTestdataString(t, "sign/key.txt")); err != nil {
		t.Fatal(err)
	}
	if want := readTestdataString(t, "sign/request.sign"); m[SignField] != want {
		t.Errorf("request sign %s, want %s", m[SignField], want)
	}
}

func TestRequestBody(t *testing.T) {
	cfg := testConfig(t, ResponseMerchantPrivate)
	priv, _ := testKeys(t, 1024)
	body, err := cfg.requestBody(exampleOrder)
	if err != nil {
		t.Fatal(err)
	}
	var env Envelope
	if err := jsonUnmarshalStrict(body, &env); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if env.CustomerNo != "202112090603" {
		t.Errorf("customerNo %q", env.CustomerNo)
	}
	ct, err := base64.StdEncoding.DecodeString(env.Reqmsg)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := DecryptSegmented(priv, ct) // testConfig's platform key is rsa1024
	if err != nil {
		t.Fatal(err)
	}
	want := `{"orderNo":"202209070002","sign":"` + readTestdataString(t, "sign/request.sign") + `"}`
	if string(plain) != want {
		t.Errorf("reqmsg plaintext %s, want %s", plain, want)
	}
}
