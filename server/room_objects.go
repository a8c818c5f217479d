package server

import (
	"fmt"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
)

// Network-object operations of a room (PROTOCOL.md "Network objects").
// Every ordered event runs under the room's write lock; unordered updates
// and object messages under its read lock (see room). Each returns the
// error for the requester; netobj's errors carry their protocol code.

var errNoSuchObject = &roomError{protocol.CodeNoSuchObject, "no such object in this room"}

// appendSnapshot writes every live object with its owner, generation and
// full merged state. Caller holds r.mu for writing, so no update is in
// flight: the snapshot sits at one point of the room's ordered stream.
func appendSnapshot(b []byte, r *room) ([]byte, int) {
	objs := r.objects.Objects()
	for _, o := range objs {
		owner, gen, full := o.Snapshot()
		b = protocol.AppendSpawned(b, o, owner, gen, full)
	}
	return b, len(objs)
}

func objFrame(b []byte, id netobj.ID) outFrame {
	return outFrame{b: b, obj: id, hasObj: true}
}

// errRoomClosed answers a command that raced with the room's end.
var errRoomClosed = &roomError{protocol.CodeNotInRoom, "the room was closed"}

// lookup returns the live object; caller holds r.mu.
func (r *room) lookup(id netobj.ID) (*netobj.Object, error) {
	if r.closed {
		return nil, errRoomClosed
	}
	if o := r.objects.Get(id); o != nil {
		return o, nil
	}
	return nil, errNoSuchObject
}

func (r *room) instantiate(by *member, token, prefab string, mode netobj.Mode, life netobj.Lifetime, d netobj.Delta) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errRoomClosed
	}
	o, err := r.objects.Instantiate(by.id, token, prefab, mode, life, d)
	if err != nil {
		return err
	}
	r.metrics.Objects.Inc()
	owner, gen, full := o.Snapshot()
	r.broadcast(r.memberList(), nil, objFrame(protocol.AppendSpawned(nil, o, owner, gen, full), o.ID))
	return nil
}

// update applies a delta and relays it. mask and data are the delta's
// wire form, relayed as they are when canonical (no re-encoding).
func (r *room) update(by *member, id netobj.ID, gen uint32, ordered bool, d netobj.Delta, mask, data []byte) error {
	if ordered {
		r.mu.Lock()
		defer r.mu.Unlock()
	} else {
		r.mu.RLock()
		defer r.mu.RUnlock()
	}
	o, err := r.lookup(id)
	if err != nil {
		return err
	}
	if err := o.Update(by.id, gen, d, r.lim.MaxStateBytes); err != nil {
		return err
	}
	buf := make([]byte, 0, 48+len(mask)+len(data))
	var f outFrame
	if netobj.CanonicalMask(mask) {
		f = objFrame(protocol.AppendUpdatedRaw(buf, id, gen, mask, data), id)
	} else {
		f = objFrame(protocol.AppendUpdated(buf, id, gen, d), id)
	}
	if !ordered {
		f.upd = &queuedUpdate{id: id, gen: gen, delta: d}
	}
	r.broadcastVia(r.memberList(), by, f, by.batch)
	return nil
}

// ownership applies take, give, approve or deny; other is the expected
// owner of a conditional take (0 for none), the recipient of a give, or
// the requester of an approve or deny.
func (r *room) ownership(by *member, id netobj.ID, op protocol.OwnOp, other int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, err := r.lookup(id)
	if err != nil {
		return err
	}
	ms := r.memberList()
	switch op {
	case protocol.OwnTake:
		res, err := o.Take(by.id, other)
		if err != nil {
			return err
		}
		if res == netobj.TakeRequested {
			if owner := r.member(ms, o.Owner()); owner != nil {
				owner.out.deliver(r, objFrame(protocol.AppendOwnRequested(nil, id, by.id), id), nil)
			}
			return nil
		}
	case protocol.OwnGive:
		if r.member(ms, other) == nil {
			return &roomError{protocol.CodeUnknownRecipient, fmt.Sprintf("client %d is not in this room", other)}
		}
		if err := o.Give(by.id, other); err != nil {
			return err
		}
	case protocol.OwnApprove:
		if err := o.Approve(by.id, other); err != nil {
			return err
		}
	case protocol.OwnDeny:
		if err := o.Deny(by.id, other); err != nil {
			return err
		}
		if req := r.member(ms, other); req != nil {
			req.out.deliver(r, objFrame(protocol.AppendOwnDenied(nil, id, by.id), id), nil)
		}
		return nil
	default:
		return &roomError{protocol.CodeBadCommand, "ownership operation must be take, give, approve or deny"}
	}
	r.broadcast(ms, nil, objFrame(protocol.AppendOwner(nil, id, o.Owner(), o.Gen()), id))
	return nil
}

func (r *room) destroy(by *member, id netobj.ID) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errRoomClosed
	}
	ms := r.memberList()
	if _, err := r.objects.Destroy(id, by.id, r.master(ms) == by); err != nil {
		return err
	}
	r.metrics.Objects.Dec()
	r.broadcast(ms, nil, objFrame(protocol.AppendDestroyed(nil, id), id))
	return nil
}

// objectMessage relays an RPC to the target (protocol.ObjTarget*).
func (r *room) objectMessage(by *member, id netobj.ID, target int, payload []byte) error {
	if target == protocol.ObjTargetOthersOrdered || target == protocol.ObjTargetAllOrdered {
		r.mu.Lock()
		defer r.mu.Unlock()
	} else {
		r.mu.RLock()
		defer r.mu.RUnlock()
	}
	o, err := r.lookup(id)
	if err != nil {
		return err
	}
	// Tagged with its object, so that a slow recipient's update merging
	// stops at it (PROTOCOL.md: merging never crosses it).
	f := objFrame(protocol.AppendObjMessage(make([]byte, 0, len(payload)+32), id, by.id, payload), id)
	ms := r.memberList()
	switch target {
	case protocol.ObjTargetOwner:
		if owner := r.member(ms, o.Owner()); owner != nil {
			owner.out.deliver(r, f, by.batch)
		}
	case protocol.ObjTargetAll, protocol.ObjTargetAllOrdered:
		r.broadcastVia(ms, nil, f, by.batch)
	default:
		r.broadcastVia(ms, by, f, by.batch)
	}
	return nil
}

// handOverObjectsLocked applies the leave rules to the objects of left;
// caller holds r.mu for writing and has already removed left from ms.
func (r *room) handOverObjectsLocked(left *member, ms []*member) {
	isMember := func(id int64) bool { return r.member(ms, id) != nil }
	for _, ch := range r.objects.HandleLeave(left.id, ms[0].id, isMember) {
		id := ch.Object.ID
		if ch.Destroyed {
			r.metrics.Objects.Dec()
			r.broadcast(ms, nil, objFrame(protocol.AppendDestroyed(nil, id), id))
			continue
		}
		r.broadcast(ms, nil, objFrame(protocol.AppendOwner(nil, id, ch.NewOwner, ch.Gen), id))
	}
}
