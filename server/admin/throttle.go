package admin

import (
	"sync"
	"time"
)

// loginThrottle backs off admin logins after failures, per admin name and
// per address, by the same rule as player logins (server/throttle.go): 5
// failures per name, 10 per address, then a wait that doubles from a second
// up to ten minutes.
type loginThrottle struct {
	mu        sync.Mutex
	now       func() time.Time
	names     map[string]*failures
	addresses map[string]*failures
}

type failures struct {
	count int
	until time.Time
	last  time.Time
}

const (
	throttlePerName    = 5
	throttlePerAddress = 10
	throttleBase       = time.Second
	throttleMax        = 10 * time.Minute
	throttleTracked    = 10000
)

func newLoginThrottle(now func() time.Time) *loginThrottle {
	return &loginThrottle{now: now, names: map[string]*failures{}, addresses: map[string]*failures{}}
}

// blocked returns how long name or address must still wait.
func (t *loginThrottle) blocked(name, addr string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	for _, f := range []*failures{t.names[name], t.addresses[addr]} {
		if f != nil && f.until.Sub(now) > wait {
			wait = f.until.Sub(now)
		}
	}
	return wait
}

func (t *loginThrottle) failed(name, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.bump(t.names, name, throttlePerName, now)
	t.bump(t.addresses, addr, throttlePerAddress, now)
}

func (t *loginThrottle) bump(m map[string]*failures, key string, threshold int, now time.Time) {
	f := m[key]
	if f == nil {
		if len(m) >= throttleTracked {
			for k, old := range m { // drop idle entries
				if now.Sub(old.last) > throttleMax && now.After(old.until) {
					delete(m, k)
				}
			}
		}
		f = &failures{}
		m[key] = f
	}
	f.count++
	f.last = now
	if over := f.count - threshold; over >= 0 {
		d := throttleBase << min(over, 20)
		if d > throttleMax || d <= 0 {
			d = throttleMax
		}
		f.until = now.Add(d)
	}
}

// succeeded forgets the name's failures (not the address's).
func (t *loginThrottle) succeeded(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.names, name)
}
