package server

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tandemnet/tandem/protocol"
)

// ClusterConfig makes a node one of several sharing NATS (messaging
// between nodes) and PostgreSQL (accounts, ids, room list, room homes).
type ClusterConfig struct {
	// URL is the NATS server, e.g. nats://127.0.0.1:4222 (several,
	// comma-separated, for a NATS cluster). A user and password or a token
	// may be given in the URL (nats://user:pass@host:4222).
	URL string
	// Creds is a NATS credentials file (.creds, a JWT with its NKey seed)
	// or an NKey seed file (.nk); empty: none.
	Creds string
	// TLSCA is a PEM file of the CA that signed the NATS server's
	// certificate; set, the link to NATS must be TLS.
	TLSCA string
	// NodeTimeout is how long a silent node is still taken as alive.
	NodeTimeout time.Duration
	// DatabaseURL is the PostgreSQL database where room homes are claimed
	// (the same database as the store).
	DatabaseURL string
	// ReleaseAfter is how long a closed room's home claim is kept before
	// it is deleted (default DefaultReleaseAfter).
	ReleaseAfter time.Duration
}

// DefaultReleaseAfter is ClusterConfig.ReleaseAfter's default.
const DefaultReleaseAfter = 30 * time.Second

// DefaultNodeTimeout is ClusterConfig.NodeTimeout's default.
const DefaultNodeTimeout = 5 * time.Second

var nodeNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidateNodeName refuses a node name that cannot be a NATS subject token.
func ValidateNodeName(name string) error {
	if !nodeNamePattern.MatchString(name) {
		return fmt.Errorf("node name %q: use 1 to 64 letters, digits, '-' or '_'", name)
	}
	return nil
}

// SanitizeNodeName turns any text (a host name, say) into a valid node name.
func SanitizeNodeName(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
			b[i] = '-'
		}
	}
	if len(b) > 64 {
		b = b[len(b)-64:]
	}
	if len(b) == 0 {
		return "node"
	}
	return string(b)
}

// Subjects. Node names are validated subject tokens; room and user names
// never appear in a subject, only in payloads.
func subjFrames(node string) string { return "tandem.node." + node + ".frames" }
func subjCmds(node string) string   { return "tandem.node." + node + ".cmds" }

const (
	subjHeartbeat = "tandem.heartbeat"
	subjSession   = "tandem.session"
	// subjOperator carries an operator's disconnect (kick, ban, account
	// deletion, "log out everywhere") to every node.
	subjOperator = "tandem.operator"
)

// operatorWait bounds how long an operator's disconnect waits to learn
// whether another node had the player.
const operatorWait = time.Second

// cluster is this node's part of the cluster: its NATS link, the room
// homes it claimed, the members of its rooms connected elsewhere (proxies),
// the rooms homed elsewhere that its clients are in (views), and what it
// knows of the other nodes' liveness.
type cluster struct {
	srv   *Server
	cfg   ClusterConfig
	node  string
	log   *slog.Logger
	homes *homeTable
	nc    *nats.Conn
	m     clusterMetrics

	inc     atomic.Uint64 // incarnation: new at start and on every reconnect
	crashed atomic.Bool   // Crash was called: act as a dead process

	mu        sync.Mutex
	connected bool
	upSince   time.Time
	peers     map[string]peerState
	proxies   map[int64]*client       // home side: remote members of rooms homed here
	views     map[viewKey]*remoteView // member side: rooms homed elsewhere with local members
	locals    map[int64]*client       // this node's logged-in clients

	stop chan struct{}
	done chan struct{}

	// claimMu is held from claiming a room's home to creating the room on
	// this node, and while releasing a claim: a claim is never released
	// under a room being created on it.
	claimMu     sync.Mutex
	closedRooms chan string // names of rooms closed here, for releaseLoop
	releaseDone chan struct{}
}

type peerState struct {
	seen time.Time
	inc  uint64
}

type clusterMetrics struct {
	latency       prometheus.Histogram
	dropped       *prometheus.CounterVec
	publishErrors prometheus.Counter
	nodesLost     prometheus.Counter
}

func randomUint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:]) | 1
}

func newCluster(s *Server) *cluster {
	cfg := *s.cfg.Cluster
	if cfg.NodeTimeout <= 0 {
		cfg.NodeTimeout = DefaultNodeTimeout
	}
	if cfg.ReleaseAfter <= 0 {
		cfg.ReleaseAfter = DefaultReleaseAfter
	}
	c := &cluster{
		srv: s, cfg: cfg, node: s.cfg.Node, log: s.log.With("node", s.cfg.Node),
		peers:       make(map[string]peerState),
		proxies:     make(map[int64]*client),
		views:       make(map[viewKey]*remoteView),
		locals:      make(map[int64]*client),
		stop:        make(chan struct{}),
		done:        make(chan struct{}),
		closedRooms: make(chan string, 1<<12),
		releaseDone: make(chan struct{}),
	}
	c.inc.Store(randomUint64())
	return c
}

