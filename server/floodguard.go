package server

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tandemnet/tandem/protocol"
)

// floodGuard refuses new connections from addresses whose connections were
// recently cut for abuse (PROTOCOL.md "Abuse limits", DESIGN.md "Abusive
// reconnects"). A client cut with 8:rate_limited for its strikes or its
// byte debt otherwise comes straight back, and every new connection costs
// an accept, a TLS or WebSocket handshake, two goroutines and the lines
// read before its strikes cut it again. Refused at accept, it costs an
// accept, one short write and a close: nothing is read.
//
// The rule, per address (IPv6: per /64, what one subscriber usually
// holds):
//   - the first Cuts-1 cuts cost nothing, so one misbehaving player does
//     not hold back the players behind the same NAT;
//   - from the Cuts-th cut on, new connections are refused for Base, and
//     each further cut doubles it, up to Max;
//   - the record is forgotten once Max has passed without a cut since its
//     back-off ended (or since its last cut, when it had none).
//
// Refused connections neither count as cuts nor extend the back-off, so
// the neighbours of an attacker cannot be locked out longer by their own
// attempts. Open connections are never touched: the back-off applies to
// new connections only.
type floodGuard struct {
	base, max time.Duration // base <= 0: off
	cuts      int
	now       func() time.Time

	mu        sync.Mutex
	addrs     map[netip.Addr]*cutRecord
	limit     int       // records kept at most
	lastPrune time.Time // a full table is pruned at most once per base

	refusedBackoff, refusedPerAddress prometheus.Counter
}

type cutRecord struct {
	cuts  int
	last  time.Time // of the last cut
	until time.Time // refused before this
}

// maxCutRecords bounds the table (about 100 bytes a record). When it is
// full of live records a new address is not recorded: the guard fails
// open rather than grow without bound.
const maxCutRecords = 100000

func newFloodGuard(l *Limits, reg prometheus.Registerer, now func() time.Time) *floodGuard {
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "tandem", Name: "connections_refused_total",
		Help: "New connections closed at accept, by reason: abuse_backoff (the address was cut for abuse recently), per_address (--max-conns-per-ip).",
	}, []string{"reason"})
	reg.MustRegister(refused)
	return &floodGuard{
		base:              l.AbuseBackoff,
		max:               max(l.AbuseBackoffMax, l.AbuseBackoff),
		cuts:              max(l.AbuseBackoffCuts, 1),
		now:               now,
		addrs:             make(map[netip.Addr]*cutRecord),
		limit:             maxCutRecords,
		refusedBackoff:    refused.WithLabelValues("abuse_backoff"),
		refusedPerAddress: refused.WithLabelValues("per_address"),
	}
}

// abuseKey is the back-off key of a remote address: the host, or its /64
// for IPv6. ok is false for an address that is not IP (never refused).
func abuseKey(a net.Addr) (netip.Addr, bool) {
	if ta, isTCP := a.(*net.TCPAddr); isTCP {
		return keyOf(ta.AddrPort().Addr())
	}
	if a == nil {
		return netip.Addr{}, false
	}
	return keyOfString(a.String())
}

func keyOfString(hostPort string) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(hostPort)
	if err != nil {
		return netip.Addr{}, false
	}
	return keyOf(ap.Addr())
}

func keyOf(ip netip.Addr) (netip.Addr, bool) {
	if !ip.IsValid() {
		return netip.Addr{}, false
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		ip = p.Addr()
	}
	return ip, true
}

