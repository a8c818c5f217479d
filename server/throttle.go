package server

import (
	"net"
	"sync"
	"time"
)

// loginThrottle backs off logins after repeated failures, per account and
// per client address (Nakama's rule of thumb: 5 per account, 10 per
// address). Each failure past the threshold doubles the wait, up to max.
type loginThrottle struct {
	mu         sync.Mutex
	now        func() time.Time
	perAccount int
	perAddress int
	base, max  time.Duration
	accounts   map[string]*failures
	addresses  map[string]*failures
	maxTracked int
}

type failures struct {
	count int
	until time.Time
	last  time.Time
}

func newLoginThrottle(now func() time.Time) *loginThrottle {
	return &loginThrottle{
		now:        now,
		perAccount: 5,
		perAddress: 10,
		base:       time.Second,
		max:        10 * time.Minute,
		accounts:   make(map[string]*failures),
		addresses:  make(map[string]*failures),
		maxTracked: 100000,
	}
}

// blocked returns how long the account or address must still wait.
func (t *loginThrottle) blocked(user, host string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	wait := time.Duration(0)
	for _, f := range []*failures{t.accounts[user], t.addresses[host]} {
		if f != nil && f.until.After(now) && f.until.Sub(now) > wait {
			wait = f.until.Sub(now)
		}
	}
	return wait
}

func (t *loginThrottle) failed(user, host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.bump(t.accounts, user, t.perAccount, now)
	t.bump(t.addresses, host, t.perAddress, now)
}

func (t *loginThrottle) bump(m map[string]*failures, key string, threshold int, now time.Time) {
	f := m[key]
	if f == nil {
		if len(m) >= t.maxTracked {
			t.prune(m, now)
		}
		f = &failures{}
		m[key] = f
	}
	f.count++
	f.last = now
	if over := f.count - threshold; over >= 0 {
		d := t.base << min(over, 20)
		if d > t.max || d <= 0 {
			d = t.max
		}
		f.until = now.Add(d)
	}
}

// penalize backs off an account as if it had reached its failure
// threshold, and counts one failure for its address: for a client cut for
// flooding, so that coming straight back (each time a password hash) is
// refused cheaply, without locking out others behind the same address.
func (t *loginThrottle) penalize(user, host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.accounts[user]
	if f == nil {
		f = &failures{}
		t.accounts[user] = f
	}
	f.count = max(f.count, t.perAccount-1)
	t.bump(t.accounts, user, t.perAccount, now)
	t.bump(t.addresses, host, t.perAddress, now)
}

// succeeded forgets the account's failures (not the address's: one good
// password must not reset a spray from the same address).
func (t *loginThrottle) succeeded(user, _ string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.accounts, user)
}

// prune drops entries idle for longer than the maximum backoff.
func (t *loginThrottle) prune(m map[string]*failures, now time.Time) {
	for k, f := range m {
		if now.Sub(f.last) > t.max && now.After(f.until) {
			delete(m, k)
		}
	}
}

func (t *loginThrottle) sweep() {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.prune(t.accounts, now)
	t.prune(t.addresses, now)
}

func remoteHost(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}
