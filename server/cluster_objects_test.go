package server_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
)

// Contenders on three nodes race a conditional take: one winner, and
// every member agrees on it.
func TestClusterConditionalTakeHasOneWinner(t *testing.T) {
	cl := servertest.StartCluster(t, 3, 2*time.Second, nil)
	owner := cl.Nodes[0].Login(t, "owner")
	owner.Join("w")
	owner.Send("10:t:Ball:t:r:0:")
	oid := id(owner) + ".1"
	owner.ExpectPrefix("10:" + oid)
	const takers = 6
	cs := make([]*servertest.Client, takers)
	for i := range cs {
		cs[i] = cl.Nodes[i%3].Login(t, fmt.Sprintf("t%d", i))
		cs[i].Join("w")
	}
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func(c *servertest.Client) {
			defer wg.Done()
			c.Send("12:" + oid + ":take:" + id(owner))
		}(c)
	}
	wg.Wait()
	var losers int
	var changes []string
	for _, c := range cs {
		for _, l := range c.Sync("done") {
			switch {
			case strings.HasPrefix(l, "12:"):
				changes = append(changes, l)
			case strings.HasPrefix(l, "9:12:owner_changed:"):
				losers++
			}
		}
	}
	require.Len(t, changes, takers, "each taker sees the one change")
	for _, l := range changes {
		assert.Equal(t, changes[0], l, "everyone agrees on the owner")
		assert.True(t, strings.HasSuffix(l, ":2"), "one change only: %s", l)
	}
	assert.Equal(t, takers-1, losers)
}

// A late joiner on a third node, while owners on two other nodes stream
// updates, gets an exact snapshot: no update missed or applied twice, and
// its view equals a fresh snapshot.
func TestClusterLateJoinSnapshotIsExact(t *testing.T) {
	cl := servertest.StartCluster(t, 3, 2*time.Second, fastLimits)
	a, b := cl.Nodes[0].Login(t, "a"), cl.Nodes[1].Login(t, "b")
	a.Join("w")
	b.Join("w")
	objs := map[*servertest.Client][]string{}
	for _, c := range []*servertest.Client{a, b} {
		for n := 1; n <= 2; n++ {
			c.Send(fmt.Sprintf("10:o%d:Thing:t:p:%s", n, delta(t, map[int]any{5: 0})))
			objs[c] = append(objs[c], fmt.Sprintf("%d.%d", c.ID, n))
		}
	}
	a.Sync("x")
	b.Sync("x")
	const updates = 600
	var wg sync.WaitGroup
	for _, c := range []*servertest.Client{a, b} {
		wg.Add(1)
		go func(c *servertest.Client) {
			defer wg.Done()
			for k := 1; k <= updates; k++ {
				for _, oid := range objs[c] {
					ordered := "0"
					if k%50 == 0 {
						ordered = "1"
					}
					c.Send(fmt.Sprintf("11:%s:1:%s:%s", oid, ordered, delta(t, map[int]any{k % 4: k, 5: k})))
				}
			}
		}(c)
	}
	time.Sleep(20 * time.Millisecond)
	late := cl.Nodes[2].Login(t, "late")
	joinLines := late.Join("w")
	wg.Wait()
	a.Sync("end")
	b.Sync("end")

	w := newWorld()
	for _, l := range joinLines {
		w.apply(t, l)
	}
	seq := map[string]int{}
	for oid, st := range w.state {
		seq[oid] = fieldInt(t, st[5])
	}
	require.Len(t, seq, 4, "snapshot holds every object")
	for _, l := range late.Sync("end") {
		if !strings.HasPrefix(l, "11:") {
			continue
		}
		f := strings.Split(l, ":")
		before := seq[f[1]]
		w.apply(t, l)
		after := fieldInt(t, w.state[f[1]][5])
		require.Equal(t, before+1, after, "object %s: update after the snapshot must follow it exactly", f[1])
		seq[f[1]] = after
	}
	for oid, s := range seq {
		assert.Equal(t, updates, s, "object %s ends at the last update", oid)
	}
	check := cl.Nodes[1].Login(t, "check")
	fresh := newWorld()
	for _, l := range check.Join("w") {
		fresh.apply(t, l)
	}
	assert.Equal(t, fresh.state, w.state)
	assert.Equal(t, fresh.owner, w.owner)
}

