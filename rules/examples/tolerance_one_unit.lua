-- tolerance_one_unit.lua: for one account, amounts that differ by at most
-- one minor unit (0.01 CNY) are matched.
--
-- The account shop-upay rounds its prices to the fen differently from its
-- provider on some discounted baskets. Only this account gets the
-- tolerance; only an amount difference (same state, same currency) is
-- forgiven, and the detail says by how much.

local TOLERANCE = 1 -- minor units

recon.judge({ account = "shop-upay" }, function(row, p, super)
  local r = super(row, p)
  if r.verdict ~= "AMOUNT_MISMATCH" or p.state == "PARTIALLY_PAID" then return r end
  if p.amount == nil or (p.currency ~= nil and p.currency ~= row.currency) then return r end
  local diff = math.abs(p.amount - row.amount)
  if diff > TOLERANCE then return r end
  return { verdict = "MATCHED", severity = "info", action = "NONE",
           detail = "amount differs by " .. recon.format_amount(diff, row.currency)
             .. " (ledger " .. recon.format_amount(row.amount, row.currency)
             .. ", provider " .. recon.format_amount(p.amount, row.currency)
             .. "), within the account's tolerance" }
end)
