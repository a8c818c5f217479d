package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
)

// The member side: this node's clients in rooms homed on other nodes.
// Their commands go to the home as raw lines; the home's frames arrive
// once per fan-out and are delivered here to every local member of the
// room with the same encode-once path as a local room.

type viewKey struct {
	home string
	room uint64 // the room's id at its home (names may be re-created)
}

// remoteView is a room homed elsewhere, as this node sees it: its local
// members. ph is the room value the members' connections accept frames of
// (compared, never used), exactly as for a local room.
type remoteView struct {
	key     viewKey
	name    string
	ph      *room
	members atomic.Pointer[[]*client] // written under cluster.mu
}

func (v *remoteView) memberList() []*client {
	if p := v.members.Load(); p != nil {
		return *p
	}
	return nil
}

// clusterState is a client's membership of a room homed elsewhere. mu
// orders the client's own reader against frames arriving from the home.
type clusterState struct {
	mu      sync.Mutex
	remote  *remoteView
	joining joinTarget // a join request in flight
}

type joinTarget struct{ home, room string }

// viewFor returns the view of key, creating it; with add, cl becomes one
// of its members. Caller holds c.mu.
func (c *cluster) viewForLocked(key viewKey, name string) *remoteView {
	v := c.views[key]
	if v == nil {
		v = &remoteView{key: key, name: name, ph: &room{name: name}}
		c.views[key] = v
	}
	return v
}

func (c *cluster) addToView(key viewKey, name string, cl *client) *remoteView {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.viewForLocked(key, name)
	ms := v.memberList()
	for _, o := range ms {
		if o == cl {
			return v
		}
	}
	next := make([]*client, len(ms), len(ms)+1)
	copy(next, ms)
	next = append(next, cl)
	v.members.Store(&next)
	return v
}

func (c *cluster) removeFromView(v *remoteView, cl *client) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ms := v.memberList()
	next := make([]*client, 0, len(ms))
	for _, o := range ms {
		if o != cl {
			next = append(next, o)
		}
	}
	v.members.Store(&next)
	if len(next) == 0 && c.views[v.key] == v {
		delete(c.views, v.key)
	}
}

// endView puts every local member out of v with a home_lost line.
func (c *cluster) endView(v *remoteView, text string) {
	line := homeLostLine(v.name, text)
	for _, cl := range v.memberList() {
		cl.cs.mu.Lock()
		if cl.cs.remote == v {
			cl.cs.remote = nil
			cl.conn.switchRoom(nil, line)
		}
		cl.cs.mu.Unlock()
	}
}

// onFrame receives what homes send to this node's clients.
func (c *cluster) onFrame(msg *nats.Msg) {
	if c.crashed.Load() {
		return
	}
	r := wireReader{b: msg.Data}
	kind := r.u8()
	from := r.str()
	switch kind {
	case wireDeliver:
		c.onDeliver(from, &r)
	case wireSwitch:
		roomID, id, enter, name, first := r.uv(), r.iv(), r.boolean(), r.str(), r.bytes()
		if !r.ok() {
			c.drop("malformed")
			return
		}
		c.applySwitch(viewKey{from, roomID}, name, id, enter, first)
	case wireSend:
		id, b := r.iv(), r.bytes()
		if !r.ok() || len(b) == 0 || b[len(b)-1] != '\n' {
			c.drop("malformed")
			return
		}
		if cl := c.local(id); cl != nil {
			cl.conn.send(b)
		} else {
			c.drop("unexpected")
		}
	default:
		c.drop("malformed")
	}
}

const maxWireTargets = 1 << 12

