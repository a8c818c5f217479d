//go:build linux

// Package ptytest opens a pseudo-terminal for tests of terminal-only
// output: the command under test writes to the terminal side, exactly as
// it would to a user's terminal, and the test reads what it drew.
package ptytest

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Terminal is an open pseudo-terminal.
type Terminal struct {
	TTY *os.File // the terminal side: hand it to the code under test

	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

// Open opens a pseudo-terminal, or skips the test where none can be
// opened. Everything written to TTY is collected until Output is called;
// both sides are closed when the test ends.
func Open(t testing.TB) *Terminal {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal here (open /dev/ptmx: %v)", err)
	}
	require.NoError(t, unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0), "unlock pty")
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	require.NoError(t, err, "pty number")
	tty, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(t, err, "open pty terminal side")
	// Raw mode: no newline translation, so the test sees the bytes written.
	termios, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	require.NoError(t, err)
	termios.Oflag &^= unix.OPOST
	require.NoError(t, unix.IoctlSetTermios(int(tty.Fd()), unix.TCSETS, termios))
	term := &Terminal{TTY: tty, done: make(chan struct{})}
	go func() {
		defer close(term.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return // EIO once the terminal side is closed
			}
		}
	}()
	t.Cleanup(func() {
		_ = tty.Close()
		_ = ptmx.Close()
		<-term.done
	})
	return term
}

// Output closes the terminal side and returns everything written to it.
func (p *Terminal) Output() string {
	_ = p.TTY.Close()
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}
