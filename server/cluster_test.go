package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
)

// Cluster tests: a real nats-server, three Tandem nodes on the test
// PostgreSQL database, real TCP clients spread over the nodes.

func fastLimits(c *server.Config) {
	c.Limits.MessagesPerSecond = 1e6
	c.Limits.MessageBurst = 1e6
}

// spread logs one client per name in, client i on node i%3.
func spread(t *testing.T, cl *servertest.Cluster, names ...string) []*servertest.Client {
	var out []*servertest.Client
	for i, n := range names {
		out = append(out, cl.Nodes[i%len(cl.Nodes)].Login(t, n))
	}
	return out
}

func TestClusterJoinRelayLeaveMaster(t *testing.T) {
	cl := servertest.StartCluster(t, 3, 2*time.Second, nil)
	cs := spread(t, cl, "a", "b", "c")
	a, b, c := cs[0], cs[1], cs[2]

	joined := a.Join("r") // a's node becomes the home
	require.Equal(t, []string{fmt.Sprintf("2:%d:r", a.ID), fmt.Sprintf("4:%d", a.ID), "17:r:0"}, joined)
	got := b.Join("r")
	assert.Equal(t, []string{fmt.Sprintf("2:%d:r", b.ID), fmt.Sprintf("2:%d:r", a.ID), fmt.Sprintf("4:%d", a.ID), "17:r:0"}, got)
	a.Expect(fmt.Sprintf("2:%d:r", b.ID))
	c.Join("r")
	a.Expect(fmt.Sprintf("2:%d:r", c.ID))
	b.Expect(fmt.Sprintf("2:%d:r", c.ID))

	// Unordered and ordered relay, from a remote member and from the home.
	b.Send("3:0:from-b")
	a.Expect(fmt.Sprintf("3:%d:from-b", b.ID))
	c.Expect(fmt.Sprintf("3:%d:from-b", b.ID))
	c.Send("3:1:all-c")
	for _, x := range cs {
		x.Expect(fmt.Sprintf("3:%d:all-c", c.ID))
	}
	a.Send(fmt.Sprintf("3:4:%d:%d:listed", b.ID, c.ID))
	b.Expect(fmt.Sprintf("3:%d:listed", a.ID))
	c.Expect(fmt.Sprintf("3:%d:listed", a.ID))
	// Errors of a remote member's command come back to it.
	b.Send("3:4:999999:nobody")
	b.ExpectPrefix("9:3:unknown_recipient:999999")
	// 5 for the own room, answered by the home.
	b.Send("5")
	who := b.ExpectPrefix("5:r:")
	for _, x := range cs {
		assert.Contains(t, who, fmt.Sprintf("%d", x.ID))
	}

	// The master (a, on the home) leaves: b becomes master everywhere.
	a.Send("2:-1")
	a.Expect(fmt.Sprintf("2:%d:", a.ID))
	for _, x := range []*servertest.Client{b, c} {
		x.Expect(fmt.Sprintf("2:%d:", a.ID))
		x.Expect(fmt.Sprintf("4:%d", b.ID))
	}
	// A remote member leaves.
	c.Send("2:-1")
	c.Expect(fmt.Sprintf("2:%d:", c.ID))
	b.Expect(fmt.Sprintf("2:%d:", c.ID))
	c.Send("3:0:nowhere")
	c.ExpectPrefix("9:3:not_in_room")
	b.ExpectSilence(100 * time.Millisecond)
}

// Every member, on every node, records the identical sequence of ordered
// messages sent concurrently from all nodes.
func TestClusterTotalOrder(t *testing.T) {
	cl := servertest.StartCluster(t, 3, 2*time.Second, fastLimits)
	cs := spread(t, cl, "o1", "o2", "o3", "o4", "o5", "o6")
	for i, c := range cs {
		c.Join("order")
		for _, o := range cs[:i] {
			o.ExpectPrefix("2:")
		}
	}
	const per = 200
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func(c *servertest.Client) {
			defer wg.Done()
			for k := 0; k < per; k++ {
				c.Send(fmt.Sprintf("3:3:%d-%d", c.ID, k))
			}
		}(c)
	}
	wg.Wait()
	seqs := make([][]string, len(cs))
	var rwg sync.WaitGroup
	for i, c := range cs {
		rwg.Add(1)
		go func(i int, c *servertest.Client) {
			defer rwg.Done()
			for len(seqs[i]) < per*len(cs) {
				line := c.Next()
				if strings.HasPrefix(line, "3:") {
					seqs[i] = append(seqs[i], line)
				}
			}
		}(i, c)
	}
	rwg.Wait()
	for i := 1; i < len(cs); i++ {
		require.Equal(t, seqs[0], seqs[i], "member %d saw another order", i)
	}
}

