-- reconcile.lua: the contract's verdicts. Built in, applied before every
-- provider mapping and every merchant file. A merchant file replaces any of
-- these hooks (for all rows, one provider or one account) and can call the
-- replaced one through `super`.
--
-- row: the ledger row  {line, account, provider, type, order_no, refund_no,
--      status, amount (minor units), currency, created_at}
-- p:   the provider's answer {outcome, state, state_detail, status (raw),
--      sub_status, amount, received, refunded, refund_amount, currency,
--      trade_no, paid_at, verified, error, fields}

local PAID_FAMILY = { PAID = true, PARTIALLY_REFUNDED = true, REFUNDED = true }
local REFUNDED_FAMILY = { PARTIALLY_REFUNDED = true, REFUNDED = true }
local UNPAID = { PENDING = true, FAILED = true, CLOSED = true }

local function v(verdict, severity, action, detail)
  return { verdict = verdict, severity = severity, action = action, detail = detail }
end

local function raw(p)
  local s = tostring(p.status or "")
  if p.sub_status then s = s .. "/" .. tostring(p.sub_status) end
  return s
end

local function amt(n, cur)
  if n == nil then return "?" end
  return recon.format_amount(n, cur)
end

-- The answers that carry no state: the same for payments and refunds.
local function no_state(row, p)
  if p.outcome == "UNVERIFIABLE" then
    return v("UNVERIFIABLE", "critical", "REVIEW", "answer not trusted: " .. tostring(p.error))
  elseif p.outcome == "UNSUPPORTED" then
    return v("UNSUPPORTED", "warn", "REVIEW", "the provider's API cannot confirm this " .. row.type)
  elseif p.outcome == "ERROR" then
    return v("ERROR", "warn", "RECHECK", "query failed: " .. tostring(p.error))
  elseif p.outcome == "NOT_FOUND" or p.state == "NOT_FOUND" then
    -- (a found answer whose status a mapping reads as "no such order" too)
    local claimed = PAID_FAMILY[row.status] or row.status == "SUCCESS"
    if claimed then
      return v("NOT_FOUND", "critical", "REVIEW", "the provider does not know this " .. row.type .. "; ledger says " .. row.status)
    end
    return v("NOT_FOUND", "info", "NONE", "the provider does not know this " .. row.type .. "; ledger says " .. row.status)
  elseif p.state == "UNKNOWN" then
    return v("UNKNOWN_STATUS", "warn", "REVIEW", p.state_detail or ("unmapped provider status " .. raw(p)))
  end
  return nil
end

-- amounts_differ returns a detail when amount or currency differ. In a state
-- where money moved (moved), an answer that does not state the amount cannot
-- agree on it: MATCHED needs the amounts to agree.
local function amounts_differ(row, p, provider_amount, moved)
  if p.currency ~= nil and p.currency ~= row.currency then
    return "currency: ledger " .. row.currency .. ", provider " .. p.currency
  end
  if provider_amount == nil and moved then
    return "amount: ledger " .. amt(row.amount, row.currency) .. ", the provider's answer does not state it"
  end
  if provider_amount ~= nil and provider_amount ~= row.amount then
    return "amount: ledger " .. amt(row.amount, row.currency) .. ", provider " .. amt(provider_amount, row.currency)
  end
  return nil
end

recon.judge(function(row, p)
  local r = no_state(row, p)
  if r then return r end
  local S, L = p.state, row.status

  if S == "PARTIALLY_PAID" then
    local got = p.received and (", received " .. amt(p.received, row.currency)) or ""
    return v("AMOUNT_MISMATCH", "critical", "REVIEW", "provider reports a partial payment of "
      .. amt(p.amount, row.currency) .. got .. "; ledger says " .. L)
  end

  if PAID_FAMILY[S] then
    if UNPAID[L] and REFUNDED_FAMILY[S] then
      -- Paid and refunded since: the ledger knows neither. Marking it paid
      -- would book money that went back.
      return v("REFUND_MISMATCH", "critical", "REVIEW", "provider reports " .. S .. " (paid, then refunded); ledger still " .. L)
    end
    if UNPAID[L] then
      return v("MISSED_PAYMENT", "warn", "MARK_PAID", "provider reports " .. S .. "; ledger still " .. L)
    end
    local agree = (S == L) or (p.refunded == nil and REFUNDED_FAMILY[S] and REFUNDED_FAMILY[L])
    if not agree then
      return v("REFUND_MISMATCH", "critical", "REVIEW", "provider reports " .. S .. "; ledger says " .. L)
    end
    local d = amounts_differ(row, p, p.amount, true)
    if d then return v("AMOUNT_MISMATCH", "critical", "REVIEW", d) end
    return v("MATCHED", "info", "NONE", nil)
  end

  if S == "PENDING" then
    if PAID_FAMILY[L] then
      return v("UNPAID_AT_PROVIDER", "critical", "REVIEW", "ledger says " .. L .. "; provider still PENDING (" .. raw(p) .. ")")
    end
    return v("UNSETTLED", "info", "RECHECK", "provider not final yet (" .. raw(p) .. "); check again next run")
  end

  if S == "FAILED" or S == "CLOSED" then
    if PAID_FAMILY[L] then
      return v("UNPAID_AT_PROVIDER", "critical", "REVIEW", "ledger says " .. L .. "; provider reports " .. S)
    end
    if L == S then
      local d = amounts_differ(row, p, p.amount, false)
      if d then return v("AMOUNT_MISMATCH", "critical", "REVIEW", d) end
      return v("MATCHED", "info", "NONE", nil)
    end
    local action = (S == "CLOSED" and L == "PENDING") and "MARK_CLOSED" or "REVIEW"
    return v("STATUS_MISMATCH", "warn", action, "provider reports " .. S .. "; ledger says " .. L)
  end

  return v("STATUS_MISMATCH", "warn", "REVIEW", "provider reports " .. tostring(S) .. "; ledger says " .. L)
end)

