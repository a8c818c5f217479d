package bench

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemnet/tandem/cmd/tandem/internal/progress"
)

// liveFigures is what the progress line on a terminal shows: the system
// and phase being run, how long the phase has run, connections set up, and
// the delivery rate. The load and idle runs update it; render reads it.
type liveFigures struct {
	mu     sync.Mutex
	system string
	phase  string
	since  time.Time
	length time.Duration // of the phase, 0 when open-ended
	want   int           // connections to set up
	count  func() int64  // deliveries so far, nil when not counting

	connected atomic.Int64
	rate      progress.Rate // only render touches it

	// changed, if set, runs after a phase begins (the status redraws at
	// once, so even a short phase shows). Set before the run starts.
	changed func()
}

// enter starts a phase of system's run.
func (f *liveFigures) enter(system, phase string, length time.Duration) {
	f.mu.Lock()
	f.system, f.phase, f.since, f.length = system, phase, time.Now(), length
	f.mu.Unlock()
	if f.changed != nil {
		f.changed()
	}
}

// connecting starts a set-up phase of want connections.
func (f *liveFigures) connecting(system, phase string, want int) {
	f.connected.Store(0)
	f.mu.Lock()
	f.want, f.count = want, nil
	f.mu.Unlock()
	f.enter(system, phase, 0)
}

// counting makes the line show the rate of count from now on.
func (f *liveFigures) counting(count func() int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count = count
}

func (f *liveFigures) render() string {
	f.mu.Lock()
	system, phase, since, length, want, count := f.system, f.phase, f.since, f.length, f.want, f.count
	f.mu.Unlock()
	if phase == "" {
		return "starting"
	}
	now := time.Now()
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s", system, phase, now.Sub(since).Round(100*time.Millisecond))
	if length > 0 {
		fmt.Fprintf(&b, "/%s", length)
	}
	if want > 0 {
		fmt.Fprintf(&b, "  %d/%d connected", f.connected.Load(), want)
	}
	if count != nil {
		fmt.Fprintf(&b, "  %.0f deliveries/s", f.rate.Per(now, count()))
	}
	return b.String()
}
