-- late_payment.lua: a merchant verdict, LATE_PAYMENT, for money that
-- arrived after the shop had given up on the order.
--
-- The shop closes an unpaid order after 30 minutes. When the provider
-- reports it PAID while the ledger says CLOSED, the built-in verdict is
-- MISSED_PAYMENT (mark it paid). That is right when the payment came inside
-- the 30 minutes and only the notification was lost. When it came later,
-- the goods were released: the customer must be refunded or served, which
-- is a different job for a different person.
--
-- Times are instants in unix seconds: row.created_at (ledger), p.paid_at
-- (provider). Without both, the built-in verdict stands.

local PAYMENT_WINDOW = 30 * 60

recon.verdict("LATE_PAYMENT", { severity = "critical", action = "REFUND_OR_FULFIL" })

recon.judge(function(row, p, super)
  local r = super(row, p)
  if r.verdict ~= "MISSED_PAYMENT" or row.status ~= "CLOSED" then return r end
  if row.created_at == nil or p.paid_at == nil then return r end
  local late = p.paid_at - (row.created_at + PAYMENT_WINDOW)
  if late <= 0 then return r end
  return { verdict = "LATE_PAYMENT",
           detail = string.format("paid %d min after the order was created, %d min after the shop closed it",
             math.floor((p.paid_at - row.created_at) / 60), math.floor(late / 60)) }
end)