// start connects to NATS and the home table; it fails when either does
// not answer, so a misconfigured node never serves alone.
func (c *cluster) start(ctx context.Context) error {
	cfg, s := c.cfg, c.srv
	if err := ValidateNodeName(c.node); err != nil {
		return err
	}
	homes, err := openHomeTable(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	c.homes = homes
	if err := homes.releaseNode(ctx, c.node); err != nil {
		homes.close()
		return err
	}
	opts := []nats.Option{
		nats.Name("tandem " + c.node),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectBufSize(-1), // while disconnected, publishing fails at once
		nats.Timeout(cfg.NodeTimeout),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { c.onDisconnect(err) }),
		nats.ReconnectHandler(func(*nats.Conn) { c.onReconnect() }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			c.log.Warn("cluster link error", "err", err)
			if errors.Is(err, nats.ErrSlowConsumer) {
				// NATS dropped messages for this node: rather than run
				// rooms with a gap, end every cross-node membership and
				// start a new incarnation (the others drop ours).
				c.endCrossNode("this node fell behind its link to the other nodes; join again")
				c.inc.Store(randomUint64())
				c.heartbeat()
			}
		}),
	}
	if cfg.Creds != "" {
		if strings.HasSuffix(cfg.Creds, ".nk") {
			o, err := nats.NkeyOptionFromSeed(cfg.Creds)
			if err != nil {
				homes.close()
				return fmt.Errorf("read NKey seed %s: %w", cfg.Creds, err)
			}
			opts = append(opts, o)
		} else {
			opts = append(opts, nats.UserCredentials(cfg.Creds))
		}
	}
	if cfg.TLSCA != "" {
		opts = append(opts, nats.RootCAs(cfg.TLSCA))
	}
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		homes.close()
		return fmt.Errorf("connect to NATS at %s: %w", redactNATS(cfg.URL), err)
	}
	c.nc = nc
	for subj, h := range map[string]nats.MsgHandler{
		subjFrames(c.node): c.onFrame,
		subjCmds(c.node):   c.onCommand,
		subjHeartbeat:      c.onHeartbeat,
		subjSession:        c.onSession,
		subjOperator:       c.onOperator,
	} {
		sub, err := nc.Subscribe(subj, h)
		if err != nil {
			nc.Close()
			homes.close()
			return fmt.Errorf("subscribe to %s: %w", subj, err)
		}
		// A home's fan-out can burst; the defaults would drop frames early.
		_ = sub.SetPendingLimits(1<<20, 256<<20)
	}
	if err := nc.FlushTimeout(cfg.NodeTimeout); err != nil {
		nc.Close()
		homes.close()
		return fmt.Errorf("NATS at %s does not answer: %w", redactNATS(cfg.URL), err)
	}
	c.mu.Lock()
	c.connected, c.upSince = true, time.Now()
	c.mu.Unlock()
	c.registerMetrics(s.metrics)
	c.heartbeat()
	go c.run()
	go c.releaseLoop()
	c.log.Info("joined the cluster", "nats", redactNATS(cfg.URL), "node_timeout", cfg.NodeTimeout)
	return nil
}

// roomGone hears that a room homed here closed (never blocks).
func (c *cluster) roomGone(name string) {
	select {
	case c.closedRooms <- name:
	default: // the claim stays until this node stops: harmless
	}
}

// releaseLoop deletes the home claims of rooms closed ReleaseAfter ago
// that are still not live.
func (c *cluster) releaseLoop() {
	defer close(c.releaseDone)
	due := map[string]time.Time{}
	t := time.NewTicker(max(c.cfg.ReleaseAfter/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case name := <-c.closedRooms:
			due[name] = time.Now().Add(c.cfg.ReleaseAfter)
		case now := <-t.C:
			for name, at := range due {
				if now.Before(at) || c.crashed.Load() {
					continue
				}
				delete(due, name)
				c.claimMu.Lock()
				if c.srv.hub.get(name) == nil {
					ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
					if err := c.homes.release(ctx, name, c.node); err != nil {
						c.log.Warn("release a closed room's home claim", "room", name, "err", err)
					}
					cancel()
				}
				c.claimMu.Unlock()
			}
		}
	}
}

