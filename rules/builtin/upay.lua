-- upay (收钱吧 Shouqianba): maps biz_response.data of POST /upay/v2/query.
--
-- The plugin passes upay's two status fields raw:
--   a.status     = order_status  (the state of the order)
--   a.sub_status = status        (the last operation's flow; for a refund
--                                 query, the asked refund's flow)
-- and the amounts in fen: a.amount = total_amount, a.refunded =
-- total_amount - net_amount (nil unless both were sent; negative if upay sent
-- net_amount above total_amount), a.refund_amount = settlement_amount of the
-- asked refund. Call-level failures (result_code 400/500, FAIL answers)
-- never reach this file: the plugin turns them into NOT_FOUND or an error.
--
-- Payment (order_status):
--   CREATED             created, paying               -> PENDING
--   PAID                paid                          -> PAID (UNKNOWN if net_amount < total_amount)
--   PAY_CANCELED        payment failed and reversed   -> FAILED (final; money never taken)
--   PAY_ERROR           upay does not know            -> UNKNOWN
--   REFUNDED            fully refunded                -> REFUNDED (UNKNOWN unless net_amount is 0)
--   PARTIAL_REFUNDED    partly refunded               -> PARTIALLY_REFUNDED (UNKNOWN unless 0 < refunded < total)
--   REFUND_INPROGRESS   paid, a refund under way      -> by net_amount: PAID / PARTIALLY_REFUNDED / REFUNDED
--   REFUND_ERROR        upay does not know            -> UNKNOWN
--   CANCELED            revoked by the merchant       -> CLOSED
--   CANCEL_ERROR        upay does not know            -> UNKNOWN
--   CANCEL_INPROGRESS   a revoke under way            -> PENDING (not final; ends CANCELED or CANCEL_ERROR)
--   INVALID_STATUS_CODE upay does not know            -> UNKNOWN
--
-- Why PAY_CANCELED is FAILED and CANCELED is CLOSED: upay describes
-- PAY_CANCELED as "payment failed and the order has been successfully
-- canceled" (支付失败并且已经成功充正) -- the payment attempt failed; CANCELED is
-- "successfully canceled by client" (客户端发起的撤单已成功) -- the merchant closed
-- the order. Both are final and mean "not paid".
--
-- Refund (status of the asked refund flow):
--   SUCCESS                                     -> SUCCESS
--   IN_PROG, CREATED                            -> PENDING
--   FAIL_CANCELED                               -> FAILED
--   FAIL_PROTOCOL_1/2/3, FAIL_IO_1/2, FAIL_ERROR -> FAILED, with a detail: upay's
--       appendix says a FAIL* status "is guaranteed to be failed", although
--       upay could not confirm it with the channel; the detail says so.
--   REFUND_ERROR, CANCEL_ERROR                  -> UNKNOWN (upay does not know)
-- Anything else is left unmapped (nil -> UNKNOWN, raw value kept).

local function fen(n) return tostring(n) end

-- consistency of the amounts of an answer; returns a detail when upay
-- contradicts itself.
local function net_above_total(a)
  if a.refunded ~= nil and a.refunded < 0 then
    return "net_amount " .. tostring(a.fields.net_amount) .. " exceeds total_amount "
      .. tostring(a.fields.total_amount) .. ": inconsistent answer"
  end
  return nil
end

local unknown_order = {
  PAY_ERROR = "PAY_ERROR: payment failed and upay does not know whether it was reversed; ask upay support",
  REFUND_ERROR = "REFUND_ERROR: a refund failed and upay does not know its final state at the channel; ask upay support",
  CANCEL_ERROR = "CANCEL_ERROR: a revoke failed and upay does not know the order's final state; ask upay support",
  INVALID_STATUS_CODE = "INVALID_STATUS_CODE: upay reports an invalid status for this order",
}

local function payment_state(a)
  local s = a.status
  if unknown_order[s] then return "UNKNOWN", unknown_order[s] end
  if s == "CREATED" then return "PENDING", "order created, payment in progress" end
  if s == "CANCEL_INPROGRESS" then return "PENDING", "revoke in progress" end
  if s == "PAY_CANCELED" then return "FAILED" end
  if s == "CANCELED" then return "CLOSED" end

  local bad = net_above_total(a)
  local m, r = a.amount, a.refunded
  if m == nil then r = nil end -- the plugin only sends refunded with total_amount

  if s == "PAID" then
    if bad then return "UNKNOWN", bad end
    if r ~= nil and r ~= 0 then
      return "UNKNOWN", "order_status PAID but net_amount " .. tostring(a.fields.net_amount)
        .. " < total_amount " .. fen(m) .. " (refunded " .. fen(r) .. "): inconsistent answer"
    end
    return "PAID"
  end

  if s == "PARTIAL_REFUNDED" then
    if bad then return "UNKNOWN", bad end
    if r ~= nil and (r <= 0 or r >= m) then
      return "UNKNOWN", "order_status PARTIAL_REFUNDED but refunded " .. fen(r) .. " of total_amount "
        .. fen(m) .. ": inconsistent answer"
    end
    return "PARTIALLY_REFUNDED"
  end

  if s == "REFUNDED" then
    if bad then return "UNKNOWN", bad end
    if r ~= nil and r ~= m then
      return "UNKNOWN", "order_status REFUNDED but net_amount " .. tostring(a.fields.net_amount)
        .. " is not 0: inconsistent answer"
    end
    return "REFUNDED"
  end

  if s == "REFUND_INPROGRESS" then
    -- The payment stays paid; net_amount says how much earlier refunds took.
    if bad then return "UNKNOWN", bad end
    if r == nil then
      return "UNKNOWN", "REFUND_INPROGRESS without total_amount/net_amount: cannot tell how much was refunded"
    end
    if r == 0 then return "PAID", "a refund is in progress" end
    if r < m then return "PARTIALLY_REFUNDED", "another refund is in progress" end
    return "REFUNDED", "REFUND_INPROGRESS with net_amount 0"
  end

  return nil
end

local failed_unconfirmed = {
  FAIL_PROTOCOL_1 = true, FAIL_PROTOCOL_2 = true, FAIL_PROTOCOL_3 = true,
  FAIL_IO_1 = true, FAIL_IO_2 = true, FAIL_ERROR = true,
}

-- refund_state maps the state of a refund flow (status on a refund query).
local function refund_state(s)
  if s == "SUCCESS" then return "SUCCESS" end
  if s == "IN_PROG" then return "PENDING", "refund in progress" end
  if s == "CREATED" then return "PENDING", "refund created" end
  if s == "FAIL_CANCELED" then return "FAILED" end
  if failed_unconfirmed[s] then
    return "FAILED", s .. ": upay guarantees FAIL* flows failed, though it could not confirm with the channel"
  end
  if s == "REFUND_ERROR" then
    return "UNKNOWN", "REFUND_ERROR: upay does not know the refund's final state at the channel; ask upay support"
  end
  if s == "CANCEL_ERROR" then
    return "UNKNOWN", "CANCEL_ERROR: upay does not know the flow's final state; ask upay support"
  end
  return nil
end

recon.map_payment("upay", payment_state)
-- A refund flow is SUCCESS only on an order its refunds changed: PROTOCOL's
-- order_status turns PARTIAL_REFUNDED, then REFUNDED (REFUND_INPROGRESS
-- while another refund is under way). On any other, upay's answer
-- contradicts itself, and a person must look.
local REFUNDED_ORDER = { PARTIAL_REFUNDED = true, REFUNDED = true, REFUND_INPROGRESS = true }

recon.map_refund("upay", function(a)
  local state, detail = refund_state(a.sub_status)
  if state == "SUCCESS" and not REFUNDED_ORDER[a.status] then
    return "UNKNOWN", "upay says refund flow SUCCESS on an order whose order_status is " .. tostring(a.status)
  end
  return state, detail
end)

-- map_statement: the statement upay's simulator writes (the plain CSV this
-- project defines: upay documents none) has a payment's order_status and a
-- refund's flow status; a word they do not know goes to the default
-- mapping (super).
recon.map_statement("upay", function(a, super)
  local state, detail
  if a.kind == "refund" then
    state, detail = refund_state(a.status)
  else
    state, detail = payment_state(a)
  end
  if state == nil then return super(a) end
  return state, detail
end)
