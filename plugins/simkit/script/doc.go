// Package script is the one vocabulary of simulator faults and the one way
// a scenario scripts them: "the next N queries of order X (or any request)
// meet fault F".
//
// It exists because the four simulators each scripted faults their own
// way: a per-order map in upay and vborder, two per-order fields in paypro,
// a top-level list in edgeros; and an HTTP 503 was "http_5xx" in two of
// them and "5xx" in the other two. A scenario written for one could not be
// read by the next, and every simulator wrote its own 503. Random faults
// (rates per request) stay in simkit.Injector; this package is only about
// scripted ones.
//
// # Vocabulary
//
// Every Registry holds the generic faults, which Generic.Serve answers the
// same way for every provider:
//
//	http_5xx    HTTP 503 with a small JSON error body
//	malformed   HTTP 200 with a truncated JSON body
//	slow        the normal answer, after a delay
//	hang        no answer at all, until the client gives up
//
// A provider declares its own faults with their meaning for it (Spec). The
// names a provider implements its own way but that mean the same thing
// everywhere are declared here once so that they are spelled alike: busy,
// badsign, tamper, nosign, replay. A name a scenario uses that its
// provider's registry does not hold is an error listing the known ones.
//
// # Scenario YAML
//
// Each provider's scenario section embeds the two shapes where it fits:
//
//	orders:
//	  - client_sn: A1              # the provider's own order fields...
//	    faults: {http_5xx: 2}      # Counts: the next 2 queries of A1 get 503
//	scripted:                      # []Entry, at the top level of the section
//	  - {key: A1-R1, fault: tamper, times: -1}   # any key: an order, a refund
//	  - {fault: slow, times: 3}    # no key: the next 3 requests, whatever they ask
//	faults: {error_rate: 0.05}     # simkit.Faults: random rates, unchanged
//
// A count is a number of requests, or -1 for every request; 0 in Counts
// means none (so a scenario can switch one off); times: 0 in an Entry is an
// error (it is what a forgotten times: decodes as).
//
// # Which fault a request meets
//
// Plan.Take gives a request at most one fault: its key's first, then the
// any-request ones; within each, in registry order (the generic faults as
// listed above, then the provider's in the order declared). A simulator
// whose faults compose (a slow answer that is also badly signed) asks for
// each at its own stage with Plan.TakeFault instead. Every fault taken is
// counted on the Plan's Counter (a *simkit.Injector) as "scripted_<name>",
// apart from the injector's own random counts.
package script
