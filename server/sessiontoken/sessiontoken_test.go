package sessiontoken

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/protocol"
)

func keyring(t *testing.T, ids ...int64) *Keyring {
	t.Helper()
	keys := make([]Key, 0, len(ids))
	for _, id := range ids {
		keys = append(keys, Key{ID: id, Secret: bytes.Repeat([]byte{byte(id)}, MinSecret)})
	}
	kr, err := NewKeyring(keys)
	require.NoError(t, err)
	return kr
}

func TestSignVerifyRoundTrip(t *testing.T) {
	kr := keyring(t, 1, 2)
	now := time.Unix(1_800_000_000, 0)
	c := Claims{User: "alice", Gen: 3, IssuedAt: now, Expires: now.Add(24 * time.Hour)}
	tok := kr.Sign(c)
	assert.True(t, protocol.ValidSessionToken([]byte(tok)), "a token is a valid 18 field: %q", tok)
	assert.True(t, strings.HasPrefix(tok, "2."), "the newest key signs")

	got, err := kr.Verify(tok, now.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, "alice", got.User)
	assert.Equal(t, int64(3), got.Gen)
	assert.True(t, got.IssuedAt.Equal(now))
	assert.True(t, got.Expires.Equal(c.Expires))
}

func TestVerifyRefuses(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	kr := keyring(t, 1)
	good := kr.Sign(Claims{User: "alice", Gen: 1, IssuedAt: now, Expires: now.Add(time.Hour)})
	parts := strings.Split(good, ".")
	require.Len(t, parts, 3)
	other := keyring(t, 1, 5) // same id 1 but signs with 5
	forgedBody := other.Sign(Claims{User: "mallory", Gen: 1, IssuedAt: now, Expires: now.Add(time.Hour)})
	bobClaims := strings.Split(kr.Sign(Claims{User: "bob", Gen: 1, IssuedAt: now, Expires: now.Add(time.Hour)}), ".")[1]

	tests := []struct {
		name  string
		token string
		at    time.Time
		want  error
	}{
		{"expired", good, now.Add(time.Hour), ErrExpired},
		{"claims swapped for another user's", parts[0] + "." + bobClaims + "." + parts[2], now, ErrSignature},
		{"signature flipped", parts[0] + "." + parts[1] + "." + flip(parts[2]), now, ErrSignature},
		{"unknown key", forgedBody, now, ErrUnknownKey},
		{"key id changed", "7." + parts[1] + "." + parts[2], now, ErrUnknownKey},
		{"no dots", "abc", now, ErrMalformed},
		{"leading zero key id", "01." + parts[1] + "." + parts[2], now, ErrMalformed},
		{"claims tampered", parts[0] + ".!!." + parts[2], now, ErrSignature},
		{"signed but not claims", signed(kr, "1.!!"), now, ErrMalformed},
		{"signed but no user", signed(kr, "1.AAAA"), now, ErrMalformed},
		{"empty", "", now, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kr.Verify(tt.token, tt.at)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestRotationKeepsOldTokens(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	old := keyring(t, 1)
	tok := old.Sign(Claims{User: "alice", Gen: 0, IssuedAt: now, Expires: now.Add(time.Hour)})
	rotated := keyring(t, 1, 2)
	_, err := rotated.Verify(tok, now)
	require.NoError(t, err, "a token of the previous key still verifies")
	assert.Equal(t, int64(2), rotated.Current())
	retired := keyring(t, 2)
	_, err = retired.Verify(tok, now)
	assert.ErrorIs(t, err, ErrUnknownKey, "a dropped key's tokens are refused")
}

func TestNewKeyringRefusesWeakKeys(t *testing.T) {
	_, err := NewKeyring(nil)
	assert.Error(t, err)
	_, err = NewKeyring([]Key{{ID: 1, Secret: []byte("short")}})
	assert.Error(t, err)
	_, err = NewKeyring([]Key{{ID: 0, Secret: bytes.Repeat([]byte{1}, MinSecret)}})
	assert.Error(t, err)
}

func TestKeyID(t *testing.T) {
	id, err := KeyID("12.abc.def")
	require.NoError(t, err)
	assert.Equal(t, int64(12), id)
	for _, bad := range []string{"", "x.y", "0.a", "-1.a", "nodot"} {
		_, err := KeyID(bad)
		assert.ErrorIs(t, err, ErrMalformed, bad)
	}
}

// signed signs body with key 1 of kr, as only the server could.
func signed(kr *Keyring, body string) string {
	return body + "." + base64.RawURLEncoding.EncodeToString(mac(kr.keys[1], body))
}

func flip(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}
