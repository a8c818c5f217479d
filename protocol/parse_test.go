package protocol_test

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/protocol/vectors"
)

// fields flattens a parsed command the way vectors.txt writes it: listed
// recipients are split back into separate fields.
func fields(c protocol.Command) []string {
	out := []string{}
	for i := 0; i < c.N; i++ {
		if c.Num == protocol.NumMessage && i == 1 && c.N == 3 {
			for _, id := range bytes.Split(c.Fields[1], []byte(":")) {
				out = append(out, string(id))
			}
			continue
		}
		out = append(out, string(c.Fields[i]))
	}
	return out
}

func TestParseSharedVectors(t *testing.T) {
	vs, err := vectors.Load("c2s")
	require.NoError(t, err)
	require.NotEmpty(t, vs)
	for _, v := range vs {
		t.Run(v.Fields[0], func(t *testing.T) {
			c, err := protocol.Parse([]byte(v.Fields[0]))
			require.NoError(t, err)
			assert.Equal(t, v.Fields[1], strconv.Itoa(c.Num))
			want := v.Fields[2:]
			assert.Equal(t, want, fields(c))
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		line string
		num  int
		code protocol.Code
	}{
		{"", -1, protocol.CodeBadCommand},
		{"x", -1, protocol.CodeBadCommand},
		{"1234:a", -1, protocol.CodeBadCommand},
		{":a", -1, protocol.CodeBadCommand},
		{"6", 6, protocol.CodeUnknownCommand},
		{"99:x", 99, protocol.CodeUnknownCommand},
		{"4", 4, protocol.CodeUnknownCommand},
		{"0", 0, protocol.CodeBadCommand},
		{"0:alice", 0, protocol.CodeBadCommand},
		{"0:alice:pw:extra", 0, protocol.CodeBadCommand},
		{"1:a:b", 1, protocol.CodeBadCommand},
		{"2", 2, protocol.CodeBadCommand},
		{"2:a:b:c:d", 2, protocol.CodeBadCommand},
		{"19:alice", 19, protocol.CodeBadCommand},
		{"19:alice:tok:x", 19, protocol.CodeBadCommand},
		{"3", 3, protocol.CodeBadCommand},
		{"3:1", 3, protocol.CodeBadCommand},
		{"3:6:x", 3, protocol.CodeBadCommand},
		{"3:a:x", 3, protocol.CodeBadCommand},
		{"3:4:msg", 3, protocol.CodeBadCommand},
		{"3:4:x:msg", 3, protocol.CodeBadCommand},
		{"3:4:0:msg", 3, protocol.CodeBadCommand},
		{"3:4:1::msg", 3, protocol.CodeBadCommand},
		{"10:a:b:c", 10, protocol.CodeBadCommand},
		{"11:1.1:1:0:1", 11, protocol.CodeBadCommand},
		{"12:1.1", 12, protocol.CodeBadCommand},
		{"15", 15, protocol.CodeBadCommand},
		{"15:1.1:x", 15, protocol.CodeBadCommand},
		{"16:1.1:0", 16, protocol.CodeBadCommand},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.line), func(t *testing.T) {
			_, err := protocol.Parse([]byte(tt.line))
			var pe *protocol.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.num, pe.Num)
			assert.Equal(t, tt.code, pe.Code)
			if tt.code == protocol.CodeBadCommand && tt.num >= 0 {
				// Every bad_command says what the message should look like.
				assert.Contains(t, pe.Text, "expected "+protocol.Form(tt.num))
			}
		})
	}
}

// The answers a client author sees for common slips, word for word.
func TestParseErrorTexts(t *testing.T) {
	tests := []struct {
		line, text string
	}{
		{"0:alice", "expected 0:<user>:<password>"},
		{"0:alice:pw:extra", "expected 0:<user>:<password>"},
		{"hello", "a line starts with a message number; expected <number>:<fields>, e.g. 0:<user>:<password>"},
		{"3:9:x", "target must be 0 to 5; expected 3:<target 0-3>:<message> or 3:<target 4-5>:<id>:...:<message>"},
		{"3:4:x:msg", "recipients must be client ids; expected 3:<target 0-3>:<message> or 3:<target 4-5>:<id>:...:<message>"},
		{"12:1.1", "expected 12:<id>:take, 12:<id>:take:<expected owner> or 12:<id>:<give|approve|deny>:<client id>"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			_, err := protocol.Parse([]byte(tt.line))
			var pe *protocol.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.text, pe.Text)
		})
	}
}

