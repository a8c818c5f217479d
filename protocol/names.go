package protocol

import "fmt"

// MaxRoomName is the longest room name in bytes.
const MaxRoomName = 64

// ValidateRoomName enforces PROTOCOL.md's room-name rule: 1..64 bytes, no
// ':' or ',' (they delimit the wire fields and the room list) and no control
// characters.
func ValidateRoomName(name []byte) error {
	if len(name) == 0 || len(name) > MaxRoomName {
		return fmt.Errorf("room name must be 1 to %d bytes", MaxRoomName)
	}
	for _, ch := range name {
		if ch == ':' || ch == ',' || ch < 0x20 || ch == 0x7f {
			return fmt.Errorf("room name may not contain ':' ',' or control characters")
		}
	}
	if string(name) == "-1" {
		return fmt.Errorf("room name -1 means leave")
	}
	return nil
}
