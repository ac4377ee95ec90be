#!/bin/sh
# Regenerates the extra keys in this folder with OpenSSL 3 and coreutils
# only: nothing here is made by the code under test. Keys are random, so
# every file changes, and the tests still pass on the new set (they compare
# the forms of one key with each other, never with fixed numbers).
#
#   sh gen.sh          # the extra keys only
#   sh gen.sh all      # also rsa1024*/rsa2048*, copied from
#                      # plugins/vborder/testdata/keys (made the same way there)
#
# These are test keys and nothing else. The passphrase of the encrypted ones
# is "test".
set -eu
cd "$(dirname "$0")"

if [ "${1:-}" = all ]; then
	# PKCS#8 private, PKCS#1 ("traditional") private, PKIX and PKCS#1 public.
	for bits in 1024 2048; do
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:$bits -out rsa$bits.pem 2>/dev/null
		openssl rsa -in rsa$bits.pem -traditional -out rsa${bits}_pkcs1.pem 2>/dev/null
		openssl rsa -in rsa$bits.pem -pubout -out rsa${bits}_pub.pem 2>/dev/null
		openssl rsa -in rsa$bits.pem -RSAPublicKey_out -out rsa${bits}_pub_pkcs1.pem 2>/dev/null
	done
fi

# Too short: 512 and 1023 bits (1024 is the floor), private and public.
for bits in 512 1023; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:$bits -out rsa$bits.pem 2>/dev/null
	openssl rsa -in rsa$bits.pem -pubout -out rsa${bits}_pub.pem 2>/dev/null
done

# The 2048-bit key encrypted, as PKCS#8 (ENCRYPTED PRIVATE KEY) and as
# legacy PKCS#1 (Proc-Type/DEK-Info headers), plus the PKCS#8 one as bare
# base64 DER.
openssl pkcs8 -topk8 -in rsa2048.pem -v2 aes-256-cbc -passout pass:test -out rsa2048_enc_pkcs8.pem
openssl rsa -in rsa2048.pem -traditional -aes256 -passout pass:test -out rsa2048_enc_pkcs1.pem 2>/dev/null
openssl pkcs8 -topk8 -in rsa2048.pem -v2 aes-256-cbc -passout pass:test -outform DER | base64 -w64 >rsa2048_enc_pkcs8.b64

# The 2048-bit key as bare base64 DER, the way provider consoles hand keys
# out: PKCS#8 private and PKIX public on one line each, PKCS#1 wrapped at 64.
openssl pkcs8 -topk8 -nocrypt -in rsa2048.pem -outform DER | base64 -w0 >rsa2048.b64
openssl rsa -in rsa2048.pem -traditional -outform DER 2>/dev/null | base64 -w64 >rsa2048_pkcs1.b64
openssl pkey -in rsa2048.pem -pubout -outform DER | base64 -w0 >rsa2048_pub.b64
openssl rsa -in rsa2048.pem -RSAPublicKey_out -outform DER 2>/dev/null | base64 -w64 >rsa2048_pub_pkcs1.b64

# A self-signed certificate of the 2048-bit key (a platform may publish its
# key that way), PEM and bare base64 DER.
openssl req -new -x509 -key rsa2048.pem -subj /CN=recon-test -days 36500 -out rsa2048_cert.pem
openssl x509 -in rsa2048_cert.pem -outform DER | base64 -w0 >rsa2048_cert.b64

# Not RSA: an EC P-256 and an Ed25519 key, private (PKCS#8) and public.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec256.pem
openssl pkey -in ec256.pem -pubout -out ec256_pub.pem
openssl genpkey -algorithm ED25519 -out ed25519.pem
openssl pkey -in ed25519.pem -pubout -out ed25519_pub.pem
# Private keys come out 0600; these are fixtures, meant to be committed.
chmod 644 ./*.pem
echo ok
