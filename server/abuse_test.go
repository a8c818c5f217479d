package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
	"github.com/tandemnet/tandem/server/store"
	"github.com/tandemnet/tandem/server/store/sqlitestore"
)

// Attacks of one client against the others (issue 14). Each test runs the
// attack over TCP and checks that only the attacker pays for it.

func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// 3:4 listing the victim 256 times with a 60 KB message used to queue
// 15 MB for the victim, who was cut as a slow consumer.
func TestRepeatedRecipientIsDeliveredOnce(t *testing.T) {
	srv := servertest.Start(t)
	attacker, victim := srv.Login(t, "attacker"), srv.Login(t, "victim")
	victim.Join("r")
	attacker.Join("r")
	victim.Expect("2:" + id(attacker) + ":r")
	ids := strings.TrimSuffix(strings.Repeat(id(victim)+":", 256), ":")
	payload := strings.Repeat("x", 60000)
	for _, target := range []string{"4", "5"} {
		attacker.Send("3:" + target + ":" + ids + ":" + payload)
		got := servertest.SyncAfter("after-"+target, attacker, victim)
		assert.Empty(t, got[attacker], "no error for the sender")
		require.Len(t, got[victim], 1, "one copy, whatever the repeats")
		assert.Equal(t, "3:"+id(attacker)+":"+payload, got[victim][0])
	}
}

// Amplification is charged to the amplifier: a sender whose messages make
// the server queue more than its fan-out budget for others has its lines
// refused, and the others receive only what the budget allowed.
func TestFanoutIsChargedToTheSender(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.FanoutBytesPerSecond = 10 << 10
		c.Limits.FanoutByteBurst = 100 << 10
		c.Limits.RateStrikes = 1000
	}))
	sender := srv.Login(t, "sender")
	others := []*servertest.Client{srv.Login(t, "o1"), srv.Login(t, "o2"), srv.Login(t, "o3")}
	sender.Join("r")
	for _, o := range others {
		o.Join("r")
	}
	payload := strings.Repeat("y", 10000) // ×4 recipients (self included) = 40 KB a message
	for i := 0; i < 20; i++ {
		sender.Send("3:1:" + payload)
	}
	got := sender.Sync("done")
	limited := countPrefix(got, "9:3:rate_limited:")
	delivered := countPrefix(got, "3:"+id(sender)+":")
	assert.Positive(t, limited, "the sender is refused once over budget")
	assert.LessOrEqual(t, delivered, 4, "about burst / cost messages went out")
	assert.Equal(t, 20, limited+delivered)
	for _, o := range others {
		lines := o.Sync("done")
		assert.Equal(t, delivered, countPrefix(lines, "3:"+id(sender)+":"))
	}
}

// Over-long lines used to be discarded for free: no byte charge, no
// strike. Before login a few of them close the connection.
func TestOverLongLinesBeforeLoginClose(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.MaxLineBytes = 4 << 10
		c.Limits.PreLoginStrikes = 3
	}))
	c := srv.Dial(t)
	long := strings.Repeat("3:1:"+strings.Repeat("z", 5<<10)+"\n", 10)
	_, _ = c.Conn.Write([]byte(long))
	lines := c.ExpectClosed()
	assert.Equal(t, 2, countPrefix(lines, "9:3:line_too_long:"), "%q", lines)
	require.NotEmpty(t, lines)
	assert.True(t, strings.HasPrefix(lines[len(lines)-1], "8:rate_limited:"), "%q", lines)
}

// Before login, every command but 0, 7 and 19 is a strike: a client that
// keeps sending them (an attacker whose login is throttled, pumping
// lines) is cut after --prelogin-strikes instead of being answered forever.
func TestCommandsBeforeLoginAreStrikes(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.PreLoginStrikes = 3
	}))
	c := srv.Dial(t)
	_, _ = c.Conn.Write([]byte(strings.Repeat("3:1:hello\n", 20)))
	lines := c.ExpectClosed()
	assert.Equal(t, 2, countPrefix(lines, "9:3:not_logged_in:"), "%q", lines)
	require.NotEmpty(t, lines)
	assert.True(t, strings.HasPrefix(lines[len(lines)-1], "8:rate_limited:"), "%q", lines)

	ok := srv.Dial(t) // pings and a login are no strikes
	for range 5 {
		ok.Send("7")
		ok.Expect("7")
	}
	srv.LoginOn(t, ok, "fine")
}

