package report

import (
	"encoding/json"
	"math"
	"slices"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
)

// maxKeys bounds the distinct accounts, verdicts and currencies a summary
// tells apart, so that a ledger of garbage (a new account name on every
// INVALID row) cannot make the summary grow with the rows; the rest are
// counted under Other.
const maxKeys = 256

// Other is the key the rows beyond maxKeys distinct accounts or verdicts
// are counted under.
const Other = "(other)"

// Summary is what one pass over a run's results counted: the rows by
// verdict, severity and account, the findings (the rows at or above
// FailOn, the one definition the exit status, the text summary and the
// HTML report share), and the money at risk: the ledger amounts of the
// findings, per currency.
type Summary struct {
	FailOn     recon.Severity          `json:"fail_on"`
	Rows       int                     `json:"rows"`
	Findings   int                     `json:"findings"`
	Verdicts   map[recon.Verdict]int   `json:"verdicts"`
	Severities map[recon.Severity]int  `json:"severities"`
	Accounts   map[string]*AccountSums `json:"accounts"`
	AtRisk     Money                   `json:"at_risk"`
}

// AccountSums is one account's share of a Summary.
type AccountSums struct {
	Rows       int                    `json:"rows"`
	Findings   int                    `json:"findings"`
	Severities map[recon.Severity]int `json:"severities"`
	AtRisk     Money                  `json:"at_risk"`
}

func newSummary(failOn recon.Severity) *Summary {
	return &Summary{FailOn: failOn, Verdicts: map[recon.Verdict]int{}, Severities: map[recon.Severity]int{},
		Accounts: map[string]*AccountSums{}}
}

// Finding reports whether r is a finding of the summary's run.
func (s *Summary) Finding(r *recon.Result) bool { return r.Severity.AtLeast(s.FailOn) }

func (s *Summary) add(r *recon.Result) {
	s.Rows++
	v := r.Verdict
	if _, ok := s.Verdicts[v]; !ok && len(s.Verdicts) >= maxKeys {
		v = Other
	}
	s.Verdicts[v]++
	s.Severities[r.Severity]++ // bounded: a severity is valid or the row is refused before the store
	a := s.Accounts[r.Account]
	if a == nil {
		name := r.Account
		if len(s.Accounts) >= maxKeys {
			name = Other
			a = s.Accounts[name]
		}
		if a == nil {
			a = &AccountSums{Severities: map[recon.Severity]int{}}
			s.Accounts[name] = a
		}
	}
	a.Rows++
	a.Severities[r.Severity]++
	if s.Finding(r) {
		s.Findings++
		a.Findings++
		s.AtRisk.Add(r.Local.Currency, r.Local.Amount)
		a.AtRisk.Add(r.Local.Currency, r.Local.Amount)
	}
}

// Money sums exact amounts per currency, never through a float: each
// currency's sum is an integer count of its minor units. The zero Money is
// empty and ready to use.
type Money struct {
	sums map[string]*minorSum
	// Unpriced counts the amounts not summed: one that does not read as an
	// amount of its currency (an INVALID row's "12.345" CNY: what is wrong
	// with the row may be its amount), or has no currency, or one beyond
	// maxKeys currencies. engine/summary (alerts, metrics) sums with it too.
	Unpriced int
}

type minorSum struct {
	minor    int64
	digits   int
	overflow bool
}

// Add adds an amount in major units ("12.34") of currency.
func (m *Money) Add(currency, amount string) {
	d := m.sums[currency]
	digits, err := money.Digits(currency)
	var minor int64
	if err == nil {
		minor, err = money.Parse(amount, digits)
	}
	if err != nil || minor < 0 || d == nil && len(m.sums) >= maxKeys {
		m.Unpriced++
		return
	}
	if d == nil {
		if m.sums == nil {
			m.sums = map[string]*minorSum{}
		}
		d = &minorSum{digits: digits}
		m.sums[currency] = d
	}
	if minor > math.MaxInt64-d.minor {
		d.overflow = true
		return
	}
	d.minor += minor
}

// Currencies lists the currencies summed, in order.
func (m Money) Currencies() []string {
	out := make([]string, 0, len(m.sums))
	for c := range m.sums {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Minor is a currency's sum in its minor units, and its minor digits;
// overflow: past int64 (minor is then the largest int64, a lower bound).
func (m Money) Minor(currency string) (minor int64, digits int, overflow bool) {
	d := m.sums[currency]
	if d == nil {
		return 0, 0, false
	}
	if d.overflow {
		return math.MaxInt64, d.digits, true
	}
	return d.minor, d.digits, false
}

// Sum is a currency's sum as an exact decimal in major units ("" for a
// currency not summed, "overflow" past int64).
func (m Money) Sum(currency string) string {
	d := m.sums[currency]
	if d == nil {
		return ""
	}
	if d.overflow {
		return "overflow"
	}
	return money.Format(d.minor, d.digits)
}

// MarshalJSON writes {"sums": {"CNY": "12.34", ...}, "unpriced": 0}:
// amounts as strings, never numbers.
func (m Money) MarshalJSON() ([]byte, error) {
	sums := map[string]string{}
	for c := range m.sums {
		sums[c] = m.Sum(c)
	}
	return json.Marshal(struct {
		Sums     map[string]string `json:"sums"`
		Unpriced int               `json:"unpriced"`
	}{sums, m.Unpriced})
}
