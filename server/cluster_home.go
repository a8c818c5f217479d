package server

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tandemnet/tandem/protocol"
)

// The home side: rooms homed on this node with members connected to other
// nodes. Such a member is a proxy client (the same dispatch as a local
// client, so every command behaves exactly as on one node) whose outbox
// and replies go to its node over NATS.

// remoteOutbox is a member connected to another node, as the room at its
// home sees it. Targeted frames go to it alone; broadcasts skip it and go
// once to its node (cluster.broadcast).
type remoteOutbox struct {
	c    *cluster
	node string
	id   int64
	room *room // the room it entered; guarded by that room's lock
}

func (o *remoteOutbox) deliver(r *room, f outFrame, _ *deliveryBatch) {
	o.c.sendDeliver(o.node, r, 0, []int64{o.id}, f)
}

func (o *remoteOutbox) switchRoom(r *room, first []byte) {
	if r != nil {
		o.room = r
		o.c.sendSwitch(o.node, r, o.id, true, first)
		return
	}
	left := o.room
	o.room = nil
	if first == nil || left == nil {
		// A leave the member's node asked for: it has already told its
		// client. Nothing to send.
		return
	}
	// The home put the member out (the room was closed by an operator,
	// say): tell its node, and forget the proxy. Lock order: room, then
	// cluster (nothing takes a room lock holding the cluster's).
	o.c.sendSwitch(o.node, left, o.id, false, first)
	o.c.mu.Lock()
	if p := o.c.proxies[o.id]; p != nil && p.link == o {
		delete(o.c.proxies, o.id)
	}
	o.c.mu.Unlock()
}

// send is a line for this member alone (errors, a 5 answer).
func (o *remoteOutbox) send(b []byte) {
	w := newWire(wireSend, len(b)+24)
	w.str(o.c.node)
	w.iv(o.id)
	w.bytes(b)
	o.c.publish(subjFrames(o.node), w.b)
}

func (c *cluster) sendSwitch(node string, r *room, id int64, enter bool, first []byte) {
	// A join snapshot can outgrow a NATS message (1 MiB by default): the
	// rest follows as frames for this member alone, whole lines each, in
	// order behind the switch.
	var rest []byte
	if limit := int(c.nc.MaxPayload()) - 4096; enter && limit > 0 && len(first) > limit {
		cut := bytes.LastIndexByte(first[:limit], '\n') + 1
		if cut > 0 {
			first, rest = first[:cut], first[cut:]
		}
	}
	c.publishSwitch(node, r, id, enter, first)
	for len(rest) > 0 {
		limit := int(c.nc.MaxPayload()) - 4096
		cut := len(rest)
		if cut > limit {
			if cut = bytes.LastIndexByte(rest[:limit], '\n') + 1; cut <= 0 {
				cut = len(rest) // one line longer than a message: NATS refuses it, counted
			}
		}
		c.sendDeliver(node, r, 0, []int64{id}, outFrame{b: rest[:cut]})
		rest = rest[cut:]
	}
}

func (c *cluster) publishSwitch(node string, r *room, id int64, enter bool, first []byte) {
	w := newWire(wireSwitch, len(first)+len(r.name)+32)
	w.str(c.node)
	w.uv(r.id)
	w.iv(id)
	w.boolean(enter)
	w.str(r.name)
	w.bytes(first)
	c.publish(subjFrames(node), w.b)
}

// sendDeliver sends f once to node, for all its local members of r but
// skip (targets nil) or for the targets only.
func (c *cluster) sendDeliver(node string, r *room, skip int64, targets []int64, f outFrame) {
	w := newWire(wireDeliver, len(f.b)+len(targets)*8+64)
	w.str(c.node)
	w.uv(r.id)
	w.iv(time.Now().UnixNano())
	w.iv(skip)
	w.uv(uint64(len(targets)))
	for _, t := range targets {
		w.iv(t)
	}
	var flags byte
	if f.hasObj {
		flags |= deliverHasObj
	}
	if f.upd != nil {
		flags |= deliverUpdate
	}
	w.u8(flags)
	if f.hasObj {
		w.iv(f.obj.Creator)
		w.uv(uint64(f.obj.Counter))
	}
	w.bytes(f.b)
	c.publish(subjFrames(node), w.b)
}

