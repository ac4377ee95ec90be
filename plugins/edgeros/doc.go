// Package edgeros is recon's provider plugin for 翼辉支付 AcoPay (EdgerOS):
// its trade query and refund query, signed both ways with SHA256withRSA, and
// a simulator of that API for tests, the sandbox and the demo.
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
// that is not one JSON object with an integer status → TRANSIENT. Failed
// verification → UNVERIFIABLE. Status 200 + message SUCCESS → FOUND.
// 1007 ORDER_NOT_EXIST → NOT_FOUND (also on a refund query: no order, no
// refund); 1008 REFUND_NOT_EXIST → NOT_FOUND on a refund query (on a trade
// query it is no answer: PERMANENT). The error-code table is not public:
// other statuses in 500–599 or 429 → TRANSIENT, all others (parameter,
// merchant and signature refusals; 200 with a message other than SUCCESS) →
// PERMANENT. A FOUND answer about another order or refund than the one asked
// (a ledger's provider_trade_no of another order: transaction_no wins at the
// platform) → PERMANENT, never the other order's state. A present but
// unreadable amount or time → PERMANENT, never dropped.
//
// Answer: Status = data.code raw (the Lua rule maps it), no SubStatus.
// Trade: Amount = amount_total (yuan, parsed exactly with the account
// currency's digits), PaidAt = success_time (RFC 3339; a time without an
// offset is read in the account's zone), TradeNo = transaction_no; Refunded
// stays nil: code REFUND means refunded in part or in full and the trade
// query does not say how much. Refund: RefundAmount = refund_amount,
// RefundTradeNo = refund_no, RefundedAt = success_time, TradeNo =
// transaction_no. Fields: every data member but sign, flat (nested values as
// compact JSON), plus the envelope's status, message and fieldErrors.
//
// Credentials: mch_no, app_no (required by the contract, not sent: the
// platform knows the order's app), merchant_private_key (PEM PKCS#8 or
// PKCS#1, or bare base64 DER as the platform console shows it),
// platform_public_key (PEM PKIX, PKCS#1 or a certificate, or bare base64).
//
// # Simulator
//
// NewSimulator generates a merchant and a platform RSA-2048 keypair, holds
// the demo merchant MCH1000000 / APP1000000 with one trade of every code
// (EGD-SUCCESS, EGD-REFUND, EGD-NOTPAY, EGD-USERPAYING, EGD-CLOSED,
// EGD-REVOKED, EGD-PAYERROR) and one refund of every code (EGD-R-SUCCESS,
// EGD-R-PROCESSING, EGD-R-ABNORMAL, EGD-R-CLOSED, all of EGD-REFUND). It
// checks each request like the platform and refuses, with a signed envelope:
// 1001 PARAM_ERROR (a header missing, a nonce not 1–32 of [0-9a-zA-Z], no
// order or refund number), 1002 SIGN_ERROR (sign type not SHA256withRSA, or
// the signature does not verify with the merchant key), 1003 MCH_NOT_EXIST
// (another mch_no). These three codes are the simulator's choice. Unknown
// orders are 1007 ORDER_NOT_EXIST, unknown refunds 1008 REFUND_NOT_EXIST,
// signed. Every answer is signed with the platform key and echoes the nonce;
// its body is deliberately not the canonical form (the page's member order,
// sign after nonce, <>& escaped by encoding/json).
//
// Faults: the generic 5xx, slow and malformed of simkit.Injector (rates in
// Faults), and per request, by rate (Faults.Extra) or scripted per order
// (Simulator.Script, a simkit.Countdown keyed by mch_trade_no or
// mch_refund_no; -1 forever): badsign (a signature of other bytes), tamper
// (an amount up one fen, or the code, changed after signing), nosign (no
// data.sign), replay (signed with another nonce), and scripted also 5xx
// (HTTP 503) and malformed (a truncated body).
//
// Scenario (LoadScenario, the edgeros section of a sandbox scenario file;
// it replaces the data, the scripts and the fault rates, the keys stay):
//
//	mch_no: MCH1000000          # optional; default the demo merchant
//	app_no: APP1000000          # optional
//	trades:
//	  - mch_trade_no: A1        # required, unique
//	    transaction_no: 4af3…   # optional, generated (32 hex), unique
//	    code: SUCCESS           # required: SUCCESS REFUND NOTPAY USERPAYING CLOSED REVOKED PAYERROR (or any, to test UNKNOWN)
//	    amount_total: "12.34"   # yuan
//	    success_time: "2026-11-21T10:00:00+08:00"
//	    description, extra, acoid, pay_channel, pay_method: optional strings
//	refunds:
//	  - mch_refund_no: A1-R1    # required, unique
//	    mch_trade_no: A1
//	    code: SUCCESS           # required: SUCCESS PROCESSING ABNORMAL CLOSED
//	    refund_amount: "2.00"
//	    refund_no, transaction_no (default the trade's), description, refund_reason, success_time, refund_channel
//	scripted:
//	  - {key: A1, fault: 5xx, times: 2}   # 5xx malformed badsign tamper nosign replay; times -1 = forever
//	faults:                     # simkit.Faults
//	  error_rate: 0.05
//	  extra: {badsign: 0.01, tamper: 0, nosign: 0, replay: 0}
//
// Plant numbers orders EG-000001 on and refunds <order>-R1 on, and plants
// every verdict edgeros can produce: MATCHED (paid; closed; revoked vs
// closed; failed; refunded orders; refunds), MISSED_PAYMENT,
// UNPAID_AT_PROVIDER, STATUS_MISMATCH, AMOUNT_MISMATCH, REFUND_MISMATCH
// (refund amount; refund processing vs ledger success; a REFUND order the
// ledger calls PAID), NOT_FOUND (order; refund), UNSETTLED (NOTPAY,
// USERPAYING, refund processing), UNKNOWN_STATUS (refund ABNORMAL),
// UNVERIFIABLE (badsign and tamper scripted forever) and ERROR (5xx
// scripted forever). edgeros has no refunded total, so the order-level
// refund sum check never applies.
package edgeros
