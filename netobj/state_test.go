package netobj

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fs builds Fields from byte strings, for short tables.
func fs(vals ...string) [][]byte {
	out := make([][]byte, len(vals))
	for i, v := range vals {
		out[i] = []byte(v)
	}
	return out
}

func TestStateMerge(t *testing.T) {
	type step struct {
		d        Delta
		maxBytes int
		err      error
	}
	cases := []struct {
		name  string
		steps []step
		want  Delta
		size  int
	}{
		{"empty", nil, Delta{}, 0},
		{"empty delta", []step{{d: Delta{}}}, Delta{}, 0},
		{"first merge", []step{{d: Delta{Mask: 0b101, Fields: fs("a", "bb")}}}, Delta{Mask: 0b101, Fields: fs("a", "bb")}, 3},
		{"newest value replaces", []step{
			{d: Delta{Mask: 0b101, Fields: fs("a", "bb")}},
			{d: Delta{Mask: 0b100, Fields: fs("c")}},
		}, Delta{Mask: 0b101, Fields: fs("a", "c")}, 2},
		{"new fields interleave with old", []step{
			{d: Delta{Mask: 0b1010, Fields: fs("b", "d")}},
			{d: Delta{Mask: 0b0101 | 1<<63, Fields: fs("a", "c", "z")}},
		}, Delta{Mask: 0b1111 | 1<<63, Fields: fs("a", "b", "c", "d", "z")}, 5},
		{"value grows then shrinks", []step{
			{d: Delta{Mask: 1, Fields: fs("ab")}},
			{d: Delta{Mask: 1, Fields: fs("abcdef")}},
			{d: Delta{Mask: 1, Fields: fs("x")}},
		}, Delta{Mask: 1, Fields: fs("x")}, 1},
		{"exactly at the limit", []step{
			{d: Delta{Mask: 0b11, Fields: fs("aaaa", "bbbb")}, maxBytes: 8},
		}, Delta{Mask: 0b11, Fields: fs("aaaa", "bbbb")}, 8},
		{"over the limit changes nothing", []step{
			{d: Delta{Mask: 0b11, Fields: fs("aaaa", "bbbb")}, maxBytes: 8},
			{d: Delta{Mask: 0b110, Fields: fs("BBBB", "c")}, maxBytes: 8, err: ErrStateTooLarge},
		}, Delta{Mask: 0b11, Fields: fs("aaaa", "bbbb")}, 8},
		{"replacement counts old bytes out", []step{
			{d: Delta{Mask: 0b11, Fields: fs("aaaa", "bbbb")}, maxBytes: 8},
			{d: Delta{Mask: 0b11, Fields: fs("a", "bbbbbbb")}, maxBytes: 8},
		}, Delta{Mask: 0b11, Fields: fs("a", "bbbbbbb")}, 8},
		{"zero limit is no limit", []step{
			{d: Delta{Mask: 1, Fields: fs(string(make([]byte, 1<<16)))}},
		}, Delta{Mask: 1, Fields: fs(string(make([]byte, 1<<16)))}, 1 << 16},
		{"malformed delta changes nothing", []step{
			{d: Delta{Mask: 1, Fields: fs("a")}},
			{d: Delta{Mask: 0b11, Fields: fs("x")}, err: ErrBadDelta},
			{d: Delta{Mask: 0b1, Fields: fs("x", "y")}, err: ErrBadDelta},
		}, Delta{Mask: 1, Fields: fs("a")}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s State
			for i, st := range tc.steps {
				err := s.Merge(st.d, st.maxBytes)
				if st.err != nil {
					require.ErrorIs(t, err, st.err, "step %d", i)
				} else {
					require.NoError(t, err, "step %d", i)
				}
			}
			requireDeltaEqual(t, tc.want, s.Full())
			assert.Equal(t, tc.size, s.Size())
			assert.Equal(t, tc.want.Mask, s.Mask())
		})
	}
}

func TestStateCopies(t *testing.T) {
	var s State
	in := Delta{Mask: 0b11, Fields: fs("ab", "cd")}
	require.NoError(t, s.Merge(in, 0))
	in.Fields[0][0] = 'X' // the caller's buffer is not the state's
	full := s.Full()
	requireDeltaEqual(t, Delta{Mask: 0b11, Fields: fs("ab", "cd")}, full)

	// Later merges reuse storage in place; an earlier Full must not see it.
	require.NoError(t, s.Merge(Delta{Mask: 0b1, Fields: fs("zz")}, 0))
	requireDeltaEqual(t, Delta{Mask: 0b11, Fields: fs("ab", "cd")}, full)
	requireDeltaEqual(t, Delta{Mask: 0b11, Fields: fs("zz", "cd")}, s.Full())

	// Full's values are capped: appending to one leaves the next intact.
	full = s.Full()
	_ = append(full.Fields[0], 'Q')
	assert.Equal(t, "cd", string(full.Fields[1]))
}

func TestStateSteadyMergeDoesNotAllocate(t *testing.T) {
	var s State
	d := Delta{Mask: 0b111, Fields: fs("12345", "abcde", "xyz")}
	require.NoError(t, s.Merge(d, 0))
	allocs := testing.AllocsPerRun(100, func() {
		if err := s.Merge(d, 1024); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}
