package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations is the schema history: entry i brings the schema to version
// i+1. Append only; never edit an entry that has shipped.
var migrations = []string{
	// 1: initial schema.
	`
CREATE TABLE users (
	name          TEXT PRIMARY KEY,
	password_hash TEXT NOT NULL,
	created_at    TIMESTAMPTZ NOT NULL
);
-- A sequence never hands out a value twice, even when the transaction that
-- took it rolls back, and is shared by every node on this database.
CREATE SEQUENCE client_ids AS BIGINT START WITH 1 NO CYCLE;
CREATE TABLE rooms (
	name          TEXT PRIMARY KEY,
	password_hash TEXT NOT NULL,
	node          TEXT NOT NULL
);
CREATE INDEX rooms_node ON rooms (node);
-- seq orders members by join time; ties are impossible, unlike timestamps.
CREATE TABLE members (
	seq       BIGINT GENERATED ALWAYS AS IDENTITY,
	room      TEXT NOT NULL REFERENCES rooms (name) ON DELETE CASCADE,
	client_id BIGINT NOT NULL,
	user_name TEXT NOT NULL,
	PRIMARY KEY (room, client_id)
);
`,
	// 2: admin console: operator accounts, bans, audit log.
	`
CREATE TABLE admins (
	name          TEXT PRIMARY KEY,
	password_hash TEXT NOT NULL,
	created_at    TIMESTAMPTZ NOT NULL
);
CREATE TABLE bans (
	user_name  TEXT PRIMARY KEY,
	until      TIMESTAMPTZ NOT NULL,
	reason     TEXT NOT NULL,
	banned_by  TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE audit_log (
	id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at     TIMESTAMPTZ NOT NULL,
	admin  TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	detail TEXT NOT NULL
);
`,
	// 3: session tokens: the keys that sign them and each account's
	// session generation.
	`
ALTER TABLE users ADD COLUMN session_gen BIGINT NOT NULL DEFAULT 0;
CREATE TABLE session_keys (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	secret     BYTEA NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
`,
}

// migrationLockKey is the pg_advisory_xact_lock key that serializes
// migrations of processes starting at once ("tandem" in ASCII).
const migrationLockKey int64 = 0x74616e64656d

// migrate brings the schema up to date in one transaction, holding an
// advisory lock so that two processes starting together take turns: the
// second one finds the work done. The transaction-scoped lock is released
// by commit or rollback, so it cannot leak on a pooled connection.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if current > len(migrations) {
			// A newer build migrated this database; running old code on it
			// could corrupt data it does not understand.
			return fmt.Errorf("schema version %d is newer than this build supports (%d)", current, len(migrations))
		}
		for v := current + 1; v <= len(migrations); v++ {
			if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return fmt.Errorf("apply migration %d: %w", v, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, v); err != nil {
				return fmt.Errorf("record migration %d: %w", v, err)
			}
		}
		return nil
	})
}
