package server

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The hashing queue refuses at once a login it predicts could not get a
// slot within its wait, with the time the queue needs to drain, instead of
// letting it queue until it times out.
func TestHashQueueRefusesAtOnceWhenItCannotServeInTime(t *testing.T) {
	tests := []struct {
		name      string
		perHash   time.Duration
		waiting   int // logins queued before ours
		wait      time.Duration
		refused   bool
		wantDrain time.Duration
	}{
		{"no history: queue", 0, 3, time.Second, false, 0},
		{"short queue: queue", 30 * time.Millisecond, 3, time.Second, false, 0},
		{"long queue: refuse, come back when it has drained", 30 * time.Millisecond, 99, time.Second, true, 3 * time.Second},
		{"exactly the wait: queue", 10 * time.Millisecond, 99, time.Second, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newHashQueue(1, 1000, prometheus.NewGauge(prometheus.GaugeOpts{Name: "q"}))
			q.perHash = tt.perHash
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			hold, err := q.acquire(ctx, "a", time.Second) // the one slot
			require.NoError(t, err)
			for range tt.waiting {
				go func() { _, _ = q.acquire(ctx, "b", time.Minute) }()
			}
			require.Eventually(t, func() bool { q.mu.Lock(); defer q.mu.Unlock(); return q.total == tt.waiting }, time.Second, time.Millisecond)
			q.mu.Lock()
			q.perHash = tt.perHash // the first grant set no history; keep the case's
			q.mu.Unlock()

			done := make(chan error, 1)
			go func() {
				release, err := q.acquire(ctx, "c", tt.wait)
				if err == nil {
					release()
				}
				done <- err
			}()
			if tt.refused {
				select {
				case err := <-done:
					require.ErrorIs(t, err, errHashBusy)
					assert.Equal(t, tt.wantDrain, busyAppointment(err))
				case <-time.After(tt.wait / 2):
					t.Fatal("not refused at once")
				}
			} else {
				select {
				case err := <-done:
					t.Fatalf("answered before a slot was free: %v", err)
				case <-time.After(50 * time.Millisecond):
				}
			}
			cancel()
			hold()
		})
	}
}

func TestHashQueueLearnsTheTimePerHash(t *testing.T) {
	q := newHashQueue(2, 10, prometheus.NewGauge(prometheus.GaugeOpts{Name: "q"}))
	for range 3 {
		release, err := q.acquire(context.Background(), "a", time.Second)
		require.NoError(t, err)
		time.Sleep(5 * time.Millisecond)
		release()
	}
	assert.GreaterOrEqual(t, q.perHash, 5*time.Millisecond)
	assert.Equal(t, time.Duration(1)*q.perHash/2, q.drainLocked(), "one waiter on two slots")
	assert.False(t, errors.Is(&hashBusyError{}, context.Canceled))
}

// Refused logins get successive appointments one hash apart, starting
// when the queue has drained, so they come back as fast as they can be
// served; appointments already passed are not kept.
func TestHashQueueAppointmentsFollowEachOther(t *testing.T) {
	q := newHashQueue(2, 10, prometheus.NewGauge(prometheus.GaugeOpts{Name: "q"}))
	now := time.Unix(1000, 0)
	q.now = func() time.Time { return now }
	q.perHash = 40 * time.Millisecond // two slots: one return every 15 ms (a quarter early)
	got := []time.Duration{q.bookLocked(time.Second), q.bookLocked(time.Second), q.bookLocked(time.Second)}
	assert.Equal(t, []time.Duration{time.Second, time.Second + 15*time.Millisecond, time.Second + 30*time.Millisecond}, got)
	now = now.Add(time.Minute) // long after: the book starts again from the drain
	assert.Equal(t, 500*time.Millisecond, q.bookLocked(500*time.Millisecond))
}

func TestBusyRetryJitters(t *testing.T) {
	for range 100 {
		r := busyRetry(time.Second)
		assert.GreaterOrEqual(t, r, 500*time.Millisecond)
		assert.Less(t, r, 1500*time.Millisecond)
	}
}
