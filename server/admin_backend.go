package server

// The admin console's view of the server (server/admin.Backend). Every read
// of server internals the console needs is in this one file, so the rest of
// the server can change shape without the console noticing.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/server/admin"
	"github.com/tandemnet/tandem/server/store"
)

var _ admin.Backend = (*Server)(nil)

// Node names this server process.
func (s *Server) Node() string { return s.cfg.Node }

// Counters reads the server's instruments.
func (s *Server) Counters() admin.Counters {
	m := s.metrics
	return admin.Counters{
		Connections:          int64(metricValue(m.Connections)),
		Players:              int64(metricValue(m.Sessions)),
		Rooms:                int64(metricValue(m.Rooms)),
		Objects:              int64(metricValue(m.Objects)),
		MessagesIn:           metricValue(m.MessagesIn),
		BytesIn:              metricValue(m.BytesIn),
		MessagesOut:          metricValue(m.FramesOut),
		BytesOut:             metricValue(m.BytesOut),
		SlowConsumerWarnings: metricValue(m.SlowConsumerWarns),
		SlowConsumerKicks:    metricValue(m.SlowConsumerKicks),
		RateLimited:          metricValue(m.RateLimited),
		Logins:               metricValue(m.Logins),
		LoginFailures:        metricValue(m.LoginFailures),
	}
}

func metricValue(m prometheus.Metric) float64 {
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		return 0
	}
	switch {
	case d.Gauge != nil:
		return d.Gauge.GetValue()
	case d.Counter != nil:
		return d.Counter.GetValue()
	}
	return 0
}

// Rooms lists this node's live rooms.
func (s *Server) Rooms() []admin.RoomSummary {
	rooms := s.hub.all()
	out := make([]admin.RoomSummary, 0, len(rooms))
	for _, r := range rooms {
		r.mu.RLock()
		sum := s.roomSummaryLocked(r)
		r.mu.RUnlock()
		out = append(out, sum)
	}
	return out
}

// roomSummaryLocked describes r; caller holds r.mu.
func (s *Server) roomSummaryLocked(r *room) admin.RoomSummary {
	ms := r.memberList()
	sum := admin.RoomSummary{
		Name:    r.name,
		Private: r.passHash != "",
		Members: len(ms),
		Objects: r.objects.Len(),
		Created: r.created,
		Node:    s.cfg.Node,
	}
	if m := r.master(ms); m != nil {
		sum.Master, sum.MasterName = m.id, m.user
	}
	return sum
}

// Room describes one live room with its members and objects.
func (s *Server) Room(name string) (admin.RoomDetail, bool) {
	r := s.hub.get(name)
	if r == nil {
		return admin.RoomDetail{}, false
	}
	// The read lock holds off ordered events, so members, owners and
	// generations are one consistent moment of the room.
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return admin.RoomDetail{}, false
	}
	d := admin.RoomDetail{RoomSummary: s.roomSummaryLocked(r)}
	for _, m := range r.memberList() {
		d.Members = append(d.Members, memberSession(m))
	}
	for _, o := range r.objects.Objects() {
		owner, gen, full := o.Snapshot()
		od := admin.ObjectDetail{
			ID:         o.ID.String(),
			Prefab:     o.Prefab,
			Token:      o.Token,
			Owner:      owner,
			Generation: gen,
			Mode:       o.Mode.String(),
			Lifetime:   o.Life.String(),
			StateBytes: o.StateSize(),
			Raw:        make(map[int][]byte),
		}
		for i := range 64 {
			if v, ok := full.Field(i); ok {
				od.Raw[i] = append([]byte(nil), v...)
			}
		}
		d.Objects = append(d.Objects, od)
	}
	return d, true
}

// memberSession describes a room member: its connection's details when
// it is connected here.
func memberSession(m *member) admin.Session {
	if c, ok := m.out.(*conn); ok {
		return c.client.adminSession()
	}
	return admin.Session{ID: m.id, Name: m.user}
}

// adminSession describes a logged-in client.
func (cl *client) adminSession() admin.Session {
	c := cl.conn
	c.mu.Lock()
	queued := c.pendingBytes
	var roomName string
	if c.room != nil {
		roomName = c.room.name
	}
	c.mu.Unlock()
	return admin.Session{
		ID:          cl.self.id,
		Name:        cl.self.user,
		Address:     c.remote,
		ConnectedAt: c.connectedAt,
		Transport:   c.transportName(),
		QueueBytes:  queued,
		Room:        roomName,
	}
}

