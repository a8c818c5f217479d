// Package pgstore implements store.Store on PostgreSQL through pgx, for
// deployments where several nodes share one database.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tandemnet/tandem/server/store"
)

// Store is a store.Store on a PostgreSQL connection pool.
type Store struct {
	pool *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// Open connects to the PostgreSQL database at url (a postgres:// URL or a
// key=value connection string), checks that it answers and applies pending
// schema migrations. Tables go to the first schema of the search_path,
// which the URL may set (search_path=...).
func Open(ctx context.Context, url string) (*Store, error) {
	// Errors from pgx redact the password of the connection string, so
	// they are safe to wrap; url itself is never put in an error.
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("pgstore: parse connection string: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgstore: connect: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgstore: migrate: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Close closes the pool. It may be called more than once.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("pgstore: ping: %w", err)
	}
	return nil
}

// CreateUser adds an account; it fails with store.ErrUserExists if the
// name is taken.
func (s *Store) CreateUser(ctx context.Context, name, passwordHash string) error {
	tag, err := s.pool.Exec(ctx,
		`INSERT INTO users (name, password_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
		name, passwordHash, time.Now())
	if err != nil {
		return fmt.Errorf("pgstore: create user %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: create user %q: %w", name, store.ErrUserExists)
	}
	return nil
}

// GetUser returns the account name, or store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, name string) (store.User, error) {
	u := store.User{Name: name}
	err := s.pool.QueryRow(ctx, `SELECT password_hash, created_at, session_gen FROM users WHERE name = $1`, name).
		Scan(&u.PasswordHash, &u.CreatedAt, &u.SessionGen)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.User{}, fmt.Errorf("pgstore: get user %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("pgstore: get user %q: %w", name, err)
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return u, nil
}

// SetPasswordHash replaces the hash of an existing account, or fails with
// store.ErrNotFound.
func (s *Store) SetPasswordHash(ctx context.Context, name, passwordHash string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE users SET password_hash = $1, session_gen = session_gen + 1 WHERE name = $2`, passwordHash, name)
	if err != nil {
		return fmt.Errorf("pgstore: set password of %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: set password of %q: %w", name, store.ErrNotFound)
	}
	return nil
}

// EndSessions moves the account's session generation on, or fails with
// store.ErrNotFound.
func (s *Store) EndSessions(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE users SET session_gen = session_gen + 1 WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("pgstore: end sessions of %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: end sessions of %q: %w", name, store.ErrNotFound)
	}
	return nil
}

// DeleteUser removes an account, or fails with store.ErrNotFound.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM users WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("pgstore: delete user %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: delete user %q: %w", name, store.ErrNotFound)
	}
	return nil
}

// ListUsers returns every account, ordered by name.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, password_hash, created_at FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list users: %w", err)
	}
	defer rows.Close()
	users := []store.User{}
	for rows.Next() {
		var u store.User
		if err := rows.Scan(&u.Name, &u.PasswordHash, &u.CreatedAt); err != nil {
			return nil, fmt.Errorf("pgstore: list users: %w", err)
		}
		u.CreatedAt = u.CreatedAt.UTC()
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: list users: %w", err)
	}
	return users, nil
}

// CountUsers returns how many accounts exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("pgstore: count users: %w", err)
	}
	return n, nil
}

// NextClientID allocates a new client id from the client_ids sequence.
func (s *Store) NextClientID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `SELECT nextval('client_ids')`).Scan(&id); err != nil {
		return 0, fmt.Errorf("pgstore: next client id: %w", err)
	}
	return id, nil
}

