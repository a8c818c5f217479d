package server

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func testPool() *sync.Pool {
	return &sync.Pool{New: func() any { b := make([]byte, readBufferSize); return &b }}
}

// lineReader returns what bufio.Reader returns for the same bytes, and
// holds no buffer while it waits on an empty socket.
func TestLineReaderMatchesBufioAndIdlesWithoutBuffer(t *testing.T) {
	long := strings.Repeat("y", readBufferSize*2+17)
	input := "1:a\n" + long + "\n\n3:0:" + strings.Repeat("z", readBufferSize-10) + "\n7\n"
	tests := []struct {
		name   string
		chunks []string
	}{
		{"one write", []string{input}},
		{"byte by byte around the long line", []string{input[:3], input[3:5], input[5 : 5+readBufferSize], input[5+readBufferSize:]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			socks, clients := tcpPairs(t, 1)
			var clock atomic.Int64
			lr := newLineReader(socks[0], testPool(), &clock, readerQuiet)
			require.NotNil(t, lr)
			go func() {
				for _, c := range tt.chunks {
					_, _ = clients[0].Write([]byte(c))
					time.Sleep(5 * time.Millisecond)
				}
			}()
			want := bufio.NewReaderSize(strings.NewReader(input), readBufferSize)
			for {
				wl, werr := want.ReadSlice('\n')
				if errors.Is(werr, os.ErrClosed) || (werr != nil && !errors.Is(werr, bufio.ErrBufferFull)) {
					break
				}
				gl, gerr := lr.ReadSlice('\n')
				require.Equal(t, string(wl), string(gl))
				require.Equal(t, werr, gerr)
			}
			require.Zero(t, lr.Buffered())
			require.NoError(t, socks[0].SetReadDeadline(time.Now().Add(50*time.Millisecond)))
			_, err := lr.ReadSlice('\n')
			require.ErrorIs(t, err, os.ErrDeadlineExceeded)
			require.Nil(t, lr.bufp, "an idle reader holds no buffer")
		})
	}
}