func TestParseListedRecipients(t *testing.T) {
	c, err := protocol.Parse([]byte("3:4:12:7:99:payload\r"))
	require.NoError(t, err)
	var ids []int64
	for r := c.Fields[1]; len(r) > 0; {
		var id int64
		id, r, err = protocol.NextID(r)
		require.NoError(t, err)
		ids = append(ids, id)
	}
	assert.Equal(t, []int64{12, 7, 99}, ids)
	assert.Equal(t, "payload", string(c.Fields[2]))
}

func TestParseDoesNotAllocate(t *testing.T) {
	vs, err := vectors.Load("c2s")
	require.NoError(t, err)
	for _, v := range vs {
		line := []byte(v.Fields[0])
		allocs := testing.AllocsPerRun(100, func() {
			_, _ = protocol.Parse(line)
		})
		assert.Zero(t, allocs, "%s", line)
	}
}

// TestParseTypedObjectCommands: the object commands' fields are read once,
// into Command.Obj.
func TestParseTypedObjectCommands(t *testing.T) {
	id := netobj.ID{Creator: 3, Counter: 1}
	tests := []struct {
		line string
		want protocol.ObjectArgs
	}{
		{"10:a1:Avatar:t:p:3:AaF4", protocol.ObjectArgs{Mode: netobj.ModeTakeover, Life: netobj.LifetimePlayer}},
		{"11:3.1:7:1:1:ww==", protocol.ObjectArgs{ID: id, Gen: 7, Ordered: true}},
		{"11:3.1:7:0:1:ww==", protocol.ObjectArgs{ID: id, Gen: 7}},
		{"12:3.1:take", protocol.ObjectArgs{ID: id, Op: protocol.OwnTake}},
		{"12:3.1:take:9", protocol.ObjectArgs{ID: id, Op: protocol.OwnTake, Other: 9}},
		{"12:3.1:give:9", protocol.ObjectArgs{ID: id, Op: protocol.OwnGive, Other: 9}},
		{"12:3.1:approve:9", protocol.ObjectArgs{ID: id, Op: protocol.OwnApprove, Other: 9}},
		{"12:3.1:deny:9", protocol.ObjectArgs{ID: id, Op: protocol.OwnDeny, Other: 9}},
		{"15:3.1", protocol.ObjectArgs{ID: id}},
		{"16:3.1:4:open:door", protocol.ObjectArgs{ID: id, Target: protocol.ObjTargetOwner}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c, err := protocol.Parse([]byte(tt.line))
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Obj)
		})
	}
}

// TestClientCommandEncoders: every client command encoder writes its c2s
// vector.
func TestClientCommandEncoders(t *testing.T) {
	id := netobj.ID{Creator: 3, Counter: 1}
	d := func(mask, data string) netobj.Delta {
		dd, err := netobj.DecodeDelta([]byte(mask), []byte(data))
		require.NoError(t, err)
		return dd
	}
	tests := []struct {
		got  []byte
		want string
	}{
		{protocol.AppendLoginCmd(nil, "alice", "secret"), "0:alice:secret"},
		{protocol.AppendRoomsCmd(nil, ""), "1"},
		{protocol.AppendRoomsCmd(nil, "pw"), "1:pw"},
		{protocol.AppendJoinCmd(nil, "lobby", ""), "2:lobby"},
		{protocol.AppendJoinCmd(nil, "vault", "pw"), "2:vault:pw"},
		{protocol.AppendLeaveCmd(nil), "2:-1"},
		{protocol.AppendWhoCmd(nil, "", ""), "5"},
		{protocol.AppendWhoCmd(nil, "lobby", ""), "5:lobby"},
		{protocol.AppendWhoCmd(nil, "vault", "pw"), "5:vault:pw"},
		{protocol.AppendPingCmd(nil, ""), "7"},
		{protocol.AppendPingCmd(nil, "t1"), "7:t1"},
		{protocol.AppendSendCmd(nil, protocol.TargetAllOrdered, ""), "3:3:"},
		{protocol.AppendSendToCmd(nil, false, []int64{3, 9}, "aGk="), "3:4:3:9:aGk="},
		{protocol.AppendSendToCmd(nil, true, []int64{9}, "aGk="), "3:5:9:aGk="},
		{protocol.AppendInstantiateCmd(nil, "a1", "Avatar", netobj.ModeTakeover, netobj.LifetimePlayer, d("3", "AaF4")), "10:a1:Avatar:t:p:3:AaF4"},
		{protocol.AppendUpdateCmd(nil, netobj.ID{Creator: 17, Counter: 1}, 1, false, d("1", "ww==")), "11:17.1:1:0:1:ww=="},
		{protocol.AppendOwnershipCmd(nil, id, protocol.OwnTake, 0), "12:3.1:take"},
		{protocol.AppendOwnershipCmd(nil, id, protocol.OwnTake, 9), "12:3.1:take:9"},
		{protocol.AppendOwnershipCmd(nil, id, protocol.OwnGive, 9), "12:3.1:give:9"},
		{protocol.AppendOwnershipCmd(nil, id, protocol.OwnApprove, 9), "12:3.1:approve:9"},
		{protocol.AppendOwnershipCmd(nil, id, protocol.OwnDeny, 9), "12:3.1:deny:9"},
		{protocol.AppendDestroyCmd(nil, id), "15:3.1"},
		{protocol.AppendObjMessageCmd(nil, id, protocol.ObjTargetOwner, "open:door"), "16:3.1:4:open:door"},
	}
	c2s := map[string]bool{}
	vs, err := vectors.Load("c2s")
	require.NoError(t, err)
	for _, v := range vs {
		c2s[v.Fields[0]] = true
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want+"\n", string(tt.got))
		assert.True(t, c2s[tt.want], "%s is a c2s vector", tt.want)
	}
}

