package netobj

import (
	"encoding/base64"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
)

// MaxFields is the number of state fields an object has (bits of a mask).
const MaxFields = 64

// maxMaskDigits is the longest accepted mask text (a uint64 in hex).
const maxMaskDigits = 16

// strictBase64 is standard padded base64 that also rejects non-zero padding
// bits, so one byte string has exactly one accepted text. Read-only.
var strictBase64 = base64.StdEncoding.Strict()

// Delta is a set of changed fields: Mask has bit i set when field i is
// present, and Fields holds the raw MessagePack value of each present field
// in ascending bit order (len(Fields) == popcount(Mask)). Values are opaque:
// the server never looks inside one.
type Delta struct {
	Mask   uint64
	Fields [][]byte
}

// DecodeDelta decodes the <mask> and <data> wire fields exactly as
// PROTOCOL.md says: mask is 1..16 hex digits (either case, leading zeros
// allowed); data is standard padded base64 of exactly popcount(mask)
// complete MessagePack objects with no trailing bytes, and empty when the
// mask is 0. Every error wraps ErrBadDelta; no input panics.
//
// The returned fields alias one freshly allocated buffer that nothing else
// references, so the Delta may be kept (for instance queued for relay).
func DecodeDelta(mask, data []byte) (Delta, error) {
	m, err := parseMask(mask)
	if err != nil {
		return Delta{}, err
	}
	n := bits.OnesCount64(m)
	if n == 0 {
		if len(data) != 0 {
			return Delta{}, fmt.Errorf("mask 0 with %d bytes of data: %w", len(data), ErrBadDelta)
		}
		return Delta{}, nil
	}
	raw, err := decodeBase64(data)
	if err != nil {
		return Delta{}, err
	}
	// Find every boundary before allocating Fields, so bad input costs only
	// the decode buffer.
	var ends [MaxFields]int
	off := 0
	for i := range n {
		end, err := scanValue(raw, off)
		if err != nil {
			return Delta{}, fmt.Errorf("field %d of %d: %w", i+1, n, err)
		}
		ends[i] = end
		off = end
	}
	if off != len(raw) {
		return Delta{}, fmt.Errorf("%d trailing bytes after %d fields: %w", len(raw)-off, n, ErrBadDelta)
	}
	fields := make([][]byte, n)
	start := 0
	for i := range fields {
		// Cap each field at its end so an append to one cannot overwrite the next.
		fields[i] = raw[start:ends[i]:ends[i]]
		start = ends[i]
	}
	return Delta{Mask: m, Fields: fields}, nil
}

// parseMask reads 1..16 hex digits of either case.
// CanonicalMask reports whether a mask that parses is written as
// Delta.AppendMask writes it (lower-case hex, no leading zeros), so the
// wire bytes of a decoded delta can be relayed as they are: the data of a
// delta that decodes is always canonical (strict, padded base64).
func CanonicalMask(b []byte) bool {
	if len(b) == 0 || (b[0] == '0' && len(b) > 1) {
		return false
	}
	for _, ch := range b {
		if ch >= 'A' && ch <= 'F' {
			return false
		}
	}
	return true
}

func parseMask(b []byte) (uint64, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("empty mask: %w", ErrBadDelta)
	}
	if len(b) > maxMaskDigits {
		return 0, fmt.Errorf("mask has %d hex digits, at most %d: %w", len(b), maxMaskDigits, ErrBadDelta)
	}
	var m uint64
	for _, ch := range b {
		var d byte
		switch {
		case ch >= '0' && ch <= '9':
			d = ch - '0'
		case ch >= 'a' && ch <= 'f':
			d = ch - 'a' + 10
		case ch >= 'A' && ch <= 'F':
			d = ch - 'A' + 10
		default:
			return 0, fmt.Errorf("mask is not hexadecimal: %w", ErrBadDelta)
		}
		m = m<<4 | uint64(d)
	}
	return m, nil
}

func decodeBase64(data []byte) ([]byte, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("mask has fields but data is empty: %w", ErrBadDelta)
	}
	// Padded base64 is always whole quanta; checking first avoids allocating
	// for garbage. The encoder would otherwise skip CR and LF silently.
	if len(data)%4 != 0 {
		return nil, fmt.Errorf("data is not padded base64 (length %d): %w", len(data), ErrBadDelta)
	}
	for _, ch := range data {
		if ch == '\r' || ch == '\n' {
			return nil, fmt.Errorf("data contains a line break: %w", ErrBadDelta)
		}
	}
	raw := make([]byte, strictBase64.DecodedLen(len(data)))
	n, err := strictBase64.Decode(raw, data)
	if err != nil {
		// The CorruptInputError offset is enough; the input is not echoed.
		return nil, fmt.Errorf("data is not standard base64: %w: %w", err, ErrBadDelta)
	}
	return raw[:n], nil
}

