// Package rules runs recon's Lua rules: the built-in rule files embedded in
// the binary, then the merchant's files in the config's order.
//
// A rule file registers hooks on the global `recon` table:
//
//	recon.map_payment("upay", function(a, super) ... return "PAID" end)
//	recon.map_refund("upay", function(a, super) ... end)
//	recon.judge(function(row, p, super) ... return {verdict="MATCHED"} end)
//	recon.judge_refund({account="shop-upay"}, function(row, p, super) ... end)
//	recon.refunds(function(o, super) ... end)
//	recon.should_query(function(row, last, super) ... return false, "matched last night" end)
//	recon.verdict("LATE_PAYMENT", {severity="warn", action="REVIEW"})
//
// The selector (a provider name, a table {provider=..., account=...}, or
// nothing) says which rows a hook applies to. A later registration wins; it
// receives the one it replaced as `super`. Rules see amounts as integer
// minor units, times as unix seconds, and the provider's raw fields.
//
// States are sandboxed (base, table, string and math only; no loading of
// code, files or processes, no math.random), each call runs under a time
// limit that holds inside pattern functions too (pattern.go), and states
// are pooled: an LState is not safe for concurrent use. What a file leaves
// behind when it loads is checked after every call (kept.go), so a verdict
// never depends on earlier rows or on which pooled state judged it; and no
// hook can make an UNVERIFIABLE answer count (keepUnverifiable).
//
// A call is judged per row, so it allocates only what it cannot reuse: each
// state keeps its stop context and timer (call.go), its hooks' chains and
// supers (state.go), and the tables it hands to rules, refilled per call
// and replaced when a rule left them changed, with p.fields filled on first
// use (tables.go). bench_test.go measures it for each provider.
package rules
