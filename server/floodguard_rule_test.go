package server

import (
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

// The back-off rule of floodguard.go on a controlled clock (the TCP
// behaviour is tested in floodguard_test.go).
func TestFloodGuardRule(t *testing.T) {
	type step struct {
		at   time.Duration // since the start
		cut  string        // address cut at this time, or
		ask  string        // address whose wait is checked
		want time.Duration // its expected wait
	}
	const s = time.Second
	tests := []struct {
		name  string
		steps []step
	}{
		{"free cuts, then base, doubling per cut", []step{
			{at: 0, cut: "10.0.0.1"},
			{at: 0, ask: "10.0.0.1", want: 0},
			{at: 1 * s, cut: "10.0.0.1"},
			{at: 1 * s, ask: "10.0.0.1", want: 0},
			{at: 2 * s, cut: "10.0.0.1"},
			{at: 2 * s, ask: "10.0.0.1", want: 1 * s},
			{at: 2 * s, ask: "10.0.0.2", want: 0},
			{at: 3 * s, ask: "10.0.0.1", want: 0},
			{at: 3 * s, cut: "10.0.0.1"},
			{at: 3 * s, ask: "10.0.0.1", want: 2 * s},
			{at: 6 * s, cut: "10.0.0.1"},
			{at: 6 * s, ask: "10.0.0.1", want: 4 * s},
		}},
		{"capped at max", []step{
			{at: 0, cut: "10.0.0.1"}, {at: 0, cut: "10.0.0.1"}, {at: 0, cut: "10.0.0.1"},
			{at: 0, cut: "10.0.0.1"}, {at: 0, cut: "10.0.0.1"}, {at: 0, cut: "10.0.0.1"},
			{at: 0, cut: "10.0.0.1"}, {at: 0, cut: "10.0.0.1"}, {at: 0, cut: "10.0.0.1"},
			{at: 0, ask: "10.0.0.1", want: 60 * s},
			{at: 59 * s, ask: "10.0.0.1", want: 1 * s},
			// Back within max of the back-off's end: the count holds.
			{at: 100 * s, cut: "10.0.0.1"},
			{at: 100 * s, ask: "10.0.0.1", want: 60 * s},
		}},
		{"forgotten after max without a cut", []step{
			{at: 0, cut: "10.0.0.1"}, {at: 0, cut: "10.0.0.1"}, {at: 0, cut: "10.0.0.1"},
			{at: 0, ask: "10.0.0.1", want: 1 * s},
			{at: 62 * s, cut: "10.0.0.1"},
			{at: 62 * s, ask: "10.0.0.1", want: 0},
		}},
		{"refusals do not extend it", []step{
			{at: 0, cut: "10.0.0.1"}, {at: 0, cut: "10.0.0.1"}, {at: 0, cut: "10.0.0.1"},
			{at: 500 * time.Millisecond, ask: "10.0.0.1", want: 500 * time.Millisecond},
			{at: 900 * time.Millisecond, ask: "10.0.0.1", want: 100 * time.Millisecond},
			{at: 1 * s, ask: "10.0.0.1", want: 0},
		}},
		{"IPv6 by /64, IPv4-mapped as IPv4", []step{
			{at: 0, cut: "2001:db8:1:2::1"}, {at: 0, cut: "2001:db8:1:2::ff"}, {at: 0, cut: "2001:db8:1:2:aaaa::9"},
			{at: 0, ask: "2001:db8:1:2:ffff::1", want: 1 * s},
			{at: 0, ask: "2001:db8:1:3::1", want: 0},
			{at: 0, cut: "::ffff:10.0.0.7"}, {at: 0, cut: "10.0.0.7"}, {at: 0, cut: "::ffff:10.0.0.7"},
			{at: 0, ask: "10.0.0.7", want: 1 * s},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Unix(1000, 0)
			now := start
			l := Limits{AbuseBackoff: s, AbuseBackoffMax: 60 * s, AbuseBackoffCuts: 3}
			g := newFloodGuard(&l, prometheus.NewRegistry(), func() time.Time { return now })
			for i, st := range tt.steps {
				now = start.Add(st.at)
				addr := &net.TCPAddr{IP: net.ParseIP(st.cut + st.ask), Port: 40000 + i}
				if st.cut != "" {
					g.cut(addr)
					continue
				}
				assert.Equal(t, st.want, g.wait(addr), "step %d: %s at %s", i, st.ask, st.at)
			}
		})
	}
}

// The table is bounded: when it is full of live records a new address is
// not recorded (the guard fails open) until records are forgotten.
func TestFloodGuardBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	l := Limits{AbuseBackoff: time.Second, AbuseBackoffMax: time.Minute, AbuseBackoffCuts: 1}
	g := newFloodGuard(&l, prometheus.NewRegistry(), func() time.Time { return now })
	g.limit = 3
	for i := 1; i <= 4; i++ {
		g.cut(&net.TCPAddr{IP: net.IPv4(10, 0, 0, byte(i))})
	}
	assert.Len(t, g.addrs, 3)
	assert.Zero(t, g.wait(&net.TCPAddr{IP: net.IPv4(10, 0, 0, 4)}), "not recorded: the table was full")
	now = now.Add(2 * time.Minute)
	g.cut(&net.TCPAddr{IP: net.IPv4(10, 0, 0, 5)})
	assert.Len(t, g.addrs, 1, "the forgotten ones made room")
	assert.Equal(t, time.Second, g.wait(&net.TCPAddr{IP: net.IPv4(10, 0, 0, 5)}))
	g.sweep()
	assert.Len(t, g.addrs, 1)
}