func (c *cluster) onDeliver(from string, r *wireReader) {
	roomID, sent, skip, n := r.uv(), r.iv(), r.iv(), r.uv()
	if n > maxWireTargets {
		c.drop("malformed")
		return
	}
	var targets []int64
	if n > 0 {
		targets = make([]int64, n)
		for i := range targets {
			targets[i] = r.iv()
		}
	}
	flags := r.u8()
	var f outFrame
	if flags&deliverHasObj != 0 {
		f.hasObj = true
		f.obj = netobj.ID{Creator: r.iv(), Counter: uint32(r.uv())}
	}
	f.b = r.bytes()
	if !r.ok() || len(f.b) == 0 || f.b[len(f.b)-1] != '\n' {
		c.drop("malformed")
		return
	}
	if flags&deliverUpdate != 0 && f.hasObj {
		f.upd = parseUpdateFrame(f.b, f.obj) // nil: delivered unmerged
	}
	c.mu.Lock()
	v := c.views[viewKey{from, roomID}]
	c.mu.Unlock()
	if v == nil {
		return // every member left meanwhile
	}
	c.m.latency.Observe(time.Since(time.Unix(0, sent)).Seconds())
	c.log.Debug("deliver", "targets", targets, "skip", skip, "members", len(v.memberList()), "frame", string(f.b))
	for _, cl := range v.memberList() {
		id := cl.self.id
		if id == skip || (targets != nil && !containsID(targets, id)) {
			continue
		}
		cl.conn.deliver(v.ph, f, nil)
	}
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// parseUpdateFrame reads "11:<id>:<gen>:<mask>:<data>\n" back into the
// structured update a slow recipient's queue merges; once per frame, not
// per recipient.
func parseUpdateFrame(b []byte, id netobj.ID) *queuedUpdate {
	parts := bytes.SplitN(b[:len(b)-1], []byte{':'}, 5)
	if len(parts) != 5 {
		return nil
	}
	gen, err := strconv.ParseUint(string(parts[2]), 10, 32)
	if err != nil {
		return nil
	}
	d, err := netobj.DecodeDelta(parts[3], parts[4])
	if err != nil {
		return nil
	}
	return &queuedUpdate{id: id, gen: uint32(gen), delta: d}
}

// applySwitch is the home putting a local client into a room (its join
// lines) or out of it (with a line saying why).
func (c *cluster) applySwitch(key viewKey, name string, id int64, enter bool, first []byte) {
	cl := c.local(id)
	if cl == nil {
		c.drop("unexpected")
		return
	}
	if enter {
		cl.cs.mu.Lock()
		defer cl.cs.mu.Unlock()
		want := cl.cs.joining == joinTarget{key.home, name}
		if !want && (cl.cs.remote == nil || cl.cs.remote.key != key) {
			return // a join this client gave up on; its leave is on the way
		}
		v := c.addToView(key, name, cl)
		cl.cs.remote = v
		cl.conn.switchRoom(v.ph, first)
		return
	}
	if first == nil {
		return
	}
	cl.cs.mu.Lock()
	v := cl.cs.remote
	if v != nil && v.key == key {
		cl.cs.remote = nil
		cl.conn.switchRoom(nil, first)
	}
	cl.cs.mu.Unlock()
	if v != nil && v.key == key {
		c.removeFromView(v, cl)
	}
}

// remoteRoom returns the client's room homed elsewhere, if any.
func (cl *client) remoteRoom() *remoteView {
	if cl.srv.cluster == nil {
		return nil
	}
	cl.cs.mu.Lock()
	defer cl.cs.mu.Unlock()
	return cl.cs.remote
}

// forwardToHome sends a room command of a client in a room homed
// elsewhere to that home, which runs it; false: not such a client or
// command.
func (cl *client) forwardToHome(cmd *protocol.Command) bool {
	v := cl.remoteRoom()
	if v == nil {
		return false
	}
	if cmd.Num == protocol.NumWho && cmd.N > 0 && len(cmd.Fields[0]) > 0 && string(cmd.Fields[0]) != v.name {
		return false // another room: answered from the room list
	}
	c := cl.srv.cluster
	w := newWire(wireCommand, len(cl.line)+32)
	w.str(c.node)
	w.uv(v.key.room)
	w.iv(cl.self.id)
	w.bytes(cl.line)
	c.publish(subjCmds(v.key.home), w.b)
	return true
}

// leaveRemote takes the client out of its room homed elsewhere (confirm
// also tells the client) and reports whether it was in one.
func (cl *client) leaveRemote(confirm bool) bool {
	c := cl.srv.cluster
	if c == nil {
		return false
	}
	cl.cs.mu.Lock()
	v := cl.cs.remote
	cl.cs.remote = nil
	if v != nil {
		if confirm {
			cl.conn.switchRoom(nil, protocol.AppendLeft(nil, cl.self.id))
		} else {
			cl.conn.switchRoom(nil, nil)
		}
	}
	cl.cs.mu.Unlock()
	if v == nil {
		return false
	}
	c.removeFromView(v, cl)
	c.sendLeave(v.key, cl.self.id)
	return true
}

func (c *cluster) sendLeave(key viewKey, id int64) {
	w := newWire(wireLeave, 32)
	w.str(c.node)
	w.uv(key.room)
	w.iv(id)
	c.publish(subjCmds(key.home), w.b)
}

// leaveAny takes the client out of whatever room it is in.
func (cl *client) leaveAny(confirm bool) {
	if cl.room != nil {
		cl.leave(confirm)
		return
	}
	cl.leaveRemote(confirm)
}

type joinReply struct {
	status byte
	roomID uint64
	code   protocol.Code
	text   string
}

var errHomeSilent = errors.New("the room's home node did not answer")

func (c *cluster) requestJoin(home, name, password string, grace time.Duration, cl *client, check bool) (joinReply, error) {
	w := newWire(wireJoin, len(name)+len(password)+64)
	w.str(c.node)
	w.str(name)
	w.str(password)
	w.iv(cl.self.id)
	w.str(cl.self.user)
	w.boolean(check)
	w.iv(int64(grace))
	msg, err := c.nc.Request(subjCmds(home), w.b, c.cfg.NodeTimeout)
	if err != nil {
		return joinReply{}, fmt.Errorf("%w: %w", errHomeSilent, err)
	}
	r := wireReader{b: msg.Data}
	rep := joinReply{status: r.u8(), roomID: r.uv(), code: protocol.Code(r.str()), text: r.str()}
	if !r.ok() || rep.status > joinMoved {
		c.drop("malformed")
		return joinReply{}, errBadWire
	}
	return rep, nil
}

// clusterJoin is join in a cluster: find the room's home (claiming it for
// this node if nobody holds it), then join locally or at the home.
func (cl *client) clusterJoin(name, password string, grace time.Duration) {
	c := cl.srv.cluster
	if v := cl.remoteRoom(); v != nil && v.name == name {
		cl.sendError(protocol.NumJoin, protocol.CodeAlreadyInRoom, fmt.Sprintf("you are already in %q", name))
		return
	}
	for attempt := 0; attempt < 4; attempt++ {
		home := c.node
		c.claimMu.Lock() // until the room exists here, if this node is its home
		if cl.srv.hub.get(name) == nil {
			ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
			holder, err := c.homes.claim(ctx, name, c.node)
			cancel()
			if err != nil {
				c.claimMu.Unlock()
				cl.srv.metrics.StoreErrors.Inc()
				cl.log.Error("join: claim room home", "room", name, "err", err)
				cl.sendError(protocol.NumJoin, protocol.CodeStoreUnavailable, "the room database is not answering; try again later")
				return
			}
			home = holder
		}
		if home == c.node {
			cl.localJoin(name, password, grace)
			c.claimMu.Unlock()
			return
		}
		c.claimMu.Unlock()
		if alive, dead := c.alive(home); !alive && dead {
			c.nodeLost(home, true, "its node was not heard from")
			ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
			err := c.homes.releaseNode(ctx, home)
			cancel()
			if err != nil {
				cl.sendError(protocol.NumJoin, protocol.CodeStoreUnavailable, "the room database is not answering; try again later")
				return
			}
			continue
		}
		if cl.room != nil || cl.remoteRoom() != nil {
			rep, err := c.requestJoin(home, name, password, grace, cl, true)
			if err != nil {
				cl.sendError(protocol.NumJoin, protocol.CodeStoreUnavailable, "the room's home node is not answering; try again")
				return
			}
			if rep.status == joinError {
				cl.sendError(protocol.NumJoin, rep.code, rep.text)
				return
			}
			cl.leaveAny(true)
		}
		cl.cs.mu.Lock()
		cl.cs.joining = joinTarget{home, name}
		cl.cs.mu.Unlock()
		rep, err := c.requestJoin(home, name, password, grace, cl, false)
		// Clear the join and record the room in one step: the home's join
		// lines (applySwitch, on another goroutine) must find one or the
		// other, or they would be dropped as a join given up.
		cl.cs.mu.Lock()
		cl.cs.joining = joinTarget{}
		if err == nil && rep.status == joinOK {
			cl.cs.remote = c.addToView(viewKey{home, rep.roomID}, name, cl)
		}
		cl.cs.mu.Unlock()
		switch {
		case err != nil:
			// It may have joined after all: take it out again.
			c.sendLeaveByName(home, cl)
			cl.sendError(protocol.NumJoin, protocol.CodeStoreUnavailable, "the room's home node is not answering; try again")
			return
		case rep.status == joinMoved:
			continue
		case rep.status == joinError:
			cl.sendError(protocol.NumJoin, rep.code, rep.text)
			return
		}
		cl.log.Debug("joined room", "room", name, "home", home)
		return
	}
	cl.sendError(protocol.NumJoin, protocol.CodeStoreUnavailable, fmt.Sprintf("room %q keeps moving between nodes; try again", name))
}

// sendLeaveByName undoes a join whose answer never came: the home takes
// the client out of whatever room it put it in.
func (c *cluster) sendLeaveByName(home string, cl *client) {
	c.sendLeave(viewKey{home: home}, cl.self.id)
}
