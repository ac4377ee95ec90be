package rules

// The contract's provider states.
var (
	PaymentStates = set("PENDING", "PAID", "PARTIALLY_PAID", "FAILED", "CLOSED", "PARTIALLY_REFUNDED",
		"REFUNDED", "NOT_FOUND", "UNKNOWN")
	RefundStates = set("PENDING", "SUCCESS", "FAILED", "NOT_FOUND", "UNKNOWN")
)

// contractVerdicts are the contract's verdicts with their default severity
// and action (the built-in judge sets them explicitly; these fill gaps left
// by merchant rules).
var contractVerdicts = map[string]VerdictDef{
	"MATCHED":            {Severity: "info", Action: "NONE"},
	"MISSED_PAYMENT":     {Severity: "warn", Action: "MARK_PAID"},
	"UNPAID_AT_PROVIDER": {Severity: "critical", Action: "REVIEW"},
	"STATUS_MISMATCH":    {Severity: "warn", Action: "REVIEW"},
	"AMOUNT_MISMATCH":    {Severity: "critical", Action: "REVIEW"},
	"REFUND_MISMATCH":    {Severity: "critical", Action: "REVIEW"},
	"NOT_FOUND":          {Severity: "warn", Action: "REVIEW"},
	"UNSETTLED":          {Severity: "info", Action: "RECHECK"},
	"UNKNOWN_STATUS":     {Severity: "warn", Action: "REVIEW"},
	"UNVERIFIABLE":       {Severity: "critical", Action: "REVIEW"},
	"UNSUPPORTED":        {Severity: "warn", Action: "REVIEW"},
	"ERROR":              {Severity: "warn", Action: "RECHECK"},
	"INVALID":            {Severity: "warn", Action: "REVIEW"},
	"DUPLICATE":          {Severity: "warn", Action: "REVIEW"},
}

// ContractVerdict returns the contract's defaults for a verdict.
func ContractVerdict(name string) (VerdictDef, bool) {
	d, ok := contractVerdicts[name]
	return d, ok
}

// ContractVerdicts lists the contract's verdict names.
func ContractVerdicts() []string {
	return []string{"MATCHED", "MISSED_PAYMENT", "UNPAID_AT_PROVIDER", "STATUS_MISMATCH", "AMOUNT_MISMATCH",
		"REFUND_MISMATCH", "NOT_FOUND", "UNSETTLED", "UNKNOWN_STATUS", "UNVERIFIABLE", "UNSUPPORTED", "ERROR",
		"INVALID", "DUPLICATE"}
}

// Severities in increasing order.
var severityRank = map[string]int{"info": 0, "warn": 1, "critical": 2}

func validSeverity(s string) bool { _, ok := severityRank[s]; return ok }

// SeverityAtLeast reports whether severity s is at or above threshold.
func SeverityAtLeast(s, threshold string) bool {
	return severityRank[s] >= severityRank[threshold]
}

// ValidSeverity reports whether s is info, warn or critical.
func ValidSeverity(s string) bool { return validSeverity(s) }

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
