// Package client is a Go client of the Tandem protocol (protocol/PROTOCOL.md)
// for bots, load tests and Go programs.
//
// A Client has one reader goroutine. It parses every server line, keeps the
// client's view of its room up to date (members, master, network objects
// with owner, generation and merged state; see View) and answers the calls
// that wait for the server: Login, ListRooms, Who, Join, Leave, Ping and
// Instantiate. A "9:" error line is returned by the waiting call it answers
// (matched by command number, in order: the server answers one connection's
// commands in the order sent); any other error is delivered as an event.
// The calls that do not wait (Send, Update, Take, ...) only write their line.
//
// A line the server drops unread ("9:-:rate_limited", "9:-:line_too_long")
// is never answered: its call waits until its context ends, and as the error
// names no command, the next answer of that kind may be taken for it. Stay
// under the server's rate limit and set WithMaxLine to its --max-line.
//
// Reconnect: when the connection drops (Done is closed without Close), the
// server keeps the player in its room, inactive, for the room's rejoin
// grace. Dial a new Client and call Resume with the user and the old
// client's ResumeToken: the session continues with the same id, room and
// objects, and the view is rebuilt from the room's snapshot. If Resume
// fails with bad_token, log in and join again.
//
// Events: every server line that is not just an answer to a waiting call is
// delivered on Events, including the lines of a join. The channel has a
// bounded buffer (WithEventBuffer). When the consumer does not keep up, the
// client drops the oldest buffered event to make room and counts it in
// Stats().EventsDropped: the reader never blocks on a slow consumer, so
// the room view and the waiting calls stay current whether or not anyone
// reads. The channel is closed when the connection ends.
//
// All methods are safe for concurrent use. Lines are written whole, under
// one lock, and flushed per call.
package client

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/bits"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
)

type config struct {
	tls          *tls.Config
	eventBuffer  int
	keepAlive    time.Duration
	writeTimeout time.Duration
	maxLine      int
	localAddr    net.Addr
}

func defaultConfig() config {
	return config{eventBuffer: 1024, keepAlive: 15 * time.Second, writeTimeout: 10 * time.Second, maxLine: 65536}
}

// Option changes how Dial sets up a client.
type Option func(*config)

// WithTLS connects over TLS with cfg (nil: default settings). The server
// name defaults to the host of the address.
func WithTLS(cfg *tls.Config) Option {
	return func(c *config) {
		if cfg == nil {
			cfg = &tls.Config{}
		}
		c.tls = cfg
	}
}

// WithEventBuffer sets how many events wait for the consumer (default
// 1024) before the oldest is dropped. n < 1 turns events off; the room view
// is still kept.
func WithEventBuffer(n int) Option { return func(c *config) { c.eventBuffer = n } }

// WithKeepAlive sends a ping after d without writing anything (default 15 s,
// well under the server's 60 s idle timeout); 0 turns it off.
func WithKeepAlive(d time.Duration) Option { return func(c *config) { c.keepAlive = d } }

// WithWriteTimeout bounds one write to the socket (default 10 s). A write
// that fails or times out closes the client.
func WithWriteTimeout(d time.Duration) Option { return func(c *config) { c.writeTimeout = d } }

// WithMaxLine is the longest line the client will send (default 65536,
// the server's default --max-line); longer ones fail before sending.
func WithMaxLine(n int) Option { return func(c *config) { c.maxLine = n } }

// WithLocalAddr dials from addr (a *net.TCPAddr; port 0 picks one): a
// load tool spreads its connections over several source addresses, as
// players behind different addresses would be.
func WithLocalAddr(addr net.Addr) Option { return func(c *config) { c.localAddr = addr } }

// maxInLine bounds a server line: far above anything a server within its
// limits sends, low enough that garbage cannot exhaust memory.
const maxInLine = 16 << 20

// Stats are the client's counters.
type Stats struct {
	LinesSent     uint64
	LinesReceived uint64
	ErrorLines    uint64 // "9:" lines received, answers to calls included
	EventsDropped uint64 // dropped because the consumer did not read
	StaleUpdates  uint64 // "11" lines below the known generation, dropped
}

