package protocol

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Every client command has an expected form to quote, and only those.
func TestFormsCoverTheCommands(t *testing.T) {
	for num := range 30 {
		isCommand := num == NumMessage || num < len(shapes) && shapes[num] != nil
		assert.Equal(t, isCommand, Form(num) != "", "message %d", num)
	}
}
