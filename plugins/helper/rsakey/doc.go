// Package rsakey reads the RSA keys that providers hand merchants, from the
// text of a credential.
//
// It exists because vborder and edgeros each had their own reader, and only
// one of them refused a short key or an encrypted one: the same credential
// was accepted by one provider and refused by the other. One policy, for
// every provider:
//
//   - Accepted: PEM "RSA PRIVATE KEY" (PKCS#1) or "PRIVATE KEY" (PKCS#8) for
//     a private key; PEM "PUBLIC KEY" (PKIX), "RSA PUBLIC KEY" (PKCS#1) or
//     "CERTIFICATE" (its key; the certificate itself is not checked, since
//     platforms publish long-expired self-signed ones) for a public key; or
//     the bare base64 of any of those DER forms, as provider consoles hand
//     keys out. Surrounding whitespace, CRLF line ends, base64 wrapped at
//     any width and a leading UTF-8 byte-order mark are tolerated.
//   - Refused, each with its own message: an encrypted private key ("decrypt
//     it first": recon has nowhere to keep a passphrase, and a key that
//     cannot be used would fail every query instead of Configure); an RSA
//     key under MinBits; a public key where a private one is expected and
//     the other way round (a swapped pair of credentials is the commonest
//     mistake, and accepting a private key as "the platform's public key"
//     would spread private material); a non-RSA key; more than one PEM
//     block, or any text before or after the one block (a credential holds
//     exactly one key; a pasted chain or a stray line means the wrong thing
//     was pasted); literal "\n" sequences instead of line breaks; a label
//     that does not match the DER inside; more than 64 KiB of text.
//
// Every error starts with "credential <name>: " and never quotes the key
// text, not even a fragment of it: it may be a private key. Only the PEM
// label (from the BEGIN line), the form and the key size are named.
package rsakey
