package server

import (
	"bytes"

	"github.com/tandemnet/tandem/protocol"
)

// What a command costs its sender's fan-out budget (Limits.FanoutBytesPerSecond):
// the bytes it makes the server queue for others, that is its size times
// the recipients. A sender over budget has its next lines refused
// (conn.allow), so amplification throttles the amplifier, not the room.

// frameOverhead is what a relayed frame adds to the payload (number,
// sender id, separators): an estimate, it only has to be of the right size.
const frameOverhead = 24

// chargeRoomWide charges a payload of n bytes sent to every member of r.
func (cl *client) chargeRoomWide(r *room, n int) {
	if r != nil {
		cl.conn.chargeFanout(len(r.memberList()) * (n + frameOverhead))
	}
}

// chargeObjectCommand charges an object command (10..16) as if it went to
// the whole room: most do, and the rest are cheap.
func (cl *client) chargeObjectCommand(cmd *protocol.Command) {
	n := 0
	for i := 0; i < cmd.N; i++ {
		n += len(cmd.Fields[i]) + 1
	}
	cl.chargeRoomWide(cl.room, n)
}

// fansOut says whether a line is refused while its sender's fan-out
// budget is in debt: joins (their snapshot), messages and object
// commands. Pings, logins, lists and leaves are not: a client in debt can
// still leave.
func fansOut(line []byte) bool {
	switch num := protocol.LineNumber(line); {
	case num == protocol.NumJoin:
		return !bytes.HasPrefix(line, leaveLine) || len(bytes.TrimRight(line, "\r\n")) != len(leaveLine)
	default:
		return num == protocol.NumMessage || num >= protocol.NumInstantiate
	}
}

var leaveLine = []byte("2:-1")
