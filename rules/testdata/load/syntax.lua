recon.judge(function(row, p)
  return {verdict = 
end)
