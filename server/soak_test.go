package server_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
)

// chaos is one misbehaving client: it logs in, hops between rooms, sends
// garbage, oversize lines and floods, drops mid-line, and starts again.
func chaos(addr string, n int, stop <-chan struct{}, rng *rand.Rand) {
	rooms := []string{"calm", "noisy", "other"}
	junk := []string{"x", "99", "3", "2:a,b", "11:1.1:1:0:zz:", "12:9.9:take", "\xff\xfe", strings.Repeat("z", 3000), "10:t:P:q:p:0:"}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		nc, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			continue
		}
		go func() { _, _ = bufio.NewReader(nc).WriteTo(discard{}) }() // read everything, or be a slow consumer
		w := bufio.NewWriter(nc)
		fmt.Fprintf(w, "0:chaos%d:pw\n", n) // same name again: replaces its own session
		for k := 0; k < 20+rng.IntN(40); k++ {
			switch rng.IntN(6) {
			case 0:
				fmt.Fprintf(w, "2:%s\n", rooms[rng.IntN(len(rooms))])
			case 1:
				fmt.Fprintf(w, "%s\n", junk[rng.IntN(len(junk))])
			case 2:
				for f := 0; f < 50; f++ {
					fmt.Fprintf(w, "3:0:flood %d\n", f)
				}
			case 3:
				fmt.Fprintf(w, "3:3:chaos\n")
			case 4:
				fmt.Fprintf(w, "10:c%d:Junk:t:p:0:\n", k)
			case 5:
				fmt.Fprintf(w, "2:-1\n")
			}
			_ = w.Flush()
		}
		if rng.IntN(2) == 0 {
			_, _ = nc.Write([]byte("3:3:cut mid-li"))
		}
		_ = nc.Close()
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test skipped in -short mode")
	}
	baseline := runtime.NumGoroutine()
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.MessagesPerSecond = 200
		c.Limits.MessageBurst = 100
		c.Limits.RateStrikes = 20
		c.Limits.MaxLineBytes = 2048
	}))
	const good, perGood = 4, 250
	goods := make([]*servertest.Client, good)
	for i := range goods {
		goods[i] = srv.Login(t, fmt.Sprintf("good%d", i))
		goods[i].Join("calm")
	}
	for _, g := range goods {
		g.Sync("ready")
	}

	stop := make(chan struct{})
	var chaosWG sync.WaitGroup
	for n := 0; n < 12; n++ {
		chaosWG.Add(1)
		go func(n int) {
			defer chaosWG.Done()
			chaos(srv.Addr, n, stop, rand.New(rand.NewPCG(uint64(n), 7)))
		}(n)
	}

	// The well-behaved clients send ordered messages at a polite rate.
	var sendWG sync.WaitGroup
	for i, g := range goods {
		sendWG.Add(1)
		go func(i int, g *servertest.Client) {
			defer sendWG.Done()
			for k := 0; k < perGood; k++ {
				g.Send(fmt.Sprintf("3:3:good %d %d", i, k))
				time.Sleep(10 * time.Millisecond)
			}
		}(i, g)
	}
	sendWG.Wait()
	close(stop)
	chaosWG.Wait()

	var orders [][]string
	for _, g := range goods {
		var mine []string
		for len(mine) < good*perGood {
			l := g.Next()
			if i := strings.Index(l, ":good "); i > 0 {
				mine = append(mine, l[i+1:])
			}
		}
		orders = append(orders, mine)
	}
	for i := range goods {
		assert.Equal(t, orders[0], orders[i], "client %d saw another order", i)
		next := make([]int, good)
		for _, m := range orders[i] {
			var s, k int
			_, err := fmt.Sscanf(m, "good %d %d", &s, &k)
			require.NoError(t, err)
			require.Equal(t, next[s], k, "client %d: message of sender %d lost or reordered", i, s)
			next[s]++
		}
	}

	// The chaos really happened: floods were cut, junk was refused.
	assert.Positive(t, metricValue(t, srv, "tandem_rate_limited_total"))
	// Logins are deliberately slow (argon2id on a bounded pool), so only
	// some chaos sessions get in: at least one must have.
	assert.Greater(t, metricValue(t, srv, "tandem_logins_total"), float64(good), "chaos clients logged in")
	assert.Positive(t, metricValue(t, srv, "tandem_errors_total"), "junk was refused")

	require.NoError(t, srv.Stop())
	require.Eventually(t, func() bool {
		return runtime.NumGoroutine() <= baseline+10
	}, 10*time.Second, 50*time.Millisecond, "goroutines leaked: %d now, %d before", runtime.NumGoroutine(), baseline)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	assert.Less(t, ms.HeapAlloc, uint64(256<<20), "heap stays bounded")
}
