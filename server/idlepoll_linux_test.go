package server

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/store/sqlitestore"
)

// Tests of the idle poller: readers of quiet plain TCP connections park
// (no goroutine) and come back for the next line, for the connection's
// end, and for every way the server closes it.

const idleTestTimeout = 20 * time.Second

// idleServer serves on loopback with a real SQLite store; quiet is the
// readerQuiet of its connections.
type idleServer struct {
	*Server
	addr string
	stop func() error
}

func startIdleServer(t *testing.T, quiet time.Duration, configure func(*Config)) *idleServer {
	t.Helper()
	st, err := sqlitestore.Open(context.Background(), t.TempDir()+"/tandem.db")
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	cfg := Config{Dev: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if configure != nil {
		configure(&cfg)
	}
	s := New(cfg, st)
	s.readerQuiet = quiet
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	var once sync.Once
	var serveErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case serveErr = <-done:
			case <-time.After(idleTestTimeout):
				serveErr = context.DeadlineExceeded
			}
		})
		return serveErr
	}
	t.Cleanup(func() { _ = stop() })
	return &idleServer{Server: s, addr: ln.Addr().String(), stop: stop}
}

// idleClient is a raw protocol client.
type idleClient struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func (s *idleServer) login(t *testing.T, user string) *idleClient {
	t.Helper()
	nc, err := net.Dial("tcp", s.addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	c := &idleClient{t: t, nc: nc, br: bufio.NewReaderSize(nc, 1<<16)}
	c.send("0:" + user + ":pw-" + user)
	require.True(t, strings.HasPrefix(c.next(), "0:"))
	return c
}

func (c *idleClient) send(line string) {
	c.t.Helper()
	_, err := c.nc.Write([]byte(line + "\n"))
	require.NoError(c.t, err)
}

func (c *idleClient) next() string {
	c.t.Helper()
	require.NoError(c.t, c.nc.SetReadDeadline(time.Now().Add(idleTestTimeout)))
	line, err := c.br.ReadString('\n')
	require.NoError(c.t, err)
	return strings.TrimSuffix(line, "\n")
}

// closed reads what is left until the server closes the connection.
func (c *idleClient) closed() []string {
	c.t.Helper()
	require.NoError(c.t, c.nc.SetReadDeadline(time.Now().Add(idleTestTimeout)))
	var lines []string
	for {
		line, err := c.br.ReadString('\n')
		if err != nil {
			require.ErrorIs(c.t, err, io.EOF, "read %q", lines)
			return lines
		}
		lines = append(lines, strings.TrimSuffix(line, "\n"))
	}
}

// serverSide finds the server's conn of client c.
func (s *idleServer) serverSide(t *testing.T, c *idleClient) *conn {
	t.Helper()
	for _, sc := range s.allConns() {
		if sc.remote == c.nc.LocalAddr().String() {
			return sc
		}
	}
	t.Fatalf("no server connection for %s", c.nc.LocalAddr())
	return nil
}

func (c *conn) isParked() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.parked
}

func (c *conn) hasWriter() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writerRunning
}

func waitParked(t *testing.T, c *conn) {
	t.Helper()
	require.Eventually(t, c.isParked, idleTestTimeout, 5*time.Millisecond, "the reader never parked")
}

// A logged-in client that goes quiet has no reader goroutine (its reader
// is parked) and never had a writer goroutine (its login was answered by
// the reader itself); its next line is answered all the same, a
// keep-alive by the reader itself, and a line that comes soon after
// another keeps the reader on its goroutine.
func TestIdleReaderParksAndComesBack(t *testing.T) {
	s := startIdleServer(t, 300*time.Millisecond, nil)
	c := s.login(t, "sleepy")
	sc := s.serverSide(t, c)
	require.False(t, sc.hasWriter(), "the login's answer started the writer goroutine")
	waitParked(t, sc)
	require.False(t, sc.hasWriter())

	c.send("7:a")
	require.Equal(t, "7:a", c.next())
	require.False(t, sc.hasWriter(), "a pong woke the writer")
	// Right after a line the connection is not quiet: no park.
	c.send("7:b")
	require.Equal(t, "7:b", c.next())
	require.False(t, sc.isParked(), "a busy reader parked")

	// An answer does not wait for the rest of a line that follows it.
	_, err := c.nc.Write([]byte("7:c\n7:"))
	require.NoError(t, err)
	require.Equal(t, "7:c", c.next())
	c.send("d")
	require.Equal(t, "7:d", c.next())

	time.Sleep(500 * time.Millisecond) // quiet again
	c.send("7:e")
	require.Equal(t, "7:e", c.next())
	waitParked(t, sc)
	require.False(t, sc.hasWriter(), "a pong woke the writer")
}

