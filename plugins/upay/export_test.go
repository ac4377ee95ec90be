package upay

import (
	"time"

	"github.com/reconhq/recon"
)

// Interpret is the answer parser, for the tests of package upay_test: they
// are external because most of them need the simulator, which imports upay.
func Interpret(kind recon.Kind, body []byte, currency string, loc *time.Location) recon.Reply {
	return interpret(kind, body, &config{currency: currency, loc: loc})
}
