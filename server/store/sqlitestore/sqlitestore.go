// Package sqlitestore implements store.Store on a SQLite file through the
// pure-Go driver modernc.org/sqlite, for single-node deployments.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tandemnet/tandem/server/store"

	"modernc.org/sqlite" // also registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// busyTimeout is how long a statement waits for another process (e.g. the
// admin command) holding the write lock before failing with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Store is a store.Store on one SQLite file.
type Store struct {
	db *sql.DB
	// Statements of every login, prepared once: parsing them again each
	// time was a tenth of the server's CPU in a reconnect storm.
	getUser, getBan *sql.Stmt
}

var _ store.Store = (*Store)(nil)

// Open opens the SQLite database at path, creating the file if it does not
// exist, and applies pending schema migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlitestore: empty database path")
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %q: %w", path, err)
	}
	// One connection serializes every statement of this process, so its
	// own goroutines never fight over the write lock (no SQLITE_BUSY); the
	// busy timeout covers other processes on the same file.
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := migrateRetrying(ctx, db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlitestore: migrate %q: %w", path, err)
	}
	s := &Store{db: db}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.getUser, `SELECT password_hash, created_at, session_gen FROM users WHERE name = ?`},
		{&s.getBan, `SELECT until, reason, banned_by, created_at FROM bans WHERE user_name = ?`},
	} {
		if *p.stmt, err = db.PrepareContext(ctx, p.sql); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("sqlitestore: prepare %q: %w", p.sql, err)
		}
	}
	return s, nil
}

// migrateRetrying retries a migration that found the file busy. While
// another process turns a new file to WAL mode, SQLite can answer
// SQLITE_BUSY at once, without waiting for the busy timeout.
func migrateRetrying(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		err := migrate(ctx, db)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return fmt.Errorf("wait for a busy database: %w", ctx.Err())
		}
	}
}

// dsn builds a URI filename so that a path containing '?' or '#' is not
// taken for a query string. Pragmas are in the DSN so they apply to every
// connection the pool (re)opens.
func dsn(path string) string {
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + escaped +
		"?_pragma=" + fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()) +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)" +
		// IMMEDIATE takes the write lock at BEGIN: a deferred transaction
		// that reads then writes can fail with SQLITE_BUSY at once, without
		// the busy handler, when another process wrote in between.
		"&_txlock=immediate"
}

// Close closes the database. It may be called more than once.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("sqlitestore: close: %w", err)
	}
	return nil
}

// Ping reports whether the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	// A real query, not db.PingContext, which only checks the connection
	// that is already open.
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("sqlitestore: ping: %w", err)
	}
	return nil
}

// CreateUser adds an account; it fails with store.ErrUserExists if the
// name is taken.
func (s *Store) CreateUser(ctx context.Context, name, passwordHash string) error {
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		name, passwordHash, time.Now().UnixMicro())
	if err != nil {
		return fmt.Errorf("sqlitestore: create user %q: %w", name, err)
	}
	if err := expectRow(res, store.ErrUserExists); err != nil {
		return fmt.Errorf("sqlitestore: create user %q: %w", name, err)
	}
	return nil
}

// GetUser returns the account name, or store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, name string) (store.User, error) {
	u := store.User{Name: name}
	var created int64
	err := s.getUser.QueryRowContext(ctx, name).Scan(&u.PasswordHash, &created, &u.SessionGen)
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, fmt.Errorf("sqlitestore: get user %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("sqlitestore: get user %q: %w", name, err)
	}
	u.CreatedAt = time.UnixMicro(created).UTC()
	return u, nil
}

