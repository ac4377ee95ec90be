// Package sim simulates upay's query API on loopback, for the provider's
// tests, `recon sandbox` and `recon demo`.
//
// New serves POST /upay/v2/query relative to wherever it is mounted. It
// rejects a missing or malformed Authorization header and a wrong sign with
// HTTP 200 {"result_code":"400","error_code":"ILLEGAL_SIGN"}, an unknown
// terminal with TERMINAL_NOT_EXISTS, a body terminal_sn that differs from the
// header's with INVALID_TERMINAL, and a body without sn and client_sn with
// INVALID_PARAMS. Unknown orders get biz FAIL UPAY_ORDER_NOT_EXISTS, unknown
// refunds of a known order REFUND_NOT_EXISTS. Its demo terminal is
// DemoTerminalSN / DemoTerminalKey, and it starts with one order per
// order_status ("DEMO-CREATED", "DEMO-PAID", ..., "DEMO-INVALID_STATUS_CODE"),
// upay's own inconsistent example ("DEMO-DOC-EXAMPLE": PAID, net_amount 0)
// and "DEMO-FLOWS", whose refunds "01".."12" have every flow status.
//
// A paid order with refunds answers the order_status the refunds make of it:
// REFUND_INPROGRESS while one is IN_PROG or CREATED, REFUND_ERROR when the
// last one is REFUND_ERROR, else REFUNDED when net_amount is 0 and
// PARTIAL_REFUNDED when it is below total_amount. net_amount is total_amount
// minus the SUCCESS refunds. On a payment query the last operation (status,
// settlement_amount, finish_time) is the latest refund, if any.
//
// # Faults
//
// Scripted faults use the one vocabulary of package simkit/script, keyed by
// the order's client_sn (they follow the order whichever number it is asked
// by):
//
//	http_5xx    HTTP 503
//	malformed   HTTP 200 with upay's envelope cut short
//	slow        the normal answer, after slow_delay
//	hang        no answer until the client gives up
//	busy        HTTP 200, result_code "500" UNKNOWN_SYSTEM_ERROR
//	other_order HTTP 200, a SUCCESS answer with the data of another order
//
// other_order models a provider that answers about the wrong order: the
// answer is well formed (upay answers carry no signature to break), and its
// data (sn, client_sn, client_tsn, amounts, statuses) is that of the first
// paid order by client_sn other than the one asked, its payment as a
// payment query would see it, whatever the query asked (a refund too); a
// simulator without another paid order makes one up, "SIM-OTHER-ORDER".
// Scripted for every request (no key, times: -1), it is a provider answering
// every query with one paid order's data. Only comparing the identity the
// answer echoes with the query tells it apart from a true answer.
//
// Normal answers echo what upay's do: sn, client_sn, and client_tsn, which
// for a refund flow is client_sn + "-" + refund_request_no.
//
// Random faults are simkit.Faults: error_rate (HTTP 503), slow_rate,
// malformed_rate, extra.busy (result_code "500" MAINTENANCE_INPROGRESS,
// upay's other system-error code, so that a run meets both) and
// extra.other_order.
//
// # Scenario format (the upay section of a sandbox scenario file)
//
//	terminals:                      # optional; default: the demo terminal.
//	  - terminal_sn: "100111220054361978"   # the first is the one Account() names
//	    terminal_key: "8fb5a4d2c6e1f3b7a9d0c2e4f6a8b1c3"
//	slow_delay: 2s                  # how long a scripted "slow" fault waits
//	orders:
//	  - client_sn: A20261121-0001   # required, unique
//	    sn: "7895259867120667"      # optional; generated when empty
//	    total_amount: 1234          # fen: a whole number, never 12.34
//	    order_status: PAID          # default PAID; refunds derive the rest (see above);
//	                                # any other value is answered as given
//	    status: SUCCESS             # optional: the payment flow's status
//	    # net_amount: 0             # optional override, to plant inconsistent answers
//	    trade_no: "4200001234..."   # optional: payway, sub_payway, subject, operator, payer_uid too
//	    finish_time: 2026-11-21T23:10:04+08:00   # when the payment finished
//	    ctime: 2026-11-21T23:09:57+08:00         # default finish_time - 7s
//	    refunds:
//	      - refund_request_no: "01"
//	        amount: 234             # fen
//	        status: SUCCESS         # default SUCCESS; IN_PROG, CREATED, FAIL_*, REFUND_ERROR, ...
//	        finish_time: 2026-11-22T09:00:00+08:00
//	        statement_status: IN_PROG  # optional: what the statement billed, if not status
//	    faults: {http_5xx: 2}       # scripted: the next N queries of this order (-1: all)
//	scripted:                       # {key: <client_sn>, fault: F, times: N}, or without a key
//	  - {fault: busy, times: 1}     # for any query (after the asked order's own faults)
//	faults:                         # simkit.Faults: random faults for every request
//	  error_rate: 0.05
//	  slow_rate: 0.01
//	  slow_delay: 3s
//	  malformed_rate: 0.01
//	  extra: {busy: 0.02}
//	  seed: 7
//
// LoadScenario replaces everything the simulator holds (the default demo
// orders included); an empty section leaves an empty simulator with the demo
// terminal. An order without a finish_time finished on the day before
// today (China time), the i-th (from 0) at 00:00 + 1+i minutes
// (simkit.ScenarioTime); its j-th refund without one j+1 hours after the
// payment.
//
// # Statement
//
// upay documents no statement file, so Statement gives the "recon" CSV this
// project defines (engine/statement/doc.go; simkit.WriteStatement writes
// it): order_no is client_sn, provider_trade_no is sn, amounts are yuan,
// currency CNY, time is finish_time in China time (+08:00). A day's
// statement lists, by that time:
//
//   - a payment row for every order upay took the money for (order_status
//     PAID, PARTIAL_REFUNDED, REFUNDED, REFUND_INPROGRESS or REFUND_ERROR):
//     amount total_amount, status the order_status a query answers now (a
//     refunded order's payment row says PARTIAL_REFUNDED, not PAID);
//   - a refund row for every refund flow SUCCESS, IN_PROG or CREATED:
//     refund_no refund_request_no, its amount, status the flow status, or
//     the refund's statement_status when the bill froze an older one.
//
// Unpaid (CREATED), failed (PAY_CANCELED, PAY_ERROR) and revoked
// (CANCELED ...) orders and failed refunds are never on it.
//
// # Plant
//
// Plant plants on simkit.PlantDay (yesterday, China time) and adds, beyond
// the ledger's rows, NotInLedger cases the statement alone has: two paid
// orders and a refund issued from upay's console, whose payment the ledger
// still has as PAID (REFUND_MISMATCH: upay says PARTIAL_REFUNDED); and one
// refund the statement billed IN_PROG, SUCCESS at the query and in the
// ledger (MATCHED: the query decides).
package sim
