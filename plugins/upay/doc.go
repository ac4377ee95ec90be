// Package upay is recon's provider for 收钱吧 (Shouqianba) "upay": the
// order query API POST {endpoint}/upay/v2/query, and a simulator of it.
//
// # The protocol (see /work/shared/providers/upay/PROTOCOL.md)
//
// The request is a JSON body {"terminal_sn","sn","client_sn","refund_request_no"}
// signed with the header "Authorization: <terminal_sn> <sign>", where sign is
// the lowercase hex MD5 of the exact body bytes followed by terminal_key
// (Sign). The client always sends the ledger's order number as client_sn and
// upay's sn too when the ledger has it (upay looks up sn first). A refund
// query adds refund_request_no. Credentials: terminal_sn, terminal_key.
//
// Answers have two levels. The top-level result_code "200" means the call was
// understood; "400" (INVALID_PARAMS, INVALID_TERMINAL, ILLEGAL_SIGN,
// TERMINAL_NOT_EXISTS) is OutcomePermanent; "500" (UNKNOWN_SYSTEM_ERROR,
// MAINTENANCE_INPROGRESS) is OutcomeTransient. Then biz_response.result_code:
// SUCCESS carries the order in data; FAIL carries an error_code.
// UPAY_ORDER_NOT_EXISTS, UPAY_ORDER_NOT_EXIST and TRADE_NOT_EXIST are
// OutcomeNotFound, and so is REFUND_NOT_EXISTS for a refund query.
// upay answers carry no signature, so Result.Verified is always false.
//
// # How an Answer is filled
//
//   - Status = data.order_status, SubStatus = data.status (the last operation's
//     flow; for a refund query, the asked refund's flow), both raw: the
//     mapping to the contract's states is rules/builtin/upay.lua.
//   - Amount = total_amount; Refunded = total_amount - net_amount when both are
//     sent (negative if upay sends net above total: the rule flags it);
//     RefundAmount = settlement_amount for a refund query. All fen, parsed
//     exactly; Currency is the account's.
//   - TradeNo = sn. RefundTradeNo stays empty: upay has no refund number of
//     its own (client_tsn is the merchant's client_sn + "-" + refund_request_no).
//   - finish_time (13-digit epoch ms) is the time of the last operation and is
//     sent only when it succeeded: PaidAt is set from it only while
//     order_status is PAID; on a payment answer whose last operation was a
//     successful refund (REFUNDED/PARTIAL_REFUNDED with status SUCCESS) it is
//     RefundedAt; on a refund answer it is RefundedAt when that refund's status
//     is SUCCESS.
//   - Fields: every data field as a string (payment_list, provider_response and
//     any non-string value as compact JSON, null as ""), plus the call-level
//     codes result_code, error_code, error_message, biz_result_code,
//     biz_error_code, biz_error_message (those present). Failed outcomes carry
//     the codes in Answer.Fields too.
//
// # Decisions where PROTOCOL.md is silent (each also a "PROTOCOL:" comment)
//
//   - A top-level result_code other than 200/4xx/5xx, a missing biz_response,
//     a biz result_code other than SUCCESS/FAIL, a body that is not JSON and
//     an amount that is not a whole number of fen are malformed answers:
//     OutcomeTransient.
//   - biz FAIL TRADE_TIMEOUT (and the system-error codes) on a query mean the
//     query failed, not the order: OutcomeTransient. Any other FAIL code (for
//     example UPAY_TERMINAL_NOT_EXISTS, or REFUND_NOT_EXISTS to a payment
//     query) is OutcomePermanent with the code in Err.
//   - A malformed or missing time leaves the time zero; its raw text stays in
//     Fields.
//   - A refund query without a refund number, or a query without any order
//     number, fails permanently without a network call.
//
// # The simulator
//
// NewSimulator serves POST /upay/v2/query relative to wherever it is mounted.
// It rejects a missing or malformed Authorization header and a wrong sign with
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
// Faults: the generic ones of simkit.Injector (5xx, slow, malformed), the
// provider-specific random fault "busy" (faults.extra.busy: result_code "500"
// MAINTENANCE_INPROGRESS), and per-order scripted faults (simkit.Countdown):
// http_5xx (HTTP 503), code_500 (result_code "500" UNKNOWN_SYSTEM_ERROR),
// slow (answers after slow_delay) and malformed (a truncated JSON body).
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
//	    total_amount: 1234          # fen
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
//	    faults: {http_5xx: 2}       # scripted: fail the next N queries (-1: all)
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
// terminal.
package upay
