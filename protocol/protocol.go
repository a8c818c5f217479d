// Package protocol is the Tandem wire format: a byte-level parser for the
// lines clients send and append-style encoders for the lines the server
// sends. PROTOCOL.md beside this file is the specification; the parser never
// allocates and its results alias the input line.
package protocol

// Message numbers (PROTOCOL.md, "Message numbers").
const (
	NumLogin       = 0
	NumRooms       = 1
	NumJoin        = 2
	NumMessage     = 3
	NumMaster      = 4
	NumWho         = 5
	NumPing        = 7
	NumClosing     = 8
	NumError       = 9
	NumInstantiate = 10
	NumUpdate      = 11
	NumOwnership   = 12
	NumOwnRequest  = 13
	NumOwnDenied   = 14
	NumDestroy     = 15
	NumObjMessage  = 16
	NumReady       = 17
	// NumSystem is "22:<text>", a message from the operator (admin console).
	NumSystem = 22
	// NumRoomClosed is "23:<room>:<code>:<text>": you are no longer in room.
	NumRoomClosed = 23
)

// Send targets of message 3 (the second field).
const (
	TargetOthers        = 0
	TargetAll           = 1
	TargetOthersOrdered = 2
	TargetAllOrdered    = 3
	TargetListed        = 4
	TargetListedOrdered = 5
)

// Object message (16) targets.
const (
	ObjTargetOthers        = 0
	ObjTargetAll           = 1
	ObjTargetOthersOrdered = 2
	ObjTargetAllOrdered    = 3
	ObjTargetOwner         = 4
)

// Code is a stable, machine-readable error or closing code.
type Code string

// Error codes (PROTOCOL.md, "9 error").
const (
	CodeBadCommand       Code = "bad_command"
	CodeUnknownCommand   Code = "unknown_command"
	CodeLineTooLong      Code = "line_too_long"
	CodeNotLoggedIn      Code = "not_logged_in"
	CodeAlreadyLoggedIn  Code = "already_logged_in"
	CodeBadCredentials   Code = "bad_credentials"
	CodeLoginThrottled   Code = "login_throttled"
	CodeStoreUnavailable Code = "store_unavailable"
	CodeBadRoomName      Code = "bad_room_name"
	CodeWrongPassword    Code = "wrong_password"
	CodeAlreadyInRoom    Code = "already_in_room"
	CodeRoomFull         Code = "room_full"
	CodeTooManyRooms     Code = "too_many_rooms"
	CodeNotInRoom        Code = "not_in_room"
	CodeUnknownRecipient Code = "unknown_recipient"
	CodeRateLimited      Code = "rate_limited"
	CodeSlowConsumer     Code = "slow_consumer"

	// Network-object errors; ObjectCode maps netobj's errors to them.
	CodeNoSuchObject    Code = "no_such_object"
	CodeNotOwner        Code = "not_owner"
	CodeStaleGeneration Code = "stale_generation"
	CodeNotAuthorized   Code = "not_authorized"
	CodeOwnershipFixed  Code = "ownership_fixed"
	CodeOwnerChanged    Code = "owner_changed"
	CodeAlreadyOwner    Code = "already_owner"
	CodeNoRequest       Code = "no_request"
	CodeBadDelta        Code = "bad_delta"
	CodeTooManyObjects  Code = "too_many_objects"
	CodeStateTooLarge   Code = "state_too_large"

	// CodeBanned refuses a login: "9:0:banned:<text naming the end in RFC 3339>".
	CodeBanned Code = "banned"

	// CodeServerBusy: the text starts with a retry delay in whole
	// milliseconds (already jittered) and a space.
	CodeServerBusy Code = "server_busy"
)

// Closing codes (PROTOCOL.md, "8 closing"); rate_limited and slow_consumer
// are shared with the error codes.
const (
	CloseSessionReplaced Code = "session_replaced"
	CloseServerShutdown  Code = "server_shutdown"
	CloseIdleTimeout     Code = "idle_timeout"
	CloseLoginTimeout    Code = "login_timeout"
	// CloseKicked: an operator removed the client (admin console).
	CloseKicked Code = "kicked"
	// CloseBanned: the client's account was banned; the text says until when.
	CloseBanned Code = "banned"
)

// Room-closed codes (PROTOCOL.md, "23 room closed").
const (
	// RoomClosedByOperator: an operator closed the room (admin console).
	RoomClosedByOperator Code = "closed"
	// RoomClosedHomeLost: the cluster node holding the room died or
	// became unreachable (or shut down); join again to start it afresh.
	RoomClosedHomeLost Code = "home_lost"
)
