package preflight

import "github.com/reconhq/recon/internal/suggest"

// closest is the candidate meant by s when it is near enough to be a typo
// of it: at most a third of its letters differ.
func closest(s string, candidates []string) string {
	return suggest.Closest(s, len(s)/3+1, candidates)
}
