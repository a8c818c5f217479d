package server_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/accounts"
	"github.com/tandemnet/tandem/server/servertest"
)

// dialFrom connects from another loopback address (127.0.0.x), which the
// server sees as another client address.
func dialFrom(t *testing.T, srv *servertest.Server, ip string) *servertest.Client {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	nc, err := d.Dial("tcp", srv.Addr)
	require.NoError(t, err)
	return srv.Wrap(t, nc)
}

func productionServer(t *testing.T, users map[string]string, edit func(*server.Config)) *servertest.Server {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Dev = false
		if edit != nil {
			edit(c)
		}
	}))
	for user, pw := range users {
		hash, err := accounts.Hash(pw)
		require.NoError(t, err)
		require.NoError(t, srv.Store.CreateUser(context.Background(), user, hash))
	}
	return srv
}

// 20 connections guessing one account at once: the throttle used to count
// failures only after hashing, so every guess was tried and the right one
// (the last) logged in. Now one attempt per account is checked at a time;
// the others are refused before hashing (whichever is admitted first).
func TestParallelGuessesAreRefusedBeforeHashing(t *testing.T) {
	srv := productionServer(t, map[string]string{"eve": "right"}, nil)
	const n = 20
	conns := make([]*servertest.Client, n)
	for i := range conns {
		conns[i] = srv.Dial(t)
	}
	for i, c := range conns {
		guess := "wrong" + strconv.Itoa(i)
		if i == n-1 {
			guess = "right"
		}
		_, err := c.Conn.Write([]byte("0:eve:" + guess + "\n"))
		require.NoError(t, err)
	}
	answers := map[string]int{}
	for _, c := range conns {
		line := c.Next()
		code := "logged in"
		if strings.HasPrefix(line, "9:0:") {
			code = strings.SplitN(line, ":", 4)[2]
		}
		answers[code]++
		if code == "server_busy" {
			ms, _, ok := strings.Cut(strings.SplitN(line, ":", 4)[3], " ")
			require.True(t, ok)
			_, err := strconv.Atoi(ms)
			assert.NoError(t, err, "server_busy text starts with a retry delay in ms: %q", line)
		}
	}
	assert.LessOrEqual(t, answers["bad_credentials"]+answers["logged in"], 5, "few guesses were checked at all: %v", answers)
	assert.Positive(t, answers["server_busy"], "%v", answers)
	assert.Zero(t, answers["store_unavailable"], "%v", answers)
}

// 30 connections re-sending one valid login kept the only hashing slot
// busy: another user's login took seconds or failed with a false
// store_unavailable. Successful logins are bounded per account and the
// other user's login goes ahead.
func TestValidLoginFloodDoesNotStallOthers(t *testing.T) {
	srv := productionServer(t, map[string]string{"alice": "pw-alice", "bob": "pw-bob"}, func(c *server.Config) {
		c.Limits.LoginConcurrency = 1
	})
	conns := make([]*servertest.Client, 30)
	for i := range conns {
		conns[i] = dialFrom(t, srv, "127.0.0.2")
	}
	for _, c := range conns {
		_, err := c.Conn.Write([]byte("0:alice:pw-alice\n"))
		require.NoError(t, err)
	}
	bob := srv.Dial(t)
	bob.Send("0:bob:pw-bob")
	bob.ExpectPrefix("0:")
	answers := map[string]int{}
	for _, c := range conns {
		line := c.Next()
		if strings.HasPrefix(line, "9:0:") {
			answers[strings.SplitN(line, ":", 4)[2]]++
		} else if strings.HasPrefix(line, "0:") {
			answers["ok"]++
		}
	}
	assert.LessOrEqual(t, answers["ok"], 5, "successful logins per account are bounded: %v", answers)
	assert.Zero(t, answers["store_unavailable"], "a busy server is not a dead database: %v", answers)
}

// 20 wrong passwords from one address used to lock the account for
// everyone, and lock other users behind that address too. Now the
// back-off is per (account, address): the owner elsewhere logs in at once,
// and so does another user behind the attacker's address.
func TestGuessingDoesNotLockOutTheOwner(t *testing.T) {
	srv := productionServer(t, map[string]string{"victim": "right", "neighbour": "pw-n"}, nil)
	attacker := dialFrom(t, srv, "127.0.0.2")
	for i := 0; i < 20; i++ {
		attacker.Send("0:victim:wrong")
		line := attacker.Next()
		require.True(t, strings.HasPrefix(line, "9:0:bad_credentials:") || strings.HasPrefix(line, "9:0:login_throttled:"), line)
	}
	attacker.Send("0:victim:right")
	attacker.ExpectPrefix("9:0:login_throttled:")

	owner := srv.Dial(t)
	owner.Send("0:victim:right")
	owner.ExpectPrefix("0:")
	neighbour := dialFrom(t, srv, "127.0.0.2")
	neighbour.Send("0:neighbour:pw-n")
	neighbour.ExpectPrefix("0:")
}

