package pgstore

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
	err := s.pool.QueryRow(ctx, `INSERT INTO session_keys (secret, created_at) VALUES ($1, $2) RETURNING id`,
		k.Secret, k.CreatedAt).Scan(&k.ID)
	if err != nil {
		return store.SessionKey{}, fmt.Errorf("pgstore: add session key: %w", err)
	}
	return k, nil
}

// SessionKeys returns every key, oldest first.
func (s *Store) SessionKeys(ctx context.Context) ([]store.SessionKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, secret, created_at FROM session_keys ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list session keys: %w", err)
	}
	defer rows.Close()
	keys := []store.SessionKey{}
	for rows.Next() {
		var k store.SessionKey
		if err := rows.Scan(&k.ID, &k.Secret, &k.CreatedAt); err != nil {
			return nil, fmt.Errorf("pgstore: list session keys: %w", err)
		}
		k.CreatedAt = k.CreatedAt.UTC()
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: list session keys: %w", err)
	}
	return keys, nil
}

// DeleteSessionKeysBefore removes keys created before t, never the newest.
func (s *Store) DeleteSessionKeysBefore(ctx context.Context, t time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx,
		`DELETE FROM session_keys WHERE created_at < $1 AND id <> (SELECT MAX(id) FROM session_keys)`, t)
	if err != nil {
		return 0, fmt.Errorf("pgstore: delete session keys: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
