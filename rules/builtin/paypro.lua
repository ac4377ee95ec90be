-- PayPro (paypro): maps data.status of POST /v1/paypro/queryPayInResult.
--
-- The outer code (0000 handled, 5000 system exception, 8000 request failed)
-- never reaches this rule: the plugin turns 5000 into a retry and 8000 into
-- NOT_FOUND ("order not exist") or an error. Only a handled query's
-- data.status arrives here, raw (`00029` stays `00029`).
--
-- Vocabulary (PayPro's page and PROTOCOL.md):
--   0000     success                                -> PAID
--   0001     partial payment (received < amount)    -> PARTIALLY_PAID
--   0015     processing                             -> PENDING
--   0029     failed (also written 00029)            -> FAILED
--   0100019  payee daily cumulative amount reached  -> FAILED
--   00032    unknown error (a failure)              -> FAILED
--   any other code                                 -> FAILED (see below)
--
-- Unlisted codes. The contract says a status no rule maps is UNKNOWN, never
-- guessed; PayPro's page says "0000 success, 0015 processing; all others are
-- error codes and can be treated as failures", and PROTOCOL.md says "Any
-- other code counts as failure". That is the provider's own definition of
-- its vocabulary, not a guess, so this rule maps every other *code* to
-- FAILED, naming the code in the detail so that a merchant rule can
-- override it (e.g. return nil for a code it wants reviewed). A status that
-- is not a PayPro code at all (not all digits) is outside that definition:
-- it stays unmapped (nil -> UNKNOWN, raw value kept).
--
-- PayPro has no refund query, so there is no map_refund: refund rows of
-- paypro accounts are UNSUPPORTED before any rule runs.

local failed = {
  ["0029"] = "failed",
  ["00029"] = "failed",
  ["0100019"] = "payee daily cumulative amount reached",
  ["00032"] = "unknown error",
}

local function with_message(text, a)
  local m = a.fields and a.fields.message
  if m ~= nil and m ~= "" then
    return text .. " (" .. m .. ")"
  end
  return text
end

local function payment_state(a)
  local s = a.status
  if s == "0000" then
    return "PAID"
  end
  if s == "0001" then
    return "PARTIALLY_PAID", with_message("PayPro 0001 partial payment", a)
  end
  if s == "0015" then
    return "PENDING", "PayPro 0015 processing"
  end
  if failed[s] then
    return "FAILED", with_message("PayPro " .. s .. " " .. failed[s], a)
  end
  if type(s) == "string" and string.match(s, "^%d+$") then
    return "FAILED", with_message("PayPro " .. s .. ": unlisted code, a failure per PayPro's page", a)
  end
  return nil
end

recon.map_payment("paypro", payment_state)

-- map_statement: the statement paypro's simulator writes (the plain CSV this
-- project defines: paypro documents none) uses the query API's words; a word
-- they do not know goes to the default mapping (super).
recon.map_statement("paypro", function(a, super)
  if a.kind == "refund" then
    return super(a) -- paypro has no refund query: no words of its own for a refund
  end
  local state, detail = payment_state(a)
  if state == nil then return super(a) end
  return state, detail
end)