// Client is a connection to a Tandem server.
type Client struct {
	conn   net.Conn
	cfg    config
	events chan Event
	done   chan struct{} // closed when the reader has finished

	wmu       sync.Mutex // serializes writes; taken before mu
	bw        *bufio.Writer
	keepAlive *time.Timer

	mu           sync.Mutex
	id           int64
	sessionToken string
	resumeToken  string
	world        world
	waiters      map[int][]*waiter // by message number, oldest first
	closeErr     error             // set once the client is closed
	closing      *ClosingError     // the server's "8" line, if any
	seq          uint64            // for ping and instantiate tokens

	sent, received, errs, dropped, stale atomic.Uint64
}

// waiter is a call waiting for its answer.
type waiter struct {
	num       int
	leave     bool   // for 2: waits for the leave confirmation, not a join
	resumed   bool   // for 19: the session line came; waits for "17"
	token     string // for 7 and 10
	abandoned bool   // the caller gave up; the answer is still consumed
	done      chan struct{}
	val       any
	err       error
}

// Dial connects to addr ("host:port"); ctx bounds the dial and any TLS
// handshake, not the life of the client.
func Dial(ctx context.Context, addr string, opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	var conn net.Conn
	var err error
	nd := &net.Dialer{LocalAddr: cfg.localAddr}
	if cfg.tls != nil {
		d := tls.Dialer{NetDialer: nd, Config: cfg.tls}
		conn, err = d.DialContext(ctx, "tcp", addr)
	} else {
		conn, err = nd.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	return newClient(conn, cfg), nil
}

// newClient runs a client on an established connection.
func newClient(conn net.Conn, cfg config) *Client {
	c := &Client{
		conn:    conn,
		cfg:     cfg,
		events:  make(chan Event, max(cfg.eventBuffer, 0)),
		done:    make(chan struct{}),
		bw:      bufio.NewWriter(conn),
		waiters: make(map[int][]*waiter),
	}
	c.world.reset("")
	if cfg.keepAlive > 0 {
		// Under wmu: the first tick's write reads the timer to reset it.
		c.wmu.Lock()
		c.keepAlive = time.AfterFunc(cfg.keepAlive, func() { _ = c.write([]byte("7\n")) })
		c.wmu.Unlock()
	}
	go c.readLoop()
	return c
}

// Close closes the connection, fails the waiting calls with ErrClosed and
// closes the event channel. It waits for the reader to finish.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closeErr == nil {
		c.closeErr = ErrClosed
	}
	c.mu.Unlock()
	err := c.conn.Close()
	<-c.done
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Done is closed when the connection has ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err says why the client closed (nil while open): ErrClosed, or an error
// wrapping it (a *ClosingError when the server said why).
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeErr
}

// Events returns the event channel (see the package comment).
func (c *Client) Events() <-chan Event { return c.events }

// ID is the client id of the session (0 before login).
func (c *Client) ID() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.id
}

// ResumeToken is the token that resumes this session on a new connection
// after a drop (see Resume); each login and resume issues a new one. It is
// "" before login or when the server has rejoin off.
func (c *Client) ResumeToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resumeToken
}

// View returns a copy of the client's view of its room (Room is "" outside
// a room).
func (c *Client) View() RoomView {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.world.view()
}

// Object returns a copy of one object of the room.
func (c *Client) Object(id netobj.ID) (Object, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.world.objects[id]
	if o == nil {
		return Object{}, false
	}
	return o.copy(), true
}

// Stats returns the counters.
func (c *Client) Stats() Stats {
	return Stats{
		LinesSent:     c.sent.Load(),
		LinesReceived: c.received.Load(),
		ErrorLines:    c.errs.Load(),
		EventsDropped: c.dropped.Load(),
		StaleUpdates:  c.stale.Load(),
	}
}

// --- waiting calls ---

// Login logs in and returns the session's client id.
func (c *Client) Login(ctx context.Context, user, password string) (int64, error) {
	if err := checkName("user", user); err != nil {
		return 0, fmt.Errorf("login: %w", err)
	}
	if err := checkName("password", password); err != nil {
		return 0, fmt.Errorf("login: %w", err)
	}
	v, err := c.call(ctx, &waiter{num: protocol.NumLogin}, string(protocol.AppendLoginCmd(nil, user, password)))
	if err != nil {
		return 0, fmt.Errorf("login %s: %w", user, err)
	}
	return v.(int64), nil
}

// SessionToken is the session token of the last login (see LoginToken),
// "" when the server issues none. It is kept in memory only.
func (c *Client) SessionToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessionToken
}

