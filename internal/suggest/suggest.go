// Package suggest finds the word meant by a mistyped one, for the
// did-you-mean of config keys, plugin names and rule API names.
package suggest

// Closest is the candidate nearest to s in edit distance, when that
// distance is under within (a typo, not another word); the first of
// equals wins, "" when none is near enough.
func Closest(s string, within int, candidates []string) string {
	best, bestD := "", within
	for _, c := range candidates {
		if d := Distance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// Distance is the Damerau-Levenshtein distance of a and b in bytes (a swap
// of two neighbours is one edit: upya is one from upay, jugde from judge).
// The names compared are ASCII.
func Distance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
