package server

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
)

// Network-object commands (PROTOCOL.md "Network objects"). Every ordered
// event runs under the room's write lock; unordered updates and object
// messages under its read lock (see room).

func (c *conn) objectError(num int, err error) {
	code := netobj.Code(err)
	if code == "" {
		code = string(protocol.CodeBadCommand)
	}
	c.sendError(num, protocol.Code(code), err.Error())
}

func appendSpawnLine(b []byte, o *netobj.Object, owner int64, gen uint32, d netobj.Delta) []byte {
	b = protocol.Begin(b, protocol.NumInstantiate)
	b = o.ID.AppendText(append(b, ':'))
	b = protocol.FieldInt(b, owner)
	b = protocol.FieldInt(b, int64(gen))
	b = append(b, ':', byte(o.Mode), ':', byte(o.Life))
	b = protocol.FieldString(b, o.Prefab)
	b = protocol.FieldString(b, o.Token)
	b = d.AppendMask(append(b, ':'))
	b = d.AppendData(append(b, ':'))
	return protocol.End(b)
}

func appendUpdateLine(b []byte, id netobj.ID, gen uint32, d netobj.Delta) []byte {
	b = id.AppendText(append(protocol.Begin(b, protocol.NumUpdate), ':'))
	b = protocol.FieldInt(b, int64(gen))
	b = d.AppendMask(append(b, ':'))
	b = d.AppendData(append(b, ':'))
	return protocol.End(b)
}

func appendOwnerLine(b []byte, id netobj.ID, owner int64, gen uint32) []byte {
	b = id.AppendText(append(protocol.Begin(b, protocol.NumOwnership), ':'))
	b = protocol.FieldInt(b, owner)
	return protocol.End(protocol.FieldInt(b, int64(gen)))
}

func appendIDLine(b []byte, num int, id netobj.ID, other int64) []byte {
	b = id.AppendText(append(protocol.Begin(b, num), ':'))
	if other != 0 {
		b = protocol.FieldInt(b, other)
	}
	return protocol.End(b)
}

func appendReady(b []byte, room string, objects int) []byte {
	b = protocol.FieldString(protocol.Begin(b, protocol.NumReady), room)
	return protocol.End(protocol.FieldInt(b, int64(objects)))
}

// appendSnapshot writes every live object with its owner, generation and
// full merged state. Caller holds r.mu for writing, so no update is in
// flight: the snapshot sits at one point of the room's ordered stream.
func appendSnapshot(b []byte, r *room) ([]byte, int) {
	objs := r.objects.Objects()
	for _, o := range objs {
		owner, gen, full := o.Snapshot()
		b = appendSpawnLine(b, o, owner, gen, full)
	}
	return b, len(objs)
}

func objFrame(b []byte, id netobj.ID) outFrame {
	return outFrame{b: b, obj: id, hasObj: true}
}

func (c *conn) roomFor(num int) *room {
	if c.inRoom == nil {
		c.sendError(num, protocol.CodeNotInRoom, "join a room first")
	}
	return c.inRoom
}

// objectTarget resolves the room and the object id that commands 11, 12,
// 15 and 16 name in their first field, answering the error itself.
func (c *conn) objectTarget(num int, field []byte) (*room, netobj.ID, bool) {
	r := c.roomFor(num)
	if r == nil {
		return nil, netobj.ID{}, false
	}
	id, err := netobj.ParseID(field)
	if err != nil {
		c.sendError(num, protocol.CodeBadCommand, err.Error())
		return nil, netobj.ID{}, false
	}
	return r, id, true
}

// lookup returns the live object or answers no_such_object; caller holds
// r.mu.
func (c *conn) lookup(num int, r *room, id netobj.ID) *netobj.Object {
	o := r.objects.Get(id)
	if o == nil {
		c.sendError(num, protocol.Code(netobj.Code(netobj.ErrNoSuchObject)), "no such object in this room")
	}
	return o
}

