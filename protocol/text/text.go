// Package text holds the one rule for free text the protocol carries in
// names (rooms, prefab keys): valid UTF-8 without control characters. It is
// a leaf package so that both protocol and netobj can use it.
package text

import (
	"errors"
	"unicode"
	"unicode/utf8"
)

// Validate reports whether b is valid UTF-8 without control characters
// (NUL, line breaks, escape sequences and the like).
func Validate(b []byte) error {
	if !utf8.Valid(b) {
		return errors.New("must be valid UTF-8")
	}
	for _, r := range string(b) {
		if unicode.IsControl(r) {
			return errors.New("may not contain control characters")
		}
	}
	return nil
}
