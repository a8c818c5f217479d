package accounts_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/accounts"
)

func TestValidateUserName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"bob", true},
		{"B", true},
		{"Alice_99", true},
		{"first.last-2", true},
		{"...", true},
		{strings.Repeat("a", 32), true},
		{"", false},
		{strings.Repeat("a", 33), false},
		{"with space", false},
		{"colon:name", false},
		{"slash/name", false},
		{"tab\tname", false},
		{"new\nline", false},
		{"nul\x00", false},
		{"héllo", false},
		{"名前", false},
		{"emoji😀", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := accounts.ValidateUserName(tt.name)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, accounts.ErrInvalidUserName)
		})
	}
}

func TestNormalizeUserName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"alice", "alice", true},
		{"Alice", "alice", true},
		{"ALICE", "alice", true},
		{"First.Last-2_X", "first.last-2_x", true},
		{"Émile", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := accounts.NormalizeUserName(tt.in)
			if !tt.ok {
				require.ErrorIs(t, err, accounts.ErrInvalidUserName)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		name, pw string
		ok       bool
	}{
		{"simple", "hunter2", true},
		{"one byte", "x", true},
		{"spaces and symbols", " p@ss w0rd!$%^&*() ", true},
		{"unicode", "pässwörd😀", true},
		{"max length", strings.Repeat("p", 128), true},
		{"empty", "", false},
		{"too long", strings.Repeat("p", 129), false},
		{"multibyte over limit", strings.Repeat("é", 65), false}, // 130 bytes
		{"colon", "pass:word", false},
		{"newline", "pass\nword", false},
		{"carriage return", "password\r", false},
		{"nul", "pass\x00word", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := accounts.ValidatePassword(tt.pw)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, accounts.ErrInvalidPassword)
			if tt.pw != "" {
				assert.NotContains(t, err.Error(), tt.pw, "the error must not quote the password")
			}
		})
	}
}
