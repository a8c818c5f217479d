package netobj

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// ID is a network object id, "<creator>.<counter>": the Counter-th object
// client Creator instantiated in the room. Both parts are positive.
type ID struct {
	Creator int64
	Counter uint32
}

// String returns the wire form, e.g. "17.4".
func (id ID) String() string {
	var buf [32]byte
	return string(id.AppendText(buf[:0]))
}

// AppendText appends the wire form of id to dst.
func (id ID) AppendText(dst []byte) []byte {
	dst = strconv.AppendInt(dst, id.Creator, 10)
	dst = append(dst, '.')
	return strconv.AppendUint(dst, uint64(id.Counter), 10)
}

// ParseID reads "<creator>.<counter>". Both parts must be positive decimal
// numbers in range, without sign or leading zeros, so every id has exactly
// one text form. Errors wrap ErrBadCommand.
func ParseID(b []byte) (ID, error) {
	dot := bytes.IndexByte(b, '.')
	if dot < 0 {
		return ID{}, fmt.Errorf("object id needs <creator>.<counter>: %w", ErrBadCommand)
	}
	creator, ok := parsePositive(b[:dot], math.MaxInt64)
	if !ok {
		return ID{}, fmt.Errorf("object id creator must be a positive decimal: %w", ErrBadCommand)
	}
	counter, ok := parsePositive(b[dot+1:], math.MaxUint32)
	if !ok {
		return ID{}, fmt.Errorf("object id counter must be a positive decimal up to %d: %w", uint32(math.MaxUint32), ErrBadCommand)
	}
	return ID{Creator: int64(creator), Counter: uint32(counter)}, nil
}

// parsePositive reads a decimal in 1..max with no sign and no leading zero.
func parsePositive(b []byte, max uint64) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 || b[0] == '0' {
		return 0, false
	}
	var n uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if n > (max-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// Mode is an object's ownership mode, chosen at instantiate.
type Mode byte

// Ownership modes (their wire letters).
const (
	ModeTakeover Mode = 't' // anyone may take
	ModeFixed    Mode = 'f' // only the owner gives it away
	ModeRequest  Mode = 'r' // a take asks the owner, who approves or denies
)

// ParseMode reads a one-letter mode; errors wrap ErrBadCommand.
func ParseMode(b []byte) (Mode, error) {
	if len(b) == 1 && Mode(b[0]).Valid() {
		return Mode(b[0]), nil
	}
	return 0, fmt.Errorf("ownership mode must be t, f or r: %w", ErrBadCommand)
}

// Valid reports whether m is one of the defined modes.
func (m Mode) Valid() bool {
	return m == ModeTakeover || m == ModeFixed || m == ModeRequest
}

// String returns the wire letter.
func (m Mode) String() string { return string(rune(m)) }

// Lifetime says what happens to an object when its creator leaves.
type Lifetime byte

// Lifetimes (their wire letters).
const (
	LifetimePlayer Lifetime = 'p' // destroyed when its creator leaves
	LifetimeRoom   Lifetime = 'r' // stays; falls to the master when its owner leaves
)

// ParseLifetime reads a one-letter lifetime; errors wrap ErrBadCommand.
func ParseLifetime(b []byte) (Lifetime, error) {
	if len(b) == 1 && Lifetime(b[0]).Valid() {
		return Lifetime(b[0]), nil
	}
	return 0, fmt.Errorf("lifetime must be p or r: %w", ErrBadCommand)
}

// Valid reports whether l is one of the defined lifetimes.
func (l Lifetime) Valid() bool { return l == LifetimePlayer || l == LifetimeRoom }

// String returns the wire letter.
func (l Lifetime) String() string { return string(rune(l)) }
