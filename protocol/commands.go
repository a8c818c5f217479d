package protocol

import (
	"math"
	"strconv"

	"github.com/tandemnet/tandem/netobj"
)

// Typed client commands. Parse splits every line into fields; for the
// network-object commands (10..16) it also reads the ids, generations,
// flags, operations and targets once, into Command.Obj, the way
// nats-server's parser fills a pubArg, so handlers never re-parse fields.
// The deltas stay raw (Fields): decoding them allocates, parsing must not.

// OwnOp is the operation of a "12" ownership request.
type OwnOp uint8

// Ownership operations.
const (
	OwnTake OwnOp = iota + 1
	OwnGive
	OwnApprove
	OwnDeny
)

var ownOps = [...]string{OwnTake: "take", OwnGive: "give", OwnApprove: "approve", OwnDeny: "deny"}

func (op OwnOp) String() string {
	if int(op) < len(ownOps) && op > 0 {
		return ownOps[op]
	}
	return "?"
}

// ObjectArgs are the typed fields of an object command.
type ObjectArgs struct {
	ID      netobj.ID       // 11, 12, 15, 16
	Gen     uint32          // 11
	Ordered bool            // 11
	Op      OwnOp           // 12
	Other   int64           // 12: expected owner of a take (0: none), recipient or requester
	Target  int             // 16: ObjTarget*
	Mode    netobj.Mode     // 10
	Life    netobj.Lifetime // 10
}

// parseObject fills c.Obj for commands 10..16. Its errors start their text
// with the object id (or token) the command named, as PROTOCOL.md asks of
// every object command's error.
func parseObject(c *Command) *ParseError {
	fail := func(text string) *ParseError {
		return &ParseError{Num: c.Num, Code: CodeBadCommand, Text: string(c.Fields[0]) + " " + text}
	}
	a := &c.Obj
	if c.Num == NumInstantiate {
		if err := netobj.ValidateToken(c.Fields[0]); err != nil {
			return fail(err.Error())
		}
		if err := netobj.ValidatePrefab(c.Fields[1]); err != nil {
			return fail(err.Error())
		}
		var err error
		if a.Mode, err = netobj.ParseMode(c.Fields[2]); err != nil {
			return fail(err.Error())
		}
		if a.Life, err = netobj.ParseLifetime(c.Fields[3]); err != nil {
			return fail(err.Error())
		}
		return nil
	}
	id, err := netobj.ParseID(c.Fields[0])
	if err != nil {
		return fail(err.Error())
	}
	a.ID = id
	switch c.Num {
	case NumUpdate:
		g, err := ParseInt(c.Fields[1])
		if err != nil || g == 0 || g > math.MaxUint32 {
			return fail("generation " + strconv.Quote(string(c.Fields[1])) + " is not a positive number")
		}
		a.Gen = uint32(g)
		switch string(c.Fields[2]) {
		case "0":
		case "1":
			a.Ordered = true
		default:
			return fail("ordered flag must be 0 or 1")
		}
	case NumOwnership:
		switch string(c.Fields[1]) {
		case "take":
			a.Op = OwnTake
		case "give":
			a.Op = OwnGive
		case "approve":
			a.Op = OwnApprove
		case "deny":
			a.Op = OwnDeny
		default:
			return fail("ownership operation must be take, give, approve or deny")
		}
		if c.N == 3 {
			if a.Other, err = ParseInt(c.Fields[2]); err != nil || a.Other <= 0 {
				return fail("expected a client id")
			}
		} else if a.Op != OwnTake {
			return fail(a.Op.String() + " needs a client id")
		}
	case NumObjMessage:
		t := c.Fields[1]
		if len(t) != 1 || t[0] < '0' || t[0] > byte('0'+ObjTargetOwner) {
			return fail("target must be 0 to 4")
		}
		a.Target = int(t[0] - '0')
	}
	return nil
}

// Encoders of the client commands (used by the Go client, bots and tests).
// They write what the caller gives; the server validates.

// AppendLoginCmd is "0:<user>:<password>".
func AppendLoginCmd(dst []byte, user, password string) []byte {
	return End(FieldString(FieldString(Begin(dst, NumLogin), user), password))
}

