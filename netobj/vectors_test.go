package netobj

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// vectorsPath is the shared test vector file (protocol/testdata).
const vectorsPath = "../protocol/testdata/vectors.txt"

type deltaVector struct {
	name       string
	mask, data string
	fields     [][]byte // nil for baddelta vectors
}

// loadDeltaVectors reads the delta (good) and baddelta vectors.
func loadDeltaVectors(tb testing.TB) (good, bad []deltaVector) {
	tb.Helper()
	f, err := os.Open(vectorsPath)
	require.NoError(tb, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		parts := strings.Split(text, "\t")
		switch parts[0] {
		case "delta":
			require.Len(tb, parts, 5, "line %d", line)
			v := deltaVector{name: parts[1], mask: parts[2], data: parts[3], fields: [][]byte{}}
			if parts[4] != "" {
				for _, h := range strings.Split(parts[4], ",") {
					b, err := hex.DecodeString(h)
					require.NoError(tb, err, "line %d", line)
					v.fields = append(v.fields, b)
				}
			}
			good = append(good, v)
		case "baddelta":
			require.Len(tb, parts, 4, "line %d", line)
			bad = append(bad, deltaVector{name: parts[1], mask: parts[2], data: parts[3]})
		}
	}
	require.NoError(tb, sc.Err())
	require.NotEmpty(tb, good)
	require.NotEmpty(tb, bad)
	return good, bad
}