// A client that goes quiet right after a busy spell is parked by the
// sweeper, without waiting for its next line; a reader holding part of a
// line is not.
func TestBusyReaderParksWhenQuiet(t *testing.T) {
	s := startIdleServer(t, 300*time.Millisecond, nil)
	c := s.login(t, "busy")
	sc := s.serverSide(t, c)
	waitParked(t, sc)
	for i := range 5 {
		c.send("7:" + strconv.Itoa(i))
		require.Equal(t, "7:"+strconv.Itoa(i), c.next())
	}
	require.False(t, sc.isParked(), "a busy reader parked by itself")
	waitParked(t, sc) // the sweeper runs every second
	c.send("7:back")
	require.Equal(t, "7:back", c.next())

	c.send("7:a")
	require.Equal(t, "7:a", c.next())
	_, err := c.nc.Write([]byte("7:hal"))
	require.NoError(t, err)
	time.Sleep(2500 * time.Millisecond) // two sweeps
	require.False(t, sc.isParked())
	c.send("f")
	require.Equal(t, "7:half", c.next())
	waitParked(t, sc)
}

// Lines cut into parts with pauses in between, short and longer than the
// read buffer, arrive whole whether the reader parked or not between the
// parts; with no quiet time at all the reader parks at every empty read.
func TestIdleReaderAcrossSplitLines(t *testing.T) {
	long := strings.Repeat("x", 3*readBufferSize+5)
	for _, quiet := range []time.Duration{0, 50 * time.Millisecond} {
		t.Run("quiet="+quiet.String(), func(t *testing.T) {
			s := startIdleServer(t, quiet, nil)
			c := s.login(t, "split")
			waitParked(t, s.serverSide(t, c))
			for _, payload := range []string{"short", long} {
				line := "7:" + payload + "\n"
				for _, cut := range []int{1, len(line) / 2, len(line) - 1} {
					_, err := c.nc.Write([]byte(line[:cut]))
					require.NoError(t, err)
					time.Sleep(2*quiet + 20*time.Millisecond)
					_, err = c.nc.Write([]byte(line[cut:]))
					require.NoError(t, err)
					require.Equal(t, "7:"+payload, c.next())
				}
			}
		})
	}
}

// Every way a connection ends reaches a parked reader: it runs the
// connection's cleanup (the client leaves its room) and the server forgets
// the connection.
func TestParkedReaderEnds(t *testing.T) {
	tests := []struct {
		name string
		end  func(t *testing.T, s *idleServer, c *idleClient, sc *conn)
		want string // prefix of the last line the client gets, "" for none
	}{
		{"client closes", func(t *testing.T, s *idleServer, c *idleClient, sc *conn) {
			require.NoError(t, c.nc.Close())
		}, ""},
		{"idle timeout", func(t *testing.T, s *idleServer, c *idleClient, sc *conn) {}, "8:idle_timeout:"},
		{"session replaced", func(t *testing.T, s *idleServer, c *idleClient, sc *conn) {
			s.login(t, "ender")
		}, "8:session_replaced:"},
		{"server shutdown", func(t *testing.T, s *idleServer, c *idleClient, sc *conn) {
			require.NoError(t, s.stop())
		}, "8:server_shutdown:"},
		// As Server.Crash does, but with the server going on: the closed
		// socket leaves the poller without an event, and the sweeper
		// finds it.
		{"socket closed under it", func(t *testing.T, s *idleServer, c *idleClient, sc *conn) {
			require.NoError(t, sc.nc.Close())
		}, ""},
		{"crash", func(t *testing.T, s *idleServer, c *idleClient, sc *conn) {
			s.Crash()
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startIdleServer(t, 0, func(cfg *Config) {
				if tt.name == "idle timeout" {
					cfg.Limits.IdleTimeout = 1500 * time.Millisecond
				}
			})
			c := s.login(t, "ender")
			sc := s.serverSide(t, c)
			waitParked(t, sc)
			c.send("2:r")
			for !strings.HasPrefix(c.next(), "17:") {
			}
			waitParked(t, sc)

			tt.end(t, s, c, sc)
			if tt.name != "client closes" {
				lines := c.closed()
				if tt.want != "" {
					require.NotEmpty(t, lines)
					require.True(t, strings.HasPrefix(lines[len(lines)-1], tt.want), "got %q", lines)
				}
			}
			require.Eventually(t, func() bool {
				s.mu.Lock()
				defer s.mu.Unlock()
				_, open := s.conns[sc]
				return !open
			}, idleTestTimeout, 10*time.Millisecond, "the server kept the connection")
		})
	}
}

