// Package accounts hashes and checks passwords and validates the names and
// passwords users and admins may choose.
package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters of new hashes: the OWASP minimum for argon2id
// (19 MiB, 2 passes, 1 lane), a few tens of milliseconds per login.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Bounds on the parameters Verify accepts, so a corrupted or hostile
// stored hash cannot make a login allocate gigabytes or spin for minutes.
const (
	maxArgonMemory = 1 << 20 // KiB (1 GiB)
	maxArgonTime   = 64
	minSaltLen     = 8
	minKeyLen      = 16
	maxEncodedLen  = 1024
)

// ErrMalformedHash is returned (wrapped) by Verify for a hash it cannot
// read.
var ErrMalformedHash = errors.New("malformed password hash")

// Hash returns the argon2id hash of password in PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
func Hash(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return encodePHC(params{memory: argonMemory, time: argonTime, threads: argonThreads}, salt, key), nil
}

// Verify reports whether password matches the hash encoded by Hash. A
// mismatch is (false, nil); an error means encoded is not a hash Verify
// can read. Hashes made with other parameters are verified with their own.
func Verify(password, encoded string) (bool, error) {
	p, salt, want, err := decodePHC(encoded)
	if err != nil {
		return false, fmt.Errorf("verify password: %w", err)
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// VerifyDummy does the work of Verify against a hash made with the default
// parameters, and throws the result away. Call it when the user does not
// exist, so that "unknown user" and "wrong password" take the same time
// and an attacker cannot probe which names exist.
func VerifyDummy(password string) {
	salt := make([]byte, argonSaltLen) // fixed salt: the result is never used
	got := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	// Mirror Verify's comparison too, so the two paths match step for step.
	subtle.ConstantTimeCompare(got, make([]byte, argonKeyLen))
}

type params struct {
	memory  uint32
	time    uint32
	threads uint8
}

func encodePHC(p params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decodePHC(encoded string) (p params, salt, key []byte, err error) {
	if len(encoded) > maxEncodedLen {
		return p, nil, nil, fmt.Errorf("%w: too long", ErrMalformedHash)
	}
	// "$argon2id$v=19$m=..,t=..,p=..$salt$key" splits into 6 fields, the
	// first empty.
	f := strings.Split(encoded, "$")
	if len(f) != 6 || f[0] != "" {
		return p, nil, nil, fmt.Errorf("%w: not in PHC format", ErrMalformedHash)
	}
	if f[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: algorithm %q, want argon2id", ErrMalformedHash, f[1])
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: version %q, want v=%d", ErrMalformedHash, f[2], argon2.Version)
	}
	if p, err = parseParams(f[3]); err != nil {
		return p, nil, nil, err
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(f[4]); err != nil || len(salt) < minSaltLen {
		return p, nil, nil, fmt.Errorf("%w: bad salt", ErrMalformedHash)
	}
	if key, err = b64.DecodeString(f[5]); err != nil || len(key) < minKeyLen {
		return p, nil, nil, fmt.Errorf("%w: bad key", ErrMalformedHash)
	}
	return p, salt, key, nil
}

// parseParams reads "m=19456,t=2,p=1", in that order as the PHC format
// requires.
func parseParams(s string) (params, error) {
	var p params
	f := strings.Split(s, ",")
	if len(f) != 3 {
		return p, fmt.Errorf("%w: parameters %q", ErrMalformedHash, s)
	}
	m, errM := paramValue(f[0], "m=", maxArgonMemory)
	t, errT := paramValue(f[1], "t=", maxArgonTime)
	th, errP := paramValue(f[2], "p=", 255)
	if err := errors.Join(errM, errT, errP); err != nil || t < 1 || th < 1 || m < 8*th {
		return p, fmt.Errorf("%w: parameters %q", ErrMalformedHash, s)
	}
	return params{memory: m, time: t, threads: uint8(th)}, nil
}

func paramValue(field, prefix string, max uint64) (uint32, error) {
	v, ok := strings.CutPrefix(field, prefix)
	if !ok {
		return 0, errors.New("missing " + prefix)
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, err
	}
	if n > max {
		return 0, errors.New(prefix + " too large")
	}
	return uint32(n), nil
}