// natsOut reads a node's count of NATS messages sent.
func natsOut(t *testing.T, s *servertest.Server) float64 {
	mfs, err := s.Server.Metrics().Registry.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == "tandem_cluster_nats_msgs_out_total" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatal("no tandem_cluster_nats_msgs_out_total metric")
	return 0
}

// A frame crosses NATS once per remote node, not once per remote member:
// the home sends one message per fan-out to a node with four members.
func TestClusterFanoutCrossesOncePerNode(t *testing.T) {
	cl := servertest.StartCluster(t, 2, 5*time.Second, fastLimits)
	home := cl.Nodes[0].Login(t, "home")
	home.Join("f")
	var remote []*servertest.Client
	for i := 0; i < 4; i++ {
		c := cl.Nodes[1].Login(t, fmt.Sprintf("r%d", i))
		c.Join("f")
		remote = append(remote, c)
	}
	home.Sync("joined")
	const msgs = 200
	before := natsOut(t, cl.Nodes[0])
	for k := 0; k < msgs; k++ {
		home.Send(fmt.Sprintf("3:0:m%d", k))
	}
	for _, c := range remote {
		c.Skip(func(l string) bool { return l == fmt.Sprintf("3:%d:m%d", home.ID, msgs-1) })
	}
	sent := natsOut(t, cl.Nodes[0]) - before
	assert.GreaterOrEqual(t, sent, float64(msgs))
	// Heartbeats (one per second here) may add a few; one message per
	// member would be 4x.
	assert.Less(t, sent, float64(msgs+10), "one NATS message per fan-out to the remote node")
}

// An operator closing a room on its home ends it for members on every
// node; a room system message reaches them too.
func TestClusterOperatorCloseReachesRemoteMembers(t *testing.T) {
	cl := servertest.StartCluster(t, 2, 5*time.Second, nil)
	a := cl.Nodes[0].Login(t, "a")
	b := cl.Nodes[1].Login(t, "b")
	a.Join("ops")
	b.Join("ops")
	a.Expect(fmt.Sprintf("2:%d:ops", b.ID))
	n, ok := cl.Nodes[0].Server.SystemMessage("ops", "hello all")
	require.True(t, ok)
	assert.Equal(t, 2, n)
	a.Expect("22:hello all")
	b.Expect("22:hello all")
	n, ok = cl.Nodes[0].Server.CloseRoom("ops", "maintenance")
	require.True(t, ok)
	assert.Equal(t, 2, n)
	a.Expect("23:ops:closed:maintenance")
	b.Expect("23:ops:closed:maintenance")
	b.Send("3:0:x")
	b.ExpectPrefix("9:3:not_in_room")
	b.Join("ops") // afresh
	a.Join("ops")
	b.Expect(fmt.Sprintf("2:%d:ops", a.ID))
}

// homeOf reads a room's home claim ("" for none).
func homeOf(t *testing.T, cl *servertest.Cluster, room string) string {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, cl.DBURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var node string
	err = conn.QueryRow(ctx, `SELECT node FROM tandem_room_homes WHERE name = $1`, room).Scan(&node)
	if errors.Is(err, pgx.ErrNoRows) {
		return ""
	}
	require.NoError(t, err)
	return node
}

