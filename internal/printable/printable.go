// Package printable makes a value from a ledger or a provider safe to
// show in a line of text meant for people (a terminal, a chat message):
// a value that could move the cursor, break the line or reorder what is
// shown around it is quoted, Go-style, so that it is seen for what it is
// and cannot forge the lines around it.
package printable

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Quote is s as it is when every character in it shows as itself, and
// strconv.Quote(s) otherwise: "O4\x1b[2J\n..." in quotes, one line, each
// control character a visible escape. The quotes keep a quoted value
// apart from one that merely holds a backslash.
func Quote(s string) string {
	if !strings.ContainsFunc(s, hidden) && utf8.ValidString(s) {
		return s
	}
	return strconv.Quote(s)
}

// hidden says whether r acts on the text instead of showing: C0 and C1
// controls (newline, CR, tab, ESC, CSI...), the Unicode line and
// paragraph separators, and the bidirectional controls that reorder
// what a terminal or a browser shows.
func hidden(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	case unicode.Is(unicode.Bidi_Control, r):
		return true
	}
	return false
}