// LoginToken logs in with a session token an earlier login returned
// ("18:<token>"), without the password, and returns the session's client
// id. A refused token is a *ServerError with code bad_token: log in with
// the password instead.
func (c *Client) LoginToken(ctx context.Context, token string) (int64, error) {
	if !protocol.ValidSessionToken([]byte(token)) {
		return 0, errors.New("login with token: not a session token")
	}
	v, err := c.call(ctx, &waiter{num: protocol.NumTokenLogin}, string(protocol.AppendTokenLoginCmd(nil, token)))
	if err != nil {
		return 0, fmt.Errorf("login with token: %w", err)
	}
	return v.(int64), nil
}

// Logout ends the session and every session token of the account ("21");
// the server answers "8:logged_out" and closes the connection.
func (c *Client) Logout(ctx context.Context) error {
	if _, err := c.call(ctx, &waiter{num: protocol.NumLogout}, string(protocol.AppendLogoutCmd(nil))); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// Resume continues a dropped session on this fresh connection instead of
// logging in: "19:<user>:<token>", with the token the dropped client's
// ResumeToken returned. The session keeps its client id, room and
// objects; Resume returns the room as its join lines (a full snapshot)
// describe it, and ID and ResumeToken are those of the resumed session. A
// refused token is a *ServerError with code bad_token: log in and join
// again instead.
func (c *Client) Resume(ctx context.Context, user, token string) (*JoinResult, error) {
	if err := checkName("user", user); err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	if err := checkName("token", token); err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	v, err := c.call(ctx, &waiter{num: protocol.NumResume}, string(protocol.AppendResumeCmd(nil, user, token)))
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", user, err)
	}
	r := v.(RoomView)
	return &r, nil
}

// ListRooms lists the public rooms, and the private ones password opens.
func (c *Client) ListRooms(ctx context.Context, password string) ([]RoomCount, error) {
	if password != "" {
		if err := checkField("password", password, false); err != nil {
			return nil, fmt.Errorf("list rooms: %w", err)
		}
	}
	v, err := c.call(ctx, &waiter{num: protocol.NumRooms}, string(protocol.AppendRoomsCmd(nil, password)))
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	return v.([]RoomCount), nil
}

// Who lists the members of room ("" for your own) in join order.
func (c *Client) Who(ctx context.Context, room, password string) ([]Member, error) {
	if room != "" {
		if err := protocol.ValidateRoomName([]byte(room)); err != nil {
			return nil, fmt.Errorf("who %q: %w", room, err)
		}
		if password != "" {
			if err := checkField("password", password, false); err != nil {
				return nil, fmt.Errorf("who %q: %w", room, err)
			}
		}
	}
	v, err := c.call(ctx, &waiter{num: protocol.NumWho}, string(protocol.AppendWhoCmd(nil, room, password)))
	if err != nil {
		return nil, fmt.Errorf("who %q: %w", room, err)
	}
	return v.(whoLine).members, nil
}

// Join joins room (creating it with password if it does not exist),
// leaving the current room first, and returns the room once its snapshot
// has arrived.
func (c *Client) Join(ctx context.Context, room, password string) (*JoinResult, error) {
	if err := protocol.ValidateRoomName([]byte(room)); err != nil {
		return nil, fmt.Errorf("join %q: %w", room, err)
	}
	if password != "" {
		if err := checkField("password", password, false); err != nil {
			return nil, fmt.Errorf("join %q: %w", room, err)
		}
	}
	v, err := c.call(ctx, &waiter{num: protocol.NumJoin}, string(protocol.AppendJoinCmd(nil, room, password)))
	if err != nil {
		return nil, fmt.Errorf("join %q: %w", room, err)
	}
	r := v.(RoomView)
	return &r, nil
}

// Leave leaves the room and waits for the server's confirmation.
func (c *Client) Leave(ctx context.Context) error {
	if _, err := c.call(ctx, &waiter{num: protocol.NumJoin, leave: true}, string(protocol.AppendLeaveCmd(nil))); err != nil {
		return fmt.Errorf("leave: %w", err)
	}
	return nil
}

// Ping sends "7:<token>" and returns the time to its answer.
func (c *Client) Ping(ctx context.Context) (time.Duration, error) {
	token := "p" + strconv.FormatUint(c.nextSeq(), 10)
	start := time.Now()
	if _, err := c.call(ctx, &waiter{num: protocol.NumPing, token: token}, string(protocol.AppendPingCmd(nil, token))); err != nil {
		return 0, fmt.Errorf("ping: %w", err)
	}
	return time.Since(start), nil
}

