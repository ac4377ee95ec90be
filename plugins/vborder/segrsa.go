package vborder

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"math/big"
)

// RSA as the platform uses it: PKCS#1 v1.5, segmented. A plaintext longer
// than one block is cut into chunks of (key bytes - 11); each chunk is
// encrypted on its own and the key-sized ciphertexts are concatenated
// (PROTOCOL request step 3: the page's example reqmsg is 6 x 128 bytes).
//
// Two directions exist:
//   - type 2 (encryption): public-key encrypt, private-key decrypt; the
//     request always, the answer by default (to the merchant's key);
//   - type 1 ("private-key encryption"): the platform pads with 00 01 FF..FF
//     00 and applies its private key; anyone with the platform public key
//     recovers the text. The standard library signs such blocks (SignPKCS1v15
//     with hash 0) but cannot recover them, so publicDecrypt does it on
//     math/big.
//
// PKCS#1 v1.5 encryption is deprecated in Go for a reason (a decryption
// oracle); it is the platform's protocol, and a failed decryption here only
// ever yields UNVERIFIABLE, never a retry loop an attacker could drive.

// overhead is the PKCS#1 v1.5 padding: 00 0T, at least 8 padding bytes, 00.
const overhead = 11

// errBlock is every padding or length failure: one message, so the error
// says nothing about where a ciphertext went wrong.
var errBlock = errors.New("rsa: ciphertext does not decrypt")

// chunks cuts b into pieces of at most n bytes.
func chunks(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > n {
		out = append(out, b[:n])
		b = b[n:]
	}
	return append(out, b)
}

// encryptSegmented encrypts plain under pub, type 2, chunk by chunk.
func encryptSegmented(pub *rsa.PublicKey, plain []byte) ([]byte, error) {
	if len(plain) == 0 {
		return nil, errors.New("rsa: empty plaintext")
	}
	k := pub.Size()
	out := make([]byte, 0, (len(plain)/(k-overhead)+1)*k)
	for _, c := range chunks(plain, k-overhead) {
		//lint:ignore SA1019 the platform's protocol is PKCS#1 v1.5
		ct, err := rsa.EncryptPKCS1v15(rand.Reader, pub, c)
		if err != nil {
			return nil, fmt.Errorf("rsa encrypt: %w", err)
		}
		out = append(out, ct...)
	}
	return out, nil
}

// decryptSegmented reverses encryptSegmented with the private key.
func decryptSegmented(priv *rsa.PrivateKey, ct []byte) ([]byte, error) {
	k := priv.Size()
	if len(ct) == 0 || len(ct)%k != 0 {
		return nil, fmt.Errorf("%w: %d bytes is not a whole number of %d-byte blocks", errBlock, len(ct), k)
	}
	out := make([]byte, 0, len(ct))
	for _, c := range chunks(ct, k) {
		//lint:ignore SA1019 the platform's protocol is PKCS#1 v1.5
		p, err := rsa.DecryptPKCS1v15(nil, priv, c)
		if err != nil {
			return nil, errBlock
		}
		out = append(out, p...)
	}
	return out, nil
}

// privateEncryptSegmented is the platform's "private-key encryption":
// type-1 blocks, made with SignPKCS1v15 and hash 0 (the chunk is padded and
// signed as is, without a DigestInfo). The simulator answers with it when an
// account uses response_key platform_public.
func privateEncryptSegmented(priv *rsa.PrivateKey, plain []byte) ([]byte, error) {
	if len(plain) == 0 {
		return nil, errors.New("rsa: empty plaintext")
	}
	k := priv.Size()
	out := make([]byte, 0, (len(plain)/(k-overhead)+1)*k)
	for _, c := range chunks(plain, k-overhead) {
		sig, err := rsa.SignPKCS1v15(nil, priv, crypto.Hash(0), c)
		if err != nil {
			return nil, fmt.Errorf("rsa private encrypt: %w", err)
		}
		out = append(out, sig...)
	}
	return out, nil
}

// publicDecryptSegmented recovers the text of type-1 blocks with the public key.
func publicDecryptSegmented(pub *rsa.PublicKey, ct []byte) ([]byte, error) {
	k := pub.Size()
	if len(ct) == 0 || len(ct)%k != 0 {
		return nil, fmt.Errorf("%w: %d bytes is not a whole number of %d-byte blocks", errBlock, len(ct), k)
	}
	out := make([]byte, 0, len(ct))
	for _, c := range chunks(ct, k) {
		p, err := publicDecryptBlock(pub, c)
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
	}
	return out, nil
}

// publicDecryptBlock computes m = c^e mod n and checks the type-1 padding
// strictly: 00 01, at least 8 bytes all FF, 00, then the message. Any other
// byte where FF is due, or a missing separator, is a failure: a lenient
// check would accept blocks nobody signed.
func publicDecryptBlock(pub *rsa.PublicKey, block []byte) ([]byte, error) {
	k := pub.Size()
	if len(block) != k {
		return nil, errBlock
	}
	c := new(big.Int).SetBytes(block)
	if c.Cmp(pub.N) >= 0 {
		return nil, errBlock
	}
	m := new(big.Int).Exp(c, big.NewInt(int64(pub.E)), pub.N)
	em := m.FillBytes(make([]byte, k))
	if em[0] != 0x00 || em[1] != 0x01 {
		return nil, errBlock
	}
	i := 2
	for i < k && em[i] == 0xFF {
		i++
	}
	if i == k || em[i] != 0x00 || i-2 < 8 {
		return nil, errBlock
	}
	return em[i+1:], nil
}