// broadcast is room.broadcast in a cluster: local members get f as on one
// node; each other node with members gets it once and fans it out itself.
func (c *cluster) broadcast(r *room, ms []*member, skip *member, f outFrame, via *deliveryBatch) {
	var buf [8]string
	nodes := buf[:0]
	for _, m := range ms {
		if m == skip {
			continue
		}
		if ro, ok := m.out.(*remoteOutbox); ok {
			if !containsString(nodes, ro.node) {
				nodes = append(nodes, ro.node)
			}
			continue
		}
		m.out.deliver(r, f, via)
	}
	var skipID int64
	if skip != nil {
		skipID = skip.id
	}
	for _, n := range nodes {
		c.sendDeliver(n, r, skipID, nil, f)
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// targetBatch gathers the remote recipients of a listed send per node, so
// the frame crosses once per node.
type targetBatch struct {
	c     *cluster
	nodes []string
	ids   [][]int64
}

// add takes m if it is remote.
func (b *targetBatch) add(m *member) bool {
	ro, ok := m.out.(*remoteOutbox)
	if !ok {
		return false
	}
	for i, n := range b.nodes {
		if n == ro.node {
			b.ids[i] = append(b.ids[i], m.id)
			return true
		}
	}
	b.nodes = append(b.nodes, ro.node)
	b.ids = append(b.ids, []int64{m.id})
	return true
}

func (b *targetBatch) flush(r *room, f outFrame) {
	for i, n := range b.nodes {
		b.c.sendDeliver(n, r, 0, b.ids[i], f)
	}
}

// onCommand runs what a member node sends to rooms homed here, in arrival
// order (one subscription): joins, commands and leaves.
func (c *cluster) onCommand(msg *nats.Msg) {
	if c.crashed.Load() {
		return
	}
	r := wireReader{b: msg.Data}
	kind := r.u8()
	from := r.str()
	switch kind {
	case wireJoin:
		name, password, id, user, check, grace := r.str(), r.str(), r.iv(), r.str(), r.boolean(), time.Duration(r.iv())
		if !r.ok() || ValidateNodeName(from) != nil || protocol.ValidateRoomName([]byte(name)) != nil {
			c.drop("malformed")
			return
		}
		if grace != graceDefault && (grace < 0 || grace > c.srv.cfg.Limits.MaxRejoinGrace) {
			grace = graceDefault
		}
		c.homeJoin(msg, from, name, password, grace, id, user, check)
	case wireCommand:
		roomID, id, line := r.uv(), r.iv(), r.bytes()
		if !r.ok() {
			c.drop("malformed")
			return
		}
		p := c.proxyOf(from, roomID, id)
		if p == nil {
			c.drop("unexpected")
			return
		}
		cmd, err := protocol.Parse(line)
		if err != nil {
			var pe *protocol.ParseError
			if errors.As(err, &pe) {
				p.sendError(pe.Num, pe.Code, pe.Text)
			}
			return
		}
		if cmd.Num == protocol.NumPing {
			p.pong(&cmd)
			return
		}
		c.log.Debug("remote command", "line", string(line), "num", cmd.Num)
		p.roomCommand(&cmd)
	case wireLeave:
		roomID, id := r.uv(), r.iv()
		if !r.ok() {
			c.drop("malformed")
			return
		}
		p := c.proxyOf(from, roomID, id)
		if p == nil {
			c.drop("unexpected")
			return
		}
		c.mu.Lock()
		owned := c.proxies[id] == p
		delete(c.proxies, id)
		c.mu.Unlock()
		if owned {
			c.srv.hub.leave(p.room, &p.self, false)
		}
	default:
		c.drop("malformed")
	}
}

func (c *cluster) proxyOf(from string, roomID uint64, id int64) *client {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.proxies[id]
	if p == nil || p.link.node != from || p.room == nil || (roomID != 0 && p.room.id != roomID) {
		return nil
	}
	return p
}

// homeJoin puts a member of another node into a room homed here (or only
// checks the password, so a wrong one changes nothing for the joiner).
func (c *cluster) homeJoin(msg *nats.Msg, from, name, password string, grace time.Duration, id int64, user string, check bool) {
	answer := func(status byte, roomID uint64, code protocol.Code, text string) {
		w := newWire(status, len(text)+32)
		w.uv(roomID)
		w.str(string(code))
		w.str(text)
		if err := msg.Respond(w.b); err != nil {
			c.m.publishErrors.Inc()
		}
	}
	fail := func(err error) {
		var re *roomError
		if errors.As(err, &re) {
			answer(joinError, 0, re.code, re.text)
			return
		}
		answer(joinError, 0, protocol.CodeBadCommand, err.Error())
	}
	h := c.srv.hub
	if check {
		if err := h.checkPassword(name, password); err != nil {
			fail(err)
			return
		}
		answer(joinOK, 0, "", "")
		return
	}
	c.mu.Lock()
	old := c.proxies[id]
	delete(c.proxies, id)
	c.mu.Unlock()
	if old != nil && old.room != nil { // a stale membership of the same client
		h.leave(old.room, &old.self, false)
	}
	c.claimMu.Lock()
	if h.get(name) == nil {
		// Not live here: make sure this node is still its home before
		// creating it (the asker read the claim a moment ago).
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		holder, err := c.homes.claim(ctx, name, c.node)
		cancel()
		if err != nil {
			c.claimMu.Unlock()
			c.srv.metrics.StoreErrors.Inc()
			answer(joinError, 0, protocol.CodeStoreUnavailable, "the room database is not answering; try again later")
			return
		}
		if holder != c.node {
			c.claimMu.Unlock()
			answer(joinMoved, 0, "", holder)
			return
		}
	}
	// The member's rates that apply at the home (joins, lists) are kept per
	// proxy, as for a local client.
	lim := &c.srv.cfg.Limits
	p := &client{srv: c.srv, log: c.log.With("client", id, "user", user, "peer", from),
		joins: newJoinLimiter(lim), lists: newListLimiter(lim)}
	p.link = &remoteOutbox{c: c, node: from, id: id}
	p.self = member{id: id, user: user, out: p.link}
	r, err := h.join(name, password, grace, &p.self)
	c.claimMu.Unlock()
	if err != nil {
		fail(err)
		return
	}
	p.room = r
	c.mu.Lock()
	c.proxies[id] = p
	c.mu.Unlock()
	answer(joinOK, r.id, "", "")
}