// A second login on another node ends the first session.
func TestClusterSecondLoginKicksFirst(t *testing.T) {
	cl := servertest.StartCluster(t, 3, 2*time.Second, nil)
	first := cl.Nodes[0].Login(t, "dup")
	first.Join("k")
	second := cl.Nodes[1].Login(t, "dup")
	got := first.ExpectClosed()
	require.NotEmpty(t, got)
	assert.True(t, strings.HasPrefix(got[len(got)-1], "8:session_replaced:"), "got %q", got)
	second.Send("7:alive")
	second.Expect("7:alive")
}

// Room lists and 5 count members on every node.
func TestClusterRoomListAndWho(t *testing.T) {
	cl := servertest.StartCluster(t, 3, 2*time.Second, nil)
	cs := spread(t, cl, "l1", "l2", "l3")
	for _, c := range cs {
		c.Join("lobby")
	}
	cs[2].Join("side") // homed on node 3
	// The mirror writes are asynchronous: wait until the list settles.
	want := "1:lobby-2,side-1" // l3 moved on to side
	var got string
	deadline := time.Now().Add(servertest.Timeout)
	for time.Now().Before(deadline) {
		cs[1].Send("1")
		got = cs[1].Skip(func(l string) bool { return strings.HasPrefix(l, "1:") })
		if sortedList(got) == want {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.Equal(t, want, sortedList(got))
	cs[0].Send("5:side")
	assert.Equal(t, fmt.Sprintf("5:side:%d=l3", cs[2].ID), cs[0].Skip(func(l string) bool { return strings.HasPrefix(l, "5:") }))
	cs[2].Send("5:lobby")
	who := cs[2].Skip(func(l string) bool { return strings.HasPrefix(l, "5:") })
	assert.Contains(t, who, fmt.Sprintf("%d=l1", cs[0].ID))
	assert.Contains(t, who, fmt.Sprintf("%d=l2", cs[1].ID))
}

// sortedList sorts the entries of a "1:" room list.
func sortedList(line string) string {
	entries := strings.Split(strings.TrimPrefix(line, "1:"), ",")
	for i := range entries {
		for j := i + 1; j < len(entries); j++ {
			if entries[j] < entries[i] {
				entries[i], entries[j] = entries[j], entries[i]
			}
		}
	}
	return "1:" + strings.Join(entries, ",")
}

// A join snapshot larger than one NATS message reaches a member on
// another node whole and in order.
func TestClusterLargeSnapshotCrossesNodes(t *testing.T) {
	cl := servertest.StartCluster(t, 2, 5*time.Second, func(c *server.Config) {
		fastLimits(c)
		c.Limits.OutboundSoftBytes = 8 << 20 // a 1.7 MB snapshot is no slow consumer here
		c.Limits.OutboundHardBytes = 16 << 20
	})
	owner := cl.Nodes[0].Login(t, "owner")
	owner.Join("big")
	const objects = 90
	state := delta(t, map[int]any{0: make([]byte, 14000)})
	for i := 1; i <= objects; i++ {
		owner.Send(fmt.Sprintf("10:o%d:Thing:t:r:%s", i, state))
	}
	owner.Sync("made")
	late := cl.Nodes[1].Login(t, "late")
	lines := late.Join("big")
	spawned := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "10:") {
			spawned++
		}
	}
	assert.Equal(t, objects, spawned)
	assert.Equal(t, fmt.Sprintf("17:big:%d", objects), lines[len(lines)-1])
	owner.Send("3:0:after")
	late.Expect(fmt.Sprintf("3:%d:after", owner.ID))
}
