// Package vborder is recon's provider for 微保 (Vbao) aggregate payment:
// the client of its order query, POST {endpoint}/api/vborder/order/standard/qrcodeQuery,
// and a simulator of that API. The protocol is /work/shared/providers/vborder/PROTOCOL.md
// (from the provider's page "支付结果查询"); the decisions it leaves open are
// marked `PROTOCOL:` in the code and listed here.
//
// # The exchange
//
// Request: the business map {"orderNo": ...} gets `sign` = uppercase hex MD5
// of its sorted k=v pairs plus "&key=<sign_key>" (sign.go); the JSON is
// encrypted with the platform public key, PKCS#1 v1.5, segmented into
// (key bytes - 11)-byte chunks whose ciphertexts are concatenated
// (segrsa.go), and sent base64 as {"customerNo": ..., "reqmsg": ...}.
//
// Answer: {"code","success","data","msg"}, where data is a JSON *string*
// holding {"customerNo","reqmsg"}. reqmsg decrypts to the business JSON,
// whose `sign`, when present, is checked with the same rule.
//
// # Outcomes
//
//   - Kind Refund: UNSUPPORTED, no network call (the platform has no refund query).
//   - HTTP transport errors, 5xx, 429: TRANSIENT; other non-2xx: PERMANENT (plugins.Exchange).
//   - Unparseable body, code 200 without data or without reqmsg: TRANSIENT (malformed).
//   - code "500" (and any other 5xx code): TRANSIENT. code "400": PERMANENT (the
//     platform rejected our sign or could not decrypt our reqmsg: credentials).
//     Any other code, or "200" without success true: PERMANENT, code and msg kept.
//   - data.customerNo not ours, reqmsg not base64, not decrypting, not a JSON
//     object, a `sign` that does not match (or is not a string), or an answer
//     naming another customerNo or orderNo: UNVERIFIABLE — never a payment state.
//   - errCode 1001 (订单不存在): NOT_FOUND. errCode 0000: FOUND. No errCode, or any
//     other errCode (the provider's code table is not public): PERMANENT, with
//     errCode and errMessage in Err and the decrypted fields kept in Answer.Fields.
//   - orderAmount that is not a whole number of fen, or payTime not
//     "yyyy-MM-dd HH:mm:ss": PERMANENT (a verified answer that will not change
//     on retry, and must not be half-read).
//
// # Reading an Answer
//
//   - Status = payStatus, SubStatus = checkStatus, both raw; rules/builtin/vborder.lua maps them.
//   - Amount = orderAmount, integer fen (decoded from the JSON number's text;
//     a string of digits is accepted too). Nil when absent. Currency is the
//     account's, which must be CNY (Configure refuses any other: fen are CNY).
//   - PaidAt = payTime read in China time, fixed UTC+8, whatever the account's
//     timezone: PROTOCOL says payTime is China time. Zero when absent.
//   - TradeNo = platformSeq. Received, Refunded, RefundAmount: nil (never said).
//   - Fields: every business field of the decrypted answer as a string
//     (strings as is, numbers/booleans as their JSON text, objects and arrays
//     as compact JSON, null left out; payerInfo, payeeInfo and installmentData
//     may arrive as objects or as strings holding JSON and are both normalised
//     to compact JSON), errCode/errMessage and sign included, plus
//     Fields["_plaintext"]: the decrypted business JSON byte for byte. Raw is
//     the HTTP body as received (its reqmsg is ciphertext).
//   - Verified: true when the answer's sign was checked and held, or when the
//     account reads answers in type-1 blocks (response_key platform_public:
//     only the platform's private key makes blocks its public key opens). An
//     unsigned answer under merchant_private is FOUND with Verified false.
//
// # Decisions (PROTOCOL ambiguities)
//
//   - Sign: values are taken from the JSON as received — a number keeps its exact
//     text, an object/array is json.Compact of its own bytes (sender's key order
//     and escapes), true/false as JSON text. "Empty" means "" or null; {} and []
//     are values. Keys sort by bytes (case-sensitive). The received sign is
//     compared case-insensitively (it is hex). An answer "carries" a sign when
//     the key is present and not null: an empty or non-string sign is a
//     mismatch (UNVERIFIABLE), not an unsigned answer.
//   - response_key merchant_private (default) or platform_public, read from the
//     credentials (or Account.Options). With platform_public the merchant private
//     key is optional.
//   - Keys: PEM PKCS#1 or PKCS#8 private keys, PKIX or PKCS#1 public keys (and a
//     certificate), or bare base64 DER without PEM armour; at least 1024 bits.
//   - The outer code may be a JSON string or number; data may be a string (the
//     protocol) or, leniently, the same envelope as an object.
//   - Line breaks inside reqmsg's base64 are ignored; unpadded base64 is accepted.
//
// # Simulator
//
// NewSimulator serves APIPath like the platform: it decrypts the request with
// its platform key and checks the sign ("400" for a wrong sign, an
// undecryptable reqmsg, an unknown customerNo or no orderNo), answers unknown
// orders with errCode 1001, encrypts answers to the merchant public key (or
// in type-1 blocks under the platform private key when the scenario's
// account says response_key: platform_public) and signs them. Keys: two fresh
// RSA-1024 pairs per simulator; Account() returns customer_no, sign_key,
// platform_public_key (PKIX PEM), merchant_private_key (PKCS#8 PEM) and
// response_key.
//
// Faults: the generic ones of simkit.Injector (HTTP 503, slow, malformed
// body) and, as rates in faults.extra or scripted per order: busy (a code
// "500" answer), tamper (a reqmsg altered so it does not decrypt), badsign
// (an answer signed with a wrong key); per order also 5xx, slow, malformed.
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
//	orders:                         # the platform's own field names
//	  - orderNo: VB-000001
//	    goodName: 月卡
//	    platformSeq: S1800000000000000003
//	    orderAmount: 1234           # fen, an integer
//	    payType: B2C
//	    payTime: "2026-11-21 23:10:04"   # China time; only for paid orders
//	    payStatus: SUCCESS          # any string: unknown ones test the mapping
//	    checkStatus: FAIL
//	    checkMsg: 户名不符
//	    payerInfo: {bankId: CMBCHINA, cardType: DEBIT}   # a mapping, or a string such as "{}"
//	    faults: {tamper: -1}        # name: count of queries (-1 forever): 5xx busy slow malformed tamper badsign
//
// Also: goodNo, identifyId, channelReturnOrderNo, bankReturnOrderNo, ext1,
// ext2, channelCode, payeeInfo, installmentData. orderAmount must be a whole
// number (12.5 is an error, never truncated). scenario_default.yaml is the
// scenario of a fresh simulator and a worked example.
//
// Plant adds "VB-nnnnnn" orders with one row of every verdict vborder can
// produce; its ERROR row is an order scripted to answer HTTP 503 forever, its
// UNVERIFIABLE row one scripted to tamper forever, and one MATCHED row is
// answered "500" once first (MATCHED only when the host retries).
package vborder