// Readers that park after every line, in a room where every member sends
// at random intervals (some shorter than the quiet time, some longer):
// every message arrives once, in each sender's order, and every member
// ends parked. Run with -race, this checks the hand-over between parked
// readers, the poller and the direct writes.
func TestParkingReadersRelayEverything(t *testing.T) {
	const (
		members = 4
		msgs    = 150
	)
	s := startIdleServer(t, 0, nil)
	cs := make([]*idleClient, members)
	ids := make([]string, members)
	for i := range cs {
		cs[i] = s.login(t, "m"+strconv.Itoa(i))
		cs[i].send("2:room")
		cs[i].send("7:joined") // answered once the join has run to its end
		for cs[i].next() != "7:joined" {
		}
	}
	// Every member learns the others' ids from the join lines and the
	// messages themselves; only the count per sender and order matter.
	var wg sync.WaitGroup
	got := make([]map[string][]int, members)
	for i, c := range cs {
		got[i] = map[string][]int{}
		wg.Go(func() {
			want := (members - 1) * msgs
			for n := 0; n < want; {
				line := c.next()
				if !strings.HasPrefix(line, "3:") {
					continue // joins of the later members
				}
				f := strings.SplitN(line, ":", 4) // 3:<sender>:<from>:<seq>
				require.Len(t, f, 4, line)
				seq, err := strconv.Atoi(f[3])
				require.NoError(t, err, line)
				got[i][f[1]] = append(got[i][f[1]], seq)
				n++
			}
		})
	}
	for i, c := range cs {
		ids[i] = strconv.Itoa(i)
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 1))
			for n := range msgs {
				c.send("3:0:" + ids[i] + ":" + strconv.Itoa(n))
				time.Sleep(time.Duration(r.IntN(4000)) * time.Microsecond)
			}
		})
	}
	wg.Wait()
	for i := range cs {
		require.Len(t, got[i], members-1, "member %d", i)
		for sender, seqs := range got[i] {
			require.Len(t, seqs, msgs, "member %d from %s", i, sender)
			for n, seq := range seqs {
				require.Equal(t, n, seq, "member %d from %s", i, sender)
			}
		}
	}
	for _, c := range cs {
		waitParked(t, s.serverSide(t, c))
	}
}

// If the poller stops while the server goes on, parked connections get
// their readers back and keep being served, with a goroutine each.
func TestPollerStopGivesReadersBack(t *testing.T) {
	s := startIdleServer(t, 0, nil)
	c := s.login(t, "orphan")
	sc := s.serverSide(t, c)
	waitParked(t, sc)
	s.mu.Lock()
	p := s.idle
	s.mu.Unlock()
	p.close()
	require.Eventually(t, func() bool { return !sc.isParked() }, idleTestTimeout, 5*time.Millisecond)
	for i := range 3 {
		c.send("7:" + strconv.Itoa(i))
		require.Equal(t, "7:"+strconv.Itoa(i), c.next())
		require.False(t, sc.isParked())
	}
}
