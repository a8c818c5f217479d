package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/protocol/client"
	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
)

// Reconnect and rejoin (issue 12). Drops are real: the client talks to the
// server through a TCP proxy that the test cuts.

// loginBehindProxy logs user in through a proxy of its own, so the test
// can cut exactly this client's connection.
func loginBehindProxy(t *testing.T, srv *servertest.Server, user string) (*servertest.Client, *servertest.Proxy) {
	t.Helper()
	p := servertest.NewProxy(t, srv.Addr)
	c := srv.LoginAt(t, p.Addr, user)
	require.NotEmpty(t, c.ResumeToken, "the login answer carries a resume token")
	return c, p
}

// resume presents user's token on a fresh connection and returns the
// client with the lines of its join sequence (up to "17").
func resume(t *testing.T, srv *servertest.Server, user, token string) (*servertest.Client, []string) {
	t.Helper()
	c := srv.Dial(t)
	c.Send("19:" + user + ":" + token)
	c.ReadSession()
	var lines []string
	for {
		line := c.Next()
		lines = append(lines, line)
		if strings.HasPrefix(line, "17:") {
			return c, lines
		}
	}
}

func refused(t *testing.T, srv *servertest.Server, user, token string) {
	t.Helper()
	c := srv.Dial(t)
	c.Send("19:" + user + ":" + token)
	c.ExpectPrefix("9:19:bad_token:")
}

func TestResumeKeepsIDRoomObjectsOwnershipAndGenerations(t *testing.T) {
	srv := servertest.Start(t)
	a, proxy := loginBehindProxy(t, srv, "a")
	b := srv.Login(t, "b")
	a.Join("r")
	b.Join("r")
	a.Send("10:av:Avatar:t:p:1:AQ==") // a's player object, field 0 = 1
	a.Send("10:door:Door:r:r:0:")     // a room object in request mode
	b.Send("10:crate:Crate:t:r:0:")
	a1, a2, b1 := id(a)+".1", id(a)+".2", id(b)+".1"
	servertest.SyncAfter("x", b, a)
	a.Send("12:" + b1 + ":take") // a owns b's crate at generation 2
	servertest.SyncAfter("y", a, b)

	proxy.Cut()
	b.Expect("20:" + id(a) + ":inactive")
	b.Send("5")
	b.Expect("5:r:" + id(a) + "=a=inactive," + id(b) + "=b")

	// Meanwhile the room goes on: b changes what it owns, and a late joiner
	// learns that a is inactive in its join lines.
	b.Send("11:" + b1 + ":1:0:1:Ag==") // stale: b no longer owns the crate
	b.ExpectPrefix("9:11:not_owner:")
	b.Send("10:lamp:Lamp:t:r:1:Ag==")
	b2 := id(b) + ".2"
	late := srv.Login(t, "late")
	lines := late.Join("r")
	require.GreaterOrEqual(t, len(lines), 5)
	assert.Equal(t, []string{"2:" + id(late) + ":r", "2:" + id(a) + ":r", "20:" + id(a) + ":inactive", "2:" + id(b) + ":r", "4:" + id(a)}, lines[:5])
	// The joiner's lines are queued before the others' copy of its join.
	b.Skip(func(l string) bool { return l == "2:"+id(late)+":r" })

	back, lines := resume(t, srv, "a", a.ResumeToken)
	assert.Equal(t, a.ID, back.ID, "the same client id")
	assert.NotEqual(t, a.ResumeToken, back.ResumeToken, "a resume issues a new token")
	require.Len(t, lines, 9)
	assert.Equal(t, []string{"2:" + id(a) + ":r", "2:" + id(b) + ":r", "2:" + id(late) + ":r", "4:" + id(a)}, lines[:4],
		"own line, the others in join order, master: the inactive member kept its place and the master slot")
	assert.ElementsMatch(t, []string{
		"10:" + a1 + ":" + id(a) + ":1:t:p:Avatar:av:1:AQ==",
		"10:" + a2 + ":" + id(a) + ":1:r:r:Door:door:0:",
		"10:" + b1 + ":" + id(a) + ":2:t:r:Crate:crate:0:",
		"10:" + b2 + ":" + id(b) + ":1:t:r:Lamp:lamp:1:Ag==",
	}, lines[4:8], "objects, owners and generations as they are now")
	assert.Equal(t, "17:r:4", lines[8])
	b.Expect("20:" + id(a) + ":active")
	late.Skip(func(l string) bool { return l == "20:"+id(a)+":active" })

	// Ownership survived: the resumed client updates what it owns at the
	// generations it had.
	back.Send("11:" + a1 + ":1:0:1:Aw==")
	back.Send("11:" + b1 + ":2:1:1:ww==")
	b.Expect("11:" + a1 + ":1:1:Aw==")
	b.Expect("11:" + b1 + ":2:1:ww==")
	b.Send("5")
	b.Expect("5:r:" + id(a) + "=a," + id(b) + "=b," + id(late) + "=late")
	assert.Equal(t, 1.0, metricValue(t, srv, "tandem_rejoin_drops_total"))
	assert.Equal(t, 1.0, metricValue(t, srv, "tandem_rejoin_resumes_total"))
	assert.Equal(t, 0.0, metricValue(t, srv, "tandem_rejoin_inactive"))
}

