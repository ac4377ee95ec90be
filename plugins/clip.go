package plugins

import "unicode/utf8"

// ClipBytes is how much of one piece of provider text (a code, a message, a
// value that did not parse) a reply's error may quote. A few such pieces,
// even quoted with escapes, and the plugin's own words stay far below
// MaxTextBytes, past which the wire replaces the whole reply with a
// PERMANENT one: the reason would be lost, and a TRANSIENT answer (a
// provider's "system busy" with a long message) would become a verdict.
const ClipBytes = 200

// Clip returns s cut to at most ClipBytes bytes, and never inside a UTF-8
// sequence, followed by "…" when it was cut. Put every piece of provider
// text through it before it goes into Reply.Err.
func Clip(s string) string {
	if len(s) <= ClipBytes {
		return s
	}
	// Back up to the start of the rune that straddles the cut (at most
	// UTFMax-1 bytes); invalid bytes are the wire's to mend.
	i := ClipBytes
	for j := 0; j < utf8.UTFMax-1 && i > 0 && !utf8.RuneStart(s[i]); j++ {
		i--
	}
	return s[:i] + "…"
}
