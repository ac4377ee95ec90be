// Package edgeros is recon's provider plugin for 翼辉支付 AcoPay (EdgerOS):
// its trade query and refund query, signed both ways with SHA256withRSA.
//
// The protocol is /work/shared/providers/edgeros/PROTOCOL.md (from the
// platform's page and its Java SDK 2.0.0). Where it is silent or ambiguous,
// the choice is marked "PROTOCOL:" in the code and listed here.
//
// # Requests
//
// Trade: GET {endpoint}/pay/v1/transactions/trade?mch_trade_no=..&transaction_no=..&aco_pay_sdk=2.0.0&version=1.0
// (mch_trade_no is the ledger's order_no, transaction_no its
// provider_trade_no and only sent when the ledger has it; the platform
// prefers transaction_no). Refund: GET {endpoint}/pay/v1/transactions/refund?mch_refund_no=..
// (the ledger's refund_no; only that parameter, as the SDK sends it).
// Headers: x-acopay-mch-no, x-acopay-nonce (32 characters of [0-9a-zA-Z]
// from crypto/rand, fresh per request), x-acopay-sign-type: SHA256withRSA,
// x-acopay-sign, Accept: application/json. The signature is base64
// RSASSA-PKCS1-v1_5/SHA-256 with the merchant key over the JSON object of the
// query fields (empty ones dropped; aco_pay_sdk and version not signed) plus
// mch_no, nonce and sign_type: keys sorted, compact, HTML escaping off.
//
// # Answers
//
// Every answer that carries data.sign, and every status 200 answer, is
// verified: the envelope without null members, sign taken out of data and
// data's null members dropped, keys sorted, compact, no HTML escaping
// (numbers re-emitted exactly as received), checked with the platform key;
// data.sign_type must be SHA256withRSA; data.nonce must echo the request's.
// Decisions:
//   - Objects nested inside data or the envelope (none on the page: data is
//     all strings) are sorted too, at every depth, as map-based serializers
//     do; nulls are dropped only at the two levels PROTOCOL names.
//   - Keys sort bytewise (UTF-8); Java sorts by UTF-16 unit. They differ only
//     for keys beyond the BMP; the platform's keys are ASCII.
//   - A verified answer whose nonce is not the request's is UNVERIFIABLE (an
//     authentic answer to some other request: a replay).
//   - "Carries data.sign" means a non-empty sign, as the SDK reads it: a
//     refusal (status ≠ 200) without one is taken unverified.
//
// Outcomes: HTTP status other than 200 → TRANSIENT (PROTOCOL: the platform
// always answers 200; this overrides Exchange's "4xx is permanent"). A body
// that is not one JSON object with an integer status, or that names a member
// twice in the envelope or in data → TRANSIENT (malformed: encoding/json
// would keep the last, a person reading Raw sees the first). Failed
// verification → UNVERIFIABLE. Status 200 + message SUCCESS → FOUND.
// 1007 ORDER_NOT_EXIST → NOT_FOUND (also on a refund query: no order, no
// refund); 1008 REFUND_NOT_EXIST → NOT_FOUND on a refund query (on a trade
// query it is no answer: PERMANENT). The error-code table is not public:
// other statuses in 500–599 or 429 → TRANSIENT, all others (parameter,
// merchant and signature refusals; 200 with a message other than SUCCESS) →
// PERMANENT. A SUCCESS answer about another order or refund than the one
// asked, or a status 200 answer for another mch_no (see What is checked) →
// UNVERIFIABLE, never the other order's state.
// A present but unreadable amount ("" and null included: PROTOCOL gives
// amounts as yuan decimals, never empty) or time → PERMANENT, never dropped.
// PROTOCOL: decision. An empty or null success_time is "not said" (zero
// time), not unreadable: an order not paid yet has no success time.
//
// Answer: Status = data.code raw (the Lua rule maps it), no SubStatus;
// OrderNo = mch_trade_no, TradeNo = transaction_no.
// Trade: Amount = amount_total (yuan, parsed exactly into fen; the account's
// currency must be CNY, and Configure refuses any other), PaidAt = success_time (RFC 3339; a time without an
// offset is read in the account's zone); Refunded stays nil: code REFUND
// means refunded in part or in full and the trade query does not say how
// much. Refund: RefundNo = mch_refund_no, RefundTradeNo = refund_no,
// RefundAmount = refund_amount, RefundedAt = success_time. Fields: every data member but sign, flattened by the
// shared rule of plugins/helper/jsonfields (null left out, numbers as sent,
// nested values as compact JSON as sent), plus the envelope's status,
// message and fieldErrors.
//
// # What is checked
//
// By the plugin, before any answer is believed: the platform's signature
// over the canonical envelope (a forged or altered answer is a security
// event), data.sign_type, and data.nonce against the request's (an authentic
// answer to another request is a replay). Then, on status 200 only,
// data.mch_no against the account's mch_no where the answer gives one
// (PROTOCOL: decision; the page's 1007 example names another merchant, so a
// refusal is not checked): an authentic answer for another merchant is
// UNVERIFIABLE with both numbers, like one about another order. Then the
// identity the answer states against the query, where both give a number: mch_trade_no against
// the ledger's order_no; transaction_no against its provider_trade_no (the
// platform prefers transaction_no, so a ledger row carrying another order's
// number fetches that order's authentic answer); for a refund, mch_refund_no
// against its refund_no. A mismatch is UNVERIFIABLE with both numbers.
//
// For the host: every found answer echoes, from the answer alone and never
// from the query, OrderNo (mch_trade_no), TradeNo (transaction_no) and, for a
// refund, RefundNo (mch_refund_no) and RefundTradeNo (refund_no).
// recon.Query.Check compares them with the query for every plugin alike,
// and also refuses an answer that lacks mch_trade_no (or, for a refund,
// mch_refund_no), which the plugin alone lets by: an answer that does not
// say whose it is cannot be judged as the row's. The platform echoes every
// number the check needs, in the trade and the refund answers alike.
//
// Credentials: mch_no, app_no (required by the contract, otherwise unused:
// not sent, since the platform knows the order's app, and not compared with
// an answer's app_no, since a merchant's orders may come from several of its
// apps), merchant_private_key (PEM PKCS#8 or
// PKCS#1, or bare base64 DER as the platform console shows it),
// platform_public_key (PEM PKIX, PKCS#1 or a certificate, or bare base64),
// both read by plugins/helper/rsakey: RSA of at least 1024 bits, no
// encrypted PEM. The endpoint is checked by plugins/helper/endpoint (http or
// https, a host, no user info, query string or fragment).
//
// # Simulator
//
// Package sim (plugins/edgeros/sim) plays the platform for tests, recon
// sandbox and recon demo; its doc.go describes the sandbox scenario and the
// faults it knows. The request paths, headers, status codes, the canonical
// JSON, the signer and the nonce rules are exported for it: the simulator
// speaks the same protocol from the platform's side.
package edgeros
