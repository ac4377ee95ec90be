// Package sim simulates the 翼辉支付 AcoPay (EdgerOS) trade and refund query
// API on loopback, for recon's tests, recon sandbox and recon demo. It
// plays the platform's side of the protocol that package edgeros speaks.
//
// New generates a merchant and a platform RSA-2048 keypair, holds the demo
// merchant MCH1000000 / APP1000000 with one trade of every code
// (EGD-SUCCESS, EGD-REFUND, EGD-NOTPAY, EGD-USERPAYING, EGD-CLOSED,
// EGD-REVOKED, EGD-PAYERROR) and one refund of every code (EGD-R-SUCCESS,
// EGD-R-PROCESSING, EGD-R-ABNORMAL, EGD-R-CLOSED, all of EGD-REFUND). It
// checks each request like the platform and refuses, with a signed envelope:
// 1001 PARAM_ERROR (a header missing, a nonce not 1–32 of [0-9a-zA-Z], no
// order or refund number), 1002 SIGN_ERROR (sign type not SHA256withRSA, or
// the signature does not verify with the merchant key), 1003 MCH_NOT_EXIST
// (another mch_no). These three codes are the simulator's choice. Unknown
// orders are 1007 ORDER_NOT_EXIST, unknown refunds 1008 REFUND_NOT_EXIST,
// signed. Every answer is signed with the platform key and echoes the nonce,
// and a found one the identity the platform states (mch_trade_no and
// transaction_no; for a refund also mch_refund_no and refund_no);
// its body is deliberately not the canonical form (the page's member order,
// sign after nonce, <>& escaped by encoding/json), so the client must
// rebuild the signed string itself.
//
// # Faults
//
// The fault names are those of plugins/simkit/script, but other_order
// (OtherOrder), which is this package's. The generic ones:
// http_5xx (HTTP 503), malformed (HTTP 200, the envelope cut short), slow
// (the answer after a delay) and hang (no answer). edgeros's own:
// badsign (data.sign a signature of other bytes), tamper (an amount up one
// fen, else the code, else the message, changed after signing), nosign (no
// data.sign), replay (signed over another nonce: an answer to another
// request) and other_order (a genuine, signed SUCCESS answer with the data
// of another record it holds: for a trade query another trade, SUCCESS
// first, then REFUND; for a refund query another refund, SUCCESS and of
// another order first; ties go to the lowest merchant number; HTTP 500
// when it holds no other). other_order models a platform that answers
// about the wrong order: nothing but the identity the answer states
// (mch_trade_no, transaction_no, mch_refund_no, refund_no) tells it apart,
// so it tests the client's and the host's identity checks.
//
// Random faults: the rates of simkit.Faults (error_rate, slow_rate,
// malformed_rate) and, under faults.extra, badsign, tamper, nosign, replay,
// other_order and hang. Scripted faults: the scenario's scripted list, or
// Simulator.Script, keyed by mch_trade_no or mch_refund_no (no key: any
// request); a request is refused or answered before it meets one, so a
// refused request uses none up.
//
// # Scenario
//
// LoadScenario reads the edgeros section of a sandbox scenario file. It
// replaces the data, the scripted faults and the fault rates; the keys
// stay.
//
//	mch_no: MCH1000000          # optional; default the demo merchant
//	app_no: APP1000000          # optional
//	trades:
//	  - mch_trade_no: A1        # required, unique
//	    transaction_no: 4af3…   # optional, generated (32 hex), unique
//	    code: SUCCESS           # required: SUCCESS REFUND NOTPAY USERPAYING CLOSED REVOKED PAYERROR (or any, to test UNKNOWN)
//	    amount_total: "12.34"   # yuan, as the platform writes it
//	    success_time: "2026-11-21T10:00:00+08:00"
//	    description, extra, acoid, pay_channel, pay_method: optional strings
//	refunds:
//	  - mch_refund_no: A1-R1    # required, unique
//	    mch_trade_no: A1
//	    code: SUCCESS           # required: SUCCESS PROCESSING ABNORMAL CLOSED
//	    refund_amount: "2.00"
//	    refund_no, transaction_no (default the trade's), description, refund_reason, success_time, refund_channel
//	    statement_code: PROCESSING  # optional: what the statement billed, if not code
//	scripted:                   # script.Entry: times a number of requests, -1 every one
//	  - {key: A1, fault: http_5xx, times: 2}
//	  - {key: A1-R1, fault: tamper, times: -1}
//	  - {key: A2, fault: other_order, times: 1}
//	  - {fault: slow, times: 1}  # no key: the next request, whatever it asks
//	faults:                     # simkit.Faults
//	  error_rate: 0.05
//	  extra: {badsign: 0.01, tamper: 0, nosign: 0, replay: 0, other_order: 0}
//
// # Plant
//
// Plant numbers orders EG-000001 on and refunds <order>-R1 on, and plants
// every verdict edgeros can produce: MATCHED (paid; closed; revoked vs
// closed; failed; refunded orders; refunds), MISSED_PAYMENT,
// UNPAID_AT_PROVIDER, STATUS_MISMATCH, AMOUNT_MISMATCH, REFUND_MISMATCH
// (refund amount; refund processing vs ledger success; a REFUND order the
// ledger calls PAID), NOT_FOUND (order; refund), UNSETTLED (NOTPAY,
// USERPAYING, refund processing), UNKNOWN_STATUS (refund ABNORMAL),
// UNVERIFIABLE (badsign and tamper scripted forever) and ERROR (http_5xx
// scripted forever). edgeros has no refunded total, so the order-level
// refund sum check never applies. Its orders are paid, and its refunds
// made, on simkit.PlantDay (yesterday, China time); beyond the ledger's
// rows it adds NotInLedger cases only the statement has
// (MISSING_IN_LEDGER): two paid trades, and a refund issued from the
// platform's console of a REFUND trade the ledger has as PAID
// (REFUND_MISMATCH); and one refund the statement billed PROCESSING that
// the query and the ledger say is SUCCESS (MATCHED).
//
// # Statement
//
// The platform's page documents no statement file, so Statement gives the
// "recon" CSV this project defines (engine/statement/doc.go;
// simkit.WriteStatement writes it): order_no is mch_trade_no,
// provider_trade_no transaction_no, amounts yuan as the platform writes
// them, currency CNY, time success_time in China time (+08:00). A day's
// statement lists a payment row for every trade of code SUCCESS or REFUND
// (status the code a query answers now: a refunded trade says REFUND) and a
// refund row for every refund of code SUCCESS or PROCESSING (refund_no
// mch_refund_no; status the code, or the refund's statement_code when the
// bill froze an older one). A trade or refund without a success_time that
// parses (a scenario's PROCESSING refund, say) is billed on the day before
// today, the i-th at 00:00 + 1+i minutes (simkit.ScenarioTime). NOTPAY,
// USERPAYING, CLOSED, REVOKED and PAYERROR trades, and ABNORMAL and CLOSED
// refunds, are never on it.
package sim