// Instantiate creates a network object and returns it as the server
// echoed it (owned by this client, generation 1). An empty token is
// replaced by one the client makes up, so the echo can be recognised.
func (c *Client) Instantiate(ctx context.Context, token, prefab string, mode netobj.Mode, life netobj.Lifetime, initial netobj.Delta) (*Object, error) {
	if token == "" {
		token = "c" + strconv.FormatUint(c.nextSeq(), 10)
	}
	if err := checkName("prefab", prefab); err != nil {
		return nil, fmt.Errorf("instantiate %s: %w", prefab, err)
	}
	if err := checkField("token", token, false); err != nil {
		return nil, fmt.Errorf("instantiate %s: %w", prefab, err)
	}
	if err := checkDelta(initial); err != nil {
		return nil, fmt.Errorf("instantiate %s: %w", prefab, err)
	}
	b := protocol.AppendInstantiateCmd(nil, token, prefab, mode, life, initial)
	v, err := c.call(ctx, &waiter{num: protocol.NumInstantiate, token: token}, string(b))
	if err != nil {
		return nil, fmt.Errorf("instantiate %s: %w", prefab, err)
	}
	o := v.(Object)
	return &o, nil
}

// --- calls that do not wait: their errors arrive as ErrorReceived ---

// Send sends msg to the room: target is protocol.TargetOthers,
// TargetAll, TargetOthersOrdered or TargetAllOrdered.
func (c *Client) Send(target int, msg string) error {
	if target < protocol.TargetOthers || target > protocol.TargetAllOrdered {
		return fmt.Errorf("send: target %d is not 0 to 3 (use SendTo)", target)
	}
	if err := checkField("message", msg, true); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return c.write(protocol.AppendSendCmd(nil, target, msg))
}

// SendTo sends msg to the listed members (ordered in the room's ordered
// stream if asked). msg cannot contain ':'; use base64 for binary.
func (c *Client) SendTo(ids []int64, msg string, ordered bool) error {
	if len(ids) == 0 {
		return errors.New("send to: no recipients")
	}
	if err := checkField("message", msg, false); err != nil {
		return fmt.Errorf("send to: %w", err)
	}
	return c.write(protocol.AppendSendToCmd(nil, ordered, ids, msg))
}

// Update sends a delta of object id at generation gen (0: the generation
// the client knows). The client applies it to its own view at once when it
// is the known owner at that generation, since the server relays updates
// only to the others.
func (c *Client) Update(id netobj.ID, gen uint32, delta netobj.Delta, ordered bool) error {
	if err := checkDelta(delta); err != nil {
		return fmt.Errorf("update %s: %w", id, err)
	}
	c.mu.Lock()
	o := c.world.objects[id]
	if gen == 0 {
		if o == nil {
			c.mu.Unlock()
			return fmt.Errorf("update %s: object unknown, so its generation is too", id)
		}
		gen = o.info.Gen
	}
	if o != nil && o.info.Owner == c.id && o.info.Gen == gen {
		_ = o.state.Merge(delta, 0)
	}
	c.mu.Unlock()
	return c.write(protocol.AppendUpdateCmd(nil, id, gen, ordered, delta))
}

// Take takes object id (in request mode: asks its owner). With
// expectedOwner > 0 the take only happens if that is still the owner.
// The outcome arrives as OwnerChanged, OwnershipDenied or ErrorReceived.
func (c *Client) Take(id netobj.ID, expectedOwner int64) error {
	return c.write(protocol.AppendOwnershipCmd(nil, id, protocol.OwnTake, expectedOwner))
}

// Give hands object id to member to (owner only).
func (c *Client) Give(id netobj.ID, to int64) error { return c.ownership(id, protocol.OwnGive, to) }

// Approve grants a pending request-mode take by requester (owner only).
func (c *Client) Approve(id netobj.ID, requester int64) error {
	return c.ownership(id, protocol.OwnApprove, requester)
}

// Deny refuses a pending request-mode take by requester (owner only).
func (c *Client) Deny(id netobj.ID, requester int64) error {
	return c.ownership(id, protocol.OwnDeny, requester)
}

func (c *Client) ownership(id netobj.ID, op protocol.OwnOp, who int64) error {
	return c.write(protocol.AppendOwnershipCmd(nil, id, op, who))
}

