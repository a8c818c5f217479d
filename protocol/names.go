package protocol

import (
	"fmt"

	"github.com/tandemnet/tandem/protocol/text"
)

// MaxRoomName is the longest room name in bytes.
const MaxRoomName = 64

// ValidateRoomName enforces PROTOCOL.md's room-name rule: 1..64 bytes, no
// ':' or ',' (they delimit the wire fields and the room list) and no control
// characters.
func ValidateRoomName(name []byte) error {
	if len(name) == 0 || len(name) > MaxRoomName {
		return fmt.Errorf("room name must be 1 to %d bytes", MaxRoomName)
	}
	if err := ValidateText(name); err != nil {
		return fmt.Errorf("room name: %w", err)
	}
	for _, ch := range name {
		if ch == ':' || ch == ',' {
			return fmt.Errorf("room name may not contain ':' or ','")
		}
	}
	if string(name) == "-1" {
		return fmt.Errorf("room name -1 means leave")
	}
	return nil
}

// ValidateText is the rule for every name the server stores or relays to
// others on a client's behalf (room names, prefab keys, tokens): valid
// UTF-8 without control characters (C0, DEL, C1), so a name can neither
// break a line, nor a database column, nor a client's display.
func ValidateText(b []byte) error { return text.Validate(b) }
