// Package sessiontoken signs and verifies the session tokens of Tandem
// logins (PROTOCOL.md "18 log in with a session token").
//
// A token is "<key id>.<claims>.<mac>": the claims (user, session
// generation, issue time, expiry) in unpadded base64url, and an
// HMAC-SHA256 over the key id and the claims. Any node holding the key
// verifies it without a database write or a password hash; the session
// generation, compared by the caller with the account's, is how a logout,
// a password change or a deletion ends tokens before they expire. Keys
// are rotated by adding a newer one: the newest signs, every key still
// held verifies, so nobody is logged out by a rotation.
package sessiontoken

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Errors of Verify; all of them mean "log in with the password".
var (
	ErrMalformed  = errors.New("not a session token")
	ErrUnknownKey = errors.New("signed with a key this server does not hold")
	ErrSignature  = errors.New("signature does not match")
	ErrExpired    = errors.New("expired")
)

// MinSecret is the shortest key accepted (256 bits).
const MinSecret = 32

// Key is one signing key.
type Key struct {
	ID     int64
	Secret []byte
}

// Claims is what a token says.
type Claims struct {
	User     string
	Gen      int64 // the account's session generation when it was issued
	IssuedAt time.Time
	Expires  time.Time
}

// Keyring holds the keys a server verifies with; the newest signs. A
// Keyring is immutable and safe for concurrent use.
type Keyring struct {
	keys    map[int64][]byte
	current Key
}

// NewKeyring builds a keyring from keys; the one with the highest id signs.
func NewKeyring(keys []Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("sessiontoken: no key")
	}
	kr := &Keyring{keys: make(map[int64][]byte, len(keys))}
	for _, k := range keys {
		if len(k.Secret) < MinSecret {
			return nil, fmt.Errorf("sessiontoken: key %d is %d bytes, want at least %d", k.ID, len(k.Secret), MinSecret)
		}
		if k.ID <= 0 {
			return nil, fmt.Errorf("sessiontoken: key id %d is not positive", k.ID)
		}
		kr.keys[k.ID] = k.Secret
		if k.ID > kr.current.ID {
			kr.current = k
		}
	}
	return kr, nil
}

// Current returns the id of the key that signs.
func (kr *Keyring) Current() int64 { return kr.current.ID }

// Has reports whether the keyring holds key id.
func (kr *Keyring) Has(id int64) bool { _, ok := kr.keys[id]; return ok }

// Sign returns the token of c, signed with the newest key. Times are kept
// to the second.
func (kr *Keyring) Sign(c Claims) string {
	var claims []byte
	claims = binary.AppendUvarint(claims, uint64(c.Gen))
	claims = binary.AppendVarint(claims, c.IssuedAt.Unix())
	claims = binary.AppendVarint(claims, c.Expires.Unix())
	claims = append(claims, c.User...)
	kid := strconv.FormatInt(kr.current.ID, 10)
	body := kid + "." + base64.RawURLEncoding.EncodeToString(claims)
	return body + "." + base64.RawURLEncoding.EncodeToString(mac(kr.current.Secret, body))
}

// KeyID reads the key id of a token without verifying it, so a server can
// fetch a key it does not hold yet (another node rotated).
func KeyID(token string) (int64, error) {
	kid, _, ok := strings.Cut(token, ".")
	if !ok {
		return 0, ErrMalformed
	}
	id, err := strconv.ParseInt(kid, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != kid {
		return 0, ErrMalformed
	}
	return id, nil
}

// Verify checks token's signature (in constant time) and expiry at now and
// returns its claims. Whether the session generation is still the
// account's is the caller's to check.
func (kr *Keyring) Verify(token string, now time.Time) (Claims, error) {
	dot := strings.LastIndexByte(token, '.')
	if dot < 0 {
		return Claims{}, ErrMalformed
	}
	body, sig := token[:dot], token[dot+1:]
	kid, claimsText, ok := strings.Cut(body, ".")
	if !ok {
		return Claims{}, ErrMalformed
	}
	id, err := KeyID(kid + ".")
	if err != nil {
		return Claims{}, err
	}
	secret, ok := kr.keys[id]
	if !ok {
		return Claims{}, ErrUnknownKey
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return Claims{}, ErrMalformed
	}
	if !hmac.Equal(got, mac(secret, body)) {
		return Claims{}, ErrSignature
	}
	claims, err := base64.RawURLEncoding.DecodeString(claimsText)
	if err != nil {
		return Claims{}, ErrMalformed
	}
	c, err := decodeClaims(claims)
	if err != nil {
		return Claims{}, err
	}
	if !now.Before(c.Expires) {
		return c, ErrExpired
	}
	return c, nil
}

func decodeClaims(b []byte) (Claims, error) {
	r := bytes.NewReader(b)
	gen, err := binary.ReadUvarint(r)
	if err != nil {
		return Claims{}, ErrMalformed
	}
	iat, err := binary.ReadVarint(r)
	if err != nil {
		return Claims{}, ErrMalformed
	}
	exp, err := binary.ReadVarint(r)
	if err != nil {
		return Claims{}, ErrMalformed
	}
	user := b[len(b)-r.Len():]
	if len(user) == 0 {
		return Claims{}, ErrMalformed
	}
	return Claims{User: string(user), Gen: int64(gen), IssuedAt: time.Unix(iat, 0), Expires: time.Unix(exp, 0)}, nil
}

// mac is HMAC-SHA256 over a domain label and the token's body.
func mac(secret []byte, body string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("tandem session token v1\x00"))
	h.Write([]byte(body))
	return h.Sum(nil)
}
