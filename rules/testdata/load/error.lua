
error("boom")
