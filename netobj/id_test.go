package netobj

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseID(t *testing.T) {
	good := []struct {
		in   string
		want ID
	}{
		{"17.4", ID{17, 4}},
		{"1.1", ID{1, 1}},
		{"3.1", ID{3, 1}},
		{"9223372036854775807.4294967295", ID{9223372036854775807, 4294967295}},
		{"100.10", ID{100, 10}},
	}
	for _, tc := range good {
		t.Run(tc.in, func(t *testing.T) {
			id, err := ParseID([]byte(tc.in))
			require.NoError(t, err)
			assert.Equal(t, tc.want, id)
			assert.Equal(t, tc.in, id.String())
			assert.Equal(t, "x"+tc.in, string(id.AppendText([]byte("x"))))
		})
	}
	bad := []string{
		"", ".", "17", "17.", ".4", "0.4", "17.0", "-17.4", "17.-4", "+17.4", "17.+4",
		"017.4", "17.04", "17.4.1", "17,4", "17 .4", " 17.4", "17.4 ", "1a.4", "17.4x",
		"9223372036854775808.1",      // creator overflows int64
		"1.4294967296",               // counter overflows uint32
		"99999999999999999999999.1",  // far too long
		"1.18446744073709551616",     // overflows uint64 as well
		"18446744073709551615.1",     // fits uint64, not int64
		"17\x00.4", "17.4\n", "１７.４", // NUL, newline, full-width digits
	}
	for _, in := range bad {
		t.Run(fmt.Sprintf("bad %q", in), func(t *testing.T) {
			_, err := ParseID([]byte(in))
			require.ErrorIs(t, err, ErrBadCommand)
			assert.ErrorIs(t, err, ErrBadCommand)
		})
	}
}

func TestModeAndLifetime(t *testing.T) {
	for _, m := range []Mode{ModeTakeover, ModeFixed, ModeRequest} {
		got, err := ParseMode([]byte(m.String()))
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
	assert.Equal(t, "t", ModeTakeover.String())
	for _, in := range []string{"", "x", "T", "tt", "p"} {
		_, err := ParseMode([]byte(in))
		assert.ErrorIs(t, err, ErrBadCommand, "%q", in)
	}
	for _, l := range []Lifetime{LifetimePlayer, LifetimeRoom} {
		got, err := ParseLifetime([]byte(l.String()))
		require.NoError(t, err)
		assert.Equal(t, l, got)
	}
	assert.Equal(t, "p", LifetimePlayer.String())
	for _, in := range []string{"", "t", "P", "pp"} {
		_, err := ParseLifetime([]byte(in))
		assert.ErrorIs(t, err, ErrBadCommand, "%q", in)
	}
}
