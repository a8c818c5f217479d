//go:build !linux

package server

import (
	"errors"
	"log/slog"
)

// idlePoller is Linux-only; elsewhere every reader keeps its goroutine.
type idlePoller struct{}

func newIdlePoller() (*idlePoller, error) {
	return nil, errors.New("idle poller: not supported on this system")
}

func (*idlePoller) run(*slog.Logger) {}
func (*idlePoller) close()           {}
