// Package jsonfields turns a provider's answer object into the flat strings
// rules read (plugins.Answer.Fields: "the answer's business fields as flat
// strings, for rules; nested objects are compact JSON").
//
// It exists because each provider flattened its answers its own way and the
// copies disagreed, most visibly on JSON null: left out in two, "" in one,
// "" or left out depending on the level in the fourth. A rule written
// against one provider's Fields then meant something else on another. The
// one rule, for every member of the object:
//
//	null, or absent   left out of the map (a rule sees nil, never "")
//	"text"            its value, unescaped
//	12.50, 1e3, -0    its JSON text exactly as sent, never through float64:
//	                  "12.50" keeps its digits, 1729325978798 stays exact
//	true, false       "true", "false"
//	{...}, [...]      compact JSON as sent: member order, escapes and
//	                  number texts kept, only insignificant whitespace gone
//
// A JSON string and a bare number with the same text flatten alike ("200"
// and 200 both give "200"); rules that must tell them apart read Raw.
//
// Invalid UTF-8 is replaced, byte by byte, with U+FFFD: in a string value
// by encoding/json as it decodes, and inside compact JSON by this package,
// the same way. Every value is therefore valid UTF-8, which is what the
// plugin wire (protobuf strings) requires anyway, so rules see the same
// Fields in-process and across the plugin boundary.
//
// Object refuses a member name that appears twice at the top level: an
// answer with two "status" members is read differently by every parser
// (encoding/json keeps the last), and a signature may cover the other one.
// Nested objects are flattened as text and not checked.
//
// Sizes are left to the caller: the input is a provider's body, which
// plugins.Exchange already caps at plugins.MaxBodyBytes (1 MiB), and a
// second cap here would be a second number to keep in step with it. The
// output is never larger than three times the input (U+FFFD is three bytes
// where the invalid byte was one), and no longer than the input otherwise.
package jsonfields
