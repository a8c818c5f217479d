package client

import (
	"errors"
	"fmt"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
)

// Event is one server line, parsed. The concrete types are the structs
// below; switch on them.
type Event interface{ event() }

// MemberJoined is "2:<id>:<room>": a member joined. On your own join it
// comes first with your own id, then once per member already present.
type MemberJoined struct {
	ID   int64
	Room string
}

// MemberLeft is "2:<id>:": a member left; with your own id, the
// confirmation of your leave.
type MemberLeft struct{ ID int64 }

// MemberActivity is "20:<id>:inactive" or "20:<id>:active": the member's
// connection dropped and it waits in the room for a resume, or it resumed.
// A join lists the inactive members this way right after their
// MemberJoined.
type MemberActivity struct {
	ID     int64
	Active bool
}

// MasterChanged is "4:<id>".
type MasterChanged struct{ ID int64 }

// MessageReceived is "3:<sender>:<msg>".
type MessageReceived struct {
	From int64
	Text string
}

// ObjectSpawned is "10:...". Snapshot is true for the objects replayed by a
// join (between your own MemberJoined and RoomReady).
type ObjectSpawned struct {
	Object   Object
	Snapshot bool
}

// ObjectUpdated is "11:<id>:<gen>:<mask>:<data>". Updates with a generation
// lower than the one the client knows are dropped, not delivered.
type ObjectUpdated struct {
	ID    netobj.ID
	Gen   uint32
	Delta netobj.Delta
}

// OwnerChanged is "12:<id>:<owner>:<gen>".
type OwnerChanged struct {
	ID    netobj.ID
	Owner int64
	Gen   uint32
}

// OwnershipRequested is "13:<id>:<requester>": answer with Approve or Deny.
type OwnershipRequested struct {
	ID        netobj.ID
	Requester int64
}

// OwnershipDenied is "14:<id>:<owner>": the owner denied your take.
type OwnershipDenied struct {
	ID    netobj.ID
	Owner int64
}

// ObjectDestroyed is "15:<id>".
type ObjectDestroyed struct{ ID netobj.ID }

// ObjectMessageReceived is "16:<id>:<sender>:<msg>".
type ObjectMessageReceived struct {
	ID   netobj.ID
	From int64
	Text string
}

// RoomReady is "17:<room>:<count>": the end of a join snapshot.
type RoomReady struct {
	Room    string
	Objects int
}

// ErrorReceived is a "9:" line that answered no waiting call: errors of
// Send, Update, Take and the other calls that do not wait, and errors not
// tied to a command ("9:-:...").
type ErrorReceived struct{ Err *ServerError }

// Closing is "8:<code>:<text>": the server is closing the connection.
type Closing struct {
	Code protocol.Code
	Text string
}

// SystemMessage is "22:<text>": a message from the server's operator.
type SystemMessage struct{ Text string }

// RoomClosed is "23:<room>:<code>:<text>": you are no longer in the room
// (code "closed": an operator closed it). No leave lines follow.
type RoomClosed struct {
	Room string
	Code protocol.Code
	Text string
}

// BadLine is a server line the client could not parse; it changed nothing.
type BadLine struct {
	Line string
	Err  error
}

func (MemberJoined) event()          {}
func (MemberLeft) event()            {}
func (MemberActivity) event()        {}
func (MasterChanged) event()         {}
func (MessageReceived) event()       {}
func (ObjectSpawned) event()         {}
func (ObjectUpdated) event()         {}
func (OwnerChanged) event()          {}
func (OwnershipRequested) event()    {}
func (OwnershipDenied) event()       {}
func (ObjectDestroyed) event()       {}
func (ObjectMessageReceived) event() {}
func (RoomReady) event()             {}
func (ErrorReceived) event()         {}
func (Closing) event()               {}
func (BadLine) event()               {}
func (SystemMessage) event()         {}
func (RoomClosed) event()            {}

// Object is a copy of a network object as the client knows it.
type Object struct {
	ID     netobj.ID
	Owner  int64
	Gen    uint32
	Mode   netobj.Mode
	Life   netobj.Lifetime
	Prefab string
	Token  string
	// State holds every field received so far, merged (for an
	// ObjectSpawned event: the state the spawn line carried).
	State netobj.Delta
}

// RoomCount is one entry of a room list.
type RoomCount struct {
	Name    string
	Members int
}

// Member is one entry of a "5" member list.
type Member struct {
	ID       int64
	Name     string
	Inactive bool // dropped, waiting in the room for a resume
}

// RoomView is the client's view of its room. Members are in join order
// (the longest present first); Objects are sorted by id.
type RoomView struct {
	Room     string
	Master   int64
	Members  []int64
	Inactive []int64 // the members that are inactive, in join order
	Objects  []Object
}

// JoinResult is the room as it stood at the join's "17" line.
type JoinResult = RoomView

// ServerError is a "9:<command>:<code>:<text>" line.
type ServerError struct {
	Command int // the message number it answers, -1 for "-"
	Code    protocol.Code
	Text    string
}

func (e *ServerError) Error() string {
	cmd := "-"
	if e.Command >= 0 {
		cmd = fmt.Sprint(e.Command)
	}
	return fmt.Sprintf("server error %s on command %s: %s", e.Code, cmd, e.Text)
}

// IsCode reports whether err is (or wraps) a ServerError with code.
func IsCode(err error, code protocol.Code) bool {
	var se *ServerError
	return errors.As(err, &se) && se.Code == code
}

// ErrClosed is wrapped by every error of a call on a closed client.
var ErrClosed = errors.New("tandem client closed")

// ClosingError is why the server closed the connection (its "8" line).
// It wraps ErrClosed.
type ClosingError struct {
	Code protocol.Code
	Text string
}

func (e *ClosingError) Error() string {
	return fmt.Sprintf("server closed the connection: %s: %s", e.Code, e.Text)
}

func (e *ClosingError) Unwrap() error { return ErrClosed }
