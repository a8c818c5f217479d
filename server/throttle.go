package server

import (
	"net"
	"sync"
	"time"
)

// loginThrottle backs off logins after repeated failures so that guessing
// is slow, without letting an attacker lock the real owner out
// (DESIGN.md "Logins under attack"):
//
//   - per (account, address): 5 failures, then each failure doubles the
//     wait, up to max. This is what stops one address guessing one
//     account; the owner elsewhere is not affected.
//   - per address: 30 failures (over any accounts), for password spraying.
//     Looser, because players behind one NAT share it.
//   - per account: a much looser ceiling of 100 failures, for guesses
//     spread over many addresses. It holds back only addresses that have
//     failed before: an address with no failures on record is let
//     through (its attempt is hashed), so the owner logging in from home
//     is never locked out by someone else's guessing.
//
// Only hashed attempts count as failures: an attempt refused because of a
// back-off neither counts nor extends it, so a lock-out cannot be renewed
// for free.
type loginThrottle struct {
	mu         sync.Mutex
	now        func() time.Time
	perPair    int
	perAddress int
	perAccount int
	base, max  time.Duration
	pairs      map[pairKey]*failures
	addresses  map[string]*failures
	accounts   map[string]*failures
	maxTracked int
}

type pairKey struct{ user, host string }

type failures struct {
	count int
	until time.Time
	last  time.Time
}

func newLoginThrottle(now func() time.Time) *loginThrottle {
	return &loginThrottle{
		now:        now,
		perPair:    5,
		perAddress: 30,
		perAccount: 100,
		base:       time.Second,
		max:        10 * time.Minute,
		pairs:      make(map[pairKey]*failures),
		addresses:  make(map[string]*failures),
		accounts:   make(map[string]*failures),
		maxTracked: 100000,
	}
}

func (f *failures) wait(now time.Time) time.Duration {
	if f == nil || !f.until.After(now) {
		return 0
	}
	return f.until.Sub(now)
}

// blocked returns how long an attempt for user from host must still wait.
func (t *loginThrottle) blocked(user, host string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	wait := max(t.pairs[pairKey{user, host}].wait(now), t.addresses[host].wait(now))
	if a := t.addresses[host]; a != nil && a.count > 0 {
		wait = max(wait, t.accounts[user].wait(now))
	}
	return wait
}

func (t *loginThrottle) failed(user, host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	bump(t, t.pairs, pairKey{user, host}, t.perPair, now)
	bump(t, t.addresses, host, t.perAddress, now)
	bump(t, t.accounts, user, t.perAccount, now)
}

func bump[K comparable](t *loginThrottle, m map[K]*failures, key K, threshold int, now time.Time) {
	f := m[key]
	if f == nil {
		if len(m) >= t.maxTracked {
			prune(t, m, now)
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

// penalize backs off the account from this address as if it had reached
// its failure threshold, and counts one failure for the address: for a
// client cut for flooding, so that coming straight back (each time a
// password hash) is refused cheaply, without locking out others.
func (t *loginThrottle) penalize(user, host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	k := pairKey{user, host}
	f := t.pairs[k]
	if f == nil {
		f = &failures{}
		t.pairs[k] = f
	}
	f.count = max(f.count, t.perPair-1)
	bump(t, t.pairs, k, t.perPair, now)
	bump(t, t.addresses, host, t.perAddress, now)
}

// succeeded forgets the failures of this account from this address (not
// the address's or the account's own: one good password must not reset a
// spray from the same address, nor guesses from elsewhere).
func (t *loginThrottle) succeeded(user, host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.pairs, pairKey{user, host})
}

// prune drops entries idle for longer than the maximum backoff.
func prune[K comparable](t *loginThrottle, m map[K]*failures, now time.Time) {
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
	prune(t, t.pairs, now)
	prune(t, t.addresses, now)
	prune(t, t.accounts, now)
}

func remoteHost(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}
