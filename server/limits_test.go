package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/accounts"
	"github.com/tandemnet/tandem/server/servertest"
)

func TestRoomLimits(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.MaxRooms = 2
		c.Limits.MaxRoomMembers = 2
	}))
	a, b, c := srv.Login(t, "a"), srv.Login(t, "b"), srv.Login(t, "c")
	a.Join("one")
	b.Join("one")
	c.Send("2:one")
	c.ExpectPrefix("9:2:room_full:")
	c.Join("two")
	d := srv.Login(t, "d")
	d.Send("2:three")
	d.ExpectPrefix("9:2:too_many_rooms:")
	d.Send("2:" + strings.Repeat("n", 65))
	d.ExpectPrefix("9:2:bad_room_name:")
}

func TestRateLimit(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.MessagesPerSecond = 10
		c.Limits.MessageBurst = 20
		c.Limits.RateStrikes = 5
	}))
	flooder, calm := srv.Login(t, "flooder"), srv.Login(t, "calm")
	flooder.Join("r")
	calm.Join("r")
	var flood strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&flood, "3:0:%d\n", i)
	}
	// One write: the server cuts the connection part-way through it.
	_, _ = flooder.Conn.Write([]byte(flood.String()))
	lines := flooder.ExpectClosed()
	var limited int
	for _, l := range lines {
		if strings.HasPrefix(l, "9:3:rate_limited:") {
			limited++
		}
	}
	assert.Equal(t, 4, limited, "an error per refused line before the cut")
	assert.True(t, strings.HasPrefix(lines[len(lines)-1], "8:rate_limited:"), "got %q", lines)
	// The calm client got the accepted ones, in order, and the leave.
	got := calm.Skip(func(l string) bool { return strings.HasPrefix(l, "2:") && strings.HasSuffix(l, ":") })
	assert.Equal(t, "2:"+id(flooder)+":", got)
	assert.Positive(t, metricValue(t, srv, "tandem_rate_limited_total"))
}

func TestConnectionsPerAddress(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) { c.Limits.MaxConnsPerIP = 2 }))
	srv.Login(t, "a")
	srv.Login(t, "b")
	third := srv.Dial(t)
	lines := third.ExpectClosed()
	require.Len(t, lines, 1)
	assert.True(t, strings.HasPrefix(lines[0], "8:rate_limited:"))
}

func TestLoginBackoff(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) { c.Dev = false }))
	hash, err := accounts.Hash("right")
	require.NoError(t, err)
	require.NoError(t, srv.Store.CreateUser(context.Background(), "victim", hash))
	c := srv.Dial(t)
	for i := 0; i < 5; i++ {
		c.Send("0:victim:wrong")
		c.ExpectPrefix("9:0:bad_credentials:")
	}
	// Now even the right password waits: the account is backing off.
	c.Send("0:victim:right")
	c.ExpectPrefix("9:0:login_throttled:")
	assert.GreaterOrEqual(t, metricValue(t, srv, "tandem_login_failures_total"), 6.0)
	time.Sleep(1100 * time.Millisecond) // the first backoff step is one second
	c.Send("0:victim:right")
	c.ExpectPrefix("0:")
}

func TestClientGoneMidLine(t *testing.T) {
	srv := servertest.Start(t)
	a, b := srv.Login(t, "a"), srv.Login(t, "b")
	a.Join("r")
	b.Join("r")
	a.Sync("x")
	// b writes half a line and vanishes: the fragment is never executed.
	_, err := b.Conn.Write([]byte("3:1:half a mess"))
	require.NoError(t, err)
	require.NoError(t, b.Conn.Close())
	a.Expect("20:" + id(b) + ":inactive") // dropped: inactive for the rejoin grace
	assert.Empty(t, a.Sync("y"), "nothing of the cut line reaches the room")
}

func TestFlooderWaitsBeforeComingBack(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.MessagesPerSecond = 10
		c.Limits.MessageBurst = 5
		c.Limits.RateStrikes = 3
	}))
	flooder := srv.Login(t, "flooder")
	// One write: the server cuts the connection part-way through it.
	_, _ = flooder.Conn.Write([]byte(strings.Repeat("7\n", 20)))
	flooder.ExpectClosed()
	again := srv.Dial(t)
	again.Send("0:flooder:pw-flooder")
	again.ExpectPrefix("9:0:login_throttled:")
	// Others behind the same address are not locked out by one flooder.
	srv.Login(t, "someone")
}