// ReserveClientIDs takes n values of the client_ids sequence at once (not
// necessarily consecutive: other nodes take theirs meanwhile).
func (s *Store) ReserveClientIDs(ctx context.Context, n int) ([]int64, error) {
	if n < 1 {
		return nil, fmt.Errorf("pgstore: reserve %d client ids: want at least 1", n)
	}
	rows, err := s.pool.Query(ctx, `SELECT nextval('client_ids') FROM generate_series(1, $1) ORDER BY 1`, n)
	if err != nil {
		return nil, fmt.Errorf("pgstore: reserve client ids: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("pgstore: reserve client ids: %w", err)
	}
	return ids, nil
}

// CreateRoom records a room; it fails with store.ErrRoomExists if the name
// is taken.
func (s *Store) CreateRoom(ctx context.Context, room store.Room) error {
	tag, err := s.pool.Exec(ctx,
		`INSERT INTO rooms (name, password_hash, node) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
		room.Name, room.PasswordHash, room.Node)
	if err != nil {
		return fmt.Errorf("pgstore: create room %q: %w", room.Name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: create room %q: %w", room.Name, store.ErrRoomExists)
	}
	return nil
}

// DeleteRoom removes a room and its members, or fails with
// store.ErrNotFound.
func (s *Store) DeleteRoom(ctx context.Context, name string) error {
	// Members go with the room through ON DELETE CASCADE.
	tag, err := s.pool.Exec(ctx, `DELETE FROM rooms WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("pgstore: delete room %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: delete room %q: %w", name, store.ErrNotFound)
	}
	return nil
}

// AddMember appends a client to a room's members. It fails with
// store.ErrNotFound if the room does not exist; adding a client that is
// already a member does nothing and keeps its place.
func (s *Store) AddMember(ctx context.Context, room string, m store.Member) error {
	_, err := s.pool.Exec(ctx,
		`INSERT INTO members (room, client_id, user_name) VALUES ($1, $2, $3) ON CONFLICT (room, client_id) DO NOTHING`,
		room, m.ClientID, m.UserName)
	// The foreign key tells a missing room atomically, even if another node
	// deletes it concurrently.
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == foreignKeyViolation {
		return fmt.Errorf("pgstore: add member %d to room %q: %w", m.ClientID, room, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("pgstore: add member %d to room %q: %w", m.ClientID, room, err)
	}
	return nil
}

// foreignKeyViolation is the SQLSTATE of a foreign key violation.
const foreignKeyViolation = "23503"

// RemoveMember removes a client from a room, or fails with
// store.ErrNotFound if it is not a member of that room.
func (s *Store) RemoveMember(ctx context.Context, room string, clientID int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM members WHERE room = $1 AND client_id = $2`, room, clientID)
	if err != nil {
		return fmt.Errorf("pgstore: remove member %d from room %q: %w", clientID, room, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: remove member %d from room %q: %w", clientID, room, store.ErrNotFound)
	}
	return nil
}

// ListRooms returns every room ordered by name, each with its members in
// join order.
func (s *Store) ListRooms(ctx context.Context) ([]store.RoomListing, error) {
	// One query, so the listing is a consistent snapshot.
	rows, err := s.pool.Query(ctx, `
SELECT r.name, r.password_hash, r.node, m.client_id, m.user_name
FROM rooms r LEFT JOIN members m ON m.room = r.name
ORDER BY r.name, m.seq`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list rooms: %w", err)
	}
	defer rows.Close()
	rooms := []store.RoomListing{}
	for rows.Next() {
		var r store.Room
		var clientID *int64
		var userName *string
		if err := rows.Scan(&r.Name, &r.PasswordHash, &r.Node, &clientID, &userName); err != nil {
			return nil, fmt.Errorf("pgstore: list rooms: %w", err)
		}
		if n := len(rooms); n == 0 || rooms[n-1].Name != r.Name {
			rooms = append(rooms, store.RoomListing{Room: r, Members: []store.Member{}})
		}
		if clientID != nil {
			last := &rooms[len(rooms)-1]
			last.Members = append(last.Members, store.Member{ClientID: *clientID, UserName: *userName})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: list rooms: %w", err)
	}
	return rooms, nil
}

// CleanNode removes the rooms of node and, by cascade, their members.
func (s *Store) CleanNode(ctx context.Context, node string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM rooms WHERE node = $1`, node); err != nil {
		return fmt.Errorf("pgstore: clean node %q: %w", node, err)
	}
	return nil
}
