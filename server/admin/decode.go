package admin

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"sort"

	"github.com/vmihailenco/msgpack/v5"
)

// DecodedField is one state field of a network object, decoded from
// MessagePack for people: Value is JSON-ready (binary as "0x…" hex, maps
// with non-string keys stringified, non-finite floats as text). Hex is the
// raw MessagePack, for what does not decode.
type DecodedField struct {
	Field int    `json:"field"`
	Value any    `json:"value"`
	Type  string `json:"type"`
	Hex   string `json:"hex"`
	Error string `json:"error,omitempty"`
}

// maxHexBytes bounds the raw bytes echoed per field.
const maxHexBytes = 256

// DecodeFields decodes each raw MessagePack field, in field order.
func DecodeFields(raw map[int][]byte) []DecodedField {
	keys := make([]int, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	out := make([]DecodedField, 0, len(keys))
	for _, k := range keys {
		b := raw[k]
		f := DecodedField{Field: k, Hex: hex.EncodeToString(b[:min(len(b), maxHexBytes)])}
		v, err := decodeValue(b)
		if err != nil {
			f.Error = err.Error()
		} else {
			f.Value, f.Type = jsonValue(v, 0)
		}
		out = append(out, f)
	}
	return out
}

// decodeValue decodes one MessagePack value; maps may have keys of any
// type (the default decoder wants string keys).
func decodeValue(b []byte) (any, error) {
	dec := msgpack.NewDecoder(bytes.NewReader(b))
	dec.SetMapDecoder(func(d *msgpack.Decoder) (any, error) { return d.DecodeUntypedMap() })
	return dec.DecodeInterface()
}

// jsonValue makes a decoded MessagePack value encodable as JSON.
func jsonValue(v any, depth int) (any, string) {
	if depth > 16 {
		return "…", "deep"
	}
	switch x := v.(type) {
	case nil:
		return nil, "nil"
	case bool:
		return x, "bool"
	case string:
		return x, "str"
	case []byte:
		return "0x" + hex.EncodeToString(x), "bin"
	case float32:
		return finite(float64(x)), "float32"
	case float64:
		return finite(x), "float64"
	case int8, int16, int32, int64, uint8, uint16, uint32, uint64, int, uint:
		return x, "int"
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i], _ = jsonValue(e, depth+1)
		}
		return out, "array"
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k], _ = jsonValue(e, depth+1)
		}
		return out, "map"
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)], _ = jsonValue(e, depth+1)
		}
		return out, "map"
	}
	return fmt.Sprint(v), fmt.Sprintf("%T", v)
}

func finite(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Sprint(f)
	}
	return f
}