// SetPasswordHash replaces the hash of an existing account, or fails with
// store.ErrNotFound.
func (s *Store) SetPasswordHash(ctx context.Context, name, passwordHash string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET password_hash = ?, session_gen = session_gen + 1 WHERE name = ?`, passwordHash, name)
	if err != nil {
		return fmt.Errorf("sqlitestore: set password of %q: %w", name, err)
	}
	if err := expectRow(res, store.ErrNotFound); err != nil {
		return fmt.Errorf("sqlitestore: set password of %q: %w", name, err)
	}
	return nil
}

// EndSessions moves the account's session generation on, or fails with
// store.ErrNotFound.
func (s *Store) EndSessions(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET session_gen = session_gen + 1 WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("sqlitestore: end sessions of %q: %w", name, err)
	}
	if err := expectRow(res, store.ErrNotFound); err != nil {
		return fmt.Errorf("sqlitestore: end sessions of %q: %w", name, err)
	}
	return nil
}

// DeleteUser removes an account, or fails with store.ErrNotFound.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM users WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("sqlitestore: delete user %q: %w", name, err)
	}
	if err := expectRow(res, store.ErrNotFound); err != nil {
		return fmt.Errorf("sqlitestore: delete user %q: %w", name, err)
	}
	return nil
}

// ListUsers returns every account, ordered by name.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, password_hash, created_at FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list users: %w", err)
	}
	defer rows.Close()
	users := []store.User{}
	for rows.Next() {
		var u store.User
		var created int64
		if err := rows.Scan(&u.Name, &u.PasswordHash, &created); err != nil {
			return nil, fmt.Errorf("sqlitestore: list users: %w", err)
		}
		u.CreatedAt = time.UnixMicro(created).UTC()
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: list users: %w", err)
	}
	return users, nil
}

// CountUsers returns how many accounts exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlitestore: count users: %w", err)
	}
	return n, nil
}

// NextClientID allocates a new client id from the AUTOINCREMENT counter.
func (s *Store) NextClientID(ctx context.Context) (id int64, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: next client id: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := tx.QueryRowContext(ctx, `INSERT INTO client_ids DEFAULT VALUES RETURNING id`).Scan(&id); err != nil {
		return 0, fmt.Errorf("sqlitestore: next client id: %w", err)
	}
	// Only the counter in sqlite_sequence matters; dropping the rows keeps
	// the table from growing by one row per connection forever.
	if _, err := tx.ExecContext(ctx, `DELETE FROM client_ids`); err != nil {
		return 0, fmt.Errorf("sqlitestore: next client id: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlitestore: next client id: commit: %w", err)
	}
	return id, nil
}

// ReserveClientIDs allocates n consecutive ids: one row for the first, and
// the AUTOINCREMENT counter moved past the rest, in one transaction.
func (s *Store) ReserveClientIDs(ctx context.Context, n int) (ids []int64, err error) {
	if n < 1 {
		return nil, fmt.Errorf("sqlitestore: reserve %d client ids: want at least 1", n)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: reserve client ids: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var first int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO client_ids DEFAULT VALUES RETURNING id`).Scan(&first); err != nil {
		return nil, fmt.Errorf("sqlitestore: reserve client ids: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sqlite_sequence SET seq = ? WHERE name = 'client_ids'`, first+int64(n)-1); err != nil {
		return nil, fmt.Errorf("sqlitestore: reserve client ids: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM client_ids`); err != nil {
		return nil, fmt.Errorf("sqlitestore: reserve client ids: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlitestore: reserve client ids: commit: %w", err)
	}
	ids = make([]int64, n)
	for i := range ids {
		ids[i] = first + int64(i)
	}
	return ids, nil
}

// CreateRoom records a room; it fails with store.ErrRoomExists if the name
// is taken.
func (s *Store) CreateRoom(ctx context.Context, room store.Room) error {
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO rooms (name, password_hash, node) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		room.Name, room.PasswordHash, room.Node)
	if err != nil {
		return fmt.Errorf("sqlitestore: create room %q: %w", room.Name, err)
	}
	if err := expectRow(res, store.ErrRoomExists); err != nil {
		return fmt.Errorf("sqlitestore: create room %q: %w", room.Name, err)
	}
	return nil
}

