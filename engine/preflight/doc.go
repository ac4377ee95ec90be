// Package preflight checks, before a night's first query, what would
// otherwise only show at the end or as rows of findings: that each account's
// plugin exists, matches its pin and knows the credentials the account
// gives it (with a did-you-mean for a typo), that the plugin accepts them,
// that the rule files compile, and that every file the run will write can
// be written. With Ping it also asks each account's provider one real query.
//
// A run (cmd/recon run) and `recon check` share it: a problem it finds is a
// bad config, exit 1, never a night of ERROR rows.
package preflight
