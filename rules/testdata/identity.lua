-- A test provider whose raw status is already the contract's state.
recon.map_payment("test", function(a) return a.status end)
recon.map_refund("test", function(a) return a.status end)