// redactNATS hides credentials in a NATS URL for logs and errors.
func redactNATS(u string) string {
	parts := strings.Split(u, ",")
	for i, p := range parts {
		if at := strings.LastIndex(p, "@"); at >= 0 {
			if scheme := strings.Index(p, "://"); scheme >= 0 && scheme < at {
				parts[i] = p[:scheme+3] + "***" + p[at:]
			}
		}
	}
	return strings.Join(parts, ",")
}

func (c *cluster) registerMetrics(m *Metrics) {
	reg := m.Registry
	c.m.latency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "tandem", Subsystem: "cluster", Name: "delivery_latency_seconds",
		Help:    "From a home node publishing a frame to this node fanning it out (clocks of both nodes).",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	})
	c.m.dropped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "tandem", Subsystem: "cluster", Name: "dropped_messages_total",
		Help: "Inter-node messages dropped: malformed, or unexpected (unknown room or client).",
	}, []string{"reason"})
	c.m.publishErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "tandem", Subsystem: "cluster", Name: "publish_errors_total",
		Help: "Inter-node messages that could not be sent (NATS down).",
	})
	c.m.nodesLost = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "tandem", Subsystem: "cluster", Name: "nodes_lost_total",
		Help: "Other nodes declared dead (silent for --node-timeout) or restarted.",
	})
	reg.MustRegister(c.m.latency, c.m.dropped, c.m.publishErrors, c.m.nodesLost)
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "tandem", Subsystem: "cluster", Name: name, Help: help}, f))
	}
	counter := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "tandem", Subsystem: "cluster", Name: name, Help: help}, f))
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "tandem", Subsystem: "cluster", Name: "node_info",
		Help: "Always 1; the node label names this node.", ConstLabels: prometheus.Labels{"node": c.node},
	}, func() float64 { return 1 }))
	gauge("local_members", "Room members connected to this node (in rooms homed here or elsewhere).", func() float64 {
		local, _ := c.memberCounts()
		return float64(local)
	})
	gauge("remote_members", "Members of rooms homed here that are connected to other nodes.", func() float64 {
		_, remote := c.memberCounts()
		return float64(remote)
	})
	gauge("rooms_homed", "Live rooms whose home is this node.", func() float64 { return float64(len(c.srv.hub.all())) })
	gauge("peers_alive", "Other nodes heard from within --node-timeout.", func() float64 {
		c.mu.Lock()
		defer c.mu.Unlock()
		return float64(len(c.peers))
	})
	stats := func(f func(nats.Statistics) uint64) func() float64 {
		return func() float64 { return float64(f(c.nc.Stats())) }
	}
	counter("nats_msgs_in_total", "NATS messages received.", stats(func(s nats.Statistics) uint64 { return s.InMsgs }))
	counter("nats_msgs_out_total", "NATS messages sent.", stats(func(s nats.Statistics) uint64 { return s.OutMsgs }))
	counter("nats_bytes_in_total", "NATS payload bytes received.", stats(func(s nats.Statistics) uint64 { return s.InBytes }))
	counter("nats_bytes_out_total", "NATS payload bytes sent.", stats(func(s nats.Statistics) uint64 { return s.OutBytes }))
}

