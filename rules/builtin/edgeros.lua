-- 翼辉支付 AcoPay (edgeros): maps data.code of the trade query
-- (GET /pay/v1/transactions/trade) and of the refund query
-- (GET /pay/v1/transactions/refund).
--
-- Only answers that verified (platform SHA256withRSA signature, nonce echoed)
-- and had status 200 / SUCCESS reach these rules; unknown orders (1007) and
-- refunds (1008) arrive as NOT_FOUND, tampered answers as UNVERIFIABLE.
--
-- The platform fronts WeChat Pay and Alipay and follows WeChat Pay's states
-- (PROTOCOL.md: a decision; only SUCCESS is on the public page).
--
-- Trade codes:
--   SUCCESS     paid                                         -> PAID
--   REFUND      paid, since refunded in part or in full      -> REFUNDED
--               The trade query does not say how much was refunded: the
--               answer's `refunded` is nil, so the judge accepts a ledger
--               PARTIALLY_REFUNDED as agreeing, and the refund rows (queried
--               one by one) carry the amounts.
--   NOTPAY      not paid yet                                 -> PENDING
--   USERPAYING  the customer is paying (e.g. entering a PIN) -> PENDING
--   CLOSED      closed                                       -> CLOSED
--   REVOKED     revoked (cancelled)                          -> CLOSED
--   PAYERROR    payment failed                               -> FAILED
--   any other   unmapped                                     -> nil (UNKNOWN, raw kept)
--
-- Refund codes:
--   SUCCESS     refunded                                     -> SUCCESS
--   PROCESSING  in progress                                  -> PENDING
--   ABNORMAL    the refund failed to reach the payer (e.g. a  -> UNKNOWN
--               closed or frozen card) and waits for manual handling at the
--               platform; it may still be re-issued, so it is neither SUCCESS
--               nor a final FAILED: reviewed by a person.
--   CLOSED      closed without refunding                     -> FAILED
--   any other   unmapped                                     -> nil

local function desc(a)
  local d = a.fields and a.fields.description
  if d ~= nil and d ~= "" then
    return " (" .. d .. ")"
  end
  return ""
end

local function payment_state(a)
  local s = a.status
  if s == "SUCCESS" then
    return "PAID"
  end
  if s == "REFUND" then
    return "REFUNDED", "edgeros REFUND: refunded in part or in full; the trade query does not say how much" .. desc(a)
  end
  if s == "NOTPAY" then
    return "PENDING", "edgeros NOTPAY: not paid yet" .. desc(a)
  end
  if s == "USERPAYING" then
    return "PENDING", "edgeros USERPAYING: the customer is paying" .. desc(a)
  end
  if s == "CLOSED" then
    return "CLOSED", "edgeros CLOSED" .. desc(a)
  end
  if s == "REVOKED" then
    return "CLOSED", "edgeros REVOKED: revoked" .. desc(a)
  end
  if s == "PAYERROR" then
    return "FAILED", "edgeros PAYERROR: payment failed" .. desc(a)
  end
  return nil
end

local function refund_state(a)
  local s = a.status
  if s == "SUCCESS" then
    return "SUCCESS"
  end
  if s == "PROCESSING" then
    return "PENDING", "edgeros PROCESSING: refund in progress" .. desc(a)
  end
  if s == "ABNORMAL" then
    return "UNKNOWN", "edgeros ABNORMAL: the refund did not reach the payer and waits for manual handling at the platform" .. desc(a)
  end
  if s == "CLOSED" then
    return "FAILED", "edgeros CLOSED: refund closed" .. desc(a)
  end
  return nil
end

recon.map_payment("edgeros", payment_state)
recon.map_refund("edgeros", refund_state)

-- map_statement: the statement edgeros's simulator writes (the plain CSV this
-- project defines: edgeros documents none) uses the query API's words; a word
-- they do not know goes to the default mapping (super).
recon.map_statement("edgeros", function(a, super)
  local state, detail
  if a.kind == "refund" then
    state, detail = refund_state(a)
  else
    state, detail = payment_state(a)
  end
  if state == nil then return super(a) end
  return state, detail
end)
