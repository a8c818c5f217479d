package server

import (
	"errors"
	"fmt"
	"math"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
)

// Dispatch of the network-object commands 10..16: read the fields, then
// run the room operation (room_objects.go).

// inRoom returns the client's room or answers not_in_room.
func (cl *client) inRoom(num int) *room {
	if cl.room == nil {
		cl.sendError(num, protocol.CodeNotInRoom, "join a room first")
	}
	return cl.room
}

// objectTarget resolves the room and the object id that commands 11, 12,
// 15 and 16 name in their first field, answering the error itself.
func (cl *client) objectTarget(num int, field []byte) (*room, netobj.ID, bool) {
	r := cl.inRoom(num)
	if r == nil {
		return nil, netobj.ID{}, false
	}
	id, err := netobj.ParseID(field)
	if err != nil {
		cl.sendError(num, protocol.CodeBadCommand, err.Error())
		return nil, netobj.ID{}, false
	}
	return r, id, true
}

func (cl *client) instantiate(cmd *protocol.Command) {
	r := cl.inRoom(protocol.NumInstantiate)
	if r == nil {
		return
	}
	token, prefab := cmd.Fields[0], cmd.Fields[1]
	if err := validToken(token); err != nil {
		cl.sendError(protocol.NumInstantiate, protocol.CodeBadCommand, err.Error())
		return
	}
	if len(prefab) == 0 || len(prefab) > 128 {
		cl.sendError(protocol.NumInstantiate, protocol.CodeBadCommand, "prefab key must be 1 to 128 bytes")
		return
	}
	if err := protocol.ValidateText(prefab); err != nil {
		cl.sendError(protocol.NumInstantiate, protocol.CodeBadCommand, "prefab key "+err.Error())
		return
	}
	mode, err := netobj.ParseMode(cmd.Fields[2])
	if err != nil {
		cl.sendError(protocol.NumInstantiate, protocol.CodeBadCommand, err.Error())
		return
	}
	life, err := netobj.ParseLifetime(cmd.Fields[3])
	if err != nil {
		cl.sendError(protocol.NumInstantiate, protocol.CodeBadCommand, err.Error())
		return
	}
	d, err := netobj.DecodeDelta(cmd.Fields[4], cmd.Fields[5])
	if err != nil {
		cl.reply(protocol.NumInstantiate, err)
		return
	}
	cl.reply(protocol.NumInstantiate, r.instantiate(&cl.self, string(token), string(prefab), mode, life, d))
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
	n, err := protocol.ParseInt(b)
	if err != nil || n == 0 || n > math.MaxUint32 {
		return 0, fmt.Errorf("generation %q is not a positive number", b)
	}
	return uint32(n), nil
}

func (cl *client) update(cmd *protocol.Command) {
	r, id, ok := cl.objectTarget(protocol.NumUpdate, cmd.Fields[0])
	if !ok {
		return
	}
	gen, err := parseGen(cmd.Fields[1])
	if err != nil {
		cl.sendError(protocol.NumUpdate, protocol.CodeBadCommand, err.Error())
		return
	}
	ordered := string(cmd.Fields[2])
	if ordered != "0" && ordered != "1" {
		cl.sendError(protocol.NumUpdate, protocol.CodeBadCommand, "ordered flag must be 0 or 1")
		return
	}
	d, err := netobj.DecodeDelta(cmd.Fields[3], cmd.Fields[4])
	if err != nil {
		cl.reply(protocol.NumUpdate, err)
		return
	}
	cl.reply(protocol.NumUpdate, r.update(&cl.self, id, gen, ordered == "1", d, len(cmd.Fields[3])+len(cmd.Fields[4])))
}

func (cl *client) ownership(cmd *protocol.Command) {
	r, id, ok := cl.objectTarget(protocol.NumOwnership, cmd.Fields[0])
	if !ok {
		return
	}
	op := string(cmd.Fields[1])
	var other int64
	var err error
	if cmd.N == 3 {
		if other, err = protocol.ParseInt(cmd.Fields[2]); err != nil || other <= 0 {
			cl.sendError(protocol.NumOwnership, protocol.CodeBadCommand, "expected a client id")
			return
		}
	} else if op != "take" {
		cl.sendError(protocol.NumOwnership, protocol.CodeBadCommand, op+" needs a client id")
		return
	}
	cl.reply(protocol.NumOwnership, r.ownership(&cl.self, id, op, other))
}

func (cl *client) destroy(cmd *protocol.Command) {
	r, id, ok := cl.objectTarget(protocol.NumDestroy, cmd.Fields[0])
	if !ok {
		return
	}
	cl.reply(protocol.NumDestroy, r.destroy(&cl.self, id))
}

func (cl *client) objectMessage(cmd *protocol.Command) {
	r, id, ok := cl.objectTarget(protocol.NumObjMessage, cmd.Fields[0])
	if !ok {
		return
	}
	target := cmd.Fields[1]
	if len(target) != 1 || target[0] < '0' || target[0] > '4' {
		cl.sendError(protocol.NumObjMessage, protocol.CodeBadCommand, "target must be 0 to 4")
		return
	}
	cl.reply(protocol.NumObjMessage, r.objectMessage(&cl.self, id, int(target[0]-'0'), cmd.Fields[2]))
}
