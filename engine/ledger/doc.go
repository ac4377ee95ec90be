// Package ledger streams a merchant's ledger, CSV with a header row or JSON
// Lines with the same keys, and emits each row as the recon.Row the rules
// judge: parsed, and checked against the accounts of the config (which the
// caller hands in as Accounts, so that this package needs nothing else of
// the config).
//
// A row is never dropped. One that cannot be read or does not hold up (a
// missing column, an account the config lacks, an amount with too many
// decimals for its currency) comes back with a *recon.RowError, whose Reason
// is what the operator reads as the detail of its INVALID result, and
// reading goes on with the next. A line longer than MaxLineBytes is skipped
// without being held in memory, and its row says so; a line whose quote
// does not close as CSV expects is a bad row of its own, and the lines
// after it are read on their own (engine/internal/lines.Records).
//
// A ledger that cannot be read at all (not opened, of an unknown format, a
// header under which no row could be judged) or no further (the file failed
// midway) is an *Error.
package ledger
