// Package store keeps recon's runs in a bbolt file: each run's metadata, one
// result per ledger row, the provider's answer behind each result (for audit
// and replay), and each order's latest result (for incremental nights and
// `recon show`).
//
// Layout:
//
//	runs/<run id>                      Run (JSON)
//	data/<run id>/results/<line>       Result (JSON), line as 8-byte big endian
//	data/<run id>/exchanges/<line>     Exchange (JSON)
//	orders/<order key>                 Latest (JSON)
//
// bbolt allows one writer: results are written by one goroutine in batches
// (Writer), never one transaction per order.
package store