// A closed room's home claim is released after a while, and the room then
// starts wherever it is next created.
func TestClusterClosedRoomReleasesItsHome(t *testing.T) {
	cl := servertest.StartCluster(t, 2, 5*time.Second, nil) // ReleaseAfter 200ms
	a := cl.Nodes[0].Login(t, "a")
	b := cl.Nodes[1].Login(t, "b")
	a.Join("g")
	assert.Equal(t, "n1", homeOf(t, cl, "g"))
	a.Send("2:-1")
	a.Expect(fmt.Sprintf("2:%d:", a.ID))
	deadline := time.Now().Add(servertest.Timeout)
	for homeOf(t, cl, "g") != "" {
		require.True(t, time.Now().Before(deadline), "the claim of the closed room was not released")
		time.Sleep(50 * time.Millisecond)
	}
	b.Join("g")
	assert.Equal(t, "n2", homeOf(t, cl, "g"))
	a.Join("g")
	b.Expect(fmt.Sprintf("2:%d:g", a.ID))
	a.Send("3:0:hi")
	b.Expect(fmt.Sprintf("3:%d:hi", a.ID))
}

func droppedCount(t *testing.T, s *servertest.Server) float64 {
	mfs, err := s.Server.Metrics().Registry.Gather()
	require.NoError(t, err)
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "tandem_cluster_dropped_messages_total" {
			for _, m := range mf.GetMetric() {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

// Garbage on a node's subjects is dropped and counted, never acted on;
// room names that would be NATS wildcards are just names.
func TestClusterDropsMalformedInterNodeMessages(t *testing.T) {
	cl := servertest.StartCluster(t, 2, 5*time.Second, nil)
	nc, err := nats.Connect(cl.NATS.URL)
	require.NoError(t, err)
	defer nc.Close()
	garbage := [][]byte{nil, {1}, {2, 200}, {10, 2, 'n', '2', 0xff}, {12, 2, 'n', '2'}, {99}, []byte("3:0:hello")}
	for _, subj := range []string{"tandem.node.n1.frames", "tandem.node.n1.cmds", "tandem.heartbeat", "tandem.session"} {
		for _, g := range garbage {
			require.NoError(t, nc.Publish(subj, g))
		}
	}
	require.NoError(t, nc.Flush())
	deadline := time.Now().Add(servertest.Timeout)
	for droppedCount(t, cl.Nodes[0]) < 20 {
		require.True(t, time.Now().Before(deadline), "dropped %v of the garbage", droppedCount(t, cl.Nodes[0]))
		time.Sleep(20 * time.Millisecond)
	}

	room := "a.b*>c"
	a := cl.Nodes[0].Login(t, "a")
	b := cl.Nodes[1].Login(t, "b")
	a.Join(room)
	b.Join(room)
	a.Expect(fmt.Sprintf("2:%d:%s", b.ID, room))
	b.Send("3:0:wild")
	a.Expect(fmt.Sprintf("3:%d:wild", b.ID))
}

// An operator's kick given on one node closes the player's session on the
// node it is connected to, and ends an inactive (dropped) membership there;
// a player connected nowhere is reported as such.
func TestClusterOperatorKickReachesEveryNode(t *testing.T) {
	cl := servertest.StartCluster(t, 2, 5*time.Second, func(c *server.Config) {
		c.Limits.RejoinGrace = 30 * time.Second
	})
	a := cl.Nodes[0].Login(t, "a")
	b := cl.Nodes[1].Login(t, "b")
	a.Join("ops") // homed on a's node
	b.Join("ops")
	a.Expect(fmt.Sprintf("2:%d:ops", b.ID))

	require.True(t, cl.Nodes[0].Server.Disconnect("b", protocol.CloseKicked, "bye"))
	assert.Contains(t, b.ExpectClosed(), "8:kicked:bye")
	a.Expect(fmt.Sprintf("2:%d:", b.ID))

	start := time.Now()
	assert.False(t, cl.Nodes[0].Server.Disconnect("nobody", protocol.CloseKicked, "bye"))
	assert.Less(t, time.Since(start), 3*time.Second)

	// c drops from a room homed on its own node: it stays, inactive.
	c := cl.Nodes[1].Login(t, "c")
	d := cl.Nodes[1].Login(t, "d")
	c.Join("solo")
	d.Join("solo")
	c.Expect(fmt.Sprintf("2:%d:solo", d.ID))
	require.NoError(t, c.Conn.Close())
	d.Expect(fmt.Sprintf("20:%d:inactive", c.ID))
	require.True(t, cl.Nodes[0].Server.Disconnect("c", protocol.CloseBanned, "banned"))
	d.Expect(fmt.Sprintf("2:%d:", c.ID))
}
