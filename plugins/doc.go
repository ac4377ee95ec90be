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
// The host side of the same protocol (Dial) lives here too, so that the two
// halves of the wire format are kept in one place.
package plugins
