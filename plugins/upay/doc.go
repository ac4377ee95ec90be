// Package upay is recon's provider for 收钱吧 (Shouqianba) "upay": the
// order query API POST {endpoint}/upay/v2/query. Its simulator, for tests,
// `recon sandbox` and `recon demo`, is package upay/sim.
//
// # The protocol (see /work/shared/providers/upay/PROTOCOL.md)
//
// The request is a JSON body {"terminal_sn","sn","client_sn","refund_request_no"}
// signed with the header "Authorization: <terminal_sn> <sign>", where sign is
// the lowercase hex MD5 of the exact body bytes followed by terminal_key
// (Sign). The client always sends the ledger's order number as client_sn and
// upay's sn too when the ledger has it (upay looks up sn first). A refund
// query adds refund_request_no.
//
// Credentials: terminal_sn (no spaces: it is the header's first word) and
// terminal_key (secret; it never appears in an error, a request description
// or a log). The endpoint follows the shared rule of plugins/helper/endpoint
// (http or https, no user info, query or fragment); APIPath is joined to it.
//
// Answers have two levels. The top-level result_code "200" means the call was
// understood; "400" (INVALID_PARAMS, INVALID_TERMINAL, ILLEGAL_SIGN,
// TERMINAL_NOT_EXISTS) is OutcomePermanent; "500" (UNKNOWN_SYSTEM_ERROR,
// MAINTENANCE_INPROGRESS) is OutcomeTransient. Then biz_response.result_code:
// SUCCESS carries the order in data; FAIL carries an error_code.
// UPAY_ORDER_NOT_EXISTS, UPAY_ORDER_NOT_EXIST and TRADE_NOT_EXIST are
// OutcomeNotFound, and so is REFUND_NOT_EXISTS for a refund query.
// upay answers carry no signature, so Reply.Verified is always false.
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
//   - OrderNo = client_sn and TradeNo = sn, as the answer states them. For a
//     refund query RefundNo is what follows the answer's client_sn + "-" in
//     client_tsn (upay's refund flow number is client_sn + "-" +
//     refund_request_no), or "" when client_tsn is not of that form.
//     RefundTradeNo stays empty: upay has no refund number of its own.
//   - finish_time (13-digit epoch ms) is the time of the last operation and is
//     sent only when it succeeded: PaidAt is set from it only while
//     order_status is PAID; on a payment answer whose last operation was a
//     successful refund (REFUNDED/PARTIAL_REFUNDED with status SUCCESS) it is
//     RefundedAt; on a refund answer it is RefundedAt when that refund's status
//     is SUCCESS.
//   - Fields: every data field flattened by the shared rule of package
//     plugins/helper/jsonfields (strings as they are, payment_list,
//     provider_response and any other object or array as compact JSON,
//     numbers as their JSON text, null left out), plus the call-level codes
//     result_code, error_code, error_message, biz_result_code,
//     biz_error_code, biz_error_message (those present). Failed outcomes carry
//     the codes in Answer.Fields too.
//
// # What is checked
//
// upay answers carry no signature, no nonce and no encryption, so there is
// nothing cryptographic to verify (Reply.Verified is always false). The
// plugin itself checks only that an answer is well formed: both levels of
// result_code, no member named twice at any level, amounts in whole fen.
// That an answer is about the order asked is the host's check
// (recon.Query.Check), from the identity the plugin copies out of the answer,
// never out of the query:
//
//   - client_sn -> Answer.OrderNo, which must be the ledger's order number.
//     upay looks an order up by sn first, and the plugin sends the ledger's
//     provider_trade_no as sn: a ledger row naming another order's sn is
//     answered with that other order, which only its client_sn betrays.
//   - sn -> Answer.TradeNo, which must be the ledger's provider_trade_no when
//     it has one: an unknown sn makes upay fall back to client_sn, and an
//     answer about another trade than the ledger's is a discrepancy.
//   - for a refund query, refund_request_no as echoed in client_tsn ->
//     Answer.RefundNo, which must be the ledger's refund number: the order's
//     amounts are the same whichever of its refunds is answered, so only this
//     tells the asked refund from another.
//
// The plugin does not refuse a mismatch itself: it reports what upay said,
// and the host applies the one check to every plugin's answers alike. An
// answer without client_sn (or, for a refund, without a client_tsn of that
// form) says nothing of its order and is refused by the host.
//
// # Decisions where PROTOCOL.md is silent (each also a "PROTOCOL:" comment)
//
//   - A top-level result_code other than 200/4xx/5xx, a missing biz_response,
//     a biz result_code other than SUCCESS/FAIL, a body that is not JSON, an
//     object of the answer (envelope, biz_response, data) with a member
//     twice, an envelope or biz_response member named in another case
//     ("RESULT_CODE", which encoding/json would read as result_code) and
//     an amount that is not a whole number of fen are malformed answers:
//     OutcomeTransient.
//   - biz FAIL TRADE_TIMEOUT (and the system-error codes) on a query mean the
//     query failed, not the order: OutcomeTransient. Any other FAIL code (for
//     example UPAY_TERMINAL_NOT_EXISTS, or REFUND_NOT_EXISTS to a payment
//     query) is OutcomePermanent with the code in Err. A refusal of the
//     terminal (INVALID_TERMINAL, TERMINAL_NOT_EXISTS,
//     UPAY_TERMINAL_NOT_EXISTS, UPAY_TERMINAL_STATUS_ABNORMAL) adds "check
//     credential terminal_sn", for `recon check --ping` to blame that
//     credential rather than terminal_key.
//   - A malformed or missing time leaves the time zero; its raw text stays in
//     Fields.
//   - A refund query without a refund number, or a query without any order
//     number, fails permanently without a network call.
package upay