// TestResumedViewEqualsFreshSnapshot drops a Go client while another keeps
// updating objects (and takes one of the dropped client's) and checks that
// the resumed client's view is exactly what a fresh late joiner sees.
func TestResumedViewEqualsFreshSnapshot(t *testing.T) {
	srv := servertest.Start(t)
	proxy := servertest.NewProxy(t, srv.Addr)
	ctx, cancel := context.WithTimeout(context.Background(), servertest.Timeout)
	defer cancel()
	dial := func(addr, user string) *client.Client {
		c, err := client.Dial(ctx, addr)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		_, err = c.Login(ctx, user, "pw-"+user)
		require.NoError(t, err)
		return c
	}
	a, b := dial(proxy.Addr, "a"), dial(srv.Addr, "b")
	_, err := a.Join(ctx, "v", "")
	require.NoError(t, err)
	_, err = b.Join(ctx, "v", "")
	require.NoError(t, err)
	var objs []netobj.ID
	for i, c := range []*client.Client{a, b, a, b} {
		life := netobj.LifetimeRoom
		if i == 0 {
			life = netobj.LifetimePlayer
		}
		o, err := c.Instantiate(ctx, "", "Thing", netobj.ModeTakeover, life, intDelta(t, 0))
		require.NoError(t, err)
		objs = append(objs, o.ID)
	}
	_, err = a.Ping(ctx)
	require.NoError(t, err)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // b keeps writing, ordered and not, and takes one of a's objects
		defer wg.Done()
		for n := 1; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if n == 20 {
				_ = b.Take(objs[2], 0)
				time.Sleep(20 * time.Millisecond) // let the take land before using its generation
			}
			for _, id := range []netobj.ID{objs[1], objs[3]} {
				_ = b.Update(id, 0, intDelta(t, n), n%3 == 0)
			}
			if n >= 20 {
				_ = b.Update(objs[2], 0, intDelta(t, n), false)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	time.Sleep(50 * time.Millisecond)
	token := a.ResumeToken()
	proxy.Cut()
	<-a.Done()
	time.Sleep(100 * time.Millisecond)

	back, err := client.Dial(ctx, srv.Addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = back.Close() })
	view, err := back.Resume(ctx, "a", token)
	require.NoError(t, err)
	assert.Equal(t, a.ID(), back.ID())
	assert.Equal(t, "v", view.Room)
	assert.NotEqual(t, token, back.ResumeToken())
	again, err := client.Dial(ctx, srv.Addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = again.Close() })
	_, err = again.Resume(ctx, "a", token)
	assert.True(t, client.IsCode(err, protocol.CodeBadToken), "a used token: %v", err)
	time.Sleep(100 * time.Millisecond) // updates keep coming after the resume
	close(stop)
	wg.Wait()

	late := dial(srv.Addr, "late")
	_, err = late.Join(ctx, "v", "")
	require.NoError(t, err)
	// b's pong follows the fan-out of all its updates; the others' pongs
	// follow those copies in their queues.
	for _, c := range []*client.Client{b, back, late} {
		_, err := c.Ping(ctx)
		require.NoError(t, err)
	}
	// The joiner's "17" can come before the others' copy of its join line.
	require.Eventually(t, func() bool { return len(back.View().Members) == 3 }, servertest.Timeout, 10*time.Millisecond)
	want := late.View()
	got := back.View()
	assert.Equal(t, want.Objects, got.Objects, "the resumed view equals a fresh snapshot")
	assert.Equal(t, want.Master, got.Master)
	// A resumed member keeps its place in the join order, which its join
	// lines cannot say (its own line comes first): compare as sets.
	assert.ElementsMatch(t, want.Members, got.Members)
	assert.Empty(t, got.Inactive)
	assert.Equal(t, want.Objects, b.View().Objects)
	o, ok := back.Object(objs[2])
	require.True(t, ok)
	assert.Equal(t, b.ID(), o.Owner, "b's take during the drop is in the resumed view")
	assert.Equal(t, uint32(2), o.Gen)
}

