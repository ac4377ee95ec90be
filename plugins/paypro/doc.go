// Package paypro is recon's provider for PayPro, a cross-border pay-in and
// pay-out platform with regional base URLs (Indonesia, Pakistan, Mexico,
// Brazil, ...). It asks PayPro's pay-in result query for the state of an
// order.
//
// # The query
//
//	POST {endpoint}/v1/paypro/queryPayInResult
//	merchantNo: 6010000001
//	{"tradeNo":"PP-000001","timestamp":"1729153976003","sign":"…"}
//
// timestamp is epoch milliseconds as a string. sign is lowercase hex
// MD5(concat + secret), concat being `key=value` for every body field but
// sign and empty values, keys sorted (byte order), with no delimiter:
// "timestamp=1729153976003tradeNo=133323384". Only the request is signed.
//
// # Configuration
//
// Credentials: merchant_no (10 digits, sent as the merchantNo header) and
// secret (never sent; it only salts the MD5). The endpoint is the region's
// base URL, checked by plugins/helper/endpoint (http or https, a host, no
// user info, query or fragment). The account's currency is required, since
// PayPro's amounts do not name one, and its time zone reads successTime.
//
// # Reading the answer
//
// The outer code says whether the request was handled; data.status is the
// payment result. Outcomes:
//
//   - code 0000: FOUND. Answer.Status is data.status, raw ("0029" and
//     "00029" both kept as sent); rules/builtin/paypro.lua maps it. It must
//     be a JSON string: a number (15) has lost the zeros that tell 0015,
//     processing, from a failure, so it is malformed (TRANSIENT).
//   - code 5000 (system exception): TRANSIENT — retried, never a failure.
//   - code 8000 with msg "order not exist": NOT_FOUND. Any other 8000 ("sign
//     error", an unknown merchant, a bad parameter) is PERMANENT: the request
//     as sent was refused and resending it will not help. msg is compared
//     case-insensitively, spaces trimmed. "merchant not exist" adds "check
//     credential merchant_no", for `recon check --ping` to blame that
//     credential rather than the secret.
//   - any other outer code: PERMANENT (undocumented).
//   - HTTP 5xx/429, transport errors, timeouts, and a body that is not the
//     documented JSON (no code, 0000 without data or data.status, an amount
//     or successTime that does not parse): TRANSIENT.
//   - a 0000 answer whose data.tradeNo names another order: FOUND as
//     PayPro said it; the host's check makes it UNVERIFIABLE, naming both
//     numbers (see What is checked).
//   - refund queries: UNSUPPORTED at once, no request (PayPro's pay-in API
//     has no refund query).
//
// The `success` member is not consulted: the page says code decides.
// PayPro's answers carry no signature, so Reply.Verified is always false:
// nothing in an answer is verified, and nothing is encrypted either way.
//
// Answer fields: Amount is data.amount, the ordered amount; Received is
// data.receivedAmount (sent for 0001, partial payment) and nil when absent.
// Both are decimal strings in major units of the account's currency ("50000.00",
// or "300" where a region drops the decimals; a JSON number is read by its
// literal digits), parsed exactly with the currency's ISO 4217 minor digits;
// more decimals than the currency has are malformed unless they are zeros.
// An absent or empty amount is nil. Refunded is always nil (PayPro does not
// say). OrderNo is data.tradeNo, the merchant's number as PayPro echoes it;
// TradeNo is data.platFormTradeNo, or data.payproTradeNo where a region
// names it so; RefundNo and RefundTradeNo are always empty. PaidAt is
// data.successTime, local time in the account's zone (UTC if the account
// has none), "yyyy-MM-dd HH:mm:ss" with any field after the year allowed
// one digit ("2024-10-11 9:30:13"). SubStatus is empty:
// data.message is text, kept in Fields. Fields holds every non-null member of
// the answer flat, by the one rule of plugins/helper/jsonfields — the outer
// code, msg, success, timestamp (a number or a string, its digits either
// way) and every data member under its own name; a data member whose name
// clashes with an outer one is "data.<name>". A member named twice in the
// body or in data makes the answer malformed (TRANSIENT): which of the two
// PayPro meant cannot be known.
//
// # What is checked
//
// PayPro signs only requests: its answers carry no signature and nothing is
// encrypted, so no answer can be shown to be PayPro's (TLS to the
// configured endpoint is all there is). What the plugin checks itself:
//
//   - the envelope: the outer code decides; a 0000 answer needs a data
//     object with data.status, amounts and successTime that parse exactly,
//     and no member named twice (else TRANSIENT, malformed).
//
// Whether an answer is about the order asked is the host's one identity
// check (recon.Query.Check), which every reply of a run meets, as upay's
// do: the plugin makes none of its own. (It once refused another
// data.tradeNo itself; the host's check refuses every such answer and one
// that names none, and the plugin's second check only differed where no
// verdict is made — `recon check --ping` took it for a bad secret.) For it
// the answer echoes the identity PayPro stated, never the query's, since a
// copy would always agree: OrderNo is data.tradeNo (required by PayPro's
// page) and TradeNo is data.platFormTradeNo or data.payproTradeNo. From
// these the host refuses an answer about another order (exactly: "a1" or
// " A1" is not A1) or naming none, and an answer whose platform number is
// not the ledger's provider_trade_no when the row has one. The plugin
// never sends that number, so only the host can compare it, and a ledger
// row naming another PayPro order must be a discrepancy, never MATCHED.
// There is no refund identity to echo: PayPro's pay-in API has no refund
// query, so refund queries are UNSUPPORTED before any request.
//
// # Simulator
//
// Package sim (plugins/paypro/sim) serves this API on loopback for the
// tests, `recon sandbox` and `recon demo`; its doc lists the sandbox
// scenario format and the faults it knows.
package paypro