func (c *conn) instantiate(cmd *protocol.Command) {
	r := c.roomFor(protocol.NumInstantiate)
	if r == nil {
		return
	}
	token, prefab := cmd.Fields[0], cmd.Fields[1]
	if err := validToken(token); err != nil {
		c.sendError(protocol.NumInstantiate, protocol.CodeBadCommand, err.Error())
		return
	}
	if len(prefab) == 0 || len(prefab) > 128 {
		c.sendError(protocol.NumInstantiate, protocol.CodeBadCommand, "prefab key must be 1 to 128 bytes")
		return
	}
	mode, err := netobj.ParseMode(cmd.Fields[2])
	if err != nil {
		c.sendError(protocol.NumInstantiate, protocol.CodeBadCommand, err.Error())
		return
	}
	life, err := netobj.ParseLifetime(cmd.Fields[3])
	if err != nil {
		c.sendError(protocol.NumInstantiate, protocol.CodeBadCommand, err.Error())
		return
	}
	d, err := netobj.DecodeDelta(cmd.Fields[4], cmd.Fields[5])
	if err != nil {
		c.objectError(protocol.NumInstantiate, err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	o, err := r.objects.Instantiate(c.id, string(token), string(prefab), mode, life, d)
	if err != nil {
		c.objectError(protocol.NumInstantiate, err)
		return
	}
	c.srv.metrics.Objects.Inc()
	owner, gen, full := o.Snapshot()
	r.broadcast(r.memberList(), nil, objFrame(appendSpawnLine(nil, o, owner, gen, full), o.ID))
}

func validToken(t []byte) error {
	if len(t) > 64 {
		return errors.New("token must be at most 64 bytes")
	}
	for _, ch := range t {
		ok := ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '-' || ch == '.'
		if !ok {
			return errors.New("token may hold only letters, digits, '_', '-' and '.'")
		}
	}
	return nil
}

func parseGen(b []byte) (uint32, error) {
	n, err := strconv.ParseUint(string(b), 10, 32)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("generation %q is not a positive number", b)
	}
	return uint32(n), nil
}

func (c *conn) update(cmd *protocol.Command) {
	r, id, ok := c.objectTarget(protocol.NumUpdate, cmd.Fields[0])
	if !ok {
		return
	}
	gen, err := parseGen(cmd.Fields[1])
	if err != nil {
		c.sendError(protocol.NumUpdate, protocol.CodeBadCommand, err.Error())
		return
	}
	ordered := string(cmd.Fields[2])
	if ordered != "0" && ordered != "1" {
		c.sendError(protocol.NumUpdate, protocol.CodeBadCommand, "ordered flag must be 0 or 1")
		return
	}
	d, err := netobj.DecodeDelta(cmd.Fields[3], cmd.Fields[4])
	if err != nil {
		c.objectError(protocol.NumUpdate, err)
		return
	}
	if ordered == "1" {
		r.mu.Lock()
		defer r.mu.Unlock()
	} else {
		r.mu.RLock()
		defer r.mu.RUnlock()
	}
	o := c.lookup(protocol.NumUpdate, r, id)
	if o == nil {
		return
	}
	if err := o.Update(c.id, gen, d, c.srv.cfg.Limits.MaxStateBytes); err != nil {
		c.objectError(protocol.NumUpdate, err)
		return
	}
	f := objFrame(appendUpdateLine(make([]byte, 0, 48+len(cmd.Fields[3])+len(cmd.Fields[4])), id, gen, d), id)
	if ordered == "0" {
		f.upd = &queuedUpdate{id: id, gen: gen, delta: d}
	}
	r.broadcast(r.memberList(), c, f)
}

func (c *conn) ownership(cmd *protocol.Command) {
	r, id, ok := c.objectTarget(protocol.NumOwnership, cmd.Fields[0])
	if !ok {
		return
	}
	op := string(cmd.Fields[1])
	var other int64
	var err error
	if cmd.N == 3 {
		if other, err = protocol.ParseInt(cmd.Fields[2]); err != nil || other <= 0 {
			c.sendError(protocol.NumOwnership, protocol.CodeBadCommand, "expected a client id")
			return
		}
	} else if op != "take" {
		c.sendError(protocol.NumOwnership, protocol.CodeBadCommand, op+" needs a client id")
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	o := c.lookup(protocol.NumOwnership, r, id)
	if o == nil {
		return
	}
	ms := r.memberList()
	switch op {
	case "take":
		res, err := o.Take(c.id, other)
		if err != nil {
			c.objectError(protocol.NumOwnership, err)
			return
		}
		if res == netobj.TakeRequested {
			if owner := r.member(ms, o.Owner()); owner != nil {
				owner.sendRoom(r, objFrame(appendIDLine(nil, protocol.NumOwnRequest, id, c.id), id))
			}
			return
		}
	case "give", "approve":
		if op == "give" && r.member(ms, other) == nil {
			c.sendError(protocol.NumOwnership, protocol.CodeUnknownRecipient, fmt.Sprintf("client %d is not in this room", other))
			return
		}
		if op == "give" {
			err = o.Give(c.id, other)
		} else {
			err = o.Approve(c.id, other)
		}
		if err != nil {
			c.objectError(protocol.NumOwnership, err)
			return
		}
	case "deny":
		if err := o.Deny(c.id, other); err != nil {
			c.objectError(protocol.NumOwnership, err)
			return
		}
		if req := r.member(ms, other); req != nil {
			req.sendRoom(r, objFrame(appendIDLine(nil, protocol.NumOwnDenied, id, c.id), id))
		}
		return
	default:
		c.sendError(protocol.NumOwnership, protocol.CodeBadCommand, "ownership operation must be take, give, approve or deny")
		return
	}
	r.broadcast(ms, nil, objFrame(appendOwnerLine(nil, id, o.Owner(), o.Gen()), id))
}

func (c *conn) destroy(cmd *protocol.Command) {
	r, id, ok := c.objectTarget(protocol.NumDestroy, cmd.Fields[0])
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ms := r.memberList()
	if _, err := r.objects.Destroy(id, c.id, r.master(ms) == c); err != nil {
		c.objectError(protocol.NumDestroy, err)
		return
	}
	c.srv.metrics.Objects.Dec()
	r.broadcast(ms, nil, objFrame(appendIDLine(nil, protocol.NumDestroy, id, 0), id))
}

func (c *conn) objectMessage(cmd *protocol.Command) {
	r, id, ok := c.objectTarget(protocol.NumObjMessage, cmd.Fields[0])
	if !ok {
		return
	}
	target := string(cmd.Fields[1])
	if len(target) != 1 || target[0] < '0' || target[0] > '4' {
		c.sendError(protocol.NumObjMessage, protocol.CodeBadCommand, "target must be 0 to 4")
		return
	}
	t := int(target[0] - '0')
	if t == protocol.ObjTargetOthersOrdered || t == protocol.ObjTargetAllOrdered {
		r.mu.Lock()
		defer r.mu.Unlock()
	} else {
		r.mu.RLock()
		defer r.mu.RUnlock()
	}
	o := c.lookup(protocol.NumObjMessage, r, id)
	if o == nil {
		return
	}
	b := id.AppendText(append(protocol.Begin(nil, protocol.NumObjMessage), ':'))
	b = protocol.FieldInt(b, c.id)
	f := outFrame{b: protocol.End(protocol.Field(b, cmd.Fields[2]))}
	ms := r.memberList()
	switch t {
	case protocol.ObjTargetOwner:
		if owner := r.member(ms, o.Owner()); owner != nil {
			owner.sendRoom(r, f)
		}
	case protocol.ObjTargetAll, protocol.ObjTargetAllOrdered:
		r.broadcast(ms, nil, f)
	default:
		r.broadcast(ms, c, f)
	}
}

// handOverObjectsLocked applies the leave rules to c's objects; caller
// holds r.mu for writing and has already removed c from the members.
func (c *conn) handOverObjectsLocked(r *room, ms []*conn) {
	isMember := func(id int64) bool { return r.member(ms, id) != nil }
	for _, ch := range r.objects.HandleLeave(c.id, ms[0].id, isMember) {
		id := ch.Object.ID
		if ch.Destroyed {
			c.srv.metrics.Objects.Dec()
			r.broadcast(ms, nil, objFrame(appendIDLine(nil, protocol.NumDestroy, id, 0), id))
			continue
		}
		r.broadcast(ms, nil, objFrame(appendOwnerLine(nil, id, ch.NewOwner, ch.Gen), id))
	}
}
