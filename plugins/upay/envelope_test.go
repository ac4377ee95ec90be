package upay

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// FuzzScanEnvelope: whenever scanEnvelope reads a body itself, it reads
// what json.Unmarshal reads, field for field and data byte for byte.
func FuzzScanEnvelope(f *testing.F) {
	doc, err := os.ReadFile("testdata/doc_query_success.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(doc)
	for _, s := range []string{`{"result_code":"200","biz_response":null}`, `{"result_code":200,"error_code":null}`,
		`{"RESULT_CODE":"500","result_code":"200"}`, `{"result_code":"200","result_code":"400"}`,
		`{"result_code":"200","biz_response":{"Result_Code":"FAIL","result_code":"SUCCESS","data":{}}}`,
		`{"result_code":"200","biz_response":"x"}`, `{"result_code":true}`, `{"result_code":"\u0032\u0030\u0030"}`,
		`{"result_code":"200","biz_response":{"result_code":"SUCCESS","data":[1]}}`, `{"reſult_code":"1"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := scanEnvelope(body)
		if !ok {
			return
		}
		var want envelope
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("scanned %q, which json.Unmarshal refuses: %v", body, err)
		}
		if got.ResultCode != want.ResultCode || got.ErrorCode != want.ErrorCode || got.ErrorMessage != want.ErrorMessage ||
			(got.BizResponse == nil) != (want.BizResponse == nil) {
			t.Fatalf("%q: scanned %+v, decoded %+v", body, got, want)
		}
		if g, w := got.BizResponse, want.BizResponse; g != nil && (g.ResultCode != w.ResultCode ||
			g.ErrorCode != w.ErrorCode || g.ErrorMessage != w.ErrorMessage || !bytes.Equal(g.Data, w.Data)) {
			t.Fatalf("%q: biz_response scanned %+v, decoded %+v", body, *g, *w)
		}
	})
}
