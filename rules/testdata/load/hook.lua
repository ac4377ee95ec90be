-- a typo
recon.jugde(function() end)
