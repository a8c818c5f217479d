package accounts

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels returned (wrapped with the reason) by the validators, so that
// callers can tell a bad input from other failures.
var (
	ErrInvalidUserName = errors.New("invalid user name")
	ErrInvalidPassword = errors.New("invalid password")
)

// Length limits, in bytes.
const (
	MaxUserNameLen = 32
	MaxPasswordLen = 128
)

// ValidateUserName accepts 1 to 32 bytes of ASCII letters, digits, '_',
// '-' and '.': names that are safe in logs, listings and file names.
func ValidateUserName(name string) error {
	if len(name) == 0 || len(name) > MaxUserNameLen {
		return fmt.Errorf("%w: must be 1 to %d bytes long", ErrInvalidUserName, MaxUserNameLen)
	}
	for i := 0; i < len(name); i++ {
		if !nameByte(name[i]) {
			return fmt.Errorf("%w: only ASCII letters, digits, '_', '-' and '.' are allowed", ErrInvalidUserName)
		}
	}
	return nil
}

// NormalizeUserName validates name and folds it to lower case. User names
// are case-insensitive: "Alice" and "alice" are one account, so every
// creation, login and lookup goes through this function and the store only
// ever sees the folded name. Folding plain ASCII is enough because
// ValidateUserName allows nothing else.
func NormalizeUserName(name string) (string, error) {
	if err := ValidateUserName(name); err != nil {
		return "", err
	}
	return strings.ToLower(name), nil
}

func nameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '-' || c == '.'
}

// ValidatePassword accepts 1 to 128 bytes without ':' (the separator of
// name:password credentials), line breaks (the admin command reads one
// line) or NUL. The message never quotes the password.
func ValidatePassword(pw string) error {
	if len(pw) == 0 || len(pw) > MaxPasswordLen {
		return fmt.Errorf("%w: must be 1 to %d bytes long", ErrInvalidPassword, MaxPasswordLen)
	}
	if strings.ContainsAny(pw, ":\n\r\x00") {
		return fmt.Errorf("%w: must not contain ':', a line break or NUL", ErrInvalidPassword)
	}
	return nil
}
