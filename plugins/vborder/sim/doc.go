// Package sim is a simulator of vborder's (微保) order query API, for tests,
// `recon sandbox` and `recon demo`. It serves vborder.APIPath as the
// platform does, with the client's own sign and RSA code (package vborder)
// playing the platform's side.
//
// It decrypts the request with its platform key and checks the sign ("400"
// for a wrong sign, an undecryptable reqmsg, an unknown customerNo or no
// orderNo), answers unknown orders with errCode 1001, encrypts answers to
// the merchant public key (or in type-1 blocks under the platform private
// key when the scenario's account says response_key: platform_public) and
// signs them. Answers echo the order's identity as the platform's do:
// orderNo always, platformSeq when the order has one (the planted and
// default orders all do). Keys: two fresh RSA-1024 pairs per simulator;
// Account() returns customer_no, sign_key, platform_public_key (PKIX PEM),
// merchant_private_key (PKCS#8 PEM) and response_key.
//
// # Faults
//
// Random, at rates per request (simkit.Faults): error_rate (HTTP 503),
// slow_rate, malformed_rate, and in faults.extra busy, tamper, badsign and
// other_order.
//
// Scripted (package script), per order in an order's faults: or in the
// top-level scripted: list (by orderNo, or for every request without a key):
//
//	http_5xx    HTTP 503 with a JSON error body
//	malformed   HTTP 200 with the platform's envelope cut short
//	slow        the normal answer, after faults.slow_delay (2s by default)
//	hang        no answer until the client gives up
//	busy        HTTP 200, {"code":"500","success":false,"data":null}: the platform is busy
//	tamper      the answer's reqmsg altered so that it does not decrypt
//	badsign     the answer signed with a wrong sign key
//	other_order a valid (encrypted, signed) answer with another paid order's data
//
// other_order models a platform that answers about the wrong order: the
// answer is as genuine as any, so only its identity (orderNo, platformSeq)
// shows that it is not about the order asked. The other order is the paid
// one (payStatus SUCCESS) with the smallest orderNo other than the one
// asked; a simulator holding none answers with a made-up paid order
// "OTHER-<orderNo>". An unknown order meets it too: a platform that answers
// every query with one paid order's data.
//
// A scripted count is a number of queries, or -1 for every one. Each fault
// is asked for at its own stage of the answer, so that they compose: a slow
// answer can also be badly signed and tampered with, and so can an
// other_order answer. Of the faults that end
// the request, the first in the order http_5xx, busy, hang, malformed wins
// (slow waits, then the answer goes on). The old name 5xx is refused with
// its new one, http_5xx.
//
// # Scenario format (the vborder section of a sandbox scenario file)
//
//	account:                        # optional; empty fields keep the current value
//	  customer_no: "202112090603"
//	  sign_key: "..."
//	  response_key: merchant_private   # or platform_public
//	  sign_responses: true             # false: answers carry no sign
//	faults:                         # simkit.Faults: rates per request
//	  error_rate: 0.01              # HTTP 503
//	  slow_rate: 0.01
//	  slow_delay: 2s
//	  malformed_rate: 0.01
//	  extra: {busy: 0.01, tamper: 0.01, badsign: 0.01}
//	  seed: 7
//	scripted:                       # script.Entry: by key (an orderNo), or every request
//	  - {key: VB-000001, fault: busy, times: 2}
//	  - {fault: slow, times: 1}
//	orders:                         # the platform's own field names
//	  - orderNo: VB-000001
//	    goodName: 月卡
//	    platformSeq: S1800000000000000003
//	    orderAmount: 1234           # fen, a whole number (simyaml.Minor)
//	    payType: B2C
//	    payTime: "2026-11-21 23:10:04"   # China time; only for paid orders
//	    payStatus: SUCCESS          # any string: unknown ones test the mapping
//	    checkStatus: FAIL
//	    checkMsg: 户名不符
//	    payerInfo: {bankId: CMBCHINA, cardType: DEBIT}   # a mapping, or a string such as "{}"
//	    faults: {tamper: -1}        # script.Counts: fault -> count of queries (-1 forever)
//
// Also: goodNo, identifyId, channelReturnOrderNo, bankReturnOrderNo, ext1,
// ext2, channelCode, payeeInfo, installmentData. orderAmount must be a whole
// number (12.5 is an error, never truncated). scenario_default.yaml is the
// scenario of a fresh simulator and a worked example.
//
// # Statement
//
// The platform's page documents no statement file (微保's bill download is
// not public), so Statement gives the "recon" CSV this project defines
// (engine/statement/doc.go; simkit.WriteStatement writes it): a payment row
// for every order of payStatus SUCCESS, order_no its orderNo,
// provider_trade_no its platformSeq, amount orderAmount in yuan, currency
// CNY, status SUCCESS, time payTime in China time (+08:00); a paid order
// without a payTime is billed on the day before today, the i-th at 00:00 +
// 1+i minutes (simkit.ScenarioTime). The simulator models no refunds, so
// there are no refund rows; WAITPAY, PROCESSING, FAIL, CLOSE and TIME_OUT
// orders are never on it.
//
// # Plant
//
// Plant adds "VB-nnnnnn" orders with one row of every verdict vborder can
// produce; its ERROR row is an order scripted to answer HTTP 503 forever, its
// UNVERIFIABLE rows one scripted to tamper forever and one answered about
// another paid order forever (other_order), and one MATCHED row is
// answered "500" once first (MATCHED only when the host retries). Its
// orders are paid on simkit.PlantDay (yesterday, China time), and two of
// them only the platform and its statement have (NotInLedger,
// MISSING_IN_LEDGER).
package sim
