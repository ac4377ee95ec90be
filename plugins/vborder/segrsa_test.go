package vborder

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math/big"
	"testing"

	"github.com/reconhq/recon/plugins/helper/rsakey"
)

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// Sizes around the 1024-bit chunk (117): one byte, exactly one chunk, one
// more, and six full chunks (702, the page's example is 6 x 128 bytes).
var roundTripSizes = []int{1, 117, 118, 245, 246, 702}

func TestSegmentedRoundTrip(t *testing.T) {
	for _, bits := range []int{1024, 2048} {
		priv, pub := testKeys(t, bits)
		k := bits / 8
		for _, n := range roundTripSizes {
			plain := randomBytes(t, n)
			blocks := (n + k - overhead - 1) / (k - overhead)
			for _, c := range []struct {
				name string
				seal func() ([]byte, error)
				open func([]byte) ([]byte, error)
			}{
				{"type2", func() ([]byte, error) { return EncryptSegmented(pub, plain) },
					func(ct []byte) ([]byte, error) { return DecryptSegmented(priv, ct) }},
				{"type1", func() ([]byte, error) { return PrivateEncryptSegmented(priv, plain) },
					func(ct []byte) ([]byte, error) { return PublicDecryptSegmented(pub, ct) }},
			} {
				t.Run(fmt.Sprintf("%s/%d/%d", c.name, bits, n), func(t *testing.T) {
					ct, err := c.seal()
					if err != nil {
						t.Fatal(err)
					}
					if len(ct) != blocks*k {
						t.Fatalf("ciphertext %d bytes, want %d blocks of %d", len(ct), blocks, k)
					}
					got, err := c.open(ct)
					if err != nil || !bytes.Equal(got, plain) {
						t.Fatalf("round trip: %v, equal %v", err, bytes.Equal(got, plain))
					}
				})
			}
		}
	}
}

// Fixed vectors made by openssl, one chunk at a time (testdata/gen.sh), read
// with every key format openssl wrote.
func TestSegmentedOpensslVectors(t *testing.T) {
	for _, bits := range []int{1024, 2048} {
		for _, name := range []string{"signed_example.json", "plain702.txt"} {
			base := name[:bytes.IndexByte([]byte(name), '.')]
			plain := readTestdata(t, "vectors/"+name)
			enc := decodeB64(t, fmt.Sprintf("vectors/%s.enc%d.b64", base, bits))
			type1 := decodeB64(t, fmt.Sprintf("vectors/%s.type1_%d.b64", base, bits))
			for _, privFile := range []string{"rsa%d.pem", "rsa%d_pkcs1.pem"} {
				f := fmt.Sprintf("keys/"+privFile, bits)
				t.Run("decrypt/"+name+"/"+f, func(t *testing.T) {
					priv, err := rsakey.ParsePrivate(f, string(readTestdata(t, f)))
					if err != nil {
						t.Fatal(err)
					}
					got, err := DecryptSegmented(priv, enc)
					if err != nil || !bytes.Equal(got, plain) {
						t.Fatalf("decrypt: %v\n got %q\nwant %q", err, got, plain)
					}
				})
			}
			for _, pubFile := range []string{"rsa%d_pub.pem", "rsa%d_pub_pkcs1.pem"} {
				f := fmt.Sprintf("keys/"+pubFile, bits)
				t.Run("publicDecrypt/"+name+"/"+f, func(t *testing.T) {
					pub, err := rsakey.ParsePublic(f, string(readTestdata(t, f)))
					if err != nil {
						t.Fatal(err)
					}
					got, err := PublicDecryptSegmented(pub, type1)
					if err != nil || !bytes.Equal(got, plain) {
						t.Fatalf("public decrypt: %v\n got %q\nwant %q", err, got, plain)
					}
				})
			}
		}
	}
}

// Our type-1 blocks are the ones openssl makes: PKCS#1 v1.5 type-1 padding
// is deterministic, so the bytes must be identical.
func TestPrivateEncryptMatchesOpenssl(t *testing.T) {
	for _, bits := range []int{1024, 2048} {
		priv, _ := testKeys(t, bits)
		plain := readTestdata(t, "vectors/plain702.txt")
		got, err := PrivateEncryptSegmented(priv, plain)
		if err != nil {
			t.Fatal(err)
		}
		if want := decodeB64(t, fmt.Sprintf("vectors/plain702.type1_%d.b64", bits)); !bytes.Equal(got, want) {
			t.Errorf("%d bits: type-1 blocks differ from openssl rsautl -sign", bits)
		}
	}
}

