// Package vborder is recon's provider for 微保 (Vbao) aggregate payment:
// the client of its order query, POST {endpoint}/api/vborder/order/standard/qrcodeQuery.
// The protocol is /work/shared/providers/vborder/PROTOCOL.md (from the
// provider's page "支付结果查询"); the decisions it leaves open are marked
// `PROTOCOL:` in the code and listed here. The simulator of the API, for
// tests, `recon sandbox` and `recon demo`, is package vborder/sim.
//
// # Files
//
// provider.go holds the account (credentials, keys, endpoint); query.go one
// exchange; sign.go the MD5 sign of both directions; segrsa.go the
// platform's segmented RSA; answer.go the reading of the answer.
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
// # Credentials
//
// customer_no, sign_key (secret), platform_public_key, merchant_private_key
// (secret; optional with response_key platform_public) and response_key.
// Keys are read by plugins/helper/rsakey: PEM or bare base64 DER, PKCS#1,
// PKCS#8 or PKIX (or a certificate), at least 1024 bits, never encrypted.
// The account's currency must be CNY (orderAmount is fen).
//
// # What is checked
//
// By the plugin, before any field is read as a state, because each stops a
// different wrong answer from passing for the right one:
//
//   - data.customerNo and the decrypted customerNo, when present, are this
//     account's: an answer meant for another merchant is not ours.
//   - reqmsg decrypts with the account's response_key (merchant private
//     key, or the platform public key for type-1 blocks): only the platform
//     encrypts to our key, and only its private key makes type-1 blocks.
//   - the decrypted JSON is one object naming each member once, so that a
//     sign cannot cover one payStatus while a reader sees another.
//   - its sign, when present, holds under sign_key: the answer was not
//     altered after the platform signed it. Absent, PROTOCOL lets it pass
//     (Verified false under merchant_private), unless the account sets
//     require_sign: true, which makes such an answer UNVERIFIABLE: the key
//     that encrypts it is the merchant's public one, no secret.
//   - its orderNo, when present, is the one asked; otherwise UNVERIFIABLE
//     with both numbers in Err (recon.IdentityError).
//
// There is no nonce to echo: the request carries only orderNo and its sign,
// so the answer's orderNo is the only link between question and answer.
//
// Echoed for the host's Query.Check, from the decrypted answer and never
// from the query (a copy would pass the check for an answer about any
// order): Answer.OrderNo = orderNo (the merchant's order number) and
// Answer.TradeNo = platformSeq (the platform's serial number, which a ledger
// row's provider_trade_no must equal). An answer without orderNo leaves
// OrderNo empty, and the host refuses it as not saying which order it is
// about; a valid sign proves who wrote an answer, not which order it is
// about. RefundNo and RefundTradeNo stay empty: the platform has no refund
// query (PROTOCOL "Refunds": "The page defines none"), so no refund
// answer ever reaches the check.
//
// # Outcomes
//
//   - Kind Refund: UNSUPPORTED, no network call (the platform has no refund query).
//   - HTTP transport errors, 5xx, 429: TRANSIENT; other non-2xx: PERMANENT (plugins.Exchange).
//   - Unparseable body, code 200 without data or without reqmsg: TRANSIENT
//     (malformed). The body and data's {customerNo, reqmsg} must each be one
//     JSON object naming every member once: a repeated member is malformed
//     (encoding/json would keep the last, another reader the first).
//   - code "500" (and any other 5xx code): TRANSIENT. code "400": PERMANENT (the
//     platform rejected our sign or could not decrypt our reqmsg: credentials).
//     Any other code, or "200" without success true: PERMANENT, code and msg kept.
//   - data.customerNo not ours, reqmsg not base64, longer than
//     MaxReqmsgBlocks (64) key-sized blocks (refused before any decryption:
//     a real answer is about 6), not decrypting, not one
//     JSON object (or one naming a member twice), a `sign` that does not
//     match (or is not a string), or an answer naming another customerNo or
//     orderNo: UNVERIFIABLE — never a payment state.
//   - errCode 1001 (订单不存在): NOT_FOUND. errCode 0000: FOUND. No errCode, or any
//     other errCode (the provider's code table is not public): PERMANENT, with
//     errCode and errMessage in Err and the decrypted fields kept in Answer.Fields.
//   - orderAmount present but not a whole number of fen ("" and null
//     included: the page marks it 必选), or payTime not exactly
//     "yyyy-MM-dd HH:mm:ss" (no fraction, two-digit fields): PERMANENT (a
//     verified answer that will not change on retry, and must not be
//     half-read).
//
// # How the statuses reach the rules
//
//   - Status = payStatus, SubStatus = checkStatus, both raw; rules/builtin/vborder.lua maps them.
//   - Amount = orderAmount, integer fen (decoded from the JSON number's text;
//     a string of digits is accepted too). Nil when absent; "" or null is
//     PERMANENT, never nil. Currency is the account's, which must be CNY
//     (Configure refuses any other: fen are CNY).
//   - PaidAt = payTime read in China time, fixed UTC+8, whatever the account's
//     timezone: PROTOCOL says payTime is China time. Zero when absent.
//   - OrderNo = orderNo, TradeNo = platformSeq, as the answer states them ("" when
//     absent), also on a NOT_FOUND answer and on one refused after decryption. Received, Refunded,
//     RefundAmount, RefundNo, RefundTradeNo: never said.
//   - Fields: every business field of the decrypted answer, flattened by
//     plugins/helper/jsonfields (strings as is, numbers/booleans as their
//     JSON text, objects and arrays as compact JSON, null left out);
//     payerInfo, payeeInfo and installmentData may arrive as objects or as
//     strings holding JSON and are both normalised to compact JSON;
//     errCode/errMessage and sign included, plus Fields["_plaintext"]: the
//     decrypted business JSON byte for byte. Raw is the HTTP body as received
//     (its reqmsg is ciphertext).
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
//     key is optional. require_sign (true or false, default false) is read the
//     same way.
//   - The outer code may be a JSON string or number; data may be a string (the
//     protocol) or, leniently, the same envelope as an object.
//   - Line breaks inside reqmsg's base64 are ignored; unpadded base64 is accepted.
package vborder
