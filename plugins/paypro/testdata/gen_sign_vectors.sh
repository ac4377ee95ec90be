#!/bin/sh
# Regenerates sign_vectors.tsv with md5sum, independently of the Go code:
#   sh testdata/gen_sign_vectors.sh > testdata/sign_vectors.tsv
# Each row: secret <TAB> sign string <TAB> lowercase hex MD5(sign string + secret),
# the MD5 computed as:  printf '%s' "<sign string><secret>" | md5sum
set -eu
echo "# secret	sign string	md5 — made by gen_sign_vectors.sh: printf '%s' \"<sign string><secret>\" | md5sum"
row() {
	printf '%s\t%s\t%s\n' "$1" "$2" "$(printf '%s' "$2$1" | md5sum | cut -d' ' -f1)"
}
# The provider page's request example (its real secret is unknown).
row 'paypro-demo-secret-3f9c2a7e' 'timestamp=1729153976003tradeNo=133323384'
row 'S3cr3t!' 'timestamp=1729153976003tradeNo=133323384'
# PROTOCOL.md's sign string example.
row 'paypro-demo-secret-3f9c2a7e' 'timestamp=1728613488294tradeNo=test_00000008'
row 'S3cr3t!' 'timestamp=1728613488294tradeNo=test_00000008'
# Order numbers as the simulator plants them.
row 'paypro-demo-secret-3f9c2a7e' 'timestamp=1700000000000tradeNo=PP-000001'
