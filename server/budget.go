package server

import "sync"

// byteBudget is a token bucket of bytes that may go into debt: charge
// always succeeds and may leave it negative, and a client in debt has its
// lines refused until the rate has paid the debt back. That is what lets a
// command be charged for what it costs the server after the fact (a
// fan-out to many recipients, a join snapshot, a discarded over-long line)
// without refusing it half-way.
//
// Times are the server's coarse clock (unix nanoseconds). The mutex is
// uncontended in practice (the owner's reader goroutine), and is there for
// the rare charge from elsewhere (a join snapshot queued by the hub).
type byteBudget struct {
	mu     sync.Mutex
	rate   float64 // bytes per second
	burst  float64
	tokens float64
	last   int64
}

func newByteBudget(rate float64, burst int, now int64) *byteBudget {
	return &byteBudget{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

func (b *byteBudget) refillLocked(now int64) {
	if now > b.last {
		b.tokens = min(b.burst, b.tokens+float64(now-b.last)/1e9*b.rate)
		b.last = now
	}
}

// allow takes n bytes if the budget holds them, and reports whether it did.
func (b *byteBudget) allow(now int64, n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refillLocked(now)
	if b.tokens < float64(n) {
		return false
	}
	b.tokens -= float64(n)
	return true
}

// charge takes n bytes unconditionally and returns what is left (negative:
// the debt).
func (b *byteBudget) charge(now int64, n int) float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refillLocked(now)
	b.tokens -= float64(n)
	return b.tokens
}

// inDebt reports whether more was charged than the rate has paid back.
func (b *byteBudget) inDebt(now int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refillLocked(now)
	return b.tokens < 0
}