func TestEncoders(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"session", protocol.AppendSession(nil, 17), "0:17\n"},
		{"joined", protocol.AppendJoined(nil, 17, "lobby"), "2:17:lobby\n"},
		{"left", protocol.AppendLeft(nil, 17), "2:17:\n"},
		{"master", protocol.AppendMaster(nil, 3), "4:3\n"},
		{"message", protocol.AppendMessage(nil, 17, []byte("a:b")), "3:17:a:b\n"},
		{"error", protocol.AppendError(nil, 2, protocol.CodeWrongPassword, "bad\npw"), "9:2:wrong_password:bad pw\n"},
		{"error unattributed", protocol.AppendError(nil, -1, protocol.CodeLineTooLong, "too long"), "9:-:line_too_long:too long\n"},
		{"closing", protocol.AppendClosing(nil, protocol.CloseSessionReplaced, "x"), "8:session_replaced:x\n"},
		{"kicked", protocol.AppendClosing(nil, protocol.CloseKicked, "by ops"), "8:kicked:by ops\n"},
		{"system", protocol.AppendSystem(nil, "restart at 3:00\nsoon"), "22:restart at 3:00 soon\n"},
		{"room closed", protocol.AppendRoomClosed(nil, "lobby", protocol.RoomClosedByOperator, "bye"), "23:lobby:closed:bye\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(tt.got))
		})
	}
}

// TestEncodersMatchServerVectors encodes every s2c vector with the real
// encoder of its message number, from the vector's fields, and checks the
// line is the vector's line: the vectors pin what the server writes.
func TestEncodersMatchServerVectors(t *testing.T) {
	vs, err := vectors.Load("s2c")
	require.NoError(t, err)
	admin, err := vectors.Load("s2c-admin")
	require.NoError(t, err)
	require.NotEmpty(t, admin)
	vs = append(vs, admin...)
	seen := map[int]bool{}
	for _, v := range vs {
		num, err := strconv.Atoi(v.Fields[1])
		require.NoError(t, err)
		seen[num] = true
		got := encodeServerLine(t, num, v.Fields[2:])
		assert.Equal(t, v.Fields[0]+"\n", string(got), "vector line %d", v.Line)
	}
	for _, n := range []int{protocol.NumLogin, protocol.NumRooms, protocol.NumJoin, protocol.NumMessage,
		protocol.NumMaster, protocol.NumWho, protocol.NumPing, protocol.NumClosing, protocol.NumError,
		protocol.NumInstantiate, protocol.NumUpdate, protocol.NumOwnership, protocol.NumOwnRequest,
		protocol.NumOwnDenied, protocol.NumDestroy, protocol.NumObjMessage, protocol.NumReady,
		protocol.NumActivity, protocol.NumSystem, protocol.NumRoomClosed} {
		assert.True(t, seen[n], "an s2c vector for message %d", n)
	}
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err)
	return n
}

func objID(t *testing.T, s string) netobj.ID {
	t.Helper()
	id, err := netobj.ParseID([]byte(s))
	require.NoError(t, err)
	return id
}

func decodeDelta(t *testing.T, mask, data string) netobj.Delta {
	t.Helper()
	d, err := netobj.DecodeDelta([]byte(mask), []byte(data))
	require.NoError(t, err)
	return d
}

