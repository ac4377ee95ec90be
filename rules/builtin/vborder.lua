-- vborder (微保): maps the decrypted answer of POST
-- /api/vborder/order/standard/qrcodeQuery.
--
-- The plugin passes the answer's two status fields raw:
--   a.status     = payStatus    (the payment result)
--   a.sub_status = checkStatus  (online-banking account check, B2B/B2C; nil when absent)
-- a.amount = orderAmount (fen), a.trade_no = platformSeq, a.paid_at = payTime
-- (read as China time, UTC+8), a.refunded = nil (vborder never says), and
-- every business field in a.fields (a.fields.checkMsg, a.fields.payType, ...).
-- errCode never reaches this file: 0000 is an answer, 1001 (订单不存在) is the
-- NOT_FOUND outcome, anything else an error; a bad sign or a reqmsg that does
-- not decrypt is UNVERIFIABLE. vborder has no refund query, so there is no
-- refund mapping: refund rows are UNSUPPORTED.
--
-- payStatus:
--   WAITPAY     awaiting payment       -> PENDING
--   PROCESSING  paying                 -> PENDING
--   SUCCESS     paid                   -> PAID, qualified by checkStatus below
--   TIME_OUT    expired                -> CLOSED (an expired order is closed unpaid)
--   FAIL        payment failed         -> FAILED
--   CLOSE       closed                 -> CLOSED
-- checkStatus of a SUCCESS payment (the page: default CLOSE, "not checked"):
--   absent, CLOSE, SUCCESS             -> PAID
--   PROCESSING  check result unknown   -> PENDING (not final: check again)
--   FAIL        户名不符/卡号不符/手机号不符 -> UNKNOWN with checkMsg: never MATCHED, a person must look
-- checkStatus is read whatever the payType: vborder only sends it for online
-- banking, and a failed check is worth a look wherever it appears. For an
-- unpaid payStatus it qualifies nothing. Anything else stays unmapped
-- (nil -> UNKNOWN, raw value kept).

local simple = {
  WAITPAY = { "PENDING" },
  PROCESSING = { "PENDING" },
  TIME_OUT = { "CLOSED", "order expired at vborder (TIME_OUT)" },
  FAIL = { "FAILED" },
  CLOSE = { "CLOSED" },
}

local function check_msg(a)
  local m = a.fields and a.fields.checkMsg
  if m == nil or m == "" then return "no checkMsg" end
  return m
end

local function payment_state(a)
  local s, c = a.status, a.sub_status
  local m = simple[s]
  if m then return m[1], m[2] end
  if s ~= "SUCCESS" then return nil end
  if c == nil or c == "" or c == "CLOSE" or c == "SUCCESS" then
    return "PAID"
  elseif c == "PROCESSING" then
    return "PENDING", "paid, but the online-banking account check is not settled (checkStatus PROCESSING: "
      .. check_msg(a) .. ")"
  elseif c == "FAIL" then
    return "UNKNOWN", "paid, but the online-banking account check failed (checkStatus FAIL: "
      .. check_msg(a) .. "): a person must look"
  end
  return nil
end

recon.map_payment("vborder", payment_state)

-- map_statement: the statement vborder's simulator writes (the plain CSV this
-- project defines: vborder documents none) uses the query API's words; a word
-- they do not know goes to the default mapping (super).
recon.map_statement("vborder", function(a, super)
  if a.kind == "refund" then
    return super(a) -- vborder has no refund query: no words of its own for a refund
  end
  local state, detail = payment_state(a)
  if state == nil then return super(a) end
  return state, detail
end)
