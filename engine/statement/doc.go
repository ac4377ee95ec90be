// Package statement streams a provider's statement (对账单): the provider's
// own list of the day's payments and refunds, which the engine joins with
// the merchant's ledger to find what the ledger lacks. It reads a CSV (UTF-8,
// UTF-8 with a byte order mark, or GBK) or JSON Lines, one row at a time,
// through a Mapping that says which column holds each field.
//
// A row is never dropped. One that does not hold up (an amount that is not
// an exact decimal for its currency, a type the mapping does not know, no
// order number, a time not in the layout) comes back with a *recon.RowError
// naming its line (a CSV's header is line 1) and the field at fault, and
// reading goes on; Reader.Path names the file. A line longer than
// MaxLineBytes is skipped without being held in memory, and its row says
// so (engine/internal/lines, as for the ledger), and so is a line whose
// quote does not close as CSV expects: the rows after it are read on
// their own. A statement that cannot be
// read at all (not opened, unknown format, a header lacking a column the
// mapping names) or no further is an *Error. Amounts are int64 minor units,
// parsed exactly by plugins/money; never a float.
//
// # The "recon" preset
//
// A plain CSV this project defines for providers that document no statement
// of their own. UTF-8, a header row naming the columns
//
//	order_no,provider_trade_no,type,refund_no,amount,currency,status,time
//
// type is "payment", "refund" or empty (a payment); refund_no is the
// merchant's refund number, required on a refund row; amount is an exact
// decimal in the currency's major unit ("12.34"); currency is an ISO 4217
// code; status is the provider's own word for the row's state; time is RFC
// 3339 with its offset ("2024-10-19T14:37:28+08:00"). The same keys in JSON
// Lines (a .jsonl or .ndjson file; amounts as strings or JSON numbers, kept
// as written) read with the same mapping and Format FormatJSONL.
//
// # The "wechat" preset
//
// WeChat Pay's v2 trade bill (downloadbill, bill_type=ALL), as documented at
// pay.weixin.qq.com ("交易账单详细说明"): a header row, detail rows whose
// every cell starts with a backtick, then a summary header (总交易单数,…)
// and one summary row, where reading stops. Amounts are in yuan, times are
// China Standard Time (+08:00) as yyyy-MM-dd HH:mm:ss.
//
//   - order_no is 商户订单号, provider_trade_no 微信订单号, currency 货币种类
//     (CNY when empty), time 交易时间.
//   - The kind is told by 交易状态: REFUND is a refund row; SUCCESS and
//     REVOKED (and the other trade states of the order query: CLOSED,
//     NOTPAY, USERPAYING, PAYERROR) are a payment; any other value is an
//     invalid row. A refund row's refund_no is 商户退款单号; a payment row's
//     refund columns hold "0" and are not read.
//   - status is 交易状态 on a payment (SUCCESS, REVOKED) and 退款状态 on a
//     refund (SUCCESS, PROCESSING, …): on a refund row 交易状态 only says
//     "this is a refund".
//   - amount is 订单金额 on a payment and 申请退款金额 on a refund. The bill
//     has two amounts of each: 订单金额 is the order's total as the merchant
//     placed it and 应结订单金额 is what settles, less the merchant-funded
//     (免充值) coupons; 申请退款金额 is the refund as the merchant asked for
//     it and 退款金额 is what settles, less those coupons' share. The ledger
//     and the query API's total_fee/refund_fee hold the amounts as asked, so
//     those are the ones compared; the two agree whenever no such coupon was
//     used. A merchant who books the settled amounts maps Amount to
//     应结订单金额 and RefundAmount to 退款金额.
//
// WeChat bills a refund when it is accepted and never updates the row: a
// refund's 退款状态 is frozen at the bill's time, and its 交易时间 is when the
// refund was requested, not when it succeeded.
package statement
