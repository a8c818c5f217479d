package protocol

import (
	"strconv"

	"github.com/tandemnet/tandem/netobj"
)

// Encoders of the server lines about rooms and network objects. Every
// line the server sends is built by one function of this package, so the
// wire format lives in one place (the C# client mirrors these names).

// AppendPong is "7" or "7:<token>" (token may be nil).
func AppendPong(dst, token []byte) []byte {
	dst = Begin(dst, NumPing)
	if token != nil {
		dst = Field(dst, token)
	}
	return End(dst)
}

// RoomEntry is one entry of a "1" room list.
type RoomEntry struct {
	Name    string
	Members int
}

// AppendRoomListStart begins "1:"; add entries with AppendRoomListEntry and
// finish with End.
func AppendRoomListStart(dst []byte) []byte {
	return append(Begin(dst, NumRooms), ':')
}

// AppendRoomListEntry adds "<name>-<count>", comma-separated after the
// first (first says whether it is the first entry).
func AppendRoomListEntry(dst []byte, first bool, name string, members int) []byte {
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, name...)
	dst = append(dst, '-')
	return strconv.AppendInt(dst, int64(members), 10)
}

// WhoEntry is one member of a "5" member list.
type WhoEntry struct {
	ID       int64
	Name     string
	Inactive bool // dropped, within its rejoin grace
}

// AppendWho is "5:<room>:<id>=<name>,...", an inactive member written
// "<id>=<name>=inactive".
func AppendWho(dst []byte, room string, members []WhoEntry) []byte {
	dst = append(FieldString(Begin(dst, NumWho), room), ':')
	for i, m := range members {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(dst, m.ID, 10)
		dst = append(dst, '=')
		dst = append(dst, m.Name...)
		if m.Inactive {
			dst = append(append(dst, '='), ActivityInactive...)
		}
	}
	return End(dst)
}

// AppendSpawned is "10:<id>:<owner>:<gen>:<mode>:<lifetime>:<prefab>:<token>:<mask>:<data>".
func AppendSpawned(dst []byte, o *netobj.Object, owner int64, gen uint32, d netobj.Delta) []byte {
	dst = o.ID.AppendText(append(Begin(dst, NumInstantiate), ':'))
	dst = FieldInt(dst, owner)
	dst = FieldInt(dst, int64(gen))
	dst = append(dst, ':', byte(o.Mode), ':', byte(o.Life))
	dst = FieldString(dst, o.Prefab)
	dst = FieldString(dst, o.Token)
	return appendDelta(dst, d)
}

// AppendUpdated is "11:<id>:<gen>:<mask>:<data>".
func AppendUpdated(dst []byte, id netobj.ID, gen uint32, d netobj.Delta) []byte {
	dst = id.AppendText(append(Begin(dst, NumUpdate), ':'))
	dst = FieldInt(dst, int64(gen))
	return appendDelta(dst, d)
}

// AppendUpdatedRaw is AppendUpdated from the wire form of an already
// validated delta whose mask is canonical (netobj.CanonicalMask): the
// relay copies the bytes instead of encoding them again.
func AppendUpdatedRaw(dst []byte, id netobj.ID, gen uint32, mask, data []byte) []byte {
	dst = id.AppendText(append(Begin(dst, NumUpdate), ':'))
	dst = FieldInt(dst, int64(gen))
	dst = append(append(dst, ':'), mask...)
	dst = append(append(dst, ':'), data...)
	return End(dst)
}

func appendDelta(dst []byte, d netobj.Delta) []byte {
	dst = d.AppendMask(append(dst, ':'))
	dst = d.AppendData(append(dst, ':'))
	return End(dst)
}

// AppendOwner is "12:<id>:<owner>:<gen>".
func AppendOwner(dst []byte, id netobj.ID, owner int64, gen uint32) []byte {
	dst = id.AppendText(append(Begin(dst, NumOwnership), ':'))
	dst = FieldInt(dst, owner)
	return End(FieldInt(dst, int64(gen)))
}

// AppendOwnRequested is "13:<id>:<requester>" (to the owner).
func AppendOwnRequested(dst []byte, id netobj.ID, requester int64) []byte {
	return End(FieldInt(id.AppendText(append(Begin(dst, NumOwnRequest), ':')), requester))
}

// AppendOwnDenied is "14:<id>:<owner>" (to the requester).
func AppendOwnDenied(dst []byte, id netobj.ID, owner int64) []byte {
	return End(FieldInt(id.AppendText(append(Begin(dst, NumOwnDenied), ':')), owner))
}

// AppendDestroyed is "15:<id>".
func AppendDestroyed(dst []byte, id netobj.ID) []byte {
	return End(id.AppendText(append(Begin(dst, NumDestroy), ':')))
}

// AppendObjMessage is "16:<id>:<sender>:<payload>".
func AppendObjMessage(dst []byte, id netobj.ID, sender int64, payload []byte) []byte {
	dst = id.AppendText(append(Begin(dst, NumObjMessage), ':'))
	dst = FieldInt(dst, sender)
	return End(Field(dst, payload))
}

// AppendReady is "17:<room>:<object count>".
func AppendReady(dst []byte, room string, objects int) []byte {
	return End(FieldInt(FieldString(Begin(dst, NumReady), room), int64(objects)))
}
