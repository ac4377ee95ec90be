-- recheck_paid_7d.lua: keep asking about paid orders for 7 days after they
-- were created, so that a refund made at the provider shows up.
--
-- Built in, an incremental night does not ask again about a row that is
-- unchanged and was MATCHED last time. A customer may get a refund through
-- the provider's console, which the ledger never hears of: for a week after
-- the order, PAID rows are asked again every night.
--
-- should_query has no clock of its own: `last.at + last.age_seconds` is the
-- time of tonight's run. Without a created_at in the ledger the order's
-- age is unknown, and the built-in decision stands.

local WEEK = 7 * 24 * 3600

recon.should_query(function(row, last, super)
  if last ~= nil and row.status == "PAID" and row.created_at ~= nil and last.at ~= nil then
    local now = last.at + last.age_seconds
    if now - row.created_at < WEEK then
      return true, "paid less than 7 days ago: asked again for late refunds"
    end
  end
  return super(row, last)
end)