// AppendRoomsCmd is "1", or "1:<password>" to include the private rooms it opens.
func AppendRoomsCmd(dst []byte, password string) []byte {
	dst = Begin(dst, NumRooms)
	if password != "" {
		dst = FieldString(dst, password)
	}
	return End(dst)
}

// AppendWhoCmd is "5", "5:<room>" or "5:<room>:<password>".
func AppendWhoCmd(dst []byte, room, password string) []byte {
	dst = Begin(dst, NumWho)
	if room != "" {
		dst = FieldString(dst, room)
		if password != "" {
			dst = FieldString(dst, password)
		}
	}
	return End(dst)
}

// AppendJoinCmd is "2:<room>" or "2:<room>:<password>".
func AppendJoinCmd(dst []byte, room, password string) []byte {
	dst = FieldString(Begin(dst, NumJoin), room)
	if password != "" {
		dst = FieldString(dst, password)
	}
	return End(dst)
}

// AppendLeaveCmd is "2:-1".
func AppendLeaveCmd(dst []byte) []byte {
	return End(FieldString(Begin(dst, NumJoin), "-1"))
}

// AppendPingCmd is "7" or "7:<token>".
func AppendPingCmd(dst []byte, token string) []byte {
	dst = Begin(dst, NumPing)
	if token != "" {
		dst = FieldString(dst, token)
	}
	return End(dst)
}

// AppendSendCmd is "3:<target>:<msg>" for targets 0 to 3.
func AppendSendCmd(dst []byte, target int, msg string) []byte {
	return End(FieldString(FieldInt(Begin(dst, NumMessage), int64(target)), msg))
}

// AppendSendToCmd is "3:<4|5>:<id>:...:<msg>".
func AppendSendToCmd(dst []byte, ordered bool, ids []int64, msg string) []byte {
	target := TargetListed
	if ordered {
		target = TargetListedOrdered
	}
	dst = FieldInt(Begin(dst, NumMessage), int64(target))
	for _, id := range ids {
		dst = FieldInt(dst, id)
	}
	return End(FieldString(dst, msg))
}

// AppendInstantiateCmd is "10:<token>:<prefab>:<mode>:<lifetime>:<mask>:<data>".
func AppendInstantiateCmd(dst []byte, token, prefab string, mode netobj.Mode, life netobj.Lifetime, d netobj.Delta) []byte {
	dst = FieldString(FieldString(Begin(dst, NumInstantiate), token), prefab)
	dst = append(dst, ':', byte(mode), ':', byte(life))
	return appendDelta(dst, d)
}

// AppendUpdateCmd is "11:<id>:<gen>:<ordered 0|1>:<mask>:<data>".
func AppendUpdateCmd(dst []byte, id netobj.ID, gen uint32, ordered bool, d netobj.Delta) []byte {
	dst = id.AppendText(append(Begin(dst, NumUpdate), ':'))
	dst = FieldInt(dst, int64(gen))
	flag := byte('0')
	if ordered {
		flag = '1'
	}
	return appendDelta(append(dst, ':', flag), d)
}

// AppendOwnershipCmd is "12:<id>:<op>" or "12:<id>:<op>:<client id>"
// (other 0 leaves the client id out: an unconditional take).
func AppendOwnershipCmd(dst []byte, id netobj.ID, op OwnOp, other int64) []byte {
	dst = FieldString(id.AppendText(append(Begin(dst, NumOwnership), ':')), op.String())
	if other > 0 {
		dst = FieldInt(dst, other)
	}
	return End(dst)
}

// AppendDestroyCmd is "15:<id>".
func AppendDestroyCmd(dst []byte, id netobj.ID) []byte {
	return End(id.AppendText(append(Begin(dst, NumDestroy), ':')))
}

// AppendObjMessageCmd is "16:<id>:<target>:<msg>".
func AppendObjMessageCmd(dst []byte, id netobj.ID, target int, msg string) []byte {
	dst = id.AppendText(append(Begin(dst, NumObjMessage), ':'))
	return End(FieldString(FieldInt(dst, int64(target)), msg))
}

// AppendResumeCmd is "19:<user>:<resume token>".
func AppendResumeCmd(dst []byte, user, token string) []byte {
	return End(FieldString(FieldString(Begin(dst, NumResume), user), token))
}