// cut records that a connection from a was closed for abuse.
func (g *floodGuard) cut(a net.Addr) {
	key, ok := abuseKey(a)
	if g.base <= 0 || !ok {
		return
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.addrs[key]
	if r != nil && g.forgotten(r, now) {
		r.cuts = 0
	}
	if r == nil {
		if len(g.addrs) >= g.limit && !g.prune(now) {
			return
		}
		r = &cutRecord{}
		g.addrs[key] = r
	}
	r.cuts++
	r.last = now
	if over := r.cuts - g.cuts; over >= 0 {
		d := g.base << min(over, 30)
		if d > g.max || d <= 0 {
			d = g.max
		}
		r.until = now.Add(d)
	}
}

// wait is how long new connections from a are still refused; 0 admits.
func (g *floodGuard) wait(a net.Addr) time.Duration {
	if g.base <= 0 {
		return 0
	}
	key, ok := abuseKey(a)
	if !ok {
		return 0
	}
	return g.waitKey(key)
}

// waitRemote is wait for an address written host:port (http.Request's).
func (g *floodGuard) waitRemote(hostPort string) time.Duration {
	if g.base <= 0 {
		return 0
	}
	key, ok := keyOfString(hostPort)
	if !ok {
		return 0
	}
	return g.waitKey(key)
}

func (g *floodGuard) waitKey(key netip.Addr) time.Duration {
	g.mu.Lock()
	r := g.addrs[key]
	var until time.Time
	if r != nil {
		until = r.until
	}
	g.mu.Unlock()
	if until.IsZero() {
		return 0
	}
	return max(until.Sub(g.now()), 0)
}

// forgotten reports whether r has been quiet for max since its back-off
// ended (or its last cut).
func (g *floodGuard) forgotten(r *cutRecord, now time.Time) bool {
	end := r.last
	if r.until.After(end) {
		end = r.until
	}
	return now.Sub(end) > g.max
}

// prune drops forgotten records; it reports whether there is room for a
// new one. Caller holds g.mu.
func (g *floodGuard) prune(now time.Time) bool {
	if len(g.addrs) >= g.limit && now.Sub(g.lastPrune) < g.base {
		return false // pruned a moment ago: don't scan the table per cut
	}
	g.lastPrune = now
	for k, r := range g.addrs {
		if g.forgotten(r, now) {
			delete(g.addrs, k)
		}
	}
	return len(g.addrs) < g.limit
}

// sweep drops forgotten records (called by the server's sweeper).
func (g *floodGuard) sweep() {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.lastPrune = now
	for k, r := range g.addrs {
		if g.forgotten(r, now) {
			delete(g.addrs, k)
		}
	}
}

// refuse closes a new connection from an address in back-off. Nothing is
// read. On plain TCP the client is told why and when to retry, in one
// write to an empty send buffer (it cannot block the accept loop); over
// TLS the line cannot be written without a handshake, which is the cost
// being avoided, so the connection is closed before it.
func (g *floodGuard) refuse(nc net.Conn, wait time.Duration) {
	g.refusedBackoff.Inc()
	if _, isTLS := nc.(*tls.Conn); !isTLS {
		if _, plain := nc.(*net.TCPConn); plain {
			_, _ = nc.Write(protocol.AppendClosing(nil, protocol.CodeRateLimited, refusalText(wait)))
		}
	}
	_ = nc.Close()
}

// refusalText tells a refused client when to come back.
func refusalText(wait time.Duration) string {
	return fmt.Sprintf("connections from your address were cut for abuse; new connections are refused for %s", retryAfter(wait))
}

// retryAfter rounds a wait up to a tenth of a second for the client.
func retryAfter(wait time.Duration) time.Duration {
	r := wait.Round(100 * time.Millisecond)
	if r < wait {
		r += 100 * time.Millisecond
	}
	return max(r, 100*time.Millisecond)
}

// guardedListener closes connections from addresses in back-off as they
// are accepted, before any TLS or HTTP handshake (the WebSocket
// listener's; plain TCP is checked in acceptLoop).
type guardedListener struct {
	net.Listener
	g *floodGuard
}

func (l guardedListener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nc, err
		}
		if w := l.g.wait(nc.RemoteAddr()); w > 0 {
			l.g.refusedBackoff.Inc()
			_ = nc.Close() // an HTTP client gets no line; see refuse
			continue
		}
		return nc, nil
	}
}
