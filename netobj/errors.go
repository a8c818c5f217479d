package netobj

import "errors"

// Sentinel errors. Every error this package returns wraps exactly one of
// them, so protocol.ObjectCode can name the PROTOCOL.md error code with
// errors.Is.
var (
	// ErrBadCommand: a malformed id, mode, lifetime, token, prefab or
	// client id (PROTOCOL.md code bad_command).
	ErrBadCommand = errors.New("bad command")
	// ErrBadDelta: a mask/data pair that does not decode exactly.
	ErrBadDelta = errors.New("bad delta")
	// ErrNoSuchObject: the object id is not live in the room.
	ErrNoSuchObject = errors.New("no such object")
	// ErrNotOwner: update, give, approve or deny by a non-owner.
	ErrNotOwner = errors.New("not the owner")
	// ErrStaleGeneration: an update at a generation that is not current.
	ErrStaleGeneration = errors.New("stale generation")
	// ErrNotAuthorized: destroy by neither the owner nor the master client.
	ErrNotAuthorized = errors.New("not authorized")
	// ErrOwnershipFixed: take of a fixed-mode object.
	ErrOwnershipFixed = errors.New("ownership is fixed")
	// ErrOwnerChanged: conditional take whose expected owner no longer owns.
	ErrOwnerChanged = errors.New("owner changed")
	// ErrAlreadyOwner: take (or give) to the client that already owns it.
	ErrAlreadyOwner = errors.New("already owner")
	// ErrNoRequest: approve/deny without a pending request from that client.
	ErrNoRequest = errors.New("no pending request")
	// ErrTooManyObjects: over the per-room or per-client object limit.
	ErrTooManyObjects = errors.New("too many objects")
	// ErrStateTooLarge: object state over the byte limit after the merge.
	ErrStateTooLarge = errors.New("state too large")
)
