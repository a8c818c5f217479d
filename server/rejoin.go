package server

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/server/accounts"
)

// Reconnect and rejoin (PROTOCOL.md "Reconnect and resume").
//
// When a member's connection drops, the client is replaced in the room's
// member list by a stand-in member with the same id and user whose outbox
// discards: the member stays (in "5", in the room size, as owner of its
// objects, in its place for the master slot), nothing is sent to it, and
// the others get "20:<id>:inactive" in the ordered stream. A fresh
// connection that presents the resume token within the grace swaps itself
// in for the stand-in under the room's write lock and gets the join lines
// of a late joiner. When the grace runs out, the stand-in leaves like any
// member. The member list is copy-on-write, so the swap is one pointer
// store and the fan-out path is unchanged.

// discardOutbox is the outbox of an inactive member: nothing is sent to it.
type discardOutbox struct{}

func (discardOutbox) deliver(*room, outFrame, *deliveryBatch) {}
func (discardOutbox) switchRoom(*room, []byte)                {}

// graceDefault asks for the server's rejoin grace when a room is created.
const graceDefault time.Duration = -1

// resumeTokenBytes is the entropy of a resume token (192 bits).
const resumeTokenBytes = 24

// handoffWait bounds how long a resume waits for a still-open old
// connection of the same session to be parked.
const handoffWait = 5 * time.Second

// clientRejoin is a client's resume state.
type clientRejoin struct {
	// token is the current resume token of the session (nil: none); it is
	// read by other connections that resume the session.
	token atomic.Pointer[string]
	// handoff is set when another connection resumed this session while
	// this one was still open: the close is then a drop, not a leave.
	handoff atomic.Bool
	// gone is closed when the client has left or parked its room.
	gone chan struct{}
}

// inactiveMember is a dropped member waiting for its resume.
type inactiveMember struct {
	stand *member // in the room's member list instead of the client
	room  *room
	token string
	timer *time.Timer
}

// rejoinRegistry holds the node's inactive members by user.
type rejoinRegistry struct {
	hub      *hub
	sessions *sessionRegistry
	lim      *Limits
	log      *slog.Logger

	drops, resumes, expiries, replaced, refused, overLimit prometheus.Counter
	inactive                                               prometheus.Gauge

	mu     sync.Mutex
	byUser map[string]*inactiveMember
	closed bool // shutting down: drops are leaves
}

func newRejoinRegistry(h *hub, sessions *sessionRegistry, lim *Limits, log *slog.Logger, reg *prometheus.Registry) *rejoinRegistry {
	c := func(name, help string) prometheus.Counter {
		x := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "tandem", Subsystem: "rejoin", Name: name, Help: help})
		reg.MustRegister(x)
		return x
	}
	rj := &rejoinRegistry{hub: h, sessions: sessions, lim: lim, log: log, byUser: make(map[string]*inactiveMember)}
	rj.drops = c("drops_total", "Members whose connection dropped and who became inactive.")
	rj.resumes = c("resumes_total", "Inactive members resumed by their token.")
	rj.expiries = c("expiries_total", "Inactive members whose grace ran out (they left).")
	rj.replaced = c("replaced_total", "Inactive members ended by a password login of the same account.")
	rj.refused = c("refused_total", "Resumes refused with bad_token.")
	rj.overLimit = c("over_limit_total", "Drops that were leaves because --max-inactive was reached.")
	rj.inactive = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "tandem", Subsystem: "rejoin", Name: "inactive", Help: "Inactive members on this node."})
	reg.MustRegister(rj.inactive)
	return rj
}

func (sr *sessionRegistry) get(user string) *client {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	return sr.users[user]
}

