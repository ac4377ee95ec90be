-- vborder_timeout_pending.lua: a vborder order that expired (TIME_OUT)
-- while the ledger still shows it PENDING is matched, not a mismatch.
--
-- Built in, TIME_OUT maps to CLOSED, and a ledger PENDING against a
-- provider CLOSED is STATUS_MISMATCH with action MARK_CLOSED. This merchant
-- never closes expired orders in its ledger (its shop treats a PENDING
-- order past its payment window as dead), so the pair is what it expects.
-- Every other case goes to the judge this replaces (`super`).

recon.judge("vborder", function(row, p, super)
  if p.outcome == "FOUND" and p.status == "TIME_OUT" and row.status == "PENDING" then
    return { verdict = "MATCHED", severity = "info", action = "NONE",
             detail = "vborder TIME_OUT: the order expired unpaid; the ledger's PENDING is expected" }
  end
  return super(row, p)
end)
