package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// wsPairs opens n real WebSocket connections over loopback TCP and returns
// the server ends as the wsConn the server uses. A reader per client end
// drains every message into a fixed buffer until the connection closes.
func wsPairs(tb testing.TB, n int) (socks []net.Conn, wait func()) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	accepted := make(chan net.Conn)
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hw := &hijackRecorder{ResponseWriter: w}
		ws, err := websocket.Accept(hw, r, nil)
		if err != nil {
			return
		}
		_ = hw.raw.SetDeadline(time.Time{})
		accepted <- &wsConn{ws: ws, raw: hw.raw, log: slog.New(slog.DiscardHandler)}
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	tb.Cleanup(func() { _ = hs.Close() })
	var readers sync.WaitGroup
	for range n {
		c, _, err := websocket.Dial(context.Background(), "ws://"+ln.Addr().String()+"/", nil)
		require.NoError(tb, err)
		socks = append(socks, <-accepted)
		readers.Go(func() {
			buf := make([]byte, 64<<10)
			for {
				_, r, err := c.Reader(context.Background())
				if err != nil {
					return
				}
				for {
					if _, err := r.Read(buf); err != nil {
						if !errors.Is(err, io.EOF) {
							return
						}
						break
					}
				}
			}
		})
	}
	return socks, readers.Wait
}

// BenchmarkFanoutWebSocket is BenchmarkFanoutTCP with WebSocket members:
// each writer batch becomes one text message (frame header + one copy into
// the connection's buffered writer), the producer running ahead.
func BenchmarkFanoutWebSocket(b *testing.B) {
	for _, n := range benchRoomSizes {
		b.Run("members="+strconv.Itoa(n), func(b *testing.B) { fanoutWebSocket(b, n, 32) })
	}
}

// BenchmarkFanoutWebSocketOneByOne: one frame per message, as
// BenchmarkFanoutTCPOneByOne.
func BenchmarkFanoutWebSocketOneByOne(b *testing.B) {
	for _, n := range benchRoomSizes {
		b.Run("members="+strconv.Itoa(n), func(b *testing.B) { fanoutWebSocket(b, n, 1) })
	}
}

func fanoutWebSocket(b *testing.B, n, every int) {
	socks, wait := wsPairs(b, n)
	s := benchServer()
	r, ms := benchRoom(s, socks)
	stop := runWriters(ms)
	sender := ms[0]
	limit := 16 << 10
	if every == 1 {
		limit = 0
	}
	i := 0
	perDelivery(b, n, func() {
		r.relay(&sender.client.self, false, false, benchPayload)
		sender.out.flush() // the end of the sender's read buffer
		if i++; i%every == 0 {
			waitQueues(ms, limit)
		}
	})
	waitQueues(ms, 0)
	b.StopTimer()
	stop() // the writers close the server ends; the readers see the close
	wait()
}

// TestWebSocketWriteAllocatesNothing guards the WebSocket write path: a
// batch written to a WebSocket member allocates nothing, so the fan-out
// stays one shared frame per message over WebSocket too.
func TestWebSocketWriteAllocatesNothing(t *testing.T) {
	socks, _ := wsPairs(t, 1)
	w := socks[0]
	defer w.Close()
	allocs := testing.AllocsPerRun(500, func() {
		if _, err := w.Write(benchPayload); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}