// memberCounts returns the room members connected here and the remote
// members of rooms homed here.
func (c *cluster) memberCounts() (local, remote int) {
	for _, r := range c.srv.hub.all() {
		for _, m := range r.memberList() {
			if _, ok := m.out.(*remoteOutbox); !ok {
				local++
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range c.views {
		local += len(v.memberList())
	}
	return local, len(c.proxies)
}

func (c *cluster) drop(reason string) {
	c.log.Debug("inter-node message dropped", "reason", reason)
	c.m.dropped.WithLabelValues(reason).Inc()
}

func (c *cluster) publish(subj string, b []byte) {
	if c.crashed.Load() {
		return
	}
	if err := c.nc.Publish(subj, b); err != nil {
		c.m.publishErrors.Inc()
	}
}

// run sends heartbeats and declares silent nodes dead.
func (c *cluster) run() {
	defer close(c.done)
	interval := max(c.cfg.NodeTimeout/5, 50*time.Millisecond)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case now := <-t.C:
			if c.crashed.Load() {
				continue
			}
			c.heartbeat()
			var dead []string
			c.mu.Lock()
			if c.connected {
				for name, p := range c.peers {
					if now.Sub(p.seen) > c.cfg.NodeTimeout {
						dead = append(dead, name)
						delete(c.peers, name)
					}
				}
			}
			c.mu.Unlock()
			for _, name := range dead {
				c.nodeLost(name, true, "its node stopped answering")
			}
		}
	}
}

func (c *cluster) heartbeat() {
	w := newWire(0, 32)
	w.str(c.node)
	w.uv(c.inc.Load())
	c.publish(subjHeartbeat, w.b)
}

func (c *cluster) onHeartbeat(msg *nats.Msg) {
	r := wireReader{b: msg.Data}
	_ = r.u8()
	node, inc := r.str(), r.uv()
	if !r.ok() || ValidateNodeName(node) != nil {
		c.drop("malformed")
		return
	}
	if node == c.node || c.crashed.Load() {
		return
	}
	c.mu.Lock()
	old, known := c.peers[node]
	c.peers[node] = peerState{seen: time.Now(), inc: inc}
	c.mu.Unlock()
	if !known {
		c.log.Info("node seen", "peer", node)
	}
	if known && old.inc != inc {
		// The node restarted or reconnected: what we held of its old
		// incarnation is gone, but its rooms' rows are its own again.
		c.nodeLost(node, false, "its node restarted")
	}
}

// alive reports whether node is known alive, and whether it is known dead
// (silent for longer than the timeout since this node is connected).
func (c *cluster) alive(node string) (alive, dead bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.peers[node]; ok {
		return true, false
	}
	return false, c.connected && time.Since(c.upSince) > c.cfg.NodeTimeout
}

// nodeLost ends what this node holds of node: its clients leave rooms
// homed here (with the normal leave, master and object hand-over lines),
// and this node's clients in rooms homed there are told home_lost. With
// cleanStore the dead node's room homes and room-list rows are removed.
func (c *cluster) nodeLost(node string, cleanStore bool, why string) {
	if c.crashed.Load() {
		return
	}
	c.m.nodesLost.Inc()
	c.log.Warn("node lost", "peer", node, "why", why)
	c.mu.Lock()
	var gone []*client
	for id, p := range c.proxies {
		if p.link.node == node {
			gone = append(gone, p)
			delete(c.proxies, id)
		}
	}
	var lost []*remoteView
	for k, v := range c.views {
		if k.home == node {
			lost = append(lost, v)
			delete(c.views, k)
		}
	}
	c.mu.Unlock()
	for _, p := range gone {
		c.srv.hub.leave(p.room, &p.self, false)
	}
	for _, v := range lost {
		c.endView(v, "the room's home node was lost ("+why+"); join again to start it afresh")
	}
	if cleanStore {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
			defer cancel()
			if err := c.homes.releaseNode(ctx, node); err != nil {
				c.log.Warn("release a lost node's room homes", "peer", node, "err", err)
			}
			if err := c.srv.store.CleanNode(ctx, node); err != nil {
				c.srv.metrics.StoreErrors.Inc()
				c.log.Warn("remove a lost node's room-list rows", "peer", node, "err", err)
			}
		}()
	}
}

// onDisconnect runs when the link to NATS breaks: rooms stay, but every
// membership across nodes ends (remote members leave rooms homed here;
// local members of rooms homed elsewhere are told home_lost).
func (c *cluster) onDisconnect(err error) {
	if c.crashed.Load() {
		return
	}
	c.log.Warn("lost the link to NATS; cross-node memberships end, local rooms go on", "err", err)
	c.mu.Lock()
	c.connected = false
	clear(c.peers)
	c.mu.Unlock()
	c.endCrossNode("this node lost its link to the room's home node; join again")
}

// endCrossNode ends every membership across nodes: remote members leave
// the rooms homed here, local members of rooms homed elsewhere are told
// home_lost.
func (c *cluster) endCrossNode(why string) {
	c.mu.Lock()
	gone := make([]*client, 0, len(c.proxies))
	for _, p := range c.proxies {
		gone = append(gone, p)
	}
	clear(c.proxies)
	lost := make([]*remoteView, 0, len(c.views))
	for _, v := range c.views {
		lost = append(lost, v)
	}
	clear(c.views)
	c.mu.Unlock()
	for _, p := range gone {
		c.srv.hub.leave(p.room, &p.self, false)
	}
	for _, v := range lost {
		c.endView(v, why)
	}
}

// onReconnect starts a new incarnation (so the other nodes drop what they
// held of the old one) and claims this node's live rooms again, in case
// the other nodes declared it dead meanwhile.
func (c *cluster) onReconnect() {
	if c.crashed.Load() {
		return
	}
	c.inc.Store(randomUint64())
	c.mu.Lock()
	c.connected, c.upSince = true, time.Now()
	c.mu.Unlock()
	c.log.Info("link to NATS restored")
	c.heartbeat()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 4*storeTimeout)
		defer cancel()
		for _, r := range c.srv.hub.all() {
			holder, err := c.homes.claim(ctx, r.name, c.node)
			if err != nil {
				c.log.Warn("claim a live room again after reconnecting", "room", r.name, "err", err)
				return
			}
			if holder != c.node {
				c.log.Warn("a live room was claimed by another node while this one was cut off; it stays local here", "room", r.name, "home", holder)
			}
		}
		c.srv.mirror.markDirty()
	}()
}