// Logged in, each over-long line is a strike too, and its bytes are
// charged to the byte rate, so an endless line is cut once it is deep in
// debt instead of being read forever.
func TestOverLongLineIsChargedToTheByteRate(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.BytesPerSecond = 64 << 10
		c.Limits.ByteBurst = 256 << 10
		c.Limits.RateStrikes = 1000
	}))
	flooder, calm := srv.Login(t, "flooder"), srv.Login(t, "calm")
	flooder.Join("r")
	calm.Join("r")
	go func() {
		chunk := []byte(strings.Repeat("w", 64<<10))
		_, _ = flooder.Conn.Write([]byte("3:0:"))
		for i := 0; i < 4000; i++ { // 256 MB at most: never ends the line
			if _, err := flooder.Conn.Write(chunk); err != nil {
				return
			}
		}
	}()
	lines := flooder.ExpectClosed()
	require.NotEmpty(t, lines)
	assert.True(t, strings.HasPrefix(lines[len(lines)-1], "8:rate_limited:"), "%q", lines)
	calm.Expect("2:" + id(flooder) + ":")
	calm.Sync("still here")
}

// bigState is a one-field delta (mask, data) of n bytes of MessagePack bin.
func bigState(n int) string {
	b := append([]byte{0xc5, byte(n >> 8), byte(n)}, bytes.Repeat([]byte{'s'}, n)...)
	return "1:" + base64.StdEncoding.EncodeToString(b)
}

// One account filled a room with objects by giving them away (the
// per-client limit was checked at instantiate only) until the join
// snapshot was over --outbound-hard, which cut every new joiner.
func TestJoinSnapshotNeverCutsTheJoiner(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.OutboundHardBytes = 256 << 10
		c.Limits.MaxObjectsPerRoom = 50
		c.Limits.MaxObjectsPerClient = 4
		c.Limits.MaxRoomStateBytes = 64 << 10
	}))
	require.NoError(t, srv.Server.Config().Limits.Check())
	attacker, holder, other := srv.Login(t, "attacker"), srv.Login(t, "holder"), srv.Login(t, "other")
	attacker.Join("r")
	holder.Join("r")
	other.Join("r")
	state := bigState(8000)
	for i := 1; i <= 30; i++ {
		attacker.Send(fmt.Sprintf("10:t%d:Crate:t:r:%s", i, state))
		attacker.Send(fmt.Sprintf("12:%d.%d:give:%d", attacker.ID, i, holder.ID))
	}
	errs := attacker.Sync("filled")
	assert.Equal(t, 4, countPrefix(errs, "9:12:too_many_objects:"), "gives 5 to 8 are refused, holder owns 4: %q", errs)
	// 8 objects of 8000 bytes are in the room; its state is bounded.
	for i := 1; i <= 3; i++ {
		other.Send(fmt.Sprintf("10:o%d:Crate:t:r:%s", i, state))
	}
	assert.Equal(t, 3, countPrefix(other.Sync("more"), "9:10:state_too_large:"), "the room's state is at its limit")

	joiner := srv.Login(t, "joiner")
	lines := joiner.Join("r")
	assert.LessOrEqual(t, countPrefix(lines, "10:"), 8, "64 KiB of room state holds 8 objects of 8000 bytes")
	joiner.Sync("alive")
}

// Alternating 2:room / 2:-1 on a room with a big snapshot turned a few
// bytes sent into gigabytes received. Joins are rate-limited per
// connection and every snapshot is charged to the joiner's fan-out budget.
func TestJoinLeaveLoopThrottlesItself(t *testing.T) {
	loop := func(t *testing.T, srv *servertest.Server) (joined, refused int) {
		owner, looper := srv.Login(t, "owner"), srv.Login(t, "looper")
		owner.Join("big")
		state := bigState(10000)
		for i := 1; i <= 10; i++ { // about 130 KB of snapshot
			owner.Send(fmt.Sprintf("10:t%d:Crate:t:r:%s", i, state))
		}
		owner.Sync("built")
		var b strings.Builder
		for i := 0; i < 40; i++ {
			b.WriteString("2:big\n2:-1\n")
		}
		_, err := looper.Conn.Write([]byte(b.String()))
		require.NoError(t, err)
		lines := looper.Sync("looped")
		return countPrefix(lines, "17:big:"), countPrefix(lines, "9:2:rate_limited:")
	}
	t.Run("join rate", func(t *testing.T) {
		srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
			c.Limits.JoinsPerSecond = 1
			c.Limits.JoinBurst = 3
		}))
		joined, refused := loop(t, srv)
		assert.LessOrEqual(t, joined, 5, "about the burst")
		assert.Equal(t, 40, joined+refused)
	})
	t.Run("snapshot charged to the joiner", func(t *testing.T) {
		srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
			c.Limits.JoinsPerSecond = 1000
			c.Limits.JoinBurst = 1000
			c.Limits.FanoutBytesPerSecond = 10 << 10
			c.Limits.FanoutByteBurst = 400 << 10
			c.Limits.RateStrikes = 1000
		}))
		joined, refused := loop(t, srv)
		assert.LessOrEqual(t, joined, 5, "400 KiB of budget is about three 130 KB snapshots")
		assert.Equal(t, 40, joined+refused)
	})
}