func newResumeToken() string {
	b := make([]byte, resumeTokenBytes)
	_, _ = rand.Read(b) // never fails (crypto/rand panics on a broken source)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessionLine is the answer to a login or resume:
// "0:<id>:<session token>:<resume token>", with a fresh resume token and
// the session token of cl.claims (empty after a resume, and when that kind
// of token is off), or "0:<id>" when both are off on this server.
func (cl *client) sessionLine(id int64) []byte {
	s := cl.srv
	if s.cfg.Limits.RejoinGrace <= 0 && !s.tokens.on() {
		return protocol.AppendSession(nil, id)
	}
	var session, resume string
	if cl.claims.User != "" {
		session = s.tokens.issue(cl.claims)
	}
	if s.cfg.Limits.RejoinGrace > 0 {
		resume = newResumeToken()
		cl.rejoin.token.Store(&resume)
	}
	return protocol.AppendSessionTokens(nil, id, session, resume)
}

// parseRoomGrace reads the optional grace field of "2" in whole seconds.
func (s *Server) parseRoomGrace(f []byte) (time.Duration, error) {
	if f == nil {
		return graceDefault, nil
	}
	max := s.cfg.Limits.MaxRejoinGrace
	n, err := protocol.ParseInt(f)
	if err != nil || time.Duration(n)*time.Second > max {
		return 0, fmt.Errorf("rejoin grace must be 0 to %d whole seconds", int64(max/time.Second))
	}
	return time.Duration(n) * time.Second, nil
}

// closedBy is why the server closed the connection ("" if the peer went).
func (c *conn) closedBy() protocol.Code {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeCode
}

// isDrop says whether a connection closed this way may be resumed: the
// peer went, or the server cut it for being slow or silent. A replaced
// session, a shutdown, a rate-limit cut and any operator action are not
// drops: the member leaves.
func isDrop(code protocol.Code) bool {
	switch code {
	case "", protocol.CodeSlowConsumer, protocol.CloseIdleTimeout:
		return true
	}
	return false
}

// park makes the client's membership inactive instead of leaving, if this
// close is a drop and the room and the node allow it. It runs on the
// client's reader goroutine from closed(); it reports whether it parked.
func (cl *client) park() bool {
	r := cl.room
	tok := cl.rejoin.token.Load()
	if r.rejoinGrace <= 0 || tok == nil || !(cl.rejoin.handoff.Load() || isDrop(cl.conn.closedBy())) {
		return false
	}
	rj := cl.srv.rejoin
	rj.mu.Lock()
	defer rj.mu.Unlock()
	// A password login that replaced this session meanwhile wins: it has
	// already looked for an inactive member to end, so none may appear now.
	if rj.closed || rj.sessions.get(cl.self.user) != cl {
		return false
	}
	if len(rj.byUser) >= rj.lim.MaxInactive {
		rj.overLimit.Inc()
		return false
	}
	stand := &member{id: cl.self.id, user: cl.self.user, out: discardOutbox{}, inactive: true}
	if !r.deactivate(&cl.self, stand) {
		return false
	}
	im := &inactiveMember{stand: stand, room: r, token: *tok}
	user := cl.self.user
	if old := rj.removeLocked(user); old != nil {
		// Not expected (a login or resume ends the earlier one first), but
		// an inactive member must never be left without its timer.
		rj.hub.leave(old.room, old.stand, false)
	}
	im.timer = time.AfterFunc(r.rejoinGrace, func() { rj.expire(user, im) })
	rj.byUser[user] = im
	rj.drops.Inc()
	rj.inactive.Inc()
	cl.room = nil
	cl.log.Info("connection dropped; member inactive", "room", r.name, "grace", r.rejoinGrace)
	return true
}

// takeLocked removes and returns the inactive member of user if token is
// its resume token; caller holds rj.mu.
func (rj *rejoinRegistry) takeLocked(user string, token []byte) *inactiveMember {
	im := rj.byUser[user]
	if im == nil || subtle.ConstantTimeCompare([]byte(im.token), token) != 1 {
		return nil
	}
	rj.removeLocked(user)
	return im
}

// removeLocked forgets the inactive member of user; caller holds rj.mu.
// A timer that already fired finds it gone and does nothing.
func (rj *rejoinRegistry) removeLocked(user string) *inactiveMember {
	im := rj.byUser[user]
	if im != nil {
		im.timer.Stop()
		delete(rj.byUser, user)
		rj.inactive.Dec()
	}
	return im
}

func (rj *rejoinRegistry) take(user string, token []byte) *inactiveMember {
	rj.mu.Lock()
	defer rj.mu.Unlock()
	return rj.takeLocked(user, token)
}

// expire ends im when its grace runs out: a normal leave.
func (rj *rejoinRegistry) expire(user string, im *inactiveMember) {
	rj.mu.Lock()
	if rj.byUser[user] != im {
		rj.mu.Unlock()
		return // resumed or ended meanwhile
	}
	rj.removeLocked(user)
	rj.mu.Unlock()
	rj.expiries.Inc()
	rj.log.Info("rejoin grace over; member left", "client", im.stand.id, "user", user, "room", im.room.name)
	rj.hub.leave(im.room, im.stand, false)
}

// endInactive ends the inactive member of user, if any, as a leave: a
// password login replaces a dropped session as it replaces a live one.
func (rj *rejoinRegistry) endInactive(user string) bool {
	rj.mu.Lock()
	im := rj.removeLocked(user)
	rj.mu.Unlock()
	if im != nil {
		rj.replaced.Inc()
		rj.hub.leave(im.room, im.stand, false)
	}
	return im != nil
}

// closeAll makes every inactive member leave at shutdown; from now on a
// drop is a leave.
func (rj *rejoinRegistry) closeAll() {
	rj.mu.Lock()
	rj.closed = true
	var all []*inactiveMember
	for user := range rj.byUser {
		all = append(all, rj.removeLocked(user))
	}
	rj.mu.Unlock()
	for _, im := range all {
		rj.hub.leave(im.room, im.stand, false)
	}
}

// resume answers "19:<user>:<resume token>": the session of an inactive
// member continues on this connection with the same id, room and objects.
func (cl *client) resume(cmd *protocol.Command) {
	if cl.loggedIn() {
		cl.sendError(protocol.NumResume, protocol.CodeAlreadyLoggedIn, "this connection is already logged in")
		return
	}
	s := cl.srv
	token := cmd.Fields[1]
	user, err := accounts.NormalizeUserName(string(cmd.Fields[0]))
	if err != nil {
		cl.sendError(protocol.NumResume, protocol.CodeBadCommand, err.Error())
		return
	}
	if s.cfg.Limits.RejoinGrace <= 0 {
		s.rejoin.refused.Inc()
		cl.sendError(protocol.NumResume, protocol.CodeBadToken, "resume is off on this server; log in with 0")
		return
	}
	im := s.rejoin.take(user, token)
	if im == nil {
		im = cl.takeOver(user, token)
	}
	if im == nil {
		s.rejoin.refused.Inc()
		cl.sendError(protocol.NumResume, protocol.CodeBadToken, "no session to resume with this token (used, expired, replaced by a login, or not yours); log in with 0")
		return
	}
	cl.self.id, cl.self.user = im.stand.id, user
	// The loggers are set before the member becomes visible in the room:
	// other readers log through the connection (a slow consumer) once they
	// can deliver to it.
	anonLog := cl.log
	cl.log = cl.log.With("client", cl.self.id, "user", user)
	cl.conn.loggedInAs(cl.log)
	// The session line goes first, in the same step as the join lines.
	if !im.room.reactivate(im.stand, &cl.self, cl.sessionLine(cl.self.id)) {
		// The room was closed under the inactive member (by an operator).
		cl.self.id, cl.self.user = 0, ""
		cl.log = anonLog
		cl.conn.loggedOut(anonLog)
		cl.rejoin.token.Store(nil)
		s.rejoin.refused.Inc()
		cl.sendError(protocol.NumResume, protocol.CodeBadToken, "the room of this session is gone; log in with 0")
		return
	}
	cl.room = im.room
	s.metrics.Sessions.Inc()
	if old := s.sessions.register(user, cl); old != nil {
		old.conn.closeWith(protocol.CloseSessionReplaced, "your session was resumed on another connection")
	}
	if s.cluster != nil {
		s.cluster.loggedIn(cl)
	}
	s.rejoin.resumes.Inc()
	cl.log.Info("session resumed", "room", im.room.name)
}

// takeOver resumes a session whose old connection the server still holds
// open (the client saw it die first, as after a network switch): if token
// is that session's, the old connection is closed as a drop and its
// member parked, then taken.
func (cl *client) takeOver(user string, token []byte) *inactiveMember {
	old := cl.srv.sessions.get(user)
	if old == nil {
		return nil
	}
	tok := old.rejoin.token.Load()
	if tok == nil || subtle.ConstantTimeCompare([]byte(*tok), token) != 1 {
		return nil
	}
	old.rejoin.handoff.Store(true)
	old.conn.closeWith(protocol.CloseSessionReplaced, "your session was resumed on another connection")
	select {
	case <-old.rejoin.gone:
	case <-time.After(handoffWait):
		return nil
	}
	return cl.srv.rejoin.take(user, token)
}

// deactivate puts stand in place of m (same id, same place in the member
// list) and tells the others m is inactive, in the ordered stream. It
// reports false when m is not (or no longer) a member.
func (r *room) deactivate(m, stand *member) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	next, ok := r.replaceMember(m, stand)
	if !ok {
		return false
	}
	m.out.switchRoom(nil, nil)
	r.broadcast(next, stand, outFrame{b: protocol.AppendActivity(nil, m.id, false)})
	return true
}

