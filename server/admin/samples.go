package admin

import (
	"sync"
	"time"
)

// Sample is one point of the overview charts: gauges as read, totals turned
// into per-second rates over the interval before it.
type Sample struct {
	Time                time.Time `json:"t"`
	Connections         int64     `json:"connections"`
	Players             int64     `json:"players"`
	Rooms               int64     `json:"rooms"`
	Objects             int64     `json:"objects"`
	MessagesInPerSec    float64   `json:"msgs_in_per_s"`
	MessagesOutPerSec   float64   `json:"msgs_out_per_s"`
	BytesInPerSec       float64   `json:"bytes_in_per_s"`
	BytesOutPerSec      float64   `json:"bytes_out_per_s"`
	SlowConsumersPerSec float64   `json:"slow_consumers_per_s"`
	RateLimitedPerSec   float64   `json:"rate_limited_per_s"`
}

// sampleRing keeps the last samples in a fixed ring, so the charts cost a
// bounded amount of memory however long the server runs.
type sampleRing struct {
	mu    sync.Mutex
	buf   []Sample
	next  int
	full  bool
	last  Counters
	lastT time.Time
}

func newSampleRing(n int) *sampleRing { return &sampleRing{buf: make([]Sample, n)} }

// add records the counters read at t.
func (r *sampleRing) add(t time.Time, c Counters) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Sample{Time: t, Connections: c.Connections, Players: c.Players, Rooms: c.Rooms, Objects: c.Objects}
	if !r.lastT.IsZero() {
		dt := t.Sub(r.lastT).Seconds()
		if dt > 0 {
			rate := func(now, before float64) float64 { return max(0, now-before) / dt }
			s.MessagesInPerSec = rate(c.MessagesIn, r.last.MessagesIn)
			s.MessagesOutPerSec = rate(c.MessagesOut, r.last.MessagesOut)
			s.BytesInPerSec = rate(c.BytesIn, r.last.BytesIn)
			s.BytesOutPerSec = rate(c.BytesOut, r.last.BytesOut)
			s.SlowConsumersPerSec = rate(c.SlowConsumerWarnings+c.SlowConsumerKicks, r.last.SlowConsumerWarnings+r.last.SlowConsumerKicks)
			s.RateLimitedPerSec = rate(c.RateLimited, r.last.RateLimited)
		}
	}
	r.last, r.lastT = c, t
	r.buf[r.next] = s
	r.next = (r.next + 1) % len(r.buf)
	if r.next == 0 {
		r.full = true
	}
}

// all returns the samples, oldest first.
func (r *sampleRing) all() []Sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]Sample(nil), r.buf[:r.next]...)
	}
	return append(append([]Sample(nil), r.buf[r.next:]...), r.buf[:r.next]...)
}