// Names the server relays or stores must be valid UTF-8 without control
// characters (a NUL in a prefab key reached a whole room), and numbers
// have one spelling: no leading zeros.
func TestInputRules(t *testing.T) {
	srv := servertest.Start(t)
	a, b := srv.Login(t, "a"), srv.Login(t, "b")
	a.Join("r")
	b.Join("r")
	a.Expect("2:" + id(b) + ":r")
	cases := []struct{ line, want string }{
		{"2:bad\xffname", "9:2:bad_command:"}, // a line that is not UTF-8 is refused whole
		{"2:c1\u0085control", "9:2:bad_room_name:"},
		{"2:nul\x00room", "9:2:bad_room_name:"},
		{"10:t:Pre\x00fab:t:r:0:", "9:10:bad_command:"},
		{"10:t:Pre\xfffab:t:r:0:", "9:10:bad_command:"},
		{"10:t:Pre\u009bfab:t:r:0:", "9:10:bad_command:"},
		{"00:a:pw-a", "9:-:bad_command:"},
		{"3:00:hello", "9:3:bad_command:"},
		{"3:4:0" + id(b) + ":hello", "9:3:bad_command:"},
		{"007", "9:-:bad_command:"},
	}
	for _, tc := range cases {
		a.Send(tc.line)
		got := a.Sync("x")
		require.Len(t, got, 1, "%q: %q", tc.line, got)
		assert.True(t, strings.HasPrefix(got[0], tc.want), "%q answered %q, want %q", tc.line, got[0], tc.want)
	}
	assert.Empty(t, b.Sync("y"), "nothing reached the room")
	// Valid UTF-8 names are fine.
	a.Send("10:t:Schlüssel:t:r:0:")
	a.ExpectPrefix("10:" + id(a) + ".1:")
}

// countingStore is the real store, counting room-list scans.
type countingStore struct {
	store.Store
	lists atomic.Int64
}

func (c *countingStore) ListRooms(ctx context.Context) ([]store.RoomListing, error) {
	c.lists.Add(1)
	return c.Store.ListRooms(ctx)
}

// "1" and "5" scanned the room table on every request: a few clients
// listing in a loop used most of a core. They are served from a cache at
// most RoomListTTL old, and have their own per-connection rate.
func TestRoomListIsCachedAndRateLimited(t *testing.T) {
	st, err := sqlitestore.Open(context.Background(), t.TempDir()+"/t.db")
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	cs := &countingStore{Store: st}
	srv := servertest.Start(t, servertest.WithStore(cs), servertest.WithConfig(func(c *server.Config) {
		c.Limits.RoomListTTL = time.Hour // one scan for the whole test
		c.Limits.ListsPerSecond = 0.001
		c.Limits.ListBurst = 10
	}))
	var clients []*servertest.Client
	for i := 0; i < 4; i++ {
		clients = append(clients, srv.Login(t, fmt.Sprintf("l%d", i)))
	}
	clients[0].Join("somewhere")
	before := cs.lists.Load()
	answers := map[string]int{}
	for _, c := range clients {
		for i := 0; i < 12; i++ {
			c.Send("1")
			c.Send("5:elsewhere")
		}
		for _, l := range c.Sync("done") {
			switch {
			case strings.HasPrefix(l, "9:1:rate_limited:"), strings.HasPrefix(l, "9:5:rate_limited:"):
				answers["refused"]++
			default:
				answers["answered"]++
			}
		}
	}
	assert.Equal(t, map[string]int{"answered": 40, "refused": 56}, answers, "10 a connection, then refused")
	assert.LessOrEqual(t, cs.lists.Load()-before, int64(1), "one scan served them all")
}