// scanValue returns the offset just past the one complete MessagePack object
// that starts at b[off]. It only measures: lengths and element counts are
// checked against the bytes actually left, iteratively, so hostile input
// costs neither memory nor stack depth. Errors wrap ErrBadDelta.
func scanValue(b []byte, off int) (int, error) {
	pending := uint64(1) // objects still to be read, including nested ones
	for pending > 0 {
		left := uint64(len(b) - off)
		// Every object takes at least one byte; this also bounds pending
		// below len(b), so it cannot overflow.
		if pending > left {
			return 0, errTruncated(off, len(b))
		}
		pending--
		c := b[off]
		var size uint64     // bytes of this object, excluding nested objects
		var children uint64 // nested objects that follow it
		switch {
		case c <= 0x7f || c >= 0xe0: // positive and negative fixint
			size = 1
		case c <= 0x8f: // fixmap
			size, children = 1, 2*uint64(c&0x0f)
		case c <= 0x9f: // fixarray
			size, children = 1, uint64(c&0x0f)
		case c <= 0xbf: // fixstr
			size = 1 + uint64(c&0x1f)
		default:
			// lenBytes-wide big-endian length after the code: a payload
			// (plus extra fixed bytes) or an element count (times per).
			var lenBytes int
			var extra, per uint64
			switch c {
			case 0xc0, 0xc2, 0xc3: // nil, false, true
				size = 1
			case 0xc1:
				return 0, fmt.Errorf("invalid MessagePack code 0xc1 at byte %d: %w", off, ErrBadDelta)
			case 0xc4, 0xd9: // bin8, str8
				lenBytes = 1
			case 0xc5, 0xda: // bin16, str16
				lenBytes = 2
			case 0xc6, 0xdb: // bin32, str32
				lenBytes = 4
			case 0xc7: // ext8: length, type, payload
				lenBytes, extra = 1, 1
			case 0xc8: // ext16
				lenBytes, extra = 2, 1
			case 0xc9: // ext32
				lenBytes, extra = 4, 1
			case 0xca: // float32
				size = 5
			case 0xcb: // float64
				size = 9
			case 0xcc, 0xd0: // uint8, int8
				size = 2
			case 0xcd, 0xd1: // uint16, int16
				size = 3
			case 0xce, 0xd2: // uint32, int32
				size = 5
			case 0xcf, 0xd3: // uint64, int64
				size = 9
			case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1, 2, 4, 8, 16: type, payload
				size = 2 + 1<<(c-0xd4)
			case 0xdc: // array16
				lenBytes, per = 2, 1
			case 0xdd: // array32
				lenBytes, per = 4, 1
			case 0xde: // map16
				lenBytes, per = 2, 2
			case 0xdf: // map32
				lenBytes, per = 4, 2
			}
			if lenBytes > 0 {
				if left < 1+uint64(lenBytes) {
					return 0, errTruncated(off, len(b))
				}
				var n uint64
				for _, x := range b[off+1 : off+1+lenBytes] {
					n = n<<8 | uint64(x)
				}
				size = 1 + uint64(lenBytes)
				if per > 0 {
					children = n * per
				} else {
					size += extra + n
				}
			}
		}
		if size > left {
			return 0, errTruncated(off, len(b))
		}
		off += int(size)
		pending += children
	}
	return off, nil
}

func errTruncated(off, n int) error {
	return fmt.Errorf("MessagePack value at byte %d runs past the end of the %d-byte data: %w", off, n, ErrBadDelta)
}

// Field returns the value of field i (0..63) and whether it is present.
// A malformed Delta (fewer Fields than mask bits) reports absent, never panics.
func (d Delta) Field(i int) ([]byte, bool) {
	if i < 0 || i >= MaxFields || d.Mask&(1<<uint(i)) == 0 {
		return nil, false
	}
	idx := bits.OnesCount64(d.Mask & (1<<uint(i) - 1))
	if idx >= len(d.Fields) {
		return nil, false
	}
	return d.Fields[idx], true
}

// check reports a Delta whose Fields do not match its Mask.
func (d Delta) check() error {
	if n := bits.OnesCount64(d.Mask); n != len(d.Fields) {
		return fmt.Errorf("mask has %d fields but delta holds %d values: %w", n, len(d.Fields), ErrBadDelta)
	}
	return nil
}

// AppendMask appends the wire mask: lowercase hex without leading zeros,
// "0" for an empty delta.
func (d Delta) AppendMask(dst []byte) []byte {
	return strconv.AppendUint(dst, d.Mask, 16)
}

// AppendData appends the wire data: standard padded base64 of the
// concatenated field values (nothing for an empty delta).
func (d Delta) AppendData(dst []byte) []byte {
	total := 0
	for _, f := range d.Fields {
		total += len(f)
	}
	dst = slices.Grow(dst, base64.StdEncoding.EncodedLen(total))
	// Encode through a stack buffer whose size is a multiple of 3, so the
	// chunks join without padding and the fields need no concatenation.
	var buf [3 * 256]byte
	n := 0
	for _, f := range d.Fields {
		for len(f) > 0 {
			c := copy(buf[n:], f)
			n += c
			f = f[c:]
			if n == len(buf) {
				dst = base64.StdEncoding.AppendEncode(dst, buf[:])
				n = 0
			}
		}
	}
	return base64.StdEncoding.AppendEncode(dst, buf[:n])
}

// MergeDeltas combines two deltas of the same object as if newer had been
// applied after older: the masks are OR'd and newer's value of a field wins.
// The result is a new Delta whose values are copied into one new buffer;
// neither input is modified or aliased. Values missing from a malformed
// input are left out of the result.
func MergeDeltas(older, newer Delta) Delta {
	var mask uint64
	total := 0
	for m := older.Mask | newer.Mask; m != 0; m &= m - 1 {
		i := bits.TrailingZeros64(m)
		if v, ok := pick(older, newer, i); ok {
			mask |= 1 << uint(i)
			total += len(v)
		}
	}
	if mask == 0 {
		return Delta{}
	}
	buf := make([]byte, 0, total)
	fields := make([][]byte, 0, bits.OnesCount64(mask))
	for m := mask; m != 0; m &= m - 1 {
		v, _ := pick(older, newer, bits.TrailingZeros64(m))
		start := len(buf)
		buf = append(buf, v...)
		fields = append(fields, buf[start:len(buf):len(buf)])
	}
	return Delta{Mask: mask, Fields: fields}
}

// pick returns field i from newer if present there, else from older.
func pick(older, newer Delta, i int) ([]byte, bool) {
	if v, ok := newer.Field(i); ok {
		return v, true
	}
	return older.Field(i)
}
