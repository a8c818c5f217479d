package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tandemnet/tandem/server/store"
)

// The admin console's tables (store.AdminStore). Times are Unix
// microseconds, as in the rest of the schema.

// CreateAdmin adds an operator account, or fails with store.ErrAdminExists.
func (s *Store) CreateAdmin(ctx context.Context, name, passwordHash string) error {
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO admins (name, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		name, passwordHash, time.Now().UnixMicro())
	if err != nil {
		return fmt.Errorf("sqlitestore: create admin %q: %w", name, err)
	}
	if err := expectRow(res, store.ErrAdminExists); err != nil {
		return fmt.Errorf("sqlitestore: create admin %q: %w", name, err)
	}
	return nil
}

// GetAdmin returns the operator account, or store.ErrNotFound.
func (s *Store) GetAdmin(ctx context.Context, name string) (store.Admin, error) {
	a := store.Admin{Name: name}
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT password_hash, created_at FROM admins WHERE name = ?`, name).
		Scan(&a.PasswordHash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Admin{}, fmt.Errorf("sqlitestore: get admin %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.Admin{}, fmt.Errorf("sqlitestore: get admin %q: %w", name, err)
	}
	a.CreatedAt = time.UnixMicro(created).UTC()
	return a, nil
}

// DeleteAdmin removes an operator account, or fails with store.ErrNotFound.
func (s *Store) DeleteAdmin(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM admins WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("sqlitestore: delete admin %q: %w", name, err)
	}
	if err := expectRow(res, store.ErrNotFound); err != nil {
		return fmt.Errorf("sqlitestore: delete admin %q: %w", name, err)
	}
	return nil
}

// ListAdmins returns every operator account, ordered by name.
func (s *Store) ListAdmins(ctx context.Context) ([]store.Admin, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, password_hash, created_at FROM admins ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list admins: %w", err)
	}
	defer rows.Close()
	out := []store.Admin{}
	for rows.Next() {
		var a store.Admin
		var created int64
		if err := rows.Scan(&a.Name, &a.PasswordHash, &created); err != nil {
			return nil, fmt.Errorf("sqlitestore: list admins: %w", err)
		}
		a.CreatedAt = time.UnixMicro(created).UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: list admins: %w", err)
	}
	return out, nil
}

// SetBan creates or replaces the ban of b.User.
func (s *Store) SetBan(ctx context.Context, b store.Ban) error {
	created := b.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO bans (user_name, until, reason, banned_by, created_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (user_name) DO UPDATE SET until = excluded.until, reason = excluded.reason,
	banned_by = excluded.banned_by, created_at = excluded.created_at`,
		b.User, b.Until.UnixMicro(), b.Reason, b.By, created.UnixMicro())
	if err != nil {
		return fmt.Errorf("sqlitestore: ban %q: %w", b.User, err)
	}
	return nil
}

// GetBan returns the user's ban, or store.ErrNotFound.
func (s *Store) GetBan(ctx context.Context, user string) (store.Ban, error) {
	b := store.Ban{User: user}
	var until, created int64
	err := s.getBan.QueryRowContext(ctx, user).Scan(&until, &b.Reason, &b.By, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Ban{}, fmt.Errorf("sqlitestore: get ban of %q: %w", user, store.ErrNotFound)
	}
	if err != nil {
		return store.Ban{}, fmt.Errorf("sqlitestore: get ban of %q: %w", user, err)
	}
	b.Until, b.CreatedAt = time.UnixMicro(until).UTC(), time.UnixMicro(created).UTC()
	return b, nil
}

// DeleteBan lifts the user's ban, or fails with store.ErrNotFound.
func (s *Store) DeleteBan(ctx context.Context, user string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM bans WHERE user_name = ?`, user)
	if err != nil {
		return fmt.Errorf("sqlitestore: lift ban of %q: %w", user, err)
	}
	if err := expectRow(res, store.ErrNotFound); err != nil {
		return fmt.Errorf("sqlitestore: lift ban of %q: %w", user, err)
	}
	return nil
}

// ListBans returns every ban, ordered by user.
func (s *Store) ListBans(ctx context.Context) ([]store.Ban, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT user_name, until, reason, banned_by, created_at FROM bans ORDER BY user_name`)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list bans: %w", err)
	}
	defer rows.Close()
	out := []store.Ban{}
	for rows.Next() {
		var b store.Ban
		var until, created int64
		if err := rows.Scan(&b.User, &until, &b.Reason, &b.By, &created); err != nil {
			return nil, fmt.Errorf("sqlitestore: list bans: %w", err)
		}
		b.Until, b.CreatedAt = time.UnixMicro(until).UTC(), time.UnixMicro(created).UTC()
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: list bans: %w", err)
	}
	return out, nil
}

// AppendAudit records one admin action.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	at := e.Time
	if at.IsZero() {
		at = time.Now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO audit_log (at, admin, action, target, detail) VALUES (?, ?, ?, ?, ?)`,
		at.UnixMicro(), e.Admin, e.Action, e.Target, e.Detail)
	if err != nil {
		return fmt.Errorf("sqlitestore: append audit %q: %w", e.Action, err)
	}
	return nil
}

// ListAudit returns up to limit entries, newest first, with an id below
// before (0: from the newest).
func (s *Store) ListAudit(ctx context.Context, limit int, before int64) ([]store.AuditEntry, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, at, admin, action, target, detail FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list audit: %w", err)
	}
	defer rows.Close()
	out := []store.AuditEntry{}
	for rows.Next() {
		var e store.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Admin, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("sqlitestore: list audit: %w", err)
		}
		e.Time = time.UnixMicro(at).UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: list audit: %w", err)
	}
	return out, nil
}
