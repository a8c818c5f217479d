package progress

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/cmd/tandem/internal/progress/ptytest"
)

func TestIsTerminal(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	require.NoError(t, err)
	defer file.Close()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	tests := []struct {
		name string
		w    io.Writer
		want bool
	}{
		{"buffer", &bytes.Buffer{}, false},
		{"file", file, false},
		{"pipe", w, false},
		{"terminal", ptytest.Open(t).TTY, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, IsTerminal(tt.w))
		})
	}
}

// On a terminal the status is redrawn in place, log lines go above it, and
// Stop leaves a clean line.
func TestStatusOnTerminal(t *testing.T) {
	term := ptytest.Open(t)
	var n atomic.Int64
	s := Start(term.TTY, 5*time.Millisecond, func() string { return "status " + strings.Repeat("#", int(n.Add(1)%3)+1) })
	require.True(t, s.Live())
	require.Eventually(t, func() bool { return n.Load() >= 3 }, 5*time.Second, time.Millisecond)
	s.Logf("log %d", 1)
	s.Stop()
	s.Stop() // a second Stop is harmless
	fromStop := n.Load()
	time.Sleep(20 * time.Millisecond)
	assert.Equal(t, fromStop, n.Load(), "no redraw after Stop")
	out := term.Output()

	assert.Contains(t, out, clearLine+"status #")
	assert.Contains(t, out, clearLine+"log 1\nstatus ", "the log line erases the status, then the status is drawn again")
	assert.True(t, strings.HasSuffix(out, clearLine), "Stop erases the status: %q", out)
}

// Redraw draws at once, between ticks; after Stop it draws nothing.
func TestRedrawBetweenTicks(t *testing.T) {
	term := ptytest.Open(t)
	var phase atomic.Value
	phase.Store("first")
	s := Start(term.TTY, time.Hour, func() string { return "phase " + phase.Load().(string) })
	phase.Store("second")
	s.Redraw()
	s.Logf("log")
	s.Stop()
	phase.Store("third")
	s.Redraw()
	out := term.Output()
	assert.Contains(t, out, clearLine+"phase second")
	assert.Contains(t, out, clearLine+"log\nphase second", "the log line is drawn above the redrawn status")
	assert.NotContains(t, out, "phase first", "no tick came")
	assert.NotContains(t, out, "phase third", "a redraw after Stop draws nothing")
	assert.True(t, strings.HasSuffix(out, clearLine), "Stop erases the status: %q", out)
}

// Anywhere else only the log lines are written.
func TestStatusElsewhere(t *testing.T) {
	var buf bytes.Buffer
	var rendered atomic.Int64
	s := Start(&buf, time.Millisecond, func() string { rendered.Add(1); return "status" })
	assert.False(t, s.Live())
	time.Sleep(20 * time.Millisecond)
	s.Logf("log %s", "a")
	s.Stop()
	assert.Equal(t, "log a\n", buf.String())
	assert.Zero(t, rendered.Load())
}

func TestRate(t *testing.T) {
	t0 := time.Unix(100, 0)
	tests := []struct {
		at    time.Duration
		total int64
		want  float64
	}{
		{0, 10, 0}, // first call: no rate yet
		{time.Second, 110, 100},
		{1500 * time.Millisecond, 160, 100},
		{1500 * time.Millisecond, 170, 0}, // no time passed
		{3500 * time.Millisecond, 170, 0},
	}
	var r Rate
	for _, tt := range tests {
		assert.InDelta(t, tt.want, r.Per(t0.Add(tt.at), tt.total), 1e-9, "at %s", tt.at)
	}
}
