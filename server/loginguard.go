package server

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Login abuse resistance (PROTOCOL.md "Abuse limits", DESIGN.md "Logins
// under attack"). Everything here decides before a password is hashed, so
// a refused attempt costs a map lookup, not an argon2id run.

// errHashBusy: no hashing slot came free within Limits.LoginQueueWait, or
// the queue is full. Answered server_busy, never store_unavailable: the
// database is fine, the server is busy.
var errHashBusy = errors.New("password hashing queue is busy")

// loginGate counts the attempts in flight (admitted, not yet answered) per
// account and per address, and the successful logins per account and per
// address. A second login replaces the first session anyway, so a stream
// of correct logins is as much a flood as a stream of guesses.
type loginGate struct {
	lim *Limits
	now func() time.Time

	mu         sync.Mutex
	inAccount  map[string]int
	inAddress  map[string]int
	okAccount  map[string]*rate.Limiter
	okAddress  map[string]*rate.Limiter
	maxTracked int
}

func newLoginGate(lim *Limits, now func() time.Time) *loginGate {
	return &loginGate{
		lim: lim, now: now,
		inAccount:  make(map[string]int),
		inAddress:  make(map[string]int),
		okAccount:  make(map[string]*rate.Limiter),
		okAddress:  make(map[string]*rate.Limiter),
		maxTracked: 100000,
	}
}

// loginRefusal says why an attempt was not admitted.
type loginRefusal struct {
	busy  bool          // server_busy (in flight) rather than login_throttled (success rate)
	retry time.Duration // for server_busy: the hashing queue's appointment, if it made one
	wait  time.Duration // for login_throttled
	text  string
}

// admit lets an attempt for user from host go ahead, or says why not. The
// caller must call the returned done exactly once when admitted. A
// password login (hashing) counts against the address's attempts in
// flight, which keep one address from filling the hashing queue; a session
// token login costs no hash and counts only against its account's.
func (g *loginGate) admit(user, host string, hashing bool) (done func(), refusal *loginRefusal) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inAccount[user] >= g.lim.LoginsInFlightPerAccount {
		return nil, &loginRefusal{busy: true, text: "another login for this account is being checked"}
	}
	if hashing && g.inAddress[host] >= g.lim.LoginsInFlightPerAddress {
		return nil, &loginRefusal{busy: true, text: "too many logins from your address are being checked"}
	}
	now := g.now()
	for _, l := range []*rate.Limiter{g.okAccount[user], g.okAddress[host]} {
		if l != nil && l.TokensAt(now) < 1 {
			wait := time.Duration((1 - l.TokensAt(now)) / float64(l.Limit()) * float64(time.Second))
			return nil, &loginRefusal{wait: wait, text: "too many logins for this account or from your address"}
		}
	}
	g.inAccount[user]++
	if hashing {
		g.inAddress[host]++
	}
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		decr(g.inAccount, user)
		if hashing {
			decr(g.inAddress, host)
		}
	}, nil
}

func decr(m map[string]int, k string) {
	if m[k] <= 1 {
		delete(m, k)
	} else {
		m[k]--
	}
}

// succeeded spends one successful login of user and of host.
func (g *loginGate) succeeded(user, host string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.spend(g.okAccount, user, g.lim.LoginsPerAccountPerSecond, g.lim.LoginAccountBurst, now)
	g.spend(g.okAddress, host, g.lim.LoginsPerAddressPerSecond, g.lim.LoginAddressBurst, now)
}

func (g *loginGate) spend(m map[string]*rate.Limiter, key string, r float64, burst int, now time.Time) {
	l := m[key]
	if l == nil {
		if len(m) >= g.maxTracked {
			g.pruneFull(m, now)
		}
		l = rate.NewLimiter(rate.Limit(r), burst)
		m[key] = l
	}
	l.AllowN(now, 1)
}

// pruneFull forgets limiters that have refilled: they say nothing.
func (g *loginGate) pruneFull(m map[string]*rate.Limiter, now time.Time) {
	for k, l := range m {
		if l.TokensAt(now) >= float64(l.Burst()) {
			delete(m, k)
		}
	}
}

func (g *loginGate) sweep() {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.pruneFull(g.okAccount, now)
	g.pruneFull(g.okAddress, now)
}

// hashQueue hands out the password-hashing slots fairly across client
// addresses: waiters queue per address and a freed slot goes to the next
// address in turn, so one address with a hundred logins waiting delays
// another address's one login by at most one hash per busy address.
//
// It also predicts: from the recent time per hash and the waiters ahead, a
// login that could not get a slot within its wait is told so at once
// (server_busy) instead of queueing until it times out, and is given an
// appointment: the refused logins are handed successive returns, one slot's
// worth of hashing apart, starting when the queue has drained. In a
// reconnect storm the returns then arrive about as fast as the server can
// hash them: the queue neither sits idle nor overflows again.
type hashQueue struct {
	mu         sync.Mutex
	slots      int
	free       int
	waiting    map[string][]*hashWaiter
	order      []string // addresses with waiters, in turn order
	total      int
	maxWaiting int
	perHash    time.Duration    // moving average of the time a slot is held
	booked     time.Time        // the latest return handed out
	now        func() time.Time // time.Now; tests set it
	gauge      prometheus.Gauge // total
}