func intDelta(t *testing.T, n int) netobj.Delta {
	t.Helper()
	v := []byte{0xcd, byte(n >> 8), byte(n)} // MessagePack uint16
	d, err := client.NewDelta(map[int][]byte{0: v})
	require.NoError(t, err)
	return d
}

// TestActivityLinesAreInTheOrderedStream: while b sends ordered messages,
// a drops and resumes. Every member sees the same total order of ordered
// lines, the inactive and active lines included; the resumed client gets
// exactly what followed its active line, and nothing sent while it was
// away is replayed.
func TestActivityLinesAreInTheOrderedStream(t *testing.T) {
	srv := servertest.Start(t)
	a, proxy := loginBehindProxy(t, srv, "a")
	b, c := srv.Login(t, "b"), srv.Login(t, "c")
	for _, x := range []*servertest.Client{a, b, c} {
		x.Join("o")
	}
	servertest.SyncAfter("x", c, a, b)

	const total = 300
	sent := make(chan struct{})
	halfway := make(chan struct{})
	go func() { // raw writes: the test client's helpers are for the test goroutine
		defer close(sent)
		for n := 0; n < total; n++ {
			if n == total/3 {
				close(halfway)
			}
			if _, err := fmt.Fprintf(b.Conn, "3:3:m%d\n", n); err != nil {
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	<-halfway
	proxy.Cut()
	time.Sleep(50 * time.Millisecond)
	back, _ := resume(t, srv, "a", a.ResumeToken)
	<-sent
	got := servertest.SyncAfter("done", b, c, back)

	ordered := func(lines []string) []string {
		var out []string
		for _, l := range lines {
			if strings.HasPrefix(l, "3:") || strings.HasPrefix(l, "20:") || strings.HasPrefix(l, "2:") {
				out = append(out, l)
			}
		}
		return out
	}
	bs, cs := ordered(got[b]), ordered(got[c])
	assert.Equal(t, bs, cs, "one total order for every member")
	inactive, active := indexOf(bs, "20:"+id(a)+":inactive"), indexOf(bs, "20:"+id(a)+":active")
	require.GreaterOrEqual(t, inactive, 0)
	require.Greater(t, active, inactive)
	assert.Equal(t, bs[active+1:], ordered(got[back]), "the resumed client gets exactly what followed its active line")
	assert.Len(t, bs, total+2)
}

func indexOf(lines []string, want string) int {
	for i, l := range lines {
		if l == want {
			return i
		}
	}
	return -1
}

// TestGraceExpiryIsALeave: the same hand-over as TestLeaveHandsOverObjects,
// after the grace, in the ordered stream; the token dies with it.
func TestGraceExpiryIsALeave(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) { c.Limits.RejoinGrace = time.Second }))
	a, proxy := loginBehindProxy(t, srv, "a")
	b, c := srv.Login(t, "b"), srv.Login(t, "c")
	for _, x := range []*servertest.Client{a, b, c} {
		x.Join("w")
	}
	a.Send("10:p:Avatar:t:p:0:")
	a.Send("10:r:Door:t:r:0:")
	c.Send("10:cp:Avatar:t:p:0:")
	ap, ar, cp := id(a)+".1", id(a)+".2", id(c)+".1"
	c.Sync("x")
	a.Sync("x")
	a.Send("12:" + cp + ":take")
	servertest.SyncAfter("y", a, b, c)

	start := time.Now()
	proxy.Cut()
	for _, x := range []*servertest.Client{b, c} {
		x.Expect("20:" + id(a) + ":inactive")
	}
	for _, x := range []*servertest.Client{b, c} {
		x.Expect("2:" + id(a) + ":")
		x.Expect("4:" + id(b))
		got := []string{x.Next(), x.Next(), x.Next()}
		assert.ElementsMatch(t, []string{"15:" + ap, "12:" + ar + ":" + id(b) + ":2", "12:" + cp + ":" + id(c) + ":3"}, got)
	}
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "not before the grace")
	refused(t, srv, "a", a.ResumeToken)
	assert.Equal(t, 1.0, metricValue(t, srv, "tandem_rejoin_expiries_total"))
}

