// Package endpoint checks an account's base URL (the `endpoint:` of an
// account in recon's config) and joins a provider's API path to it.
//
// It exists because each provider used to check its endpoint its own way,
// and the copies disagreed: only two refused a query string (which would be
// silently cut off, or worse, kept in front of the API path), none refused
// user info, and two quoted the endpoint in their errors, password included.
// One policy, written once, is the strictest one every provider can live
// with:
//
//   - surrounding whitespace is trimmed (a value from an environment variable
//     or a file often ends in a newline); whitespace or control characters
//     inside are refused;
//   - the URL is absolute, http or https, and has a host; a port, when given,
//     is 1–65535;
//   - no user info: credentials belong under `credentials:`, where recon
//     keeps them out of logs and reports;
//   - no query string (not even a bare "?") and no fragment: the API path is
//     appended to the endpoint, so either would end up in the wrong place;
//   - no "." or ".." path segments, which servers resolve differently;
//   - trailing slashes are trimmed from the path, so that Join never writes
//     "//" between the base path and the API path.
//
// Errors say what is wrong and never quote the endpoint or any part of it:
// the text may carry a password, and a mistyped one ("user:pass@host"
// without a scheme) parses with the user name as its scheme.
package endpoint
