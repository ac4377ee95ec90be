package rules

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// A mistake in a rule file reaches its author as file, line and message,
// never as a Lua stack trace: run, replay, `rules test` and `rules check`
// all print errors through errorText.

// errorText is err as a rule's author reads it: gopher-lua's message (which
// names file:line) in place of the error it wraps, without the stack
// traceback that error carries.
func errorText(err error) string {
	var ae *lua.ApiError
	if !errors.As(err, &ae) || ae.Object == nil {
		return err.Error()
	}
	return strings.Replace(err.Error(), ae.Error(), errorObject(ae.Object), 1)
}

// errorObject is what a rule raised, as Lua 5.1 reports a non-string one.
func errorObject(v lua.LValue) string {
	switch v.(type) {
	case lua.LString, lua.LNumber:
		return v.String()
	}
	return fmt.Sprintf("(error object is a %s value)", v.Type())
}

// syntaxError is a rule file that does not parse, at a line: at the end of
// the file, its last line (gopher-lua says only "at EOF").
type syntaxError struct {
	File string
	Line int
	Msg  string // "syntax error near 'end'"
	err  *parse.Error
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s line:%d: %s", e.File, e.Line, e.Msg) }
func (e *syntaxError) Unwrap() error { return e.err }

// newSyntaxError is err of parse.Parse(src) as a *syntaxError; err itself
// when it is not a parse error.
func newSyntaxError(file string, src []byte, err error) error {
	var pe *parse.Error
	if !errors.As(err, &pe) {
		return err
	}
	e := &syntaxError{File: file, Line: pe.Pos.Line, err: pe}
	msg := strings.TrimSpace(pe.Message)
	switch {
	case pe.Pos.Line == parse.EOF:
		e.Line = bytes.Count(bytes.TrimRight(src, "\n"), []byte("\n")) + 1
		e.Msg = msg + " at the end of the file"
	case pe.Token != "":
		e.Msg = fmt.Sprintf("%s near '%s'", msg, pe.Token)
	default:
		e.Msg = msg
	}
	return e
}

// unknownHookMsg is what both lint and a loading file say of recon.name
// when recon has no such member.
func unknownHookMsg(name string) string {
	known := strings.Join(knownAPI(), ", ")
	if s := closest(name, knownAPI()); s != "" {
		return fmt.Sprintf("unknown hook recon.%s (did you mean recon.%s?); known: %s", name, s, known)
	}
	return fmt.Sprintf("unknown hook recon.%s; known: %s", name, known)
}

// selectorTableMsg is what lint and a loading file say of a selector table
// with an entry that is not a provider= or account= field.
const selectorTableMsg = "a selector table takes provider= and account=, nothing else"

// selectorKeyMsg is what lint and a loading file say of a selector key
// other than provider and account: {acount = "x"} would select every row.
func selectorKeyMsg(hook, key string) string {
	msg := fmt.Sprintf("recon.%s: selector key %q is not provider or account", hook, key)
	if c := closest(key, []string{"provider", "account"}); c != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", c)
	}
	return msg
}
