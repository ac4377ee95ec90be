// Package paypro is recon's provider for PayPro, a cross-border pay-in and
// pay-out platform with regional base URLs (Indonesia, Pakistan, Mexico,
// Brazil, ...). It asks PayPro's pay-in result query for the state of an
// order, and simulates that API for tests, the sandbox and the demo.
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
// "timestamp=1729153976003tradeNo=133323384". Credentials: merchant_no (10
// digits, sent as the merchantNo header) and secret.
//
// # Reading the answer
//
// The outer code says whether the request was handled; data.status is the
// payment result. Outcomes:
//
//   - code 0000: FOUND. Answer.Status is data.status, raw ("0029" and
//     "00029" both kept as sent); rules/builtin/paypro.lua maps it.
//   - code 5000 (system exception): TRANSIENT — retried, never a failure.
//   - code 8000 with msg "order not exist": NOT_FOUND. Any other 8000 ("sign
//     error", an unknown merchant, a bad parameter) is PERMANENT: the request
//     as sent was refused and resending it will not help. msg is compared
//     case-insensitively, spaces trimmed.
//   - any other outer code: PERMANENT (undocumented).
//   - HTTP 5xx/429, transport errors, timeouts, and a body that is not the
//     documented JSON (no code, 0000 without data or data.status, an amount
//     or successTime that does not parse): TRANSIENT.
//   - a 0000 answer whose data.tradeNo names another order: PERMANENT.
//   - refund queries: UNSUPPORTED at once, no request (PayPro's pay-in API
//     has no refund query).
//
// The `success` member is not consulted: the page says code decides.
// PayPro's answers carry no signature, so Result.Verified is always false.
//
// Answer fields: Amount is data.amount, the ordered amount; Received is
// data.receivedAmount (sent for 0001, partial payment) and nil when absent.
// Both are decimal strings in major units of the account's currency ("50000.00",
// or "300" where a region drops the decimals; a JSON number is read by its
// literal digits), parsed exactly with the currency's ISO 4217 minor digits;
// more decimals than the currency has are malformed unless they are zeros.
// An absent or empty amount is nil. Refunded is always nil (PayPro does not
// say). TradeNo is data.platFormTradeNo, or data.payproTradeNo where a region
// names it so. PaidAt is data.successTime, local time in the account's zone
// (UTC if the account has none), "yyyy-MM-dd HH:mm:ss" with any field after
// the year allowed one digit ("2024-10-11 9:30:13"). SubStatus is empty:
// data.message is text, kept in Fields. Fields holds every non-null member of
// the answer flat — the outer code, msg, success, timestamp (a number or a
// string, its digits either way) and every data member under its own name;
// a data member whose name clashes with an outer one is "data.<name>".
//
// # The simulator
//
// NewSimulator serves the same path with the demo account (DemoMerchantNo,
// DemoSecret, IDR, Asia/Jakarta). It checks, in this order: the merchantNo
// header (else 8000 "merchant not exist"), tradeNo present (else 8000 "param
// error"), the sign and a timestamp within 5 minutes of its clock (else 8000
// "sign error"); then scripted faults, the random busy fault, and the order
// (unknown: 8000 "order not exist"). Its answers have a numeric timestamp, as
// the page's example does, and send successTime only when an order has one.
// Faults: the generic simkit ones (5xx, slow, malformed) plus Extra["busy"]:
// answer code 5000. Plant plants every verdict PayPro can produce.
//
// # Scenario format
//
// LoadScenario takes the paypro section of a sandbox scenario file. It
// replaces every setting; omitted account settings keep the demo values and
// unknown keys are an error. Statuses may be written unquoted: YAML's 0000
// stays "0000".
//
//	merchant_no: "6010000001"        # 10 digits; default DemoMerchantNo
//	secret: paypro-demo-secret-…     # default DemoSecret
//	currency: IDR                    # default IDR
//	timezone: Asia/Jakarta           # default Asia/Jakarta
//	orders:
//	  - trade_no: PP-000001          # required: the merchant's tradeNo
//	    platform_trade_no: 7zr8om5hzclkemsz
//	    platform_field: payproTradeNo  # optional: platFormTradeNo (default) | payproTradeNo
//	    amount: "50000.00"           # sent as written ("300" is fine)
//	    received_amount: "30000.00"  # optional (0001 partial payment)
//	    status: "0000"               # required: data.status, sent as written
//	    message: ""                  # optional: data.message
//	    success_time: "2024-10-11 9:30:13"  # optional, local time
//	    http_5xx: 0                  # answer HTTP 503 to the first N queries; -1 always
//	    busy: 0                      # answer code 5000 to the first N queries; -1 always
//	faults:                          # simkit.Faults: random faults for every request
//	  error_rate: 0.0
//	  slow_rate: 0.0
//	  slow_delay: 2s
//	  malformed_rate: 0.0
//	  extra: {busy: 0.0}             # answer code 5000
//	  seed: 1
package paypro