func TestSegmentedRejects(t *testing.T) {
	priv1024, pub1024 := testKeys(t, 1024)
	priv2048, pub2048 := testKeys(t, 2048)
	enc := decodeB64(t, "vectors/signed_example.enc1024.b64")
	type1 := decodeB64(t, "vectors/signed_example.type1_1024.b64")
	flip := func(b []byte, i int) []byte { c := bytes.Clone(b); c[i] ^= 0x01; return c }

	for name, ct := range map[string][]byte{
		"empty":            nil,
		"short block":      enc[:len(enc)-1],
		"extra byte":       append(bytes.Clone(enc), 0),
		"flipped byte":     flip(enc, 200),
		"other key's size": decodeB64(t, "vectors/signed_example.enc2048.b64"),
	} {
		if _, err := DecryptSegmented(priv1024, ct); err == nil {
			t.Errorf("DecryptSegmented(%s) succeeded", name)
		}
	}
	if _, err := DecryptSegmented(priv2048, decodeB64(t, "vectors/plain702.enc1024.b64")); err == nil {
		t.Error("DecryptSegmented with the wrong key succeeded")
	}
	for name, ct := range map[string][]byte{
		"empty":        nil,
		"short block":  type1[:len(type1)-1],
		"flipped byte": flip(type1, 300),
		"type-2 block": enc, // encryption, not signature, padding
	} {
		if _, err := PublicDecryptSegmented(pub1024, ct); err == nil {
			t.Errorf("PublicDecryptSegmented(%s) succeeded", name)
		}
	}
	if _, err := PublicDecryptSegmented(pub2048, decodeB64(t, "vectors/plain702.type1_1024.b64")); err == nil {
		t.Error("PublicDecryptSegmented with the wrong key succeeded")
	}
}

// publicDecryptBlock checks the type-1 padding strictly. Each encoded
// message is turned into a block with the raw private operation (em^d mod n),
// so only the padding check decides.
func TestPublicDecryptBlockPadding(t *testing.T) {
	priv, pub := testKeys(t, 1024)
	k := pub.Size()
	msg := []byte("orderNo=1")
	em := func(typ byte, ps []byte, sep byte) []byte {
		b := []byte{0x00, typ}
		b = append(b, ps...)
		b = append(b, sep)
		b = append(b, msg...)
		return b
	}
	ff := func(n int) []byte { return bytes.Repeat([]byte{0xFF}, n) }
	good := em(0x01, ff(k-3-len(msg)), 0x00)
	withByte := func(i int, v byte) []byte { b := bytes.Clone(good); b[i] = v; return b }
	raw := func(e []byte) []byte {
		m := new(big.Int).SetBytes(e)
		return new(big.Int).Exp(m, priv.D, priv.N).FillBytes(make([]byte, k))
	}

	got, err := publicDecryptBlock(pub, raw(good))
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("well-formed block: %q, %v", got, err)
	}
	// An empty message is legal: the separator is the last byte.
	empty := append(append([]byte{0x00, 0x01}, ff(k-3)...), 0x00)
	if got, err := publicDecryptBlock(pub, raw(empty)); err != nil || len(got) != 0 {
		t.Errorf("empty message: %q, %v", got, err)
	}
	// Eight FF bytes is the minimum.
	short := append(append([]byte{0x00, 0x01}, ff(8)...), 0x00)
	short = append(short, bytes.Repeat([]byte{'x'}, k-len(short))...)
	if _, err := publicDecryptBlock(pub, raw(short)); err != nil {
		t.Errorf("8 padding bytes: %v", err)
	}

	bad := map[string][]byte{
		"first byte not 00":     withByte(0, 0x01),
		"type 02":               withByte(1, 0x02),
		"type 00":               withByte(1, 0x00),
		"FE inside padding":     withByte(5, 0xFE),
		"00 too early (7 FF)":   withByte(9, 0x00),
		"no separator":          em(0x01, ff(k-2-len(msg)), 0xFF)[:k],
		"separator not 00":      withByte(k-len(msg)-1, 0x01),
		"last padding byte FE":  withByte(k-len(msg)-2, 0xFE),
		"all FF after 00 01":    append([]byte{0x00, 0x01}, ff(k-2)...),
		"padding of random 01s": em(0x01, bytes.Repeat([]byte{0x01}, k-3-len(msg)), 0x00),
	}
	for name, e := range bad {
		if len(e) != k {
			t.Fatalf("%s: test block is %d bytes", name, len(e))
		}
		if new(big.Int).SetBytes(e).Cmp(pub.N) >= 0 {
			t.Fatalf("%s: test block is not below n", name)
		}
		if got, err := publicDecryptBlock(pub, raw(e)); err == nil {
			t.Errorf("%s: accepted, message %q", name, got)
		}
	}
	// c >= n is no block at all.
	if _, err := publicDecryptBlock(pub, pub.N.FillBytes(make([]byte, k))); err == nil {
		t.Error("c = n accepted")
	}
	if _, err := publicDecryptBlock(pub, make([]byte, k-1)); err == nil {
		t.Error("short block accepted")
	}
}

func decodeB64(t *testing.T, name string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(readTestdataString(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
