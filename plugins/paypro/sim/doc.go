// Package sim simulates PayPro's pay-in result query (package paypro) on
// loopback, for the tests, `recon sandbox` and `recon demo`.
//
// New serves POST /v1/paypro/queryPayInResult with the demo account
// (DemoMerchantNo, DemoSecret, IDR, Asia/Jakarta). It checks, in this
// order: the merchantNo header (else 8000 "merchant not exist"), tradeNo
// present (else 8000 "param error"), the sign and a timestamp within 5
// minutes of its clock (else 8000 "sign error"); then scripted faults, the
// random busy fault, and the order (unknown: 8000 "order not exist"). Its
// answers have a numeric timestamp, as the page's example does, and send
// successTime only when an order has one. Plant plants every verdict PayPro
// can produce.
//
// # Faults
//
// The vocabulary of plugins/simkit/script, by name:
//
//	http_5xx    HTTP 503 with a JSON error body
//	malformed   HTTP 200 with a handled answer cut short inside data
//	slow        the normal answer, after faults.slow_delay (default 2s)
//	hang        no answer until the client gives up
//	busy        outer code 5000 (system exception), HTTP 200
//	other_order outer code 0000 with the data of another paid order the
//	            simulator holds (the lowest tradeNo; a made-up OTHER-<tradeNo>
//	            if it holds none)
//
// other_order models a provider that answers about the wrong order, the
// case recon's identity check exists for: data.tradeNo and platFormTradeNo
// are the other order's, as the real provider would send them, so the
// client sees which order the answer is about. Scripted without a key it
// makes every query answer with that one order, the "one paid order's data
// for every query" provider. Normal answers always echo the order asked:
// data.tradeNo and its platform number, as PayPro's page says they do.
//
// Scripted, a fault meets the next N queries of an order (or of any
// request), after the merchant, sign and clock checks: a badly signed
// request is refused whatever is scripted. Random faults are rates per
// request: error_rate (http_5xx), slow_rate and malformed_rate are rolled
// before any check, faults.extra.busy after them, where a scripted busy
// would be, then faults.extra.other_order.
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
//	    faults: {http_5xx: 1, busy: 2}  # the next N queries of this order; -1 every one
//	scripted:                        # the same, by key (a tradeNo) or for any request
//	  - {key: PP-000001, fault: slow, times: 1}
//	  - {fault: busy, times: 3}      # no key: the next 3 requests, whatever they ask
//	faults:                          # simkit.Faults: random faults for every request
//	  error_rate: 0.0
//	  slow_rate: 0.0
//	  slow_delay: 2s                 # also the delay of a scripted slow
//	  malformed_rate: 0.0
//	  extra: {busy: 0.0, other_order: 0.0}  # answer code 5000; answer about another order
//	  seed: 1
//
// An order's faults are taken one per query, in the order listed above:
// {http_5xx: 1, busy: 2} answers 503, then 5000 twice, then the order.
//
// # Statement
//
// PayPro documents no statement file, so Statement gives the "recon" CSV
// this project defines (engine/statement/doc.go; simkit.WriteStatement
// writes it): a payment row for every pay-in money arrived for (data.status
// 0000, and 0001 partial payment), order_no its tradeNo, provider_trade_no
// its platform number, amount the order's amount written exactly ("300" is
// "300.00"), currency the account's, status data.status, time its
// success_time in the account's zone (an order without one: the day before
// today, the i-th at 00:00 + 1+i minutes, simkit.ScenarioTime). PayPro has
// no refunds here, so there are no refund rows; failed and processing
// pay-ins are never on it.
//
// # Plant
//
// Plant's orders get their money on simkit.PlantDay (yesterday in the
// account's zone); beyond the ledger's rows it adds two paid orders only
// PayPro and its statement have (NotInLedger, MISSING_IN_LEDGER).
package sim
