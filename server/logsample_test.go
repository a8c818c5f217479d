package server

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestLogSampler(t *testing.T) {
	now := time.Unix(1000, 0)
	ls := newLogSampler(2, 10*time.Second, func() time.Time { return now })
	type step struct {
		advance     time.Duration
		ok          bool
		wantDropped int
	}
	steps := []step{
		{0, true, 0},
		{time.Second, true, 0},
		{time.Second, false, 0}, // over the burst
		{time.Second, false, 0},
		{10 * time.Second, true, 2}, // a new period says what was dropped
		{0, true, 0},
		{0, false, 0},
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		ok, dropped := ls.allow()
		assert.Equal(t, st.ok, ok, "step %d", i)
		assert.Equal(t, st.wantDropped, dropped, "step %d", i)
	}
}
