package server

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tcpPairs returns n server-side sockets and their client ends.
func tcpPairs(t *testing.T, n int) (server, client []net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	for range n {
		c, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		s, err := ln.Accept()
		require.NoError(t, err)
		server = append(server, s)
		client = append(client, c)
		t.Cleanup(func() { c.Close(); s.Close() })
	}
	return server, client
}

// A relay flushed at the end of the sender's read buffer wakes each
// recipient's writer goroutine once for the whole buffer; the sender's
// reader does not write to other players' sockets (on a busy server the
// writers coalesce more frames per writev: BENCHMARKS.md). Every line
// arrives once, in order, and nothing is allocated per delivery.
func TestRelayWakesWritersOncePerReadBuffer(t *testing.T) {
	for _, n := range []int{2, 8, 32} {
		t.Run("members="+strconv.Itoa(n), func(t *testing.T) {
			socks, clients := tcpPairs(t, n)
			s := benchServer()
			r, ms := benchRoom(s, socks)
			const perBuffer = 5
			for i := range perBuffer {
				r.relay(&ms[0].client.self, false, false, []byte("m"+strconv.Itoa(i)))
			}
			for _, m := range ms[1:] {
				m.mu.Lock()
				require.False(t, m.writerRunning, "a relay woke a writer before the read buffer was drained")
				require.Len(t, m.pending, perBuffer)
				m.mu.Unlock()
			}
			ms[0].out.flush()
			for _, m := range ms[1:] {
				m.mu.Lock()
				require.True(t, m.writerRunning, "the flush did not wake the writer")
				m.mu.Unlock()
			}
			for _, c := range clients[1:] {
				br := bufio.NewReader(c)
				_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
				for i := range perBuffer {
					line, err := br.ReadString('\n')
					require.NoError(t, err)
					require.Equal(t, "3:1:m"+strconv.Itoa(i)+"\n", line)
				}
			}
			if raceEnabled {
				return
			}
			for _, c := range clients {
				go func() { _, _ = bufio.NewReader(c).WriteTo(discardWriter{}) }()
			}
			allocs := testing.AllocsPerRun(300, func() {
				r.relay(&ms[0].client.self, false, false, benchPayload)
				ms[0].out.flush()
			})
			require.LessOrEqual(t, allocs, 1.0)
		})
	}
}

// A connection's answers to its own reader's commands (a pong, a login)
// are written by that reader, with no writer goroutine.
func TestOwnAnswerIsWrittenByTheReader(t *testing.T) {
	socks, clients := tcpPairs(t, 1)
	s := benchServer()
	_, ms := benchRoom(s, socks)
	c := ms[0]
	c.handle([]byte("7:hello"))
	c.out.flush()
	br := bufio.NewReader(clients[0])
	_ = clients[0].SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "7:hello\n", line)
	c.mu.Lock()
	defer c.mu.Unlock()
	require.False(t, c.writerRunning, "a pong started the writer goroutine")
}

// answerInBulk queues lines as answers of c's own reader (as frames queued
// while it runs a command) and flushes them with its delivery batch.
func answerInBulk(c *conn, lines [][]byte) {
	c.mu.Lock()
	c.answering = true
	c.mu.Unlock()
	for _, l := range lines {
		c.send(l)
	}
	c.answered()
	c.out.flush()
}

type discardWriter struct{}

func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// A client that stops reading fills its socket: what the reader's direct
// write could not place goes to the writer goroutine, and the client still
// gets every line once, in order.
func TestDirectWriteKeepsOrderWhenSocketFills(t *testing.T) {
	socks, clients := tcpPairs(t, 1)
	s := New(Config{Limits: Limits{OutboundSoftBytes: 64 << 20, OutboundHardBytes: 128 << 20}}, nil)
	_, ms := benchRoom(s, socks)
	const lines = 20000 // about 2 MB: more than the socket buffers hold
	payload := make([]byte, 90)
	for i := range payload {
		payload[i] = 'x'
	}
	for i := 0; i < lines; i += 500 {
		batch := make([][]byte, 0, 500)
		for j := i; j < i+500; j++ {
			batch = append(batch, append([]byte(fmt.Sprintf("%06d:", j)), append(payload, '\n')...))
		}
		answerInBulk(ms[0], batch)
	}
	br := bufio.NewReader(clients[0])
	_ = clients[0].SetReadDeadline(time.Now().Add(30 * time.Second))
	for i := range lines {
		line, err := br.ReadString('\n')
		require.NoError(t, err, "line %d", i)
		require.Equal(t, fmt.Sprintf("%06d:", i), line[:len("000000:")], "line %d", i)
	}
}

// The writer's write deadline lapses while only direct writes happen;
// that must not cut the connection (a direct write never blocks).
func TestDirectWriteAfterWriteDeadlineLapsed(t *testing.T) {
	socks, clients := tcpPairs(t, 1)
	s := New(Config{Limits: Limits{WriteTimeout: 50 * time.Millisecond}}, nil)
	_, ms := benchRoom(s, socks)
	require.NoError(t, socks[0].SetWriteDeadline(time.Now().Add(10*time.Millisecond)))
	time.Sleep(30 * time.Millisecond)
	br := bufio.NewReader(clients[0])
	_ = clients[0].SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := range 3 {
		answerInBulk(ms[0], [][]byte{[]byte("m" + strconv.Itoa(i) + "\n")})
		line, err := br.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, "m"+strconv.Itoa(i)+"\n", line)
	}
	ms[0].mu.Lock()
	defer ms[0].mu.Unlock()
	require.False(t, ms[0].closing)
}
