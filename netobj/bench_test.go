package netobj

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// transform is the "transform" vector: position, rotation, scale.
var (
	transformMask = []byte("7")
	transformData = []byte("k8o/gAAAykAAAADKQEAAAJTKAAAAAMoAAAAAygAAAADKP4AAAMo/gAAA")
)

func BenchmarkDecodeDelta(b *testing.B) {
	b.Run("transform", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(transformData)))
		for b.Loop() {
			if _, err := DecodeDelta(transformMask, transformData); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("16 fields", func(b *testing.B) {
		var raw []byte
		for i := range 16 {
			raw = append(raw, 0xca, 0x3f, byte(i), 0, 0) // float32
		}
		data := []byte(base64.StdEncoding.EncodeToString(raw))
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := DecodeDelta([]byte("ffff"), data); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A 5-byte field claiming a 4 GiB string: rejected without a large
	// allocation (the library's Skip allocates about 1 MB for it).
	b.Run("hostile str32", func(b *testing.B) {
		data := []byte(base64.StdEncoding.EncodeToString([]byte{0xdb, 0xff, 0xff, 0xff, 0xff}))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeDelta([]byte("1"), data); err == nil {
				b.Fatal("accepted")
			}
		}
	})
	b.Run("hostile str32 library Skip", func(b *testing.B) {
		raw := []byte{0xdb, 0xff, 0xff, 0xff, 0xff}
		b.ReportAllocs()
		for b.Loop() {
			if err := msgpack.NewDecoder(bytes.NewReader(raw)).Skip(); err == nil {
				b.Fatal("accepted")
			}
		}
	})
}

func BenchmarkStateMerge(b *testing.B) {
	d, err := DecodeDelta(transformMask, transformData)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("steady", func(b *testing.B) {
		var s State
		if err := s.Merge(d, 1<<16); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Merge(d, 1<<16); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("new fields", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var s State
			if err := s.Merge(d, 1<<16); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkObjectUpdate(b *testing.B) {
	r := NewRegistry(Limits{MaxStateBytes: 1 << 16})
	d, err := DecodeDelta(transformMask, transformData)
	if err != nil {
		b.Fatal(err)
	}
	o, err := r.Instantiate(1, "", "P", ModeTakeover, LifetimeRoom, d)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := r.Get(o.ID).Update(1, 1, d, 1<<16); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkAppendDelta(b *testing.B) {
	d, err := DecodeDelta(transformMask, transformData)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = d.AppendData(d.AppendMask(buf[:0]))
	}
}

func BenchmarkMergeDeltas(b *testing.B) {
	older := Delta{Mask: 0b0111, Fields: fs("\xca\x3f\x80\x00\x00", "\x01", "\xa2hi")}
	newer := Delta{Mask: 0b1101, Fields: fs("\xca\x40\x00\x00\x00", "\x02", "\xc3")}
	b.ReportAllocs()
	for b.Loop() {
		_ = MergeDeltas(older, newer)
	}
}
