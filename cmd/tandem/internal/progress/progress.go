// Package progress shows a one-line live status on a terminal: the line is
// redrawn in place every interval, and log lines printed through it go
// above the status instead of being torn by it. On anything that is not a
// terminal (a file, a pipe, a test buffer) it prints the log lines only,
// so scripts and logs never see carriage returns or escape codes.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\x1b[K"

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Status is a live status line. Its methods are safe for concurrent use.
type Status struct {
	w      io.Writer
	live   bool
	render func() string

	mu    sync.Mutex
	shown string // the status currently on screen
	stop  chan struct{}
	done  chan struct{}
}

// Start shows render's result on w every interval while w is a terminal,
// until Stop (and at each Redraw). render never runs concurrently with
// itself.
func Start(w io.Writer, every time.Duration, render func() string) *Status {
	return start(w, IsTerminal(w), every, render)
}

// start is Start with the terminal decision made by the caller (tests).
func start(w io.Writer, live bool, every time.Duration, render func() string) *Status {
	s := &Status{w: w, live: live, render: render, stop: make(chan struct{}), done: make(chan struct{})}
	if !live {
		close(s.done)
		return s
	}
	go s.loop(every)
	return s
}

// Live reports whether the status is being drawn.
func (s *Status) Live() bool { return s.live }

func (s *Status) loop(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.Redraw()
		}
	}
}

// Redraw draws the status now instead of at the next tick (a new phase
// shows at once, however short). It does nothing once stopped or when the
// output is not a terminal.
func (s *Status) Redraw() {
	if !s.live {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.stop:
		return
	default:
	}
	line := s.render()
	s.shown = line
	fmt.Fprint(s.w, clearLine+line)
}

// Logf prints one line (a newline is added) above the status.
func (s *Status) Logf(format string, a ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shown != "" {
		fmt.Fprint(s.w, clearLine)
	}
	fmt.Fprintf(s.w, format+"\n", a...)
	if s.shown != "" {
		fmt.Fprint(s.w, s.shown)
	}
}

// Stop stops redrawing and erases the status, so what follows starts on a
// clean line. It may be called more than once.
func (s *Status) Stop() {
	s.mu.Lock()
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.mu.Unlock()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shown != "" {
		fmt.Fprint(s.w, clearLine)
		s.shown = ""
	}
}

// Rate turns a growing counter into a per-second rate between calls.
type Rate struct {
	last int64
	at   time.Time
}

// Per returns how fast total grew per second since the previous call (0 on
// the first).
func (r *Rate) Per(now time.Time, total int64) float64 {
	var v float64
	if !r.at.IsZero() {
		if d := now.Sub(r.at).Seconds(); d > 0 {
			v = float64(total-r.last) / d
		}
	}
	r.last, r.at = total, now
	return v
}