// Destroy destroys object id (owner or master client).
func (c *Client) Destroy(id netobj.ID) error {
	return c.write(protocol.AppendDestroyCmd(nil, id))
}

// ObjectMessage sends msg about object id to target (protocol.ObjTarget*).
func (c *Client) ObjectMessage(id netobj.ID, target int, msg string) error {
	if target < protocol.ObjTargetOthers || target > protocol.ObjTargetOwner {
		return fmt.Errorf("object message: target %d is not 0 to 4", target)
	}
	if err := checkField("message", msg, true); err != nil {
		return fmt.Errorf("object message: %w", err)
	}
	return c.write(protocol.AppendObjMessageCmd(nil, id, target, msg))
}

// --- writing ---

func (c *Client) nextSeq() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	return c.seq
}

// checkField refuses what would break the line framing: line breaks and
// NUL always, ':' where the field is not the rest of the line.
func checkField(what, s string, colonOK bool) error {
	bad := "\r\n\x00"
	if !colonOK {
		bad += ":"
	}
	if strings.ContainsAny(s, bad) {
		return fmt.Errorf("%s may not contain line breaks, NUL or ':'", what)
	}
	return nil
}

// checkName is checkField for a field that may not be empty either.
func checkName(what, s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	return checkField(what, s, false)
}

// NewDelta builds a delta from field values (field number 0..63 to its
// MessagePack encoding).
func NewDelta(values map[int][]byte) (netobj.Delta, error) {
	var d netobj.Delta
	for i := range values {
		if i < 0 || i >= netobj.MaxFields {
			return netobj.Delta{}, fmt.Errorf("field %d is not 0 to %d", i, netobj.MaxFields-1)
		}
		d.Mask |= 1 << uint(i)
	}
	for m := d.Mask; m != 0; m &= m - 1 {
		d.Fields = append(d.Fields, values[bits.TrailingZeros64(m)])
	}
	return d, nil
}

func checkDelta(d netobj.Delta) error {
	if n := bits.OnesCount64(d.Mask); n != len(d.Fields) {
		return fmt.Errorf("delta mask has %d fields but %d values", n, len(d.Fields))
	}
	return nil
}

// write sends one complete line ('\n' included).
func (c *Client) write(line []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(line)
}

// writeLocked writes and flushes line; caller holds wmu. A failed write
// leaves the stream in an unknown state, so it closes the connection.
func (c *Client) writeLocked(line []byte) error {
	if err := c.Err(); err != nil {
		return err
	}
	if len(line)-1 > c.cfg.maxLine {
		return fmt.Errorf("line of %d bytes is over the %d-byte limit", len(line)-1, c.cfg.maxLine)
	}
	if c.cfg.writeTimeout > 0 {
		_ = c.conn.SetWriteDeadline(time.Now().Add(c.cfg.writeTimeout))
	}
	_, _ = c.bw.Write(line)
	if err := c.bw.Flush(); err != nil {
		_ = c.conn.Close()
		return fmt.Errorf("write: %w", err)
	}
	c.sent.Add(1)
	if c.keepAlive != nil {
		c.keepAlive.Reset(c.cfg.keepAlive)
	}
	return nil
}

// call registers w, writes line and waits for the answer. Registering and
// writing happen under wmu, so waiters queue in the order of their lines.
func (c *Client) call(ctx context.Context, w *waiter, line string) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(line)-1 > c.cfg.maxLine {
		return nil, fmt.Errorf("line of %d bytes is over the %d-byte limit", len(line)-1, c.cfg.maxLine)
	}
	w.done = make(chan struct{})
	c.wmu.Lock()
	c.mu.Lock()
	if err := c.closeErr; err != nil {
		c.mu.Unlock()
		c.wmu.Unlock()
		return nil, err
	}
	c.waiters[w.num] = append(c.waiters[w.num], w)
	c.mu.Unlock()
	err := c.writeLocked([]byte(line))
	c.wmu.Unlock()
	if err != nil {
		return nil, err // the connection is closed; the reader fails w
	}
	select {
	case <-w.done:
		return w.val, w.err
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-w.done: // answered meanwhile: the result is real
		return w.val, w.err
	default:
		// Stay queued: the answer will still come and must not be taken
		// for the answer to a later call.
		w.abandoned = true
		return nil, ctx.Err()
	}
}
