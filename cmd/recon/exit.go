package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/reconhq/recon/engine"
	"github.com/reconhq/recon/store"
)

// Exit statuses of the contract.
const (
	exitOK            = 0
	exitFailed        = 1 // the run could not complete
	exitUsage         = 2
	exitDiscrepancies = 3 // completed, with findings at or above fail_on
)

// usageError is a mistake in how recon was called; Hint says what to do.
type usageError struct {
	Msg, Hint string
}

func (e *usageError) Error() string { return e.Msg }

func usagef(hint, format string, args ...any) error {
	return &usageError{Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// errDiscrepancies is returned by a command that completed and found
// results at or above the configured severity.
var errDiscrepancies = errors.New("discrepancies found")

// exitCode maps an error to the contract's exit status and says why on
// stderr. It is the one place errors become exit statuses.
func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errDiscrepancies):
		return exitDiscrepancies
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "recon: %s\n", ue.Msg)
		if ue.Hint != "" {
			fmt.Fprintf(stderr, "  %s\n", ue.Hint)
		}
		return exitUsage
	case errors.Is(err, store.ErrLocked):
		fmt.Fprintf(stderr, "recon: %v\n  another run is using the store; wait for it to finish, or point --store elsewhere\n", err)
		return exitFailed
	case errors.Is(err, engine.ErrInterrupted):
		fmt.Fprintf(stderr, "recon: %v; run the same command again to resume it\n", err)
		return exitFailed
	default:
		fmt.Fprintf(stderr, "recon: %v\n", err)
		return exitFailed
	}
}
