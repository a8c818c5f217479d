package protocol

import (
	"bytes"
	"fmt"
)

// MaxFields is the most fields any client command has after its number.
const MaxFields = 6

// Command is one parsed client line. Fields alias the parsed line and are
// valid only until the reader reuses its buffer.
type Command struct {
	Num    int
	N      int
	Fields [MaxFields][]byte
	// Obj holds the typed fields of the object commands 10..16.
	Obj ObjectArgs
}

// Field returns field i, or nil when the command has fewer fields.
func (c *Command) Field(i int) []byte {
	if i >= c.N {
		return nil
	}
	return c.Fields[i]
}

// ParseError says why a line was refused. Num is the message number, or -1
// when even that could not be read.
type ParseError struct {
	Num  int
	Code Code
	Text string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("command %d: %s: %s", e.Num, e.Code, e.Text)
}

// fieldShape says how a command's fields split: between min and max fields,
// and whether the last field is the rest of the line (it may hold ':').
type fieldShape struct {
	min, max int
	restLast bool
}

var shapes = [NumLogout + 1]*fieldShape{
	NumLogin:       {2, 2, false},
	NumRooms:       {0, 1, false},
	NumJoin:        {1, 3, false}, // the third field is the rejoin grace of a new room
	NumWho:         {0, 2, false},
	NumPing:        {0, 1, true},
	NumInstantiate: {6, 6, false},
	NumUpdate:      {5, 5, false},
	NumOwnership:   {2, 3, false},
	NumDestroy:     {1, 1, false},
	NumObjMessage:  {3, 3, true},
	NumTokenLogin:  {1, 1, false},
	NumResume:      {2, 2, false},
	NumLogout:      {0, 0, false},
}

// Parse splits one client line (without its '\n'; a trailing '\r' is
// ignored) into a Command following PROTOCOL.md. Message 3 with a listed
// target (4 or 5) yields three fields: the target, the recipient ids still
// joined by ':' (iterate them with NextID), and the message.
func Parse(line []byte) (Command, error) {
	var c Command
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	numText, rest, hasRest := bytes.Cut(line, colon)
	num, ok := parseSmall(numText)
	if !ok {
		return c, expected(-1, "a line starts with a message number")
	}
	c.Num = num
	if num == NumMessage {
		return c, parseMessage(&c, rest, hasRest)
	}
	if num >= len(shapes) || shapes[num] == nil {
		return c, &ParseError{Num: num, Code: CodeUnknownCommand, Text: fmt.Sprintf("no client command %d", num)}
	}
	sh := shapes[num]
	if !hasRest {
		if sh.min > 0 {
			return c, expected(num, "")
		}
		return c, nil
	}
	for c.N < sh.max {
		if sh.restLast && c.N == sh.max-1 {
			c.Fields[c.N] = rest
			c.N++
			break
		}
		f, r, more := bytes.Cut(rest, colon)
		c.Fields[c.N] = f
		c.N++
		if !more {
			break
		}
		rest = r
		if c.N == sh.max {
			return c, expected(num, "")
		}
	}
	if c.N < sh.min {
		return c, expected(num, "")
	}
	if num >= NumInstantiate && num <= NumObjMessage {
		if err := parseObject(&c); err != nil {
			return c, err
		}
	}
	return c, nil
}

func parseMessage(c *Command, rest []byte, hasRest bool) error {
	target, msg, ok := bytes.Cut(rest, colon)
	if !hasRest || !ok {
		return expected(NumMessage, "")
	}
	t, tok := parseSmall(target)
	if !tok || t > TargetListedOrdered {
		return expected(NumMessage, "target must be 0 to 5")
	}
	c.Fields[0] = target
	c.N = 2
	if t < TargetListed {
		c.Fields[1] = msg
		return nil
	}
	last := bytes.LastIndexByte(msg, ':')
	if last < 0 {
		return expected(NumMessage, "")
	}
	ids := msg[:last]
	for r, more := ids, true; more; {
		var f []byte
		f, r, more = bytes.Cut(r, colon)
		if id, err := ParseInt(f); err != nil || id <= 0 {
			return expected(NumMessage, "recipients must be client ids")
		}
	}
	c.Fields[1] = ids
	c.Fields[2] = msg[last+1:]
	c.N = 3
	return nil
}

// NextID reads the first id of a ':'-joined id list and returns the rest.
func NextID(list []byte) (int64, []byte, error) {
	f, rest, _ := bytes.Cut(list, colon)
	id, err := ParseInt(f)
	return id, rest, err
}

var colon = []byte{':'}

// LineNumber reads just the message number at the start of a line, or -1:
// enough to say which request a refused (oversize, rate-limited) line was.
func LineNumber(line []byte) int {
	end := bytes.IndexByte(line, ':')
	if end < 0 {
		end = bytes.IndexAny(line, "\r\n")
		if end < 0 {
			end = len(line)
		}
	}
	if n, ok := parseSmall(line[:end]); ok {
		return n
	}
	return -1
}

// parseSmall reads a message number or target: 1 to 3 decimal digits, no
// leading zero.
func parseSmall(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 3 || (len(b) > 1 && b[0] == '0') {
		return 0, false
	}
	n := 0
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int(ch-'0')
	}
	return n, true
}

// ParseInt reads a non-negative decimal without sign or leading zero
// (one number, one spelling), at most 18 digits so it cannot overflow
// int64.
func ParseInt(b []byte) (int64, error) {
	if len(b) == 0 || len(b) > 18 {
		return 0, fmt.Errorf("%q is not a number", b)
	}
	if len(b) > 1 && b[0] == '0' {
		return 0, fmt.Errorf("%q has a leading zero", b)
	}
	var n int64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, fmt.Errorf("%q is not a number", b)
		}
		n = n*10 + int64(ch-'0')
	}
	return n, nil
}
