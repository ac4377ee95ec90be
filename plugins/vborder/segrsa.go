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
//     with hash 0) but cannot recover them, so publicDecryptBlock does it
//     on math/big.
//
// Both directions are exported whole: the simulator (package vborder/sim)
// plays the platform's side with this code, so client and simulator cannot
// drift apart, and the vectors of segrsa_test.go hold both to what openssl
// makes.
//
// PKCS#1 v1.5 encryption is deprecated in Go for a reason (a decryption
// oracle); it is the platform's protocol, and a failed decryption here only
// ever yields UNVERIFIABLE, never a retry loop an attacker could drive.

// overhead is the PKCS#1 v1.5 padding: 00 0T, at least 8 padding bytes, 00.
const overhead = 11

// errBlock is every padding or length failure: one message, so the error
// says nothing about where a ciphertext went wrong.
var errBlock = errors.New("rsa: ciphertext does not decrypt")

// seal cuts plain into chunks of (k - overhead) bytes, k the key size, and
// concatenates the k-byte blocks op makes of them.
func seal(plain []byte, k int, op func(chunk []byte) ([]byte, error)) ([]byte, error) {
	if len(plain) == 0 {
		return nil, errors.New("rsa: empty plaintext")
	}
	out := make([]byte, 0, (len(plain)/(k-overhead)+1)*k)
	for len(plain) > 0 {
		n := min(len(plain), k-overhead)
		block, err := op(plain[:n])
		if err != nil {
			return nil, err
		}
		out = append(out, block...)
		plain = plain[n:]
	}
	return out, nil
}

// open cuts ct into k-byte blocks and concatenates the chunks op recovers.
func open(ct []byte, k int, op func(block []byte) ([]byte, error)) ([]byte, error) {
	if len(ct) == 0 || len(ct)%k != 0 {
		return nil, fmt.Errorf("%w: %d bytes is not a whole number of %d-byte blocks", errBlock, len(ct), k)
	}
	out := make([]byte, 0, len(ct))
	for ; len(ct) > 0; ct = ct[k:] {
		chunk, err := op(ct[:k])
		if err != nil {
			return nil, err
		}
		out = append(out, chunk...)
	}
	return out, nil
}

// EncryptSegmented encrypts plain under pub, type 2, chunk by chunk.
func EncryptSegmented(pub *rsa.PublicKey, plain []byte) ([]byte, error) {
	return seal(plain, pub.Size(), func(c []byte) ([]byte, error) {
		//lint:ignore SA1019 the platform's protocol is PKCS#1 v1.5
		ct, err := rsa.EncryptPKCS1v15(rand.Reader, pub, c)
		if err != nil {
			return nil, fmt.Errorf("rsa encrypt: %w", err)
		}
		return ct, nil
	})
}

// DecryptSegmented reverses EncryptSegmented with the private key.
func DecryptSegmented(priv *rsa.PrivateKey, ct []byte) ([]byte, error) {
	return open(ct, priv.Size(), func(c []byte) ([]byte, error) {
		//lint:ignore SA1019 the platform's protocol is PKCS#1 v1.5
		p, err := rsa.DecryptPKCS1v15(nil, priv, c)
		if err != nil {
			return nil, errBlock
		}
		return p, nil
	})
}

// PrivateEncryptSegmented is the platform's "private-key encryption":
// type-1 blocks, made with SignPKCS1v15 and hash 0 (the chunk is padded and
// signed as is, without a DigestInfo). Only the simulator makes them (for an
// account with response_key platform_public); it lives here, beside the
// reader of such blocks, so that the pair is tested as one.
func PrivateEncryptSegmented(priv *rsa.PrivateKey, plain []byte) ([]byte, error) {
	return seal(plain, priv.Size(), func(c []byte) ([]byte, error) {
		sig, err := rsa.SignPKCS1v15(nil, priv, crypto.Hash(0), c)
		if err != nil {
			return nil, fmt.Errorf("rsa private encrypt: %w", err)
		}
		return sig, nil
	})
}

// PublicDecryptSegmented recovers the text of type-1 blocks with the public key.
func PublicDecryptSegmented(pub *rsa.PublicKey, ct []byte) ([]byte, error) {
	return open(ct, pub.Size(), func(c []byte) ([]byte, error) { return publicDecryptBlock(pub, c) })
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