// encodeServerLine calls the one encoder of message num with the values
// of fields (as vectors.txt splits them).
func encodeServerLine(t *testing.T, num int, f []string) []byte {
	t.Helper()
	switch num {
	case protocol.NumLogin:
		if len(f) == 3 {
			return protocol.AppendSessionTokens(nil, atoi(t, f[0]), f[1], f[2])
		}
		return protocol.AppendSession(nil, atoi(t, f[0]))
	case protocol.NumRooms:
		b := protocol.AppendRoomListStart(nil)
		if f[0] != "" {
			for i, e := range strings.Split(f[0], ",") {
				cut := strings.LastIndexByte(e, '-')
				b = protocol.AppendRoomListEntry(b, i == 0, e[:cut], int(atoi(t, e[cut+1:])))
			}
		}
		return protocol.End(b)
	case protocol.NumJoin:
		if f[1] == "" {
			return protocol.AppendLeft(nil, atoi(t, f[0]))
		}
		return protocol.AppendJoined(nil, atoi(t, f[0]), f[1])
	case protocol.NumMessage:
		return protocol.AppendMessage(nil, atoi(t, f[0]), []byte(f[1]))
	case protocol.NumMaster:
		return protocol.AppendMaster(nil, atoi(t, f[0]))
	case protocol.NumWho:
		var ms []protocol.WhoEntry
		for _, e := range strings.Split(f[1], ",") {
			id, name, _ := strings.Cut(e, "=")
			name, flag, _ := strings.Cut(name, "=")
			ms = append(ms, protocol.WhoEntry{ID: atoi(t, id), Name: name, Inactive: flag == protocol.ActivityInactive})
		}
		return protocol.AppendWho(nil, f[0], ms)
	case protocol.NumPing:
		if len(f) == 0 {
			return protocol.AppendPong(nil, nil)
		}
		return protocol.AppendPong(nil, []byte(f[0]))
	case protocol.NumClosing:
		return protocol.AppendClosing(nil, protocol.Code(f[0]), f[1])
	case protocol.NumError:
		cmd := -1
		if f[0] != "-" {
			cmd = int(atoi(t, f[0]))
		}
		return protocol.AppendError(nil, cmd, protocol.Code(f[1]), f[2])
	case protocol.NumInstantiate:
		o := &netobj.Object{ID: objID(t, f[0]), Mode: netobj.Mode(f[3][0]), Life: netobj.Lifetime(f[4][0]), Prefab: f[5], Token: f[6]}
		return protocol.AppendSpawned(nil, o, atoi(t, f[1]), uint32(atoi(t, f[2])), decodeDelta(t, f[7], f[8]))
	case protocol.NumUpdate:
		return protocol.AppendUpdated(nil, objID(t, f[0]), uint32(atoi(t, f[1])), decodeDelta(t, f[2], f[3]))
	case protocol.NumOwnership:
		return protocol.AppendOwner(nil, objID(t, f[0]), atoi(t, f[1]), uint32(atoi(t, f[2])))
	case protocol.NumOwnRequest:
		return protocol.AppendOwnRequested(nil, objID(t, f[0]), atoi(t, f[1]))
	case protocol.NumOwnDenied:
		return protocol.AppendOwnDenied(nil, objID(t, f[0]), atoi(t, f[1]))
	case protocol.NumDestroy:
		return protocol.AppendDestroyed(nil, objID(t, f[0]))
	case protocol.NumObjMessage:
		return protocol.AppendObjMessage(nil, objID(t, f[0]), atoi(t, f[1]), []byte(f[2]))
	case protocol.NumReady:
		return protocol.AppendReady(nil, f[0], int(atoi(t, f[1])))
	case protocol.NumActivity:
		return protocol.AppendActivity(nil, atoi(t, f[0]), f[1] == protocol.ActivityActive)
	case protocol.NumSystem:
		return protocol.AppendSystem(nil, f[0])
	case protocol.NumRoomClosed:
		return protocol.AppendRoomClosed(nil, f[0], protocol.Code(f[1]), f[2])
	}
	t.Fatalf("no encoder for server message %d", num)
	return nil
}

func FuzzParse(f *testing.F) {
	vs, err := vectors.Load("c2s")
	require.NoError(f, err)
	for _, v := range vs {
		f.Add([]byte(v.Fields[0]))
	}
	for _, s := range []string{"", ":", "3:4::", "3:5:1:2:", "2:-1", "12:1.1:take:", "999", "0:\x00:\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		c, err := protocol.Parse(line)
		if err != nil {
			var pe *protocol.ParseError
			require.ErrorAs(t, err, &pe)
			require.NotEmpty(t, pe.Code)
			return
		}
		require.LessOrEqual(t, c.N, protocol.MaxFields)
		for i := 0; i < c.N; i++ {
			// Fields alias the line: never longer than it.
			require.LessOrEqual(t, len(c.Fields[i]), len(line))
		}
	})
}

func TestLineNumber(t *testing.T) {
	tests := []struct {
		line string
		want int
	}{
		{"3:0:x", 3}, {"12", 12}, {"7\r\n", 7}, {"x:1", -1}, {"", -1}, {"1234:x", -1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, protocol.LineNumber([]byte(tt.line)), "%q", tt.line)
	}
}
