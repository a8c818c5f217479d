package server

import (
	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
)

// Dispatch of the network-object commands 10..16: the parser has read
// their typed fields (cmd.Obj); decode the delta where there is one, then
// run the room operation (room_objects.go).

// inRoom returns the client's room or answers not_in_room.
func (cl *client) inRoom(num int) *room {
	if cl.room == nil {
		cl.sendError(num, protocol.CodeNotInRoom, "join a room first")
	}
	return cl.room
}

func (cl *client) instantiate(cmd *protocol.Command) {
	r := cl.inRoom(protocol.NumInstantiate)
	if r == nil {
		return
	}
	d, err := netobj.DecodeDelta(cmd.Fields[4], cmd.Fields[5])
	if err != nil {
		cl.reply(protocol.NumInstantiate, err)
		return
	}
	a := &cmd.Obj
	cl.reply(protocol.NumInstantiate, r.instantiate(&cl.self, string(cmd.Fields[0]), string(cmd.Fields[1]), a.Mode, a.Life, d))
}

func (cl *client) update(cmd *protocol.Command) {
	r := cl.inRoom(protocol.NumUpdate)
	if r == nil {
		return
	}
	d, err := netobj.DecodeDelta(cmd.Fields[3], cmd.Fields[4])
	if err != nil {
		cl.reply(protocol.NumUpdate, err)
		return
	}
	a := &cmd.Obj
	cl.reply(protocol.NumUpdate, r.update(&cl.self, a.ID, a.Gen, a.Ordered, d, cmd.Fields[3], cmd.Fields[4]))
}

func (cl *client) ownership(cmd *protocol.Command) {
	if r := cl.inRoom(protocol.NumOwnership); r != nil {
		cl.reply(protocol.NumOwnership, r.ownership(&cl.self, cmd.Obj.ID, cmd.Obj.Op, cmd.Obj.Other))
	}
}

func (cl *client) destroy(cmd *protocol.Command) {
	if r := cl.inRoom(protocol.NumDestroy); r != nil {
		cl.reply(protocol.NumDestroy, r.destroy(&cl.self, cmd.Obj.ID))
	}
}

func (cl *client) objectMessage(cmd *protocol.Command) {
	if r := cl.inRoom(protocol.NumObjMessage); r != nil {
		cl.reply(protocol.NumObjMessage, r.objectMessage(&cl.self, cmd.Obj.ID, cmd.Obj.Target, cmd.Fields[2]))
	}
}
