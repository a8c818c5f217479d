package servertest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/store/pgstore"
	"github.com/tandemnet/tandem/server/store/pgstore/pgtest"
)

// NATS is a real nats-server process on a loopback port of its own.
type NATS struct {
	URL  string
	bin  string
	port int

	mu  sync.Mutex
	cmd *exec.Cmd
}

// natsBinary finds nats-server on PATH or in /usr/sbin (the Debian
// package's place), or skips the test.
func natsBinary(t testing.TB) string {
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/nats-server", "/usr/bin/nats-server"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("TANDEM_REQUIRE_NATS") != "" {
		t.Fatal("nats-server not found on PATH or in /usr/sbin, and TANDEM_REQUIRE_NATS is set (apt-get install nats-server)")
	}
	t.Skip("nats-server not found on PATH or in /usr/sbin (apt-get install nats-server): cluster tests skipped")
	return ""
}

// StartNATS starts a nats-server for this test and stops it at the end.
func StartNATS(t testing.TB) *NATS {
	t.Helper()
	bin := natsBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	n := &NATS{URL: fmt.Sprintf("nats://127.0.0.1:%d", port), bin: bin, port: port}
	n.Start(t)
	t.Cleanup(n.Stop)
	return n
}

// Start (re)starts the server on its port and waits until it accepts.
func (n *NATS) Start(t testing.TB) {
	t.Helper()
	cmd := exec.Command(n.bin, "-a", "127.0.0.1", "-p", strconv.Itoa(n.port))
	require.NoError(t, cmd.Start(), "start nats-server")
	n.mu.Lock()
	n.cmd = cmd
	n.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", n.port), time.Second)
		if err == nil {
			_ = c.Close()
			return
		}
		require.True(t, time.Now().Before(deadline), "nats-server did not listen on port %d: %v", n.port, err)
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server (abruptly, as a crash would).
func (n *NATS) Stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		_ = n.cmd.Process.Kill()
		_ = n.cmd.Wait()
		n.cmd = nil
	}
}

// Cluster is several Tandem nodes on one NATS and one PostgreSQL schema.
type Cluster struct {
	NATS  *NATS
	DBURL string
	Nodes []*Server
}

// StartCluster starts n nodes named n1..nN with the given node timeout,
// on a fresh nats-server and a fresh PostgreSQL schema (or skips).
func StartCluster(t testing.TB, n int, nodeTimeout time.Duration, configure func(*server.Config)) *Cluster {
	t.Helper()
	dbURL := pgtest.NewSchemaURL(t)
	nats := StartNATS(t)
	cl := &Cluster{NATS: nats, DBURL: dbURL}
	for i := 1; i <= n; i++ {
		st, err := pgstore.Open(context.Background(), dbURL)
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		name := fmt.Sprintf("n%d", i)
		s := Start(t, WithStore(st), WithConfig(func(c *server.Config) {
			c.Node = name
			if os.Getenv("CLUSTER_DEBUG") != "" {
				c.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("n", name)
			}
			c.Cluster = &server.ClusterConfig{URL: nats.URL, DatabaseURL: dbURL, NodeTimeout: nodeTimeout, ReleaseAfter: 200 * time.Millisecond}
			if configure != nil {
				configure(c)
			}
		}))
		cl.Nodes = append(cl.Nodes, s)
	}
	// Every node hears every other before the test starts.
	deadline := time.Now().Add(Timeout)
	for _, s := range cl.Nodes {
		for s.Server.PeersAlive() < n-1 {
			require.True(t, time.Now().Before(deadline), "node %s sees %d peers, want %d", s.Server.Node(), s.Server.PeersAlive(), n-1)
			time.Sleep(20 * time.Millisecond)
		}
	}
	return cl
}
