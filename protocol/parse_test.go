package protocol_test

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	line := []byte("3:0:hello world")
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = protocol.Parse(line)
	})
	assert.Zero(t, allocs)
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(tt.got))
		})
	}
}

func TestEncodedServerLinesMatchVectors(t *testing.T) {
	vs, err := vectors.Load("s2c")
	require.NoError(t, err)
	// Every s2c vector must split back into its fields when the line is
	// rebuilt from them with the encoders: a guard that the vectors agree
	// with the framing the server writes.
	for _, v := range vs {
		num, err := strconv.Atoi(v.Fields[1])
		require.NoError(t, err)
		b := protocol.Begin(nil, num)
		for _, f := range v.Fields[2:] {
			b = protocol.FieldString(b, f)
		}
		assert.Equal(t, v.Fields[0]+"\n", string(protocol.End(b)), "vector line %d", v.Line)
	}
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
