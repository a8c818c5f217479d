package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"github.com/tandemnet/tandem/server/store"
)

// The session token keys (store.SessionKeyStore).

// AddSessionKey stores a new signing key.
func (s *Store) AddSessionKey(ctx context.Context, secret []byte) (store.SessionKey, error) {
	k := store.SessionKey{Secret: append([]byte(nil), secret...), CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	err := s.db.QueryRowContext(ctx, `INSERT INTO session_keys (secret, created_at) VALUES (?, ?) RETURNING id`,
		k.Secret, k.CreatedAt.UnixMicro()).Scan(&k.ID)
	if err != nil {
		return store.SessionKey{}, fmt.Errorf("sqlitestore: add session key: %w", err)
	}
	return k, nil
}

// SessionKeys returns every key, oldest first.
func (s *Store) SessionKeys(ctx context.Context) ([]store.SessionKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, secret, created_at FROM session_keys ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: list session keys: %w", err)
	}
	defer rows.Close()
	keys := []store.SessionKey{}
	for rows.Next() {
		var k store.SessionKey
		var created int64
		if err := rows.Scan(&k.ID, &k.Secret, &created); err != nil {
			return nil, fmt.Errorf("sqlitestore: list session keys: %w", err)
		}
		k.CreatedAt = time.UnixMicro(created).UTC()
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: list session keys: %w", err)
	}
	return keys, nil
}

// DeleteSessionKeysBefore removes keys created before t, never the newest.
func (s *Store) DeleteSessionKeysBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx,
		`DELETE FROM session_keys WHERE created_at < ? AND id <> (SELECT MAX(id) FROM session_keys)`, t.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: delete session keys: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: delete session keys: %w", err)
	}
	return int(n), nil
}
