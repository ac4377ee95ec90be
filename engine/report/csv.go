package report

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/reconhq/recon"
)

// CSVHeader is the CSV report's header row: the JSON result flattened.
var CSVHeader = []string{"account", "order_no", "type", "refund_no", "line", "verdict", "severity", "action",
	"local_status", "local_amount", "local_currency", "provider_status", "provider_raw_status",
	"provider_sub_status", "provider_amount", "provider_received", "provider_refunded", "provider_refund_amount",
	"provider_trade_no", "provider_paid_at", "provider_refunded_at", "provider_verified", "detail", "rule_set",
	"attempts", "run_id", "source", "statement"}

// csvSink writes one row per result.
type csvSink struct {
	cw     *csv.Writer
	runID  string
	fields []string
}

func newCSVSink(w io.Writer, runID string) *csvSink {
	return &csvSink{cw: csv.NewWriter(w), runID: runID, fields: make([]string, len(CSVHeader))}
}

func (s *csvSink) begin() error { return s.cw.Write(CSVHeader) }

func (s *csvSink) row(r *recon.Result) error {
	p := r.Provider
	if p == nil {
		p = &recon.ProviderView{}
	}
	verified := ""
	if r.Provider != nil {
		verified = strconv.FormatBool(p.Verified)
	}
	f := append(s.fields[:0], r.Account, r.OrderNo, r.Kind.String(), r.RefundNo, r.Where(), string(r.Verdict),
		string(r.Severity), string(r.Action), string(r.Local.Status), r.Local.Amount, r.Local.Currency, string(p.Status), p.RawStatus,
		p.SubStatus, p.Amount, p.Received, p.Refunded, p.RefundAmount, p.TradeNo, p.PaidAt, p.RefundedAt,
		verified, r.Detail, r.RuleSet, strconv.Itoa(r.Attempts), s.runID, r.Source, statementCell(r.Statement))
	return s.cw.Write(f)
}

func statementCell(st *recon.StatementRef) string {
	if st == nil {
		return ""
	}
	return st.String()
}

func (s *csvSink) end(*Summary) error {
	s.cw.Flush()
	return s.cw.Error()
}
