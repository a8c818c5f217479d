package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/servertest"
)

func nextWithin(t *testing.T, c *servertest.Client, d time.Duration, match func(string) bool) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		line := c.Next()
		if match(line) {
			return line, time.Since(start)
		}
		require.Less(t, time.Since(start), d, "client %d: no matching line within %s (last %q)", c.ID, d, line)
	}
}

// A node dies without a word (its NATS link, listener and sockets drop at
// once). Within the node timeout: its clients leave rooms homed elsewhere
// with the normal leave, master and object hand-over lines; members
// elsewhere of rooms homed on it get 23 home_lost; its room-list rows go;
// a later join of the same name starts the room afresh on a live node.
func TestClusterNodeLoss(t *testing.T) {
	const timeout = time.Second
	cl := servertest.StartCluster(t, 3, timeout, nil)
	n1, n2, n3 := cl.Nodes[0], cl.Nodes[1], cl.Nodes[2]

	// Room "lost" is homed on n1, with members on n2 and n3.
	a := n1.Login(t, "a")
	b := n2.Login(t, "b")
	c := n3.Login(t, "c")
	a.Join("lost")
	b.Join("lost")
	c.Join("lost")

	// Room "kept" is homed on n2; e (on n1) is its master and owns a room
	// object and a player object.
	d := n2.Login(t, "d")
	e := n1.Login(t, "e")
	f := n3.Login(t, "f")
	d.Join("kept")
	e.Join("kept")
	d.Send("2:-1")
	d.Join("kept") // now e is the longest present: the master
	f.Join("kept")
	e.Send("10:r1:Crate:t:r:0:")  // room lifetime: handed over
	e.Send("10:p1:Avatar:t:p:0:") // player lifetime: destroyed
	roomObj, playerObj := id(e)+".1", id(e)+".2"
	for _, x := range []*servertest.Client{d, f} {
		x.Skip(func(l string) bool { return strings.HasPrefix(l, "10:"+playerObj) })
	}
	b.Sync("ready")
	d.Sync("ready")
	f.Sync("ready")

	killed := time.Now()
	n1.Server.Crash()
	limit := timeout + 2*time.Second // detection runs every timeout/5; slack for a loaded machine

	for _, x := range []*servertest.Client{b, c} {
		line, _ := nextWithin(t, x, limit, func(l string) bool { return strings.HasPrefix(l, "23:") })
		assert.True(t, strings.HasPrefix(line, "23:lost:home_lost:"), "got %q", line)
		t.Logf("client %d told home_lost %s after the kill", x.ID, time.Since(killed).Round(time.Millisecond))
	}
	for _, x := range []*servertest.Client{d, f} {
		x.Expect(fmt.Sprintf("2:%d:", e.ID))
		t.Logf("client %d saw the dead node's member leave %s after the kill", x.ID, time.Since(killed).Round(time.Millisecond))
		x.Expect(fmt.Sprintf("4:%d", d.ID))
		rest := x.Sync("after")
		assert.Contains(t, rest, fmt.Sprintf("12:%s:%d:2", roomObj, d.ID), "room object handed to the new master")
		assert.Contains(t, rest, "15:"+playerObj, "player object destroyed")
	}
	assert.Less(t, time.Since(killed), limit)

	// The lost room is out of the list, and starts afresh on a live node.
	deadline := time.Now().Add(servertest.Timeout)
	for {
		b.Send("1")
		list := b.Skip(func(l string) bool { return strings.HasPrefix(l, "1:") })
		if !strings.Contains(list, "lost-") {
			break
		}
		require.True(t, time.Now().Before(deadline), "room list still holds the lost room: %s", list)
		time.Sleep(50 * time.Millisecond)
	}
	got := b.Join("lost")
	assert.Equal(t, []string{fmt.Sprintf("2:%d:lost", b.ID), fmt.Sprintf("4:%d", b.ID), "17:lost:0"}, got)
	c.Join("lost")
	b.Expect(fmt.Sprintf("2:%d:lost", c.ID))
	c.Send("3:0:again")
	b.Expect(fmt.Sprintf("3:%d:again", c.ID))
}

// NATS goes away mid-traffic: rooms on one node keep relaying, members of
// rooms homed elsewhere are told home_lost; when NATS is back the cluster
// heals and rooms span nodes again.
func TestClusterNATSRestartHeals(t *testing.T) {
	cl := servertest.StartCluster(t, 3, time.Second, nil)
	n1, n2 := cl.Nodes[0], cl.Nodes[1]
	a := n1.Login(t, "a")
	b := n2.Login(t, "b")
	a.Join("span")
	b.Join("span")
	a.Expect(fmt.Sprintf("2:%d:span", b.ID))
	l1, l2 := n2.Login(t, "l1"), n2.Login(t, "l2")
	l1.Join("local")
	l2.Join("local")
	l1.Expect(fmt.Sprintf("2:%d:local", l2.ID))

	// Traffic across nodes while NATS goes away.
	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for k := 0; ; k++ {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				a.Send(fmt.Sprintf("3:0:t%d", k))
			}
		}
	}()
	b.Skip(func(l string) bool { return strings.HasPrefix(l, fmt.Sprintf("3:%d:t", a.ID)) })
	cl.NATS.Stop()
	line, _ := nextWithin(t, b, servertest.Timeout, func(l string) bool { return strings.HasPrefix(l, "23:") })
	assert.True(t, strings.HasPrefix(line, "23:span:home_lost:"), "got %q", line)
	a.Expect(fmt.Sprintf("2:%d:", b.ID))
	close(stop)
	<-sent
	b.ExpectSilence(50 * time.Millisecond) // nothing of the room after 23
	for k := 0; k < 20; k++ {              // the local room goes on
		l1.Send(fmt.Sprintf("3:0:m%d", k))
		l2.Expect(fmt.Sprintf("3:%d:m%d", l1.ID, k))
	}

	cl.NATS.Start(t)
	deadline := time.Now().Add(servertest.Timeout)
	for _, s := range cl.Nodes {
		for s.Server.PeersAlive() < 2 {
			require.True(t, time.Now().Before(deadline), "node %s did not see its peers again", s.Server.Node())
			time.Sleep(20 * time.Millisecond)
		}
	}
	b.Join("span")
	a.Expect(fmt.Sprintf("2:%d:span", b.ID))
	b.Send("3:0:healed")
	a.Expect(fmt.Sprintf("3:%d:healed", b.ID))
	a.Send("3:0:back")
	b.Expect(fmt.Sprintf("3:%d:back", a.ID))
}