// A fair queue: one address with many logins waiting does not starve
// another address's login.
func TestHashQueueIsFairAcrossAddresses(t *testing.T) {
	users := map[string]string{"late": "pw-late"}
	for i := 0; i < 6; i++ {
		users["u"+strconv.Itoa(i)] = "pw"
	}
	srv := productionServer(t, users, func(c *server.Config) {
		c.Limits.LoginConcurrency = 1
		c.Limits.LoginsInFlightPerAddress = 100
		c.Limits.LoginQueueWait = time.Minute
		c.Limits.LoginsInFlightPerAddress = 100
	})
	var flood []*servertest.Client
	for i := 0; i < 6; i++ {
		c := dialFrom(t, srv, "127.0.0.2")
		_, err := c.Conn.Write([]byte("0:u" + strconv.Itoa(i) + ":pw\n"))
		require.NoError(t, err)
		flood = append(flood, c)
	}
	// One flood login is being hashed, the others wait in the queue.
	require.Eventually(t, func() bool { return metricValue(t, srv, "tandem_login_queue") == 5 }, servertest.Timeout, time.Millisecond)
	late := srv.Dial(t)
	late.Send("0:late:pw-late")
	late.ExpectPrefix("0:")
	// Logins done when the late one is answered: at most the flood login
	// being hashed when it queued, the next flood login in turn (one per
	// address), itself, and perhaps one more finishing meanwhile.
	done := metricValue(t, srv, "tandem_logins_total")
	assert.LessOrEqual(t, done, 4.0, "the late address waited its turn, not for the whole flood")
	for _, c := range flood {
		c.ExpectPrefix("0:")
	}
}

// Room passwords were guessed at thousands a second. Wrong ones now back
// off per connection and per room, and 1:<password> (a guess against every
// private room) is bounded by the same per-connection back-off.
func TestRoomPasswordGuessingBacksOff(t *testing.T) {
	srv := servertest.Start(t)
	owner := srv.Login(t, "owner")
	owner.Send("2:vault:secret")
	owner.Skip(func(l string) bool { return strings.HasPrefix(l, "17:") })

	t.Run("per connection", func(t *testing.T) {
		g := srv.Login(t, "guesser")
		answers := map[string]int{}
		for i := 0; i < 8; i++ {
			g.Send("2:vault:guess" + strconv.Itoa(i))
			answers[strings.SplitN(g.Next(), ":", 4)[2]]++
		}
		assert.Equal(t, map[string]int{"wrong_password": 5, "rate_limited": 3}, answers)
		for i := 0; i < 5; i++ {
			g.Send("1:guess" + strconv.Itoa(i))
		}
		for i := 0; i < 5; i++ {
			g.ExpectPrefix("9:1:rate_limited:")
		}
	})
	t.Run("list guesses", func(t *testing.T) {
		g := srv.Login(t, "lister")
		answers := map[string]int{}
		for i := 0; i < 8; i++ {
			g.Send("1:guess" + strconv.Itoa(i))
			line := g.Next()
			if strings.HasPrefix(line, "9:1:rate_limited:") {
				answers["refused"]++
			} else {
				answers["listed"]++
			}
		}
		assert.Equal(t, map[string]int{"listed": 5, "refused": 3}, answers)
	})
	t.Run("per room", func(t *testing.T) {
		srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
			c.Limits.RoomGuessesPerSecond = 0.001
			c.Limits.RoomGuessBurst = 4
		}))
		owner := srv.Login(t, "owner")
		owner.Send("2:vault:secret")
		owner.Skip(func(l string) bool { return strings.HasPrefix(l, "17:") })
		// Four connections with two guesses each stay under their own
		// back-off (5); the room's bucket of 4 runs out.
		var gs []*servertest.Client
		for i := 0; i < 4; i++ {
			gs = append(gs, srv.Login(t, "g"+strconv.Itoa(i)))
		}
		answers := map[string]int{}
		for round := 0; round < 2; round++ {
			for _, g := range gs {
				g.Send("2:vault:nope")
				answers[strings.SplitN(g.Next(), ":", 4)[2]]++
			}
		}
		assert.Equal(t, map[string]int{"wrong_password": 4, "rate_limited": 4}, answers)
		// Someone who knows the password and has not guessed wrong gets in.
		friend := srv.Login(t, "friend")
		friend.Send("2:vault:secret")
		friend.Skip(func(l string) bool { return strings.HasPrefix(l, "17:") })
	})
}
