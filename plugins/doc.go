// Package plugins is the provider plugin SDK of recon.
//
// A provider is a Go type that implements Provider: it describes itself,
// takes one account's configuration, and answers queries for orders and
// refunds. A plugin binary is a main package that calls Serve with it:
//
//	func main() { plugins.Serve(myprovider.New()) }
//
// Serve speaks the versioned gRPC protocol of recon over hashicorp/go-plugin;
// a provider author never imports go-plugin or gRPC. Nothing may be written to
// stdout before Serve: stdout carries go-plugin's handshake.
//
// The types a provider exchanges with recon are recon's own vocabulary
// (package github.com/reconhq/recon): a Query in, a Reply out. What every
// provider needs besides is here and in the helper packages: Exchange and Do
// (HTTP with a body cap and the transient/permanent split), Guard (one
// attempt under its deadline, a panic as PERMANENT), Account.Credential,
// bounds on a reply (bounds.go), plugins/money, plugins/helper/{endpoint,
// rsakey,jsonfields}, and for simulators plugins/simkit with script and
// simyaml. docs/plugins.md is the tutorial.
//
// The host side of the same protocol (Remote) lives here too, so that the
// two halves of the wire format are kept in one place.
package plugins