// DeleteRoom removes a room and its members, or fails with
// store.ErrNotFound.
func (s *Store) DeleteRoom(ctx context.Context, name string) error {
	// Members go with the room through ON DELETE CASCADE.
	res, err := s.db.ExecContext(ctx, `DELETE FROM rooms WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("sqlitestore: delete room %q: %w", name, err)
	}
	if err := expectRow(res, store.ErrNotFound); err != nil {
		return fmt.Errorf("sqlitestore: delete room %q: %w", name, err)
	}
	return nil
}

// AddMember appends a client to a room's members. It fails with
// store.ErrNotFound if the room does not exist; adding a client that is
// already a member does nothing and keeps its place.
func (s *Store) AddMember(ctx context.Context, room string, m store.Member) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlitestore: add member %d to room %q: %w", m.ClientID, room, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM rooms WHERE name = ?)`, room).Scan(&exists); err != nil {
		return fmt.Errorf("sqlitestore: add member %d to room %q: %w", m.ClientID, room, err)
	}
	if !exists {
		return fmt.Errorf("sqlitestore: add member %d to room %q: %w", m.ClientID, room, store.ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO members (room, client_id, user_name) VALUES (?, ?, ?) ON CONFLICT (room, client_id) DO NOTHING`,
		room, m.ClientID, m.UserName); err != nil {
		return fmt.Errorf("sqlitestore: add member %d to room %q: %w", m.ClientID, room, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlitestore: add member %d to room %q: commit: %w", m.ClientID, room, err)
	}
	return nil
}

// RemoveMember removes a client from a room, or fails with
// store.ErrNotFound if it is not a member of that room.
func (s *Store) RemoveMember(ctx context.Context, room string, clientID int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM members WHERE room = ? AND client_id = ?`, room, clientID)
	if err != nil {
		return fmt.Errorf("sqlitestore: remove member %d from room %q: %w", clientID, room, err)
	}
	if err := expectRow(res, store.ErrNotFound); err != nil {
		return fmt.Errorf("sqlitestore: remove member %d from room %q: %w", clientID, room, err)
	}
	return nil
}

// ListRooms returns every room ordered by name, each with its members in
// join order.
func (s *Store) ListRooms(ctx context.Context) ([]store.RoomListing, error) {
	// One query, so the listing is a consistent snapshot.
	rows, err := s.db.QueryContext(ctx, `
SELECT r.name, r.password_hash, r.node, m.client_id, m.user_name
FROM rooms r LEFT JOIN members m ON m.room = r.name
ORDER BY r.name, m.seq`)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list rooms: %w", err)
	}
	defer rows.Close()
	rooms := []store.RoomListing{}
	for rows.Next() {
		var r store.Room
		var clientID sql.NullInt64
		var userName sql.NullString
		if err := rows.Scan(&r.Name, &r.PasswordHash, &r.Node, &clientID, &userName); err != nil {
			return nil, fmt.Errorf("sqlitestore: list rooms: %w", err)
		}
		if n := len(rooms); n == 0 || rooms[n-1].Name != r.Name {
			rooms = append(rooms, store.RoomListing{Room: r, Members: []store.Member{}})
		}
		if clientID.Valid {
			last := &rooms[len(rooms)-1]
			last.Members = append(last.Members, store.Member{ClientID: clientID.Int64, UserName: userName.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: list rooms: %w", err)
	}
	return rooms, nil
}

// CleanNode removes the rooms of node and, by cascade, their members.
func (s *Store) CleanNode(ctx context.Context, node string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM rooms WHERE node = ?`, node); err != nil {
		return fmt.Errorf("sqlitestore: clean node %q: %w", node, err)
	}
	return nil
}

// expectRow returns sentinel when the statement touched no row: the
// conflict or the missing row the caller is checking for.
func expectRow(res sql.Result, sentinel error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("rows affected: %w", err)
	}
	if n == 0 {
		return sentinel
	}
	return nil
}