// transportName is "tcp", "tls" or "websocket".
func (c *conn) transportName() string {
	if _, ok := c.nc.(*tls.Conn); ok {
		return "tls"
	}
	if c.tr != nil {
		return c.tr.name
	}
	return TransportTCP
}

// Players lists the logged-in sessions of this node.
func (s *Server) Players() []admin.Session {
	clients := s.sessions.all()
	out := make([]admin.Session, 0, len(clients))
	for _, cl := range clients {
		out = append(out, cl.adminSession())
	}
	return out
}

// Disconnect closes user's session with "8:<code>:<text>", on every node of
// a cluster. It reports whether there was a session or an inactive room
// membership to end.
func (s *Server) Disconnect(user string, code protocol.Code, text string) bool {
	local := s.disconnectLocal(user, code, text)
	if s.cluster == nil {
		return local
	}
	// A player has one session in the cluster, but an inactive membership
	// may wait on another node than a new session: every node is told.
	// Only when this node had nothing is the answer waited for.
	remote := s.cluster.disconnect(user, code, text, !local)
	return local || remote
}

// disconnectLocal is Disconnect on this node alone.
func (s *Server) disconnectLocal(user string, code protocol.Code, text string) bool {
	// A kicked or banned player does not come back by a resume either: its
	// inactive membership, if it dropped, ends now.
	inactive := s.rejoin.endInactive(user)
	s.sessions.mu.Lock()
	cl := s.sessions.users[user]
	s.sessions.mu.Unlock()
	if cl == nil {
		return inactive
	}
	cl.conn.closeWith(code, text)
	cl.log.Info("disconnected by an operator", "code", code)
	return true
}

// CloseRoom ends a room in its ordered stream: members get
// "23:<room>:closed:<text>" instead of leave lines, the room's objects end
// with it, and the room is gone (the name is free for a new room). Each
// member's client drops the room at its next command.
func (s *Server) CloseRoom(name, text string) (int, bool) {
	ms, ok := s.hub.end(name, protocol.AppendRoomClosed(nil, name, protocol.RoomClosedByOperator, text))
	if !ok {
		return 0, false
	}
	s.log.Info("room closed by an operator", "room", name, "members", len(ms))
	return len(ms), true
}

// SystemMessage sends "22:<text>" to a room (ordered) or to every session.
func (s *Server) SystemMessage(roomName, text string) (int, bool) {
	line := protocol.AppendSystem(nil, text)
	if roomName == "" {
		clients := s.sessions.all()
		for _, cl := range clients {
			cl.send(line)
		}
		return len(clients), true
	}
	r := s.hub.get(roomName)
	if r == nil {
		return 0, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, false
	}
	ms := r.memberList()
	r.broadcast(ms, nil, outFrame{b: line})
	return len(ms), true
}

// Throttle reports the login back-off of an account and an address. With
// both given, the account's state is its back-off from that address (the
// one that holds back a guesser; see throttle.go), else its own ceiling.
func (s *Server) Throttle(user, address string) (admin.ThrottleState, admin.ThrottleState) {
	t := s.throttle
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	state := func(key string, f *failures) admin.ThrottleState {
		st := admin.ThrottleState{Key: key}
		if key != "" && f != nil {
			st.Failures, st.LastFailure = f.count, f.last
			if f.until.After(now) {
				st.BlockedUntil = f.until
			}
		}
		return st
	}
	account := state(user, t.accounts[user])
	if user != "" && address != "" {
		account = state(user, t.pairs[pairKey{user, address}])
	}
	return account, state(address, t.addresses[address])
}

// ClearThrottle forgets the failures of an account and an address, and of
// the account from that address.
func (s *Server) ClearThrottle(user, address string) {
	t := s.throttle
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.accounts, user)
	delete(t.addresses, address)
	delete(t.pairs, pairKey{user, address})
}

// loginBan returns the refusal text when user is banned now. It has a
// deadline of its own: the login's was partly spent waiting for a hash.
func (s *Server) loginBan(user string) (string, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	b, err := s.store.GetBan(ctx, user)
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("look up ban: %w", err)
	}
	if !b.Until.After(time.Now()) {
		return "", false, nil
	}
	return admin.BanText(b), true, nil
}