func TestResumeRefusals(t *testing.T) {
	srv := servertest.Start(t)
	a, proxy := loginBehindProxy(t, srv, "a")
	b := srv.Login(t, "b")
	a.Join("q")
	b.Join("q")
	proxy.Cut()
	b.Expect("20:" + id(a) + ":inactive")

	t.Run("another account", func(t *testing.T) {
		refused(t, srv, "b", a.ResumeToken) // b is live: its own token differs
		refused(t, srv, "c", a.ResumeToken) // c has no session at all
	})
	t.Run("unknown token", func(t *testing.T) {
		refused(t, srv, "a", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		refused(t, srv, "a", strings.ToUpper(a.ResumeToken[:1])+a.ResumeToken[1:]+"x")
	})
	t.Run("on a logged-in connection", func(t *testing.T) {
		b.Send("19:a:" + a.ResumeToken)
		b.ExpectPrefix("9:19:already_logged_in:")
	})

	// A wrong guess does not burn the token; the right one resumes once.
	p2 := servertest.NewProxy(t, srv.Addr)
	back := srv.DialAt(t, p2.Addr)
	back.Send("19:a:" + a.ResumeToken)
	back.ReadSession()
	assert.Equal(t, a.ID, back.ID)
	back.Skip(func(l string) bool { return strings.HasPrefix(l, "17:") })
	b.Expect("20:" + id(a) + ":active")

	t.Run("reused", func(t *testing.T) {
		refused(t, srv, "a", a.ResumeToken) // the session is live again with a new token
		p2.Cut()
		b.Expect("20:" + id(a) + ":inactive")
		refused(t, srv, "a", a.ResumeToken) // and inactive again: still the old one is dead
		again, _ := resume(t, srv, "a", back.ResumeToken)
		assert.Equal(t, a.ID, again.ID)
		b.Expect("20:" + id(a) + ":active")
	})
	assert.GreaterOrEqual(t, metricValue(t, srv, "tandem_rejoin_refused_total"), 6.0)
}

func TestResumeOffOnTheServer(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) { c.Limits.RejoinGrace = -1 }))
	c := srv.Dial(t)
	c.Send("0:a:pw-a")
	line := c.Next()
	assert.Regexp(t, `^0:\d+:[A-Za-z0-9._-]+:$`, line, "a session token, no resume token when rejoin is off")
	refused(t, srv, "a", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")

	bothOff := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.RejoinGrace, c.Limits.SessionTTL = -1, -1
	}))
	c = bothOff.Dial(t)
	c.Send("0:a:pw-a")
	assert.Regexp(t, `^0:\d+$`, c.Next(), "no token fields when both kinds are off")
}