// onSession ends a local session of a user who logged in later elsewhere.
// Client ids grow with every login (one database sequence), so the higher
// id is the later login, whichever message arrives first.
func (c *cluster) onSession(msg *nats.Msg) {
	r := wireReader{b: msg.Data}
	_ = r.u8()
	user, id, node := r.str(), r.iv(), r.str()
	if !r.ok() {
		c.drop("malformed")
		return
	}
	if node == c.node || c.crashed.Load() {
		return
	}
	sr := c.srv.sessions
	sr.mu.Lock()
	old := sr.users[user]
	sr.mu.Unlock()
	if old != nil && old.self.id < id {
		old.conn.closeWith(protocol.CloseSessionReplaced, "you logged in from another connection")
	}
}

// disconnect ends user's session and inactive room membership on the other
// nodes with "8:<code>:<text>" (an operator's kick, ban, account deletion
// or "log out everywhere" given on this node). With wait it reports whether
// another node had either, waiting at most operatorWait for the answer;
// without, it only sends.
func (c *cluster) disconnect(user string, code protocol.Code, text string, wait bool) bool {
	w := newWire(0, 32+len(user)+len(code)+len(text))
	w.str(user)
	w.str(string(code))
	w.str(text)
	w.str(c.node)
	if !wait || c.crashed.Load() {
		c.publish(subjOperator, w.b)
		return false
	}
	reply, err := c.nc.Request(subjOperator, w.b, operatorWait)
	if err != nil {
		if !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, nats.ErrNoResponders) {
			c.m.publishErrors.Inc()
		}
		return false
	}
	return len(reply.Data) == 1 && reply.Data[0] == 1
}

// onOperator carries out another node's operator disconnect here; a node
// that had the player answers a waiting sender.
func (c *cluster) onOperator(msg *nats.Msg) {
	r := wireReader{b: msg.Data}
	_ = r.u8()
	user, code, text, node := r.str(), r.str(), r.str(), r.str()
	if !r.ok() {
		c.drop("malformed")
		return
	}
	if node == c.node || c.crashed.Load() {
		return
	}
	if c.srv.disconnectLocal(user, protocol.Code(code), text) && msg.Reply != "" {
		_ = msg.Respond([]byte{1})
	}
}

// loggedIn registers a local client and ends its user's sessions elsewhere.
func (c *cluster) loggedIn(cl *client) {
	c.mu.Lock()
	c.locals[cl.self.id] = cl
	c.mu.Unlock()
	w := newWire(0, 48)
	w.str(cl.self.user)
	w.iv(cl.self.id)
	w.str(c.node)
	c.publish(subjSession, w.b)
}

func (c *cluster) loggedOut(cl *client) {
	c.mu.Lock()
	if c.locals[cl.self.id] == cl {
		delete(c.locals, cl.self.id)
	}
	c.mu.Unlock()
}

func (c *cluster) local(id int64) *client {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.locals[id]
}

// goodbye tells the remote members of rooms homed here that their room is
// gone (this node is shutting down gracefully).
func (c *cluster) goodbye() {
	c.mu.Lock()
	gone := make([]*client, 0, len(c.proxies))
	for _, p := range c.proxies {
		gone = append(gone, p)
	}
	clear(c.proxies)
	c.mu.Unlock()
	for _, p := range gone {
		c.sendSwitch(p.link.node, p.room, p.self.id, false, homeLostLine(p.room.name, "the room's home node shut down; join again"))
	}
}

// close leaves the cluster after the clients are gone.
func (c *cluster) close() {
	close(c.stop)
	<-c.done
	<-c.releaseDone
	if !c.crashed.Load() {
		_ = c.nc.FlushTimeout(time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		if err := c.homes.releaseNode(ctx, c.node); err != nil {
			c.log.Warn("release this node's room homes at shutdown", "err", err)
		}
		cancel()
	}
	c.nc.Close()
	c.homes.close()
}

// homeLostLine is "23:<room>:home_lost:<text>".
func homeLostLine(room, text string) []byte {
	return protocol.AppendRoomClosed(nil, room, protocol.RoomClosedHomeLost, text)
}

// PeersAlive is how many other nodes this node currently takes as alive
// (0 on a single node).
func (s *Server) PeersAlive() int {
	c := s.cluster
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.peers)
}
