package recon

import "fmt"

// Kind says what a ledger row, a query or a result is about: an order's
// payment or one of its refunds.
type Kind uint8

// The kinds. The numbers are the plugin protocol's; zero is no kind.
const (
	Payment Kind = iota + 1
	Refund
)

// String returns the contract's name: "payment" or "refund" ("" for the zero Kind).
func (k Kind) String() string {
	switch k {
	case Payment:
		return "payment"
	case Refund:
		return "refund"
	}
	return ""
}

// ParseKind reads the contract's name of a kind. The empty string is a
// payment, as the ledger's type column defaults.
func ParseKind(s string) (Kind, error) {
	switch s {
	case "payment", "":
		return Payment, nil
	case "refund":
		return Refund, nil
	}
	return 0, fmt.Errorf("type %q is not payment or refund", s)
}

// MarshalText writes the contract's name; the zero Kind, of a ledger row
// whose type could not be read, is "".
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads the contract's name; "" is the zero Kind.
func (k *Kind) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*k = 0
		return nil
	}
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}
