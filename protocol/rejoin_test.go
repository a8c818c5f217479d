package protocol_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tandemnet/tandem/protocol"
)

func TestRejoinEncoders(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"session with tokens", protocol.AppendSessionTokens(nil, 17, "", "q3dVlhVqp8w0RD2Ld1-xUmuNOLVx6w_4"), "0:17::q3dVlhVqp8w0RD2Ld1-xUmuNOLVx6w_4\n"},
		{"inactive", protocol.AppendActivity(nil, 17, false), "20:17:inactive\n"},
		{"active", protocol.AppendActivity(nil, 17, true), "20:17:active\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(tt.got))
		})
	}
}
