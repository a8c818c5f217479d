// Package store defines the persistence contract of the Tandem server:
// accounts, client-id allocation and the listing mirror of live rooms.
// Implementations live in sub-packages (sqlitestore, pgstore) and all pass
// the same contract suite in storetest.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors every implementation returns (wrapped) so callers can
// branch with errors.Is regardless of the database underneath.
var (
	ErrNotFound   = errors.New("not found")
	ErrUserExists = errors.New("user already exists")
	ErrRoomExists = errors.New("room already exists")
	// ErrAdminExists: an operator account of that name exists already.
	ErrAdminExists = errors.New("admin already exists")
)

// User is an account made out of band by the admin command.
type User struct {
	Name         string
	PasswordHash string // encoded hash (see server/accounts), never the password
	CreatedAt    time.Time
	// SessionGen is the generation of the account's session tokens: a token
	// carries the generation it was issued in and is good only while it is
	// current. EndSessions and SetPasswordHash move it on.
	SessionGen int64
}

// Room is the stored mirror of a live room, written when the room opens.
type Room struct {
	Name string
	// PasswordHash is empty for a public room.
	PasswordHash string
	// Node names the server process that hosts the room, so a restarted node
	// can remove what it left behind after a crash.
	Node string
}

// Member is one client in a room.
type Member struct {
	ClientID int64
	UserName string
}

// RoomListing is a room with its members, as listed to clients.
type RoomListing struct {
	Room
	Members []Member // ordered by join time
}

// Store is implemented by every backend. All methods are safe for
// concurrent use. Names are compared byte for byte: callers fold user
// names to lower case first (accounts.NormalizeUserName).
type Store interface {
	// CreateUser fails with ErrUserExists if name is taken.
	CreateUser(ctx context.Context, name, passwordHash string) error
	// GetUser fails with ErrNotFound for an unknown name.
	GetUser(ctx context.Context, name string) (User, error)
	// SetPasswordHash fails with ErrNotFound for an unknown name. It also
	// moves the session generation on: a new password ends every session
	// token.
	SetPasswordHash(ctx context.Context, name, passwordHash string) error
	// EndSessions moves the account's session generation on, so every
	// session token issued before is refused; ErrNotFound for an unknown
	// name.
	EndSessions(ctx context.Context, name string) error
	// DeleteUser fails with ErrNotFound for an unknown name.
	DeleteUser(ctx context.Context, name string) error
	// ListUsers returns every user, ordered by name.
	ListUsers(ctx context.Context) ([]User, error)
	// CountUsers returns how many accounts exist.
	CountUsers(ctx context.Context) (int, error)

	// NextClientID returns a positive id never returned before by this
	// database, across restarts and across nodes sharing the database.
	NextClientID(ctx context.Context) (int64, error)
	// ReserveClientIDs returns n (1 or more) ids never returned before by
	// this database (by either method), increasing, in one round trip: a
	// server hands them out from memory, so a crowd of logins does not
	// make a write (and a disk flush) each.
	ReserveClientIDs(ctx context.Context, n int) ([]int64, error)

	// CreateRoom fails with ErrRoomExists if the name is taken.
	CreateRoom(ctx context.Context, room Room) error
	// DeleteRoom removes the room and its members; it fails with
	// ErrNotFound for an unknown room.
	DeleteRoom(ctx context.Context, name string) error
	// AddMember appends m to the room's members; it fails with ErrNotFound
	// for an unknown room. Adding a client already in the room does
	// nothing and keeps its place. A client may be in several rooms.
	AddMember(ctx context.Context, room string, m Member) error
	// RemoveMember fails with ErrNotFound if the client is not in the room.
	RemoveMember(ctx context.Context, room string, clientID int64) error
	// ListRooms returns every room ordered by name, members in join order.
	ListRooms(ctx context.Context) ([]RoomListing, error)
	// CleanNode removes the rooms and memberships of node, left behind when
	// that node stopped without closing them.
	CleanNode(ctx context.Context, node string) error

	// AdminStore: the admin console's tables (kept as one block).
	AdminStore

	// SessionKeys: the keys that sign session tokens (kept as one block).
	SessionKeyStore

	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Close releases the database; it may be called more than once.
	Close() error
}

// --- Session token keys (server/sessiontoken) -------------------------------

// SessionKey is a secret that signs session tokens, shared by every node of
// the database so each verifies the others' tokens.
type SessionKey struct {
	ID        int64 // assigned by the store, increasing: the newest signs
	Secret    []byte
	CreatedAt time.Time
}

// SessionKeyStore keeps the session token keys.
type SessionKeyStore interface {
	// AddSessionKey stores a new key and returns it with its id.
	AddSessionKey(ctx context.Context, secret []byte) (SessionKey, error)
	// SessionKeys returns every key, oldest first.
	SessionKeys(ctx context.Context) ([]SessionKey, error)
	// DeleteSessionKeysBefore removes the keys created before t but never
	// the newest one; it returns how many went.
	DeleteSessionKeysBefore(ctx context.Context, t time.Time) (int, error)
}

// --- Admin console (server/admin) -----------------------------------------

// Admin is an operator account of the admin console, separate from players.
type Admin struct {
	Name         string
	PasswordHash string // encoded argon2id hash (server/accounts)
	CreatedAt    time.Time
}

// Ban refuses a player's logins until Until.
type Ban struct {
	User      string
	Until     time.Time
	Reason    string
	By        string // the admin who set it
	CreatedAt time.Time
}

// AuditEntry is one admin action.
type AuditEntry struct {
	ID     int64 // assigned by the store, increasing
	Time   time.Time
	Admin  string
	Action string // e.g. "kick", "ban", "close_room"
	Target string // a user, room or address
	Detail string
}

// AdminStore holds what the admin console keeps: operator accounts, bans
// and the audit log. Times are kept to the microsecond, in UTC.
type AdminStore interface {
	// CreateAdmin fails with ErrAdminExists if name is taken.
	CreateAdmin(ctx context.Context, name, passwordHash string) error
	// GetAdmin fails with ErrNotFound for an unknown name.
	GetAdmin(ctx context.Context, name string) (Admin, error)
	// DeleteAdmin fails with ErrNotFound for an unknown name.
	DeleteAdmin(ctx context.Context, name string) error
	// ListAdmins returns every admin, ordered by name.
	ListAdmins(ctx context.Context) ([]Admin, error)

	// SetBan creates or replaces the ban of b.User.
	SetBan(ctx context.Context, b Ban) error
	// GetBan fails with ErrNotFound when the user has no ban (expired bans
	// are returned: the caller compares Until with the time).
	GetBan(ctx context.Context, user string) (Ban, error)
	// DeleteBan fails with ErrNotFound when the user has no ban.
	DeleteBan(ctx context.Context, user string) error
	// ListBans returns every ban, ordered by user.
	ListBans(ctx context.Context) ([]Ban, error)

	// AppendAudit records e (its ID is ignored and assigned).
	AppendAudit(ctx context.Context, e AuditEntry) error
	// ListAudit returns up to limit entries, newest first, with an ID below
	// before (0: from the newest).
	ListAudit(ctx context.Context, limit int, before int64) ([]AuditEntry, error)
}
