package server

import (
	"encoding/binary"
	"errors"
)

// The inter-node wire format: one NATS message is one kind byte followed
// by varints and length-prefixed byte strings. It never carries a raw room
// or user name in a subject (only in payloads, length-prefixed), and a
// message that does not decode exactly is dropped and counted.

const (
	// home → member node ("tandem.node.<node>.frames")
	wireDeliver byte = 1 // a frame for local members of a room homed elsewhere
	wireSwitch  byte = 2 // a member enters (join lines) or is put out of a room
	wireSend    byte = 3 // a line for one client alone (an error, a 5 answer)

	// member node → home ("tandem.node.<node>.cmds")
	wireCommand byte = 10 // a client's raw command line, run at the home
	wireLeave   byte = 11 // a client left its remote room
	wireJoin    byte = 12 // request: join (or check the password of) a room

	// join replies
	joinOK    byte = 0
	joinError byte = 1
	joinMoved byte = 2 // this node is not the room's home: resolve again
)

// deliver flags
const (
	deliverHasObj byte = 1 << iota
	deliverUpdate
)

var errBadWire = errors.New("malformed inter-node message")

type wireWriter struct{ b []byte }

func (w *wireWriter) u8(v byte)      { w.b = append(w.b, v) }
func (w *wireWriter) uv(v uint64)    { w.b = binary.AppendUvarint(w.b, v) }
func (w *wireWriter) iv(v int64)     { w.b = binary.AppendVarint(w.b, v) }
func (w *wireWriter) bytes(p []byte) { w.uv(uint64(len(p))); w.b = append(w.b, p...) }
func (w *wireWriter) str(s string)   { w.uv(uint64(len(s))); w.b = append(w.b, s...) }
func (w *wireWriter) boolean(v bool) {
	if v {
		w.u8(1)
	} else {
		w.u8(0)
	}
}
func newWire(kind byte, size int) *wireWriter {
	w := &wireWriter{b: make([]byte, 0, size+16)}
	w.u8(kind)
	return w
}

// wireReader reads what wireWriter wrote; any short or oversize field sets
// bad, and every later read returns zero values.
type wireReader struct {
	b   []byte
	bad bool
}

func (r *wireReader) u8() byte {
	if r.bad || len(r.b) < 1 {
		r.bad = true
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *wireReader) uv() uint64 {
	if r.bad {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *wireReader) iv() int64 {
	if r.bad {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *wireReader) bytes() []byte {
	n := r.uv()
	if r.bad || n > uint64(len(r.b)) {
		r.bad = true
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *wireReader) str() string { return string(r.bytes()) }

func (r *wireReader) boolean() bool {
	switch r.u8() {
	case 0:
		return false
	case 1:
		return true
	}
	r.bad = true
	return false
}

// ok reports whether everything decoded and nothing is left over.
func (r *wireReader) ok() bool { return !r.bad && len(r.b) == 0 }
