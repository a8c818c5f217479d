package server

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tandemnet/tandem/protocol"
)

// Room-password guessing (PROTOCOL.md "Abuse limits"). Wrong room
// passwords back off per connection (after RoomPasswordFailures, doubling
// from one second up to a minute) and per room (a bucket of wrong guesses,
// RoomGuessesPerSecond); a room whose bucket is empty refuses attempts
// from connections that have guessed wrong before, but still checks those
// of a connection with no failures, so guessing cannot lock the players
// who know the password out. `1:<password>` is bounded by the connection's
// back-off the same way.

// roomPassBackoff is one connection's wrong-password record; reader
// goroutine only.
type roomPassBackoff struct {
	failures int
	until    int64 // unix nanos of the coarse clock
}

// roomGuesses holds the per-room buckets of wrong guesses.
type roomGuesses struct {
	lim *Limits
	mu  sync.Mutex
	m   map[string]*rate.Limiter
}

func newRoomGuesses(lim *Limits) *roomGuesses {
	return &roomGuesses{lim: lim, m: make(map[string]*rate.Limiter)}
}

func (g *roomGuesses) exhausted(room string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.m[room]
	return l != nil && l.TokensAt(now) < 1
}

func (g *roomGuesses) wrong(room string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.m[room]
	if l == nil {
		if len(g.m) >= 100000 {
			g.pruneLocked(now)
		}
		l = rate.NewLimiter(rate.Limit(g.lim.RoomGuessesPerSecond), g.lim.RoomGuessBurst)
		g.m[room] = l
	}
	l.AllowN(now, 1)
}

func (g *roomGuesses) pruneLocked(now time.Time) {
	for k, l := range g.m {
		if l.TokensAt(now) >= float64(l.Burst()) {
			delete(g.m, k)
		}
	}
}

func (g *roomGuesses) sweep() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pruneLocked(time.Now())
}

// roomPasswordAllowed says whether the client may try a room password now
// (room is "" for 1:<password>, which tries every private room); it
// answers the refusal itself.
func (cl *client) roomPasswordAllowed(num int, room string) bool {
	now := cl.srv.clock.Load()
	b := &cl.roomPass
	wait := time.Duration(b.until - now)
	if wait <= 0 && b.failures > 0 && room != "" && cl.srv.roomGuesses.exhausted(room, time.Unix(0, now)) {
		wait = time.Second
	}
	if wait <= 0 {
		return true
	}
	cl.srv.metrics.RateLimited.Inc()
	cl.sendError(num, protocol.CodeRateLimited, fmt.Sprintf("too many wrong room passwords; try again in %s", max(wait, time.Second).Round(time.Second)))
	return false
}

// roomPasswordWrong records a wrong room password (room "" for a
// 1:<password> that opened nothing).
func (cl *client) roomPasswordWrong(room string) {
	now := cl.srv.clock.Load()
	b := &cl.roomPass
	b.failures++
	if over := b.failures - cl.srv.cfg.Limits.RoomPasswordFailures; over >= 0 {
		d := min(time.Second<<min(over, 6), time.Minute)
		b.until = now + int64(d)
	}
	if room != "" {
		cl.srv.roomGuesses.wrong(room, time.Unix(0, now))
	}
}

// isWrongPassword reports whether err is a wrong_password refusal.
func isWrongPassword(err error) bool {
	var re *roomError
	return errors.As(err, &re) && re.code == protocol.CodeWrongPassword
}

// roomIsPrivate reports whether a live room of this name has a password.
func (h *hub) roomIsPrivate(name string) bool {
	r := h.get(name)
	return r != nil && r.passHash != ""
}