func TestSecondLoginEndsTheInactiveSession(t *testing.T) {
	srv := servertest.Start(t)
	a, proxy := loginBehindProxy(t, srv, "a")
	b := srv.Login(t, "b")
	a.Join("s")
	b.Join("s")
	a.Send("10:p:Avatar:t:p:0:")
	servertest.SyncAfter("x", a, b)
	proxy.Cut()
	b.Expect("20:" + id(a) + ":inactive")

	again := srv.Login(t, "a") // with the password
	assert.NotEqual(t, a.ID, again.ID, "a login is a new session with a new id")
	b.Expect("2:" + id(a) + ":")
	b.Expect("4:" + id(b))
	b.Expect("15:" + id(a) + ".1")
	refused(t, srv, "a", a.ResumeToken)
	assert.Equal(t, 1.0, metricValue(t, srv, "tandem_rejoin_replaced_total"))
}

// TestFiveSecondDropComesBackAsTheSamePlayer is the "done when".
func TestFiveSecondDropComesBackAsTheSamePlayer(t *testing.T) {
	if testing.Short() {
		t.Skip("waits five seconds")
	}
	srv := servertest.Start(t) // the default grace, 20 s
	a, proxy := loginBehindProxy(t, srv, "a")
	b := srv.Login(t, "b")
	b.Join("five")
	a.Join("five")
	a.Send("10:me:Avatar:t:p:1:AQ==")
	a.Send("10:mine:Chest:f:r:1:Ag==")
	servertest.SyncAfter("x", a, b)
	proxy.Cut()
	b.Expect("20:" + id(a) + ":inactive")
	time.Sleep(5 * time.Second)
	b.ExpectSilence(10 * time.Millisecond)

	back, lines := resume(t, srv, "a", a.ResumeToken)
	assert.Equal(t, a.ID, back.ID)
	assert.Equal(t, []string{
		"2:" + id(a) + ":five", "2:" + id(b) + ":five", "4:" + id(b),
		"10:" + id(a) + ".1:" + id(a) + ":1:t:p:Avatar:me:1:AQ==",
		"10:" + id(a) + ".2:" + id(a) + ":1:f:r:Chest:mine:1:Ag==",
		"17:five:2",
	}, lines)
	b.Expect("20:" + id(a) + ":active")
}

// TestResumeTakesOverAConnectionTheServerStillHolds: after a network
// switch the client knows its connection is dead before the server does.
// Its token closes the old connection and the session moves over.
func TestResumeTakesOverAConnectionTheServerStillHolds(t *testing.T) {
	srv := servertest.Start(t)
	a, b := srv.Login(t, "a"), srv.Login(t, "b")
	a.Join("t")
	b.Join("t")
	a.Send("10:p:Avatar:t:p:0:")
	servertest.SyncAfter("x", a, b)

	back, lines := resume(t, srv, "a", a.ResumeToken)
	assert.Equal(t, a.ID, back.ID)
	assert.Equal(t, "17:t:1", lines[len(lines)-1])
	closed := a.ExpectClosed()
	require.NotEmpty(t, closed)
	assert.True(t, strings.HasPrefix(closed[len(closed)-1], "8:session_replaced:"), "%q", closed)
	b.Expect("20:" + id(a) + ":inactive")
	b.Expect("20:" + id(a) + ":active")
	back.Send("3:2:hello again")
	b.Expect("3:" + id(a) + ":hello again")
}

