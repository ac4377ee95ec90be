// Package simyaml holds the strict YAML scalar types of simulator scenario
// files.
//
// It exists because yaml.v3 decodes loosely into Go integers: 1.5 into an
// int64 is an error, but 1.0 and 1e3 are silently accepted, 012 is read as
// octal (10), and 1_000 and +5 pass. For an amount in a scenario, each of
// those plants an answer the scenario's author did not write. upay and
// vborder each had their own Fen type against this; Minor is the one both
// switch to.
package simyaml
