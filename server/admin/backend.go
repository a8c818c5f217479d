package admin

import (
	"time"

	"github.com/tandemnet/tandem/protocol"
)

// Backend is what the console needs from the live server. The server
// implements it (server/admin_backend.go); the console never reaches into
// server internals otherwise. Every method is safe for concurrent use and
// returns copies.
type Backend interface {
	// Node names this server process.
	Node() string
	// Counters reads the live gauges and the running totals.
	Counters() Counters
	// Rooms lists the rooms live on this node.
	Rooms() []RoomSummary
	// Room returns one live room with its members and objects.
	Room(name string) (RoomDetail, bool)
	// Players lists the logged-in sessions of this node.
	Players() []Session
	// Disconnect closes the session of user with "8:<code>:<text>"; it
	// reports whether the user had a session on this node.
	Disconnect(user string, code protocol.Code, text string) bool
	// CloseRoom ends a room: every member receives
	// "23:<room>:closed:<text>" and is out of it. It returns the number of
	// members removed and false when there is no such room.
	CloseRoom(name, text string) (int, bool)
	// SystemMessage sends "22:<text>" to the members of room (ordered in
	// the room's stream), or to every logged-in client when room is "". It
	// returns the number of recipients and false for an unknown room.
	SystemMessage(room, text string) (int, bool)
	// Throttle reports the login back-off of an account and of an address
	// (either may be "").
	Throttle(user, address string) (account, addr ThrottleState)
	// ClearThrottle forgets the failures of the account and the address.
	ClearThrottle(user, address string)
}

// Counters are the server's instruments at one moment. Totals only grow;
// the console turns them into rates.
type Counters struct {
	Connections          int64   `json:"connections"`
	Players              int64   `json:"players"`
	Rooms                int64   `json:"rooms"`
	Objects              int64   `json:"objects"`
	MessagesIn           float64 `json:"messages_in_total"`
	BytesIn              float64 `json:"bytes_in_total"`
	MessagesOut          float64 `json:"messages_out_total"`
	BytesOut             float64 `json:"bytes_out_total"`
	SlowConsumerWarnings float64 `json:"slow_consumer_warnings_total"`
	SlowConsumerKicks    float64 `json:"slow_consumer_disconnects_total"`
	RateLimited          float64 `json:"rate_limited_total"`
	Logins               float64 `json:"logins_total"`
	LoginFailures        float64 `json:"login_failures_total"`
}

// RoomSummary is one row of the room list.
type RoomSummary struct {
	Name       string    `json:"name"`
	Private    bool      `json:"private"`
	Members    int       `json:"members"`
	Objects    int       `json:"objects"`
	Master     int64     `json:"master"`      // client id, 0 when unknown
	MasterName string    `json:"master_name"` // user name of the master
	Created    time.Time `json:"created"`     // zero for rooms of other nodes
	Node       string    `json:"node"`
}

// Session is a logged-in client.
type Session struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Address     string    `json:"address"`
	ConnectedAt time.Time `json:"connected_at"`
	Transport   string    `json:"transport"`   // tcp, tls, websocket, ...
	QueueBytes  int       `json:"queue_bytes"` // outbound bytes not yet written
	Room        string    `json:"room"`        // "" outside a room
}

// RoomDetail is a room with its members (join order, master first) and its
// network objects (instantiate order).
type RoomDetail struct {
	RoomSummary
	Members []Session      `json:"members"`
	Objects []ObjectDetail `json:"objects"`
}

// ObjectDetail is one network object. Fields holds the raw MessagePack
// value of each stored state field by field number; the console decodes
// them (see DecodeFields).
type ObjectDetail struct {
	ID         string         `json:"id"`
	Prefab     string         `json:"prefab"`
	Token      string         `json:"token"`
	Owner      int64          `json:"owner"`
	Generation uint32         `json:"generation"`
	Mode       string         `json:"mode"`     // t takeover, f fixed, r request
	Lifetime   string         `json:"lifetime"` // p player, r room
	StateBytes int            `json:"state_bytes"`
	Fields     []DecodedField `json:"fields"`
	Raw        map[int][]byte `json:"-"`
}

// ThrottleState is the login back-off of one account or address.
type ThrottleState struct {
	Key          string    `json:"key"`
	Failures     int       `json:"failures"`
	BlockedUntil time.Time `json:"blocked_until"` // zero when not blocked
	LastFailure  time.Time `json:"last_failure"`
}
