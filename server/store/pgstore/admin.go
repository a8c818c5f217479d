package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemnet/tandem/server/store"
)

// The admin console's tables (store.AdminStore).

// CreateAdmin adds an operator account, or fails with store.ErrAdminExists.
func (s *Store) CreateAdmin(ctx context.Context, name, passwordHash string) error {
	tag, err := s.pool.Exec(ctx,
		`INSERT INTO admins (name, password_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
		name, passwordHash, time.Now())
	if err != nil {
		return fmt.Errorf("pgstore: create admin %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: create admin %q: %w", name, store.ErrAdminExists)
	}
	return nil
}

// GetAdmin returns the operator account, or store.ErrNotFound.
func (s *Store) GetAdmin(ctx context.Context, name string) (store.Admin, error) {
	a := store.Admin{Name: name}
	err := s.pool.QueryRow(ctx, `SELECT password_hash, created_at FROM admins WHERE name = $1`, name).
		Scan(&a.PasswordHash, &a.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Admin{}, fmt.Errorf("pgstore: get admin %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.Admin{}, fmt.Errorf("pgstore: get admin %q: %w", name, err)
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}

// DeleteAdmin removes an operator account, or fails with store.ErrNotFound.
func (s *Store) DeleteAdmin(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM admins WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("pgstore: delete admin %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: delete admin %q: %w", name, store.ErrNotFound)
	}
	return nil
}

// ListAdmins returns every operator account, ordered by name.
func (s *Store) ListAdmins(ctx context.Context) ([]store.Admin, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, password_hash, created_at FROM admins ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list admins: %w", err)
	}
	defer rows.Close()
	out := []store.Admin{}
	for rows.Next() {
		var a store.Admin
		if err := rows.Scan(&a.Name, &a.PasswordHash, &a.CreatedAt); err != nil {
			return nil, fmt.Errorf("pgstore: list admins: %w", err)
		}
		a.CreatedAt = a.CreatedAt.UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: list admins: %w", err)
	}
	return out, nil
}

// SetBan creates or replaces the ban of b.User.
func (s *Store) SetBan(ctx context.Context, b store.Ban) error {
	created := b.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO bans (user_name, until, reason, banned_by, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (user_name) DO UPDATE SET until = excluded.until, reason = excluded.reason,
	banned_by = excluded.banned_by, created_at = excluded.created_at`,
		b.User, b.Until, b.Reason, b.By, created)
	if err != nil {
		return fmt.Errorf("pgstore: ban %q: %w", b.User, err)
	}
	return nil
}

// GetBan returns the user's ban, or store.ErrNotFound.
func (s *Store) GetBan(ctx context.Context, user string) (store.Ban, error) {
	b := store.Ban{User: user}
	err := s.pool.QueryRow(ctx, `SELECT until, reason, banned_by, created_at FROM bans WHERE user_name = $1`, user).
		Scan(&b.Until, &b.Reason, &b.By, &b.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Ban{}, fmt.Errorf("pgstore: get ban of %q: %w", user, store.ErrNotFound)
	}
	if err != nil {
		return store.Ban{}, fmt.Errorf("pgstore: get ban of %q: %w", user, err)
	}
	b.Until, b.CreatedAt = b.Until.UTC(), b.CreatedAt.UTC()
	return b, nil
}

// DeleteBan lifts the user's ban, or fails with store.ErrNotFound.
func (s *Store) DeleteBan(ctx context.Context, user string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM bans WHERE user_name = $1`, user)
	if err != nil {
		return fmt.Errorf("pgstore: lift ban of %q: %w", user, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: lift ban of %q: %w", user, store.ErrNotFound)
	}
	return nil
}

// ListBans returns every ban, ordered by user.
func (s *Store) ListBans(ctx context.Context) ([]store.Ban, error) {
	rows, err := s.pool.Query(ctx, `SELECT user_name, until, reason, banned_by, created_at FROM bans ORDER BY user_name`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list bans: %w", err)
	}
	defer rows.Close()
	out := []store.Ban{}
	for rows.Next() {
		var b store.Ban
		if err := rows.Scan(&b.User, &b.Until, &b.Reason, &b.By, &b.CreatedAt); err != nil {
			return nil, fmt.Errorf("pgstore: list bans: %w", err)
		}
		b.Until, b.CreatedAt = b.Until.UTC(), b.CreatedAt.UTC()
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: list bans: %w", err)
	}
	return out, nil
}

// AppendAudit records one admin action.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	at := e.Time
	if at.IsZero() {
		at = time.Now()
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO audit_log (at, admin, action, target, detail) VALUES ($1, $2, $3, $4, $5)`,
		at, e.Admin, e.Action, e.Target, e.Detail)
	if err != nil {
		return fmt.Errorf("pgstore: append audit %q: %w", e.Action, err)
	}
	return nil
}

// ListAudit returns up to limit entries, newest first, with an id below
// before (0: from the newest).
func (s *Store) ListAudit(ctx context.Context, limit int, before int64) ([]store.AuditEntry, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.pool.Query(ctx,
		`SELECT id, at, admin, action, target, detail FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list audit: %w", err)
	}
	defer rows.Close()
	out := []store.AuditEntry{}
	for rows.Next() {
		var e store.AuditEntry
		if err := rows.Scan(&e.ID, &e.Time, &e.Admin, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("pgstore: list audit: %w", err)
		}
		e.Time = e.Time.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: list audit: %w", err)
	}
	return out, nil
}