func TestRoomRejoinGrace(t *testing.T) {
	srv := servertest.Start(t)
	t.Run("grace 0: a drop is a leave", func(t *testing.T) {
		a, proxy := loginBehindProxy(t, srv, "a0")
		b := srv.Login(t, "b0")
		a.Send("2:nograce::0")
		a.Skip(func(l string) bool { return strings.HasPrefix(l, "17:") })
		b.Join("nograce")
		a.Sync("x")
		proxy.Cut()
		b.Expect("2:" + id(a) + ":")
	})
	t.Run("own grace", func(t *testing.T) {
		a, proxy := loginBehindProxy(t, srv, "a1")
		b := srv.Login(t, "b1")
		a.Send("2:quick::1")
		a.Skip(func(l string) bool { return strings.HasPrefix(l, "17:") })
		b.Send("2:quick::0") // the room exists: its grace stays
		b.Skip(func(l string) bool { return strings.HasPrefix(l, "17:") })
		a.Sync("x")
		start := time.Now()
		proxy.Cut()
		b.Expect("20:" + id(a) + ":inactive")
		b.Expect("2:" + id(a) + ":")
		assert.InDelta(t, 1.0, time.Since(start).Seconds(), 0.9)
	})
	t.Run("over the server's bound", func(t *testing.T) {
		c := srv.Login(t, "c2")
		c.Send("2:long::301")
		c.ExpectPrefix("9:2:bad_command:rejoin grace must be 0 to 300 whole seconds")
		c.Send("2:long::x")
		c.ExpectPrefix("9:2:bad_command:")
	})
}

func TestInactiveMembersCountAndAreBounded(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.MaxRoomMembers = 2
		c.Limits.MaxInactive = 1
	}))
	a, pa := loginBehindProxy(t, srv, "a")
	b := srv.Login(t, "b")
	a.Join("full")
	b.Join("full")
	a.Sync("x")
	pa.Cut()
	b.Expect("20:" + id(a) + ":inactive")
	c := srv.Login(t, "c")
	c.Send("2:full")
	c.ExpectPrefix("9:2:room_full:") // the inactive member holds its place

	d, pd := loginBehindProxy(t, srv, "d")
	d.Join("other")
	c.Join("other")
	d.Sync("x")
	pd.Cut()
	c.Expect("2:" + id(d) + ":") // the node's one inactive place is taken: a leave
	assert.Equal(t, 1.0, metricValue(t, srv, "tandem_rejoin_over_limit_total"))
}

func TestShutdownEndsInactiveMembers(t *testing.T) {
	srv := servertest.Start(t)
	a, proxy := loginBehindProxy(t, srv, "a")
	b := srv.Login(t, "b")
	a.Join("end")
	b.Join("end")
	a.Sync("x")
	proxy.Cut()
	b.Expect("20:" + id(a) + ":inactive")
	require.NoError(t, srv.Stop())
	assert.Equal(t, 0.0, metricValue(t, srv, "tandem_rejoin_inactive"))
	rooms, err := srv.Store.ListRooms(context.Background())
	require.NoError(t, err)
	assert.Empty(t, rooms)
}

// TestSlowConsumerCutIsADrop: a client cut for not reading is a drop, so it
// can resume and get the current state instead of the backlog it lost.
func TestSlowConsumerCutIsADrop(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.OutboundSoftBytes = 2 << 10
		c.Limits.OutboundHardBytes = 32 << 10
		c.Limits.SendBufferBytes = 4 << 10
		c.Limits.MessagesPerSecond = 1e6
		c.Limits.MessageBurst = 1e6
	}))
	a, slow := srv.Login(t, "a"), srv.Login(t, "slow")
	a.Join("w")
	slow.Join("w")
	a.Send("10:o:Thing:t:r:1:AQ==")
	slow.ExpectPrefix("10:" + id(a) + ".1:")
	a.Sync("x")

	slow.Pause()
	pad := strings.Repeat("p", 1000)
	for k := 0; k < 400; k++ {
		a.Send("3:0:" + pad)
	}
	a.Expect("20:" + id(slow) + ":inactive")
	a.Sync("burst-done") // the resume below is not itself met by the burst
	slow.Resume()
	lines := slow.ExpectClosed()
	assert.True(t, strings.HasPrefix(lines[len(lines)-1], "8:slow_consumer:"), "told why")

	back, join := resume(t, srv, "slow", slow.ResumeToken)
	assert.Equal(t, slow.ID, back.ID)
	assert.Contains(t, join, "10:"+id(a)+".1:"+id(a)+":1:t:r:Thing:o:1:AQ==")
	a.Expect("20:" + id(slow) + ":active")
}
