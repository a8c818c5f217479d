package protocol_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
)

// A relayed update copies the wire form only when it is the canonical
// encoding: then it is byte for byte what re-encoding would give.
func TestAppendUpdatedRawMatchesEncoding(t *testing.T) {
	tests := []struct {
		mask, data string
		canonical  bool
	}{
		{"7", "k8o/gAAAykAAAADKQEAAAJTKAAAAAMoAAAAAygAAAADKP4AAAMo/gAAA", true},
		{"0", "", true},
		{"1", "wA==", true},
		{"a", "wMM=", true},
		{"07", "k8o/gAAAykAAAADKQEAAAJTKAAAAAMoAAAAAygAAAADKP4AAAMo/gAAA", false},
		{"A", "wMM=", false},
		{"00", "", false},
	}
	id := netobj.ID{Creator: 4, Counter: 2}
	for _, tt := range tests {
		t.Run(tt.mask, func(t *testing.T) {
			d, err := netobj.DecodeDelta([]byte(tt.mask), []byte(tt.data))
			require.NoError(t, err)
			require.Equal(t, tt.canonical, netobj.CanonicalMask([]byte(tt.mask)))
			encoded := protocol.AppendUpdated(nil, id, 3, d)
			raw := protocol.AppendUpdatedRaw(nil, id, 3, []byte(tt.mask), []byte(tt.data))
			if tt.canonical {
				require.Equal(t, string(encoded), string(raw))
			} else {
				require.NotEqual(t, string(encoded), string(raw))
			}
		})
	}
}
