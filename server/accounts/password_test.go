package accounts_test

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"

	"github.com/tandemnet/tandem/server/accounts"
)

var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashFormat(t *testing.T) {
	h1, err := accounts.Hash("correct horse")
	require.NoError(t, err)
	assert.Regexp(t, phc, h1)
	assert.NotContains(t, h1, "correct horse")

	h2, err := accounts.Hash("correct horse")
	require.NoError(t, err)
	assert.NotEqual(t, h1, h2, "each hash has its own salt")
}

func TestVerify(t *testing.T) {
	encoded, err := accounts.Hash("s3cret")
	require.NoError(t, err)

	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"right", "s3cret", true},
		{"wrong", "s3cret!", false},
		{"case", "S3cret", false},
		{"prefix", "s3cre", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := accounts.Verify(tt.password, encoded)
			require.NoError(t, err)
			assert.Equal(t, tt.want, ok)
		})
	}
}

// A hash made with other parameters (say, before they were raised) still
// verifies with its own.
func TestVerifyOtherParams(t *testing.T) {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("pw"), salt, 1, 64, 2, 16)
	b64 := base64.RawStdEncoding
	encoded := fmt.Sprintf("$argon2id$v=19$m=64,t=1,p=2$%s$%s", b64.EncodeToString(salt), b64.EncodeToString(key))

	ok, err := accounts.Verify("pw", encoded)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = accounts.Verify("other", encoded)
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestVerifyMalformed(t *testing.T) {
	good, err := accounts.Hash("pw")
	require.NoError(t, err)
	f := strings.Split(good, "$")
	salt, key := f[4], f[5]
	with := func(alg, ver, params, salt, key string) string {
		return "$" + alg + "$" + ver + "$" + params + "$" + salt + "$" + key
	}

	tests := []struct {
		name, encoded string
	}{
		{"empty", ""},
		{"garbage", "not a hash"},
		{"missing field", "$argon2id$v=19$m=19456,t=2,p=1$" + salt},
		{"extra field", good + "$x"},
		{"no leading $", strings.TrimPrefix(good, "$")},
		{"argon2i", with("argon2i", "v=19", "m=19456,t=2,p=1", salt, key)},
		{"old version", with("argon2id", "v=16", "m=19456,t=2,p=1", salt, key)},
		{"params order", with("argon2id", "v=19", "t=2,m=19456,p=1", salt, key)},
		{"params missing", with("argon2id", "v=19", "m=19456,t=2", salt, key)},
		{"params not numbers", with("argon2id", "v=19", "m=x,t=2,p=1", salt, key)},
		{"zero time", with("argon2id", "v=19", "m=19456,t=0,p=1", salt, key)},
		{"zero threads", with("argon2id", "v=19", "m=19456,t=2,p=0", salt, key)},
		{"huge memory", with("argon2id", "v=19", "m=4294967295,t=2,p=1", salt, key)},
		{"huge time", with("argon2id", "v=19", "m=19456,t=100000,p=1", salt, key)},
		{"too many threads", with("argon2id", "v=19", "m=19456,t=2,p=256", salt, key)},
		{"bad salt base64", with("argon2id", "v=19", "m=19456,t=2,p=1", "!!!!", key)},
		{"short salt", with("argon2id", "v=19", "m=19456,t=2,p=1", "YWJj", key)},
		{"padded key", with("argon2id", "v=19", "m=19456,t=2,p=1", salt, key+"=")},
		{"short key", with("argon2id", "v=19", "m=19456,t=2,p=1", salt, "YWJj")},
		{"too long", good + strings.Repeat("A", 2000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := accounts.Verify("pw", tt.encoded)
			require.ErrorIs(t, err, accounts.ErrMalformedHash)
			assert.False(t, ok)
		})
	}
}

// VerifyDummy must cost about what Verify does, or the time of a failed
// login would tell whether the user exists. The bound is loose so that a
// busy machine does not make the test flaky; it catches a VerifyDummy that
// does much less work (e.g. nothing, or a cheaper hash).
func TestVerifyDummyTakesAsLong(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test skipped in -short mode")
	}
	encoded, err := accounts.Hash("pw")
	require.NoError(t, err)

	// Alternate the two and keep each one's fastest run, so both see the
	// same load and a one-off stall does not count.
	timeIt := func(f func()) time.Duration {
		start := time.Now()
		f()
		return time.Since(start)
	}
	verify, dummy := time.Duration(1<<63-1), time.Duration(1<<63-1)
	for range 5 {
		verify = min(verify, timeIt(func() { _, _ = accounts.Verify("wrong", encoded) }))
		dummy = min(dummy, timeIt(func() { accounts.VerifyDummy("wrong") }))
	}
	t.Logf("Verify %v, VerifyDummy %v", verify, dummy)
	assert.Greater(t, dummy, verify/3)
	assert.Less(t, dummy, verify*3)
}