// reactivate puts m in place of its stand-in, gives m first and the join
// lines of a late joiner and tells the others m is active again, in one
// step of the ordered stream. It reports false when the stand-in is no
// longer a member (its room was closed).
func (r *room) reactivate(stand, m *member, first []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	next, ok := r.replaceMember(stand, m)
	if !ok {
		return false
	}
	m.out.switchRoom(r, r.appendJoinLines(first, next, m))
	r.broadcast(next, m, outFrame{b: protocol.AppendActivity(nil, m.id, true)})
	return true
}

// replaceMember swaps old for repl in a new member list (copy on write,
// for the lock-free relay path); caller holds r.mu for writing.
func (r *room) replaceMember(old, repl *member) ([]*member, bool) {
	if r.closed {
		return nil, false
	}
	ms := r.memberList()
	for i, o := range ms {
		if o == old {
			next := make([]*member, len(ms))
			copy(next, ms)
			next[i] = repl
			r.members.Store(&next)
			return next, true
		}
	}
	return nil, false
}

// appendJoinLines writes what a member receives when it joins or resumes:
// its own line, every other member in join order (each inactive one
// followed by its "20:<id>:inactive"), the master, the object snapshot and
// "17". Caller holds r.mu for writing; ms includes self.
func (r *room) appendJoinLines(b []byte, ms []*member, self *member) []byte {
	b = protocol.AppendJoined(b, self.id, r.name)
	for _, o := range ms {
		if o == self {
			continue
		}
		b = protocol.AppendJoined(b, o.id, r.name)
		if o.inactive {
			b = protocol.AppendActivity(b, o.id, false)
		}
	}
	b = protocol.AppendMaster(b, r.master(ms).id)
	b, n := appendSnapshot(b, r)
	return protocol.AppendReady(b, r.name, n)
}

// appendLiveWho is "5" for a live room, inactive members flagged.
func appendLiveWho(b []byte, room string, ms []*member) []byte {
	entries := make([]protocol.WhoEntry, len(ms))
	for i, m := range ms {
		entries[i] = protocol.WhoEntry{ID: m.id, Name: m.user, Inactive: m.inactive}
	}
	return protocol.AppendWho(b, room, entries)
}
