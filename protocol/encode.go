package protocol

import "strconv"

// The encoders append one complete line, '\n' included, to dst and return
// the extended slice, so a caller can encode a fan-out frame once into a
// buffer it owns.

// Begin starts a line with its message number.
func Begin(dst []byte, num int) []byte {
	return strconv.AppendInt(dst, int64(num), 10)
}

// Field appends ":" and f.
func Field(dst, f []byte) []byte {
	return append(append(dst, ':'), f...)
}

// FieldString appends ":" and s.
func FieldString(dst []byte, s string) []byte {
	return append(append(dst, ':'), s...)
}

// FieldInt appends ":" and n in decimal.
func FieldInt(dst []byte, n int64) []byte {
	return strconv.AppendInt(append(dst, ':'), n, 10)
}

// End terminates a line.
func End(dst []byte) []byte {
	return append(dst, '\n')
}

// AppendSession is "0:<client id>".
func AppendSession(dst []byte, id int64) []byte {
	return End(FieldInt(Begin(dst, NumLogin), id))
}

// AppendJoined is "2:<id>:<room>".
func AppendJoined(dst []byte, id int64, room string) []byte {
	return End(FieldString(FieldInt(Begin(dst, NumJoin), id), room))
}

// AppendLeft is "2:<id>:".
func AppendLeft(dst []byte, id int64) []byte {
	return End(append(FieldInt(Begin(dst, NumJoin), id), ':'))
}

// AppendMaster is "4:<id>".
func AppendMaster(dst []byte, id int64) []byte {
	return End(FieldInt(Begin(dst, NumMaster), id))
}

// AppendMessage is "3:<sender>:<msg>".
func AppendMessage(dst []byte, sender int64, msg []byte) []byte {
	return End(Field(FieldInt(Begin(dst, NumMessage), sender), msg))
}

// AppendError is "9:<command>:<code>:<text>"; cmd < 0 is written "-".
func AppendError(dst []byte, cmd int, code Code, text string) []byte {
	dst = Begin(dst, NumError)
	if cmd < 0 {
		dst = append(dst, ":-"...)
	} else {
		dst = FieldInt(dst, int64(cmd))
	}
	dst = FieldString(dst, string(code))
	return End(appendText(append(dst, ':'), text))
}

// AppendClosing is "8:<code>:<text>".
func AppendClosing(dst []byte, code Code, text string) []byte {
	dst = FieldString(Begin(dst, NumClosing), string(code))
	return End(appendText(append(dst, ':'), text))
}

// appendText keeps free text on one line.
func appendText(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == '\n' || ch == '\r' {
			ch = ' '
		}
		dst = append(dst, ch)
	}
	return dst
}

// AppendSystem is "22:<text>", a message from the operator.
func AppendSystem(dst []byte, text string) []byte {
	return End(appendText(append(Begin(dst, NumSystem), ':'), text))
}

// AppendRoomClosed is "23:<room>:<code>:<text>".
func AppendRoomClosed(dst []byte, room string, code Code, text string) []byte {
	dst = FieldString(FieldString(Begin(dst, NumRoomClosed), room), string(code))
	return End(appendText(append(dst, ':'), text))
}
