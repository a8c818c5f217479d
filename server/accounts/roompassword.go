package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// Room passwords are checked once per private room whenever rooms are
// listed, so they use one salted SHA-256 instead of argon2id: they guard
// entry to a game room, not an account.
const (
	roomHashPrefix  = "sha256"
	roomSaltLen     = 16
	roomPasswordSep = "$"
)

// HashRoomPassword returns "sha256$<salt hex>$<hex sha256(salt||pw)>" with
// a new random 16-byte salt.
func HashRoomPassword(pw string) string {
	salt := make([]byte, roomSaltLen)
	rand.Read(salt) // never fails: crypto/rand aborts the program instead
	sum := roomSum(salt, pw)
	return roomHashPrefix + roomPasswordSep + hex.EncodeToString(salt) + roomPasswordSep + hex.EncodeToString(sum[:])
}

// VerifyRoomPassword reports whether pw matches encoded, as made by
// HashRoomPassword. A malformed encoded never matches.
func VerifyRoomPassword(pw, encoded string) bool {
	f := strings.Split(encoded, roomPasswordSep)
	if len(f) != 3 || f[0] != roomHashPrefix {
		return false
	}
	salt, err := hex.DecodeString(f[1])
	if err != nil || len(salt) != roomSaltLen {
		return false
	}
	want, err := hex.DecodeString(f[2])
	if err != nil || len(want) != sha256.Size {
		return false
	}
	got := roomSum(salt, pw)
	return subtle.ConstantTimeCompare(got[:], want) == 1
}

func roomSum(salt []byte, pw string) [sha256.Size]byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(pw))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}
