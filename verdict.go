package recon

import "fmt"

// State is a status in the contract's one vocabulary: the ledger's status
// of a row, and the provider's status once the rules mapped it.
type State string

// The states. The ledger uses the payment statuses PENDING through REFUNDED
// and the refund statuses PENDING, SUCCESS, FAILED; a provider's answer can
// also be PARTIALLY_PAID, NOT_FOUND or UNKNOWN (a status no rule maps).
const (
	StatePending           State = "PENDING"
	StatePaid              State = "PAID"
	StatePartiallyPaid     State = "PARTIALLY_PAID"
	StateFailed            State = "FAILED"
	StateClosed            State = "CLOSED"
	StatePartiallyRefunded State = "PARTIALLY_REFUNDED"
	StateRefunded          State = "REFUNDED"
	StateSuccess           State = "SUCCESS"
	StateNotFound          State = "NOT_FOUND"
	StateUnknown           State = "UNKNOWN"
)

// LedgerStatuses are the statuses a ledger row of kind k may have.
func LedgerStatuses(k Kind) []State {
	if k == Refund {
		return []State{StatePending, StateSuccess, StateFailed}
	}
	return []State{StatePending, StatePaid, StateFailed, StateClosed, StatePartiallyRefunded, StateRefunded}
}

// ProviderStates are the states the rules may map a provider's answer about
// a row of kind k to.
func ProviderStates(k Kind) []State {
	if k == Refund {
		return []State{StatePending, StateSuccess, StateFailed, StateNotFound, StateUnknown}
	}
	return []State{StatePending, StatePaid, StatePartiallyPaid, StateFailed, StateClosed, StatePartiallyRefunded,
		StateRefunded, StateNotFound, StateUnknown}
}

// IsProviderState reports whether s is a provider state for kind k.
func IsProviderState(k Kind, s State) bool {
	for _, v := range ProviderStates(k) {
		if v == s {
			return true
		}
	}
	return false
}

// Verdict is the judgement of a ledger row. The contract's verdicts are the
// constants below; rule files may declare their own.
type Verdict string

// The contract's verdicts.
const (
	VerdictMatched          Verdict = "MATCHED"
	VerdictMissedPayment    Verdict = "MISSED_PAYMENT"
	VerdictUnpaidAtProvider Verdict = "UNPAID_AT_PROVIDER"
	VerdictStatusMismatch   Verdict = "STATUS_MISMATCH"
	VerdictAmountMismatch   Verdict = "AMOUNT_MISMATCH"
	VerdictRefundMismatch   Verdict = "REFUND_MISMATCH"
	VerdictNotFound         Verdict = "NOT_FOUND"
	VerdictUnsettled        Verdict = "UNSETTLED"
	VerdictUnknownStatus    Verdict = "UNKNOWN_STATUS"
	VerdictUnverifiable     Verdict = "UNVERIFIABLE"
	VerdictMissingInLedger  Verdict = "MISSING_IN_LEDGER"
	VerdictUnsupported      Verdict = "UNSUPPORTED"
	VerdictError            Verdict = "ERROR"
	VerdictInvalid          Verdict = "INVALID"
	VerdictDuplicate        Verdict = "DUPLICATE"
)

// Severity ranks how much a verdict needs a person.
type Severity string

// The severities, in increasing order.
const (
	SeverityInfo     Severity = "info"
	SeverityWarn     Severity = "warn"
	SeverityCritical Severity = "critical"
)

// Rank orders severities: info 0, warn 1, critical 2; -1 for anything else.
func (s Severity) Rank() int {
	switch s {
	case SeverityInfo:
		return 0
	case SeverityWarn:
		return 1
	case SeverityCritical:
		return 2
	}
	return -1
}

// Valid reports whether s is info, warn or critical.
func (s Severity) Valid() bool { return s.Rank() >= 0 }

// AtLeast reports whether s is at or above threshold (the config's fail_on).
func (s Severity) AtLeast(threshold Severity) bool { return s.Valid() && s.Rank() >= threshold.Rank() }

// ParseSeverity reads info, warn or critical.
func ParseSeverity(s string) (Severity, error) {
	if v := Severity(s); v.Valid() {
		return v, nil
	}
	return "", fmt.Errorf("severity %q is not info, warn or critical", s)
}

// Action is what a person should do about a row.
type Action string

// The contract's actions.
const (
	ActionNone       Action = "NONE"
	ActionMarkPaid   Action = "MARK_PAID"
	ActionMarkClosed Action = "MARK_CLOSED"
	ActionReview     Action = "REVIEW"
	ActionRecheck    Action = "RECHECK"
)

// VerdictDef is a verdict's default severity and action.
type VerdictDef struct {
	Severity Severity
	Action   Action
	// File is the rule file that declared the verdict; "" for the contract's.
	File string
}

var contractVerdicts = map[Verdict]VerdictDef{
	VerdictMatched:          {Severity: SeverityInfo, Action: ActionNone},
	VerdictMissedPayment:    {Severity: SeverityWarn, Action: ActionMarkPaid},
	VerdictUnpaidAtProvider: {Severity: SeverityCritical, Action: ActionReview},
	VerdictStatusMismatch:   {Severity: SeverityWarn, Action: ActionReview},
	VerdictAmountMismatch:   {Severity: SeverityCritical, Action: ActionReview},
	VerdictRefundMismatch:   {Severity: SeverityCritical, Action: ActionReview},
	VerdictNotFound:         {Severity: SeverityWarn, Action: ActionReview},
	VerdictUnsettled:        {Severity: SeverityInfo, Action: ActionRecheck},
	VerdictUnknownStatus:    {Severity: SeverityWarn, Action: ActionReview},
	VerdictUnverifiable:     {Severity: SeverityCritical, Action: ActionReview},
	VerdictMissingInLedger:  {Severity: SeverityCritical, Action: ActionReview},
	VerdictUnsupported:      {Severity: SeverityWarn, Action: ActionReview},
	VerdictError:            {Severity: SeverityWarn, Action: ActionRecheck},
	VerdictInvalid:          {Severity: SeverityWarn, Action: ActionReview},
	VerdictDuplicate:        {Severity: SeverityWarn, Action: ActionReview},
}

// ContractVerdict returns the contract's defaults for a verdict.
func ContractVerdict(v Verdict) (VerdictDef, bool) {
	d, ok := contractVerdicts[v]
	return d, ok
}

// ContractVerdicts lists the contract's verdicts in the contract's order.
func ContractVerdicts() []Verdict {
	return []Verdict{VerdictMatched, VerdictMissedPayment, VerdictUnpaidAtProvider, VerdictStatusMismatch,
		VerdictAmountMismatch, VerdictRefundMismatch, VerdictNotFound, VerdictUnsettled, VerdictUnknownStatus,
		VerdictUnverifiable, VerdictMissingInLedger, VerdictUnsupported, VerdictError, VerdictInvalid, VerdictDuplicate}
}

// Judgement is the rules' decision on one row.
type Judgement struct {
	State       State // the provider's state ("" when the provider gave none)
	StateDetail string
	Verdict     Verdict
	Severity    Severity
	Action      Action
	Detail      string
}

// Default is a judgement of verdict v with the contract's severity and
// action, for rows the rules never see (INVALID, DUPLICATE) or could not
// judge (ERROR when a rule fails).
func Default(v Verdict, detail string) Judgement {
	d := contractVerdicts[v]
	return Judgement{Verdict: v, Severity: d.Severity, Action: d.Action, Detail: detail}
}
