package rules

import "github.com/reconhq/recon"

// The vocabulary as Lua source spells it: the linter and the Lua bridge
// compare strings, package recon owns the names.
var (
	paymentStates = stateNames(recon.Payment)
	refundStates  = stateNames(recon.Refund)
	// statementStates are what map_statement may return: either kind's.
	statementStates = union(paymentStates, refundStates)
)

func stateNames(k recon.Kind) map[string]bool {
	m := map[string]bool{}
	for _, s := range recon.ProviderStates(k) {
		m[string(s)] = true
	}
	return m
}

func isContractVerdict(name string) bool {
	_, ok := recon.ContractVerdict(recon.Verdict(name))
	return ok
}

func contractVerdictNames() []string {
	var out []string
	for _, v := range recon.ContractVerdicts() {
		out = append(out, string(v))
	}
	return out
}

func validSeverity(s string) bool { return recon.Severity(s).Valid() }
