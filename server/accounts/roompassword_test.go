package accounts_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tandemnet/tandem/server/accounts"
)

var roomHashFormat = regexp.MustCompile(`^sha256\$[0-9a-f]{32}\$[0-9a-f]{64}$`)

func TestHashRoomPassword(t *testing.T) {
	h1 := accounts.HashRoomPassword("door")
	h2 := accounts.HashRoomPassword("door")
	assert.Regexp(t, roomHashFormat, h1)
	assert.NotEqual(t, h1, h2, "each hash has its own salt")
	assert.NotContains(t, h1, "door")
}

func TestVerifyRoomPassword(t *testing.T) {
	encoded := accounts.HashRoomPassword("door")
	// Known answer, computed independently: sha256 of the 16 bytes 00..0f
	// followed by "door". Pins the format so stored hashes stay readable.
	const known = "sha256$000102030405060708090a0b0c0d0e0f$" +
		"c88f247ec557e86c3df56334cd6dae4e390ba018c7c357855440a6b7cc1beeb4"
	f := strings.Split(encoded, "$")

	tests := []struct {
		name, pw, encoded string
		want              bool
	}{
		{"right", "door", encoded, true},
		{"wrong", "Door", encoded, false},
		{"empty password", "", encoded, false},
		{"empty hash", "door", "", false},
		{"other algorithm", "door", "md5$" + f[1] + "$" + f[2], false},
		{"missing field", "door", f[0] + "$" + f[1], false},
		{"extra field", "door", encoded + "$00", false},
		{"bad salt hex", "door", "sha256$zz$" + f[2], false},
		{"short salt", "door", "sha256$00$" + f[2], false},
		{"short hash", "door", "sha256$" + f[1] + "$00", false},
		{"upper-case hex", "door", strings.ToUpper(f[0]) + "$" + f[1] + "$" + f[2], false},
		{"known answer", "door", known, true},
		{"known answer, wrong password", "doors", known, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, accounts.VerifyRoomPassword(tt.pw, tt.encoded))
		})
	}
}
