package netobj

import (
	"bytes"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/tandemnet/tandem/protocol/vectors"
)

type deltaVector struct {
	name       string
	mask, data string
	fields     [][]byte // nil for baddelta vectors
}

// loadDeltaVectors reads the delta (good) and baddelta vectors of the
// shared file (protocol/testdata/vectors.txt).
func loadDeltaVectors(tb testing.TB) (good, bad []deltaVector) {
	tb.Helper()
	goodVs, err := vectors.Load("delta")
	require.NoError(tb, err)
	for _, v := range goodVs {
		require.Len(tb, v.Fields, 4, "line %d", v.Line)
		d := deltaVector{name: v.Fields[0], mask: v.Fields[1], data: v.Fields[2], fields: [][]byte{}}
		if v.Fields[3] != "" {
			for _, h := range strings.Split(v.Fields[3], ",") {
				b, err := hex.DecodeString(h)
				require.NoError(tb, err, "line %d", v.Line)
				d.fields = append(d.fields, b)
			}
		}
		good = append(good, d)
	}
	badVs, err := vectors.Load("baddelta")
	require.NoError(tb, err)
	for _, v := range badVs {
		require.Len(tb, v.Fields, 3, "line %d", v.Line)
		bad = append(bad, deltaVector{name: v.Fields[0], mask: v.Fields[1], data: v.Fields[2]})
	}
	require.NotEmpty(tb, good)
	require.NotEmpty(tb, bad)
	return good, bad
}

// TestMsgpackVectors pins the shared MessagePack vectors to the library the
// server uses, so the C# writer and the Go side agree byte for byte.
func TestMsgpackVectors(t *testing.T) {
	vs, err := vectors.Load("msgpack")
	require.NoError(t, err)
	require.NotEmpty(t, vs)
	for _, v := range vs {
		name, typ, text, want := v.Fields[0], v.Fields[1], v.Fields[2], v.Fields[3]
		t.Run(name, func(t *testing.T) {
			var val any
			switch typ {
			case "nil":
			case "bool":
				val = text == "true"
			case "int":
				n, err := strconv.ParseInt(text, 10, 64)
				require.NoError(t, err)
				val = n
			case "float32":
				f, err := strconv.ParseFloat(text, 32)
				require.NoError(t, err)
				val = float32(f)
			case "float64":
				f, err := strconv.ParseFloat(text, 64)
				require.NoError(t, err)
				val = f
			case "str":
				val = text
			case "bin":
				b, err := hex.DecodeString(text)
				require.NoError(t, err)
				val = b
			default:
				t.Fatalf("unknown type %q", typ)
			}
			var buf bytes.Buffer
			enc := msgpack.NewEncoder(&buf)
			enc.UseCompactInts(true)
			require.NoError(t, enc.Encode(val))
			assert.Equal(t, want, hex.EncodeToString(buf.Bytes()))
			raw, err := hex.DecodeString(want)
			require.NoError(t, err)
			end, err := scanValue(raw, 0)
			require.NoError(t, err)
			assert.Equal(t, len(raw), end, "the scanner finds exactly one value")
		})
	}
}
