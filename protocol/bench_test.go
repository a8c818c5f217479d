package protocol_test

import (
	"testing"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
)

// The parser runs once per received line and the encoders once per
// fan-out, on the relay path: neither should allocate beyond the encoded
// line itself (and the parser not at all).

var payload64 = []byte("0123456789012345678901234567890123456789012345678901234567890123")

func BenchmarkParse(b *testing.B) {
	cases := []struct{ name, line string }{
		{"message", "3:0:" + string(payload64)},
		{"ordered", "3:2:" + string(payload64)},
		{"listed", "3:4:17:18:19:" + string(payload64)},
		{"update", "11:17.4:3:0:7:k8o/gAAAykAAAADKQEAAAJTKAAAAAMoAAAAAygAAAADKP4AAAMo/gAAA"},
		{"objmsg", "16:17.4:0:" + string(payload64)},
		{"login", "0:alice:correct-horse"},
		{"ping", "7"},
	}
	for _, c := range cases {
		line := []byte(c.line)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				if _, err := protocol.Parse(line); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("bad", func(b *testing.B) {
		// Refusals build an error (with its text): allowed to allocate, but
		// should stay cheap since a hostile client can send many.
		line := []byte("3:9:x")
		b.ReportAllocs()
		for b.Loop() {
			if _, err := protocol.Parse(line); err == nil {
				b.Fatal("accepted")
			}
		}
	})
}

func BenchmarkNextID(b *testing.B) {
	ids := []byte("17:18:19:20:21:22:23:24")
	b.ReportAllocs()
	for b.Loop() {
		for rest := ids; len(rest) > 0; {
			var err error
			if _, rest, err = protocol.NextID(rest); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// The encoders are benchmarked two ways: into a reused buffer (what they
// cost) and from nil (what a caller pays that does not size the buffer:
// append grows it, so more than one allocation per line).
func BenchmarkAppendMessage(b *testing.B) {
	b.Run("reused", func(b *testing.B) {
		buf := make([]byte, 0, 256)
		b.ReportAllocs()
		b.SetBytes(int64(len(payload64)))
		for b.Loop() {
			buf = protocol.AppendMessage(buf[:0], 123456, payload64)
		}
	})
	b.Run("nil", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(payload64)))
		for b.Loop() {
			_ = protocol.AppendMessage(nil, 123456, payload64)
		}
	})
	b.Run("sized", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(payload64)))
		for b.Loop() {
			_ = protocol.AppendMessage(make([]byte, 0, len(payload64)+24), 123456, payload64)
		}
	})
}

func BenchmarkAppendJoined(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = protocol.AppendJoined(buf[:0], 123456, "lobby")
	}
}

func BenchmarkAppendError(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = protocol.AppendError(buf[:0], protocol.NumMessage, protocol.CodeRateLimited, "message rate limit exceeded; the line was dropped")
	}
}

// BenchmarkAppendUpdated compares encoding a relayed update from its
// decoded delta with copying its validated wire form (AppendUpdatedRaw).
func BenchmarkAppendUpdated(b *testing.B) {
	mask, data := []byte("7"), []byte("k8o/gAAAykAAAADKQEAAAJTKAAAAAMoAAAAAygAAAADKP4AAAMo/gAAA")
	d, err := netobj.DecodeDelta(mask, data)
	if err != nil {
		b.Fatal(err)
	}
	id := netobj.ID{Creator: 3, Counter: 9}
	buf := make([]byte, 0, 256)
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			buf = protocol.AppendUpdated(buf[:0], id, 1, d)
		}
	})
	b.Run("raw", func(b *testing.B) {
		for b.Loop() {
			buf = protocol.AppendUpdatedRaw(buf[:0], id, 1, mask, data)
		}
	})
}
