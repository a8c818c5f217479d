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

// A relay flushed at the end of the sender's read buffer is written by the
// sender's reader itself on plain TCP, and allocates nothing per delivery.
func TestDirectWriteAllocatesOncePerMessage(t *testing.T) {
	for _, n := range []int{2, 8, 32} {
		t.Run("members="+strconv.Itoa(n), func(t *testing.T) {
			socks, clients := tcpPairs(t, n)
			for _, c := range clients {
				go func() { _, _ = bufio.NewReader(c).WriteTo(discardWriter{}) }()
			}
			s := benchServer()
			r, ms := benchRoom(s, socks)
			allocs := testing.AllocsPerRun(300, func() {
				r.relay(&ms[0].client.self, false, false, benchPayload)
				ms[0].out.flush()
			})
			require.LessOrEqual(t, allocs, 1.0)
			for _, m := range ms[1:] {
				m.mu.Lock()
				require.False(t, m.writerRunning, "direct writes need no writer goroutine")
				m.mu.Unlock()
			}
		})
	}
}

type discardWriter struct{}

func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// A recipient that stops reading fills its socket: what the direct write
// could not place goes to the writer goroutine, and the client still gets
// every line once, in order.
func TestDirectWriteKeepsOrderWhenSocketFills(t *testing.T) {
	socks, clients := tcpPairs(t, 2)
	s := New(Config{Limits: Limits{OutboundSoftBytes: 64 << 20, OutboundHardBytes: 128 << 20}}, nil)
	r, ms := benchRoom(s, socks)
	const lines = 20000 // about 2 MB: more than the socket buffers hold
	payload := make([]byte, 90)
	for i := range payload {
		payload[i] = 'x'
	}
	for i := range lines {
		msg := append([]byte(fmt.Sprintf("%06d:", i)), payload...)
		r.relay(&ms[0].client.self, false, false, msg)
		ms[0].out.flush()
	}
	br := bufio.NewReader(clients[1])
	_ = clients[1].SetReadDeadline(time.Now().Add(30 * time.Second))
	for i := range lines {
		line, err := br.ReadString('\n')
		require.NoError(t, err, "line %d", i)
		require.Equal(t, fmt.Sprintf("3:1:%06d:", i), line[:len("3:1:000000:")], "line %d", i)
	}
}

// The writer's write deadline lapses while only direct writes happen;
// that must not cut the connection (a direct write never blocks).
func TestDirectWriteAfterWriteDeadlineLapsed(t *testing.T) {
	socks, clients := tcpPairs(t, 2)
	s := New(Config{Limits: Limits{WriteTimeout: 50 * time.Millisecond}}, nil)
	r, ms := benchRoom(s, socks)
	require.NoError(t, socks[1].SetWriteDeadline(time.Now().Add(10*time.Millisecond)))
	time.Sleep(30 * time.Millisecond)
	br := bufio.NewReader(clients[1])
	_ = clients[1].SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := range 3 {
		r.relay(&ms[0].client.self, false, false, []byte("m"+strconv.Itoa(i)))
		ms[0].out.flush()
		line, err := br.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, "3:1:m"+strconv.Itoa(i)+"\n", line)
	}
	ms[1].mu.Lock()
	defer ms[1].mu.Unlock()
	require.False(t, ms[1].closing)
}