// hashBusyError is errHashBusy with the appointment it gives: come back
// after retry.
type hashBusyError struct{ retry time.Duration }

func (e *hashBusyError) Error() string {
	return fmt.Sprintf("%v (come back in %s)", errHashBusy, e.retry.Round(time.Millisecond))
}
func (e *hashBusyError) Is(target error) bool { return target == errHashBusy }

type hashWaiter struct {
	ready   chan struct{}
	granted bool
}

// busyAppointment is the return a busy error gives, or 0.
func busyAppointment(err error) time.Duration {
	if e, ok := errors.AsType[*hashBusyError](err); ok {
		return e.retry
	}
	return 0
}

func newHashQueue(slots, maxWaiting int, gauge prometheus.Gauge) *hashQueue {
	return &hashQueue{slots: max(slots, 1), free: slots, waiting: make(map[string][]*hashWaiter), maxWaiting: maxWaiting, now: time.Now, gauge: gauge}
}

// drainLocked predicts how long until a new waiter gets a slot.
func (q *hashQueue) drainLocked() time.Duration {
	return time.Duration(q.total+1) * q.perHash / time.Duration(q.slots)
}

// bookLocked hands out the next return: after the queue has drained, one
// slot's worth of hashing after the return handed out before.
func (q *hashQueue) bookLocked(drain time.Duration) time.Duration {
	now := q.now()
	at := now.Add(drain)
	// A quarter early: the average lags a machine that speeds up again,
	// and an early return just waits in the queue, which has room for it.
	step := q.perHash * 3 / 4 / time.Duration(q.slots)
	if next := q.booked.Add(step); next.After(at) {
		at = next
	}
	q.booked = at
	return at.Sub(now)
}

// held records how long a slot was held, into the moving average.
func (q *hashQueue) held(d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.perHash == 0 {
		q.perHash = d
		return
	}
	q.perHash += (d - q.perHash) / 8
}

// releaser frees a slot granted at start, recording how long it was held.
func (q *hashQueue) releaser(start time.Time) func() {
	return func() {
		q.held(time.Since(start))
		q.release()
	}
}

// acquire waits at most wait for a slot; errHashBusy after that or when
// the queue is full. The returned release frees the slot.
func (q *hashQueue) acquire(ctx context.Context, host string, wait time.Duration) (release func(), err error) {
	q.mu.Lock()
	if q.free > 0 && q.total == 0 {
		q.free--
		q.mu.Unlock()
		return q.releaser(time.Now()), nil
	}
	if drain := q.drainLocked(); q.total >= q.maxWaiting || drain > wait {
		retry := q.bookLocked(drain)
		q.mu.Unlock()
		return nil, &hashBusyError{retry: retry}
	}
	w := &hashWaiter{ready: make(chan struct{})}
	if len(q.waiting[host]) == 0 {
		q.order = append(q.order, host)
	}
	q.waiting[host] = append(q.waiting[host], w)
	q.total++
	q.gauge.Set(float64(q.total))
	q.mu.Unlock()

	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-w.ready:
		return q.releaser(time.Now()), nil
	case <-t.C:
		err = errHashBusy
	case <-ctx.Done():
		// Still the queue, not the store, that made the attempt late.
		err = fmt.Errorf("wait for a hashing slot: %w (%w)", errHashBusy, ctx.Err())
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if w.granted { // granted while timing out: take it after all
		return q.releaser(time.Now()), nil
	}
	q.removeLocked(host, w)
	return nil, err
}

func (q *hashQueue) removeLocked(host string, w *hashWaiter) {
	ws := q.waiting[host]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i], ws[i+1:]...)
			q.total--
			q.gauge.Set(float64(q.total))
			break
		}
	}
	if len(ws) > 0 {
		q.waiting[host] = ws
		return
	}
	delete(q.waiting, host)
	for i, h := range q.order {
		if h == host {
			q.order = append(q.order[:i], q.order[i+1:]...)
			break
		}
	}
}

// release gives the slot to the first waiter of the next address in turn.
func (q *hashQueue) release() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.order) == 0 {
		q.free++
		return
	}
	host := q.order[0]
	q.order = q.order[1:]
	ws := q.waiting[host]
	w := ws[0]
	if ws = ws[1:]; len(ws) > 0 {
		q.waiting[host] = ws
		q.order = append(q.order, host) // to the back of the turn
	} else {
		delete(q.waiting, host)
	}
	q.total--
	q.gauge.Set(float64(q.total))
	w.granted = true
	close(w.ready)
}

// busyRetry is the retry hint of a server_busy answer without an
// appointment: about a queue wait, jittered so that refused clients do not
// come back in step.
func busyRetry(wait time.Duration) time.Duration {
	return wait/2 + rand.N(wait)
}
