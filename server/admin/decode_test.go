package admin_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/admin"
)

func TestDecodeFields(t *testing.T) {
	fields := admin.DecodeFields(map[int][]byte{
		9:  {0xc4, 0x03, 0x00, 0xff, 0x10},       // bin
		0:  {0xca, 0x3f, 0xc0, 0x00, 0x00},       // float32 1.5
		2:  {0x81, 0x01, 0xa1, 0x78},             // map {1: "x"}
		3:  {0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 1}, // float64 NaN
		63: {0xd9},                               // truncated str8
		5:  {0x93, 0x01, 0xc3, 0xc0},             // [1, true, nil]
	})
	require.Len(t, fields, 6)
	tests := []struct {
		field int
		value any
		typ   string
	}{
		{0, float64(1.5), "float32"},
		{2, map[string]any{"1": "x"}, "map"},
		{3, "NaN", "float64"},
		{5, []any{int8(1), true, nil}, "array"},
		{9, "0x00ff10", "bin"},
	}
	for i, tt := range tests {
		assert.Equal(t, tt.field, fields[i].Field)
		assert.Equal(t, tt.typ, fields[i].Type, "field %d", tt.field)
		assert.Equal(t, tt.value, fields[i].Value, "field %d", tt.field)
		assert.Empty(t, fields[i].Error)
	}
	assert.Equal(t, 63, fields[5].Field)
	assert.NotEmpty(t, fields[5].Error, "a bad value is reported, not fatal")
	assert.Equal(t, "d9", fields[5].Hex)
}
