//go:build !linux

package ptytest

import (
	"os"
	"testing"
)

// Terminal is an open pseudo-terminal (Linux only here).
type Terminal struct {
	TTY *os.File
}

// Open skips the test: opening a pseudo-terminal is only written for
// Linux.
func Open(t testing.TB) *Terminal {
	t.Helper()
	t.Skip("pseudo-terminal tests run on Linux only")
	return nil
}

// Output is never reached: Open skips.
func (p *Terminal) Output() string { return "" }
