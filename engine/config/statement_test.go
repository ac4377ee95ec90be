package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
)

func TestStatementKeys(t *testing.T) {
	const acct = "accounts:\n  a:\n    plugin: upay\n    endpoint: http://upay.test\n    timezone: Asia/Shanghai\n" // lines 1-5
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		yaml      string
		wantPath  string // of day, relative to the config's folder
		wantTrust bool
		check     func(t *testing.T, s *Statement)
		wantErr   string // "line|key|words"
	}{
		{name: "dated pattern, default format", yaml: acct + "    statement: bills/upay-{date}.csv\n",
			wantPath: "bills/upay-2026-11-30.csv", check: func(t *testing.T, s *Statement) {
				if s.Format != "recon" || !s.Dated() || s.Mapping.OrderNo != "order_no" || s.Mapping.DefaultCurrency != "CNY" ||
					s.Mapping.Location.String() != "Asia/Shanghai" {
					t.Errorf("statement %+v", s)
				}
			}},
		{name: "a layout, trusted, wechat", yaml: acct + "    statement: wx/{date:20060102}.csv\n    statement_format: wechat\n    statement_trust: true\n",
			wantPath: "wx/20261130.csv", wantTrust: true, check: func(t *testing.T, s *Statement) {
				if s.Mapping.OrderNo != "商户订单号" || s.Mapping.TrimPrefix != "`" {
					t.Errorf("wechat mapping %+v", s.Mapping)
				}
			}},
		{name: "two placeholders, one with a folder per month", yaml: acct + "    statement: bills/{date:2006-01}/{date:20060102}.csv\n",
			wantPath: "bills/2026-11/20261130.csv", check: func(*testing.T, *Statement) {}},
		{name: "mapping over the preset", yaml: acct + "    statement: b.csv\n    statement_mapping:\n      amount: settled\n      amount_unit: minor\n      types: {P: payment, R: refund}\n      type: kind\n",
			wantPath: "b.csv", check: func(t *testing.T, s *Statement) {
				m := s.Mapping
				if s.Dated() || m.Amount != "settled" || m.AmountUnit != "minor" || m.Type != "kind" || m.Types["R"] != recon.Refund || m.OrderNo != "order_no" {
					t.Errorf("mapping %+v", m)
				}
			}},
		// "" clears a column the preset names: a bill without one.
		{name: "a column cleared", yaml: acct + "    statement: b.csv\n    statement_mapping:\n      time: \"\"\n      type: ''\n      provider_trade_no: \"\"\n",
			wantPath: "b.csv", check: func(t *testing.T, s *Statement) {
				m := s.Mapping
				if m.Time != "" || m.Type != "" || m.ProviderTradeNo != "" || m.OrderNo != "order_no" || m.Amount != "amount" {
					t.Errorf("mapping %+v", m)
				}
			}},
		{name: "a typo in the mapping", yaml: acct + "    statement_mapping:\n      ordr_no: no\n",
			wantErr: "7|accounts.a.statement_mapping.ordr_no|unknown key (known here: amount, amount_unit, currency, encoding, format"},
		{name: "a format no reader has", yaml: acct + "    statement: b.csv\n    statement_mapping:\n      format: xlsx\n",
			wantErr: "7|accounts.a.statement_mapping|unknown statement format \"xlsx\""},
		{name: "unknown format", yaml: acct + "    statement: b.csv\n    statement_format: alipay\n",
			wantErr: "7|accounts.a.statement_format|unknown statement format \"alipay\"; known: recon, wechat"},
		{name: "a type value that is no kind", yaml: acct + "    statement_mapping:\n      type: kind\n      types: {P: purchase}\n",
			wantErr: "|accounts.a.statement_mapping.types.P|\"purchase\" is not payment or refund"},
		// Broken placeholders would name no file any night: "not published".
		{name: "a placeholder not closed", yaml: acct + "    statement: bills/upay-{date.csv\n",
			wantErr: "6|accounts.a.statement|\"bills/upay-{date.csv\": {date.csv has no closing }"},
		{name: "an empty layout", yaml: acct + "    statement: bills/upay-{date:}.csv\n",
			wantErr: "6|accounts.a.statement|{date:} has no layout"},
		{name: "a layout without a day", yaml: acct + "    statement: bills/{date:2006-01}.csv\n",
			wantErr: "6|accounts.a.statement|layout \"2006-01\" does not name the year, month and day"},
		{name: "a layout of no date", yaml: acct + "    statement: bills/{date:daily}.csv\n",
			wantErr: "6|accounts.a.statement|layout \"daily\""},
		{name: "a placeholder misspelt", yaml: acct + "    statement: bills/{dates}.csv\n",
			wantErr: "6|accounts.a.statement|{dates} is not {date} or {date:LAYOUT}"},
		{name: "a bad amount unit", yaml: acct + "    statement_mapping:\n      amount_unit: cents\n",
			wantErr: "6|accounts.a.statement_mapping|amount unit \"cents\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", "c.yaml")
			cfg, err := Parse(path, []byte(tt.yaml+"    credentials: {terminal_sn: a, terminal_key: b}\n"), env())
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("parsed: %s", dump(cfg))
				}
				parts := strings.SplitN(tt.wantErr, "|", 3)
				e := configErrors(t, err)[0]
				if (parts[0] != "" && parts[0] != itoa(e.Line)) || e.Key != parts[1] || !strings.Contains(e.Msg, parts[2]) {
					t.Fatalf("%v (line %d, key %q); want %s", e, e.Line, e.Key, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := cfg.Accounts["a"].Statement
			if s == nil {
				t.Fatal("no statement")
			}
			if got := s.Path(day); got != filepath.Join("testdata", tt.wantPath) || s.Trust != tt.wantTrust {
				t.Errorf("path %q trust %v; want %q %v", got, s.Trust, filepath.Join("testdata", tt.wantPath), tt.wantTrust)
			}
			tt.check(t, s)
		})
	}
}
