// Package host starts provider plugins for accounts and keeps them alive.
//
// What an account needs of a plugin is the Starter and Plugin interfaces:
// resolve a provider by name, start it configured for the account, query
// it, tell that it exited, stop it. Host implements them with processes: a
// built-in provider is this very binary started again with
// builtin.EnvServe set; any other is a binary from the plugin directory,
// pinned by sha256 when the config says so. InProcess implements them by
// calling providers in this process, for tests of what the engine does
// with a plugin (retries, restarts, the breaker) without starting one.
package host
