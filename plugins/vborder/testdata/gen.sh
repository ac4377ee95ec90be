#!/bin/sh
# Regenerates every fixed vector in this folder with openssl and coreutils
# only: nothing here is computed by the code under test.
#
#   sh gen.sh          # OpenSSL 3.x; keys are random, so every file changes
#
# sign/NAME.tosign is written by hand (the sorted k=v&...&key= string the
# protocol defines); its MD5 is taken here with md5sum.
set -eu
cd "$(dirname "$0")"

# Request/response sign vectors: uppercase hex MD5 of the hand-written string.
for f in sign/*.tosign; do
	md5sum <"$f" | cut -d' ' -f1 | tr a-f A-F | tr -d '\n' >"${f%.tosign}.sign"
done

# Keys: PKCS#8 private, PKCS#1 ("traditional") private, PKIX and PKCS#1 public.
for bits in 1024 2048; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:$bits -out keys/rsa$bits.pem 2>/dev/null
	openssl rsa -in keys/rsa$bits.pem -traditional -out keys/rsa${bits}_pkcs1.pem 2>/dev/null
	openssl rsa -in keys/rsa$bits.pem -pubout -out keys/rsa${bits}_pub.pem 2>/dev/null
	openssl rsa -in keys/rsa$bits.pem -RSAPublicKey_out -out keys/rsa${bits}_pub_pkcs1.pem 2>/dev/null
done

# The provider page's decrypted example with its sign (key: sign/key.txt).
sign=$(cat sign/example.sign)
sed "1s/^{\$/{\n\"sign\": \"$sign\",/" example_plain.json >vectors/signed_example.json

# 702 bytes = 6 full 117-byte chunks for RSA-1024 (UTF-8 cut anywhere: bytes only).
yes '微保 vborder 0123456789 ' | tr -d '\n' | head -c 702 >vectors/plain702.txt

# seg OP BITS IN OUT: cut IN into (BITS/8 - 11)-byte chunks, run openssl on
# each chunk separately and concatenate the outputs, then base64 (one line).
seg() {
	op=$1 bits=$2 in=$3 out=$4
	tmp=$(mktemp -d)
	split -b $((bits / 8 - 11)) -a 3 "$in" "$tmp/chunk."
	: >"$tmp/all"
	for c in "$tmp"/chunk.*; do
		case $op in
		encrypt) # PKCS#1 v1.5 type 2, public key
			openssl pkeyutl -encrypt -pubin -inkey keys/rsa${bits}_pub.pem \
				-pkeyopt rsa_padding_mode:pkcs1 -in "$c" >>"$tmp/all" ;;
		sign) # PKCS#1 v1.5 type 1, private key, raw (no digest, no DigestInfo).
			# rsautl, not pkeyutl: OpenSSL 3 pkeyutl -sign refuses inputs
			# longer than 64 bytes ("looks too long to be a hash").
			openssl rsautl -sign -pkcs -inkey keys/rsa$bits.pem \
				-in "$c" >>"$tmp/all" 2>/dev/null ;;
		esac
	done
	base64 -w0 "$tmp/all" >"$out"
	rm -r "$tmp"
}

for bits in 1024 2048; do
	for p in signed_example plain702; do
		in=vectors/$p.json
		[ -f "$in" ] || in=vectors/$p.txt
		seg encrypt $bits "$in" vectors/${p}.enc$bits.b64
		seg sign $bits "$in" vectors/${p}.type1_$bits.b64
	done
done

# Check the type-1 vectors with openssl's own recovery, chunk by chunk.
for bits in 1024 2048; do
	tmp=$(mktemp -d)
	base64 -d vectors/plain702.type1_$bits.b64 >"$tmp/all"
	split -b $((bits / 8)) -a 3 "$tmp/all" "$tmp/ct."
	for c in "$tmp"/ct.*; do
		openssl pkeyutl -verifyrecover -pubin -inkey keys/rsa${bits}_pub.pem \
			-pkeyopt rsa_padding_mode:pkcs1 -in "$c"
	done | cmp - vectors/plain702.txt
	rm -r "$tmp"
done

# Whole HTTP answers as the platform would send them, with the example as the
# business JSON. merchant_private scheme: encrypted to rsa1024 (the merchant's
# key); platform_public scheme: type-1 blocks under rsa1024 (the platform's key).
body() {
	printf '{"code":"200","success":true,"data":"{\\"customerNo\\":\\"202112090603\\",\\"reqmsg\\":\\"%s\\"}","msg":"操作成功"}' "$(cat "$1")"
}
body vectors/signed_example.enc1024.b64 >vectors/response_merchant_private.json
body vectors/signed_example.type1_1024.b64 >vectors/response_platform_public.json
echo ok