recon.judge_refund(function(row, p)
  local r = no_state(row, p)
  if r then return r end
  local R, L = p.state, row.status
  if R == "PENDING" and L == "PENDING" then
    return v("UNSETTLED", "info", "RECHECK", "refund not final yet (" .. raw(p) .. "); check again next run")
  end
  if R ~= L then
    return v("REFUND_MISMATCH", "critical", "REVIEW", "provider reports refund " .. R .. "; ledger says " .. L)
  end
  local d = amounts_differ(row, p, p.refund_amount, R == "SUCCESS")
  if d then return v("REFUND_MISMATCH", "critical", "REVIEW", "refund " .. d) end
  return v("MATCHED", "info", "NONE", nil)
end)

-- refunds: do the ledger's successful refunds of an order add up to what the
-- provider says was refunded? Returns a verdict for the payment row, or nil.
recon.refunds(function(o)
  if o.provider_refunded == nil or o.refund_rows == 0 then return nil end
  if o.verdict ~= "MATCHED" then return nil end
  if o.ledger_refunded ~= o.provider_refunded then
    return v("REFUND_MISMATCH", "critical", "REVIEW", "ledger refunds add up to "
      .. amt(o.ledger_refunded, o.currency) .. "; provider refunded " .. amt(o.provider_refunded, o.currency))
  end
  return nil
end)

-- should_query: does this row need a query tonight? `last` is the order's
-- most recent stored result (nil: never judged). By default an unchanged row
-- whose last verdict was final and clean (MATCHED) is not asked again; its
-- stored answer is judged anew instead. `recon run --full` asks everything.
--
-- row.statement is what the provider's statement says of the row (nil when
-- its account has no statement tonight): {present, trusted, in_period, and
-- for a present row state, status, amount, currency, time, confirms, file,
-- line}. A statement row that disagrees with the ledger sends the row to the
-- query API, which decides (a statement freezes a refund's status when it is
-- billed; the query does not). With statement_trust, a row the statement
-- confirms -- the judge finds it MATCHED on the statement's row -- needs no
-- query and is judged on the statement.
recon.should_query(function(row, last)
  local s = row.statement
  if s ~= nil and s.present then
    if not s.confirms then return true end
    if s.trusted then
      return false, "confirmed by the statement, " .. s.file .. ":" .. tostring(s.line)
    end
  end
  if last == nil or not last.unchanged then return true end
  if last.verdict == "MATCHED" then
    return false, "unchanged and matched in run " .. last.run_id
  end
  return true
end)

-- map_statement: a statement row's status word to a state. A provider's
-- file maps its own statement's words (and falls back to this one through
-- super); this one knows the contract's own words (a statement written in
-- them) and WeChat Pay's trade bill (交易状态 on a payment; 退款状态 on a
-- refund, frozen when the refund was billed).
local STATEMENT_PAYMENT = {
  PAID = "PAID", PENDING = "PENDING", FAILED = "FAILED", CLOSED = "CLOSED",
  PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED", REFUNDED = "REFUNDED",
  -- WeChat Pay (bill 交易状态, as the order query's trade_state)
  SUCCESS = "PAID", REVOKED = "CLOSED", NOTPAY = "PENDING", USERPAYING = "PENDING", PAYERROR = "FAILED",
}
local STATEMENT_REFUND = {
  SUCCESS = "SUCCESS", PENDING = "PENDING", FAILED = "FAILED",
  -- WeChat Pay (bill 退款状态)
  PROCESSING = "PENDING", CHANGE = "FAILED", REFUNDCLOSE = "FAILED",
}
recon.map_statement(function(a)
  local words = STATEMENT_PAYMENT
  if a.kind == "refund" then words = STATEMENT_REFUND end
  local state = words[a.status or ""]
  if state == nil then return nil end
  return state, "statement status " .. a.status
end)
