package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrations is the schema history: entry i brings the schema to version
// i+1. Append only; never edit an entry that has shipped.
var migrations = []string{
	// 1: initial schema. Times are Unix microseconds (UTC), the precision
	// PostgreSQL keeps, so both stores return the same values.
	`
CREATE TABLE users (
	name          TEXT PRIMARY KEY,
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL
);
-- AUTOINCREMENT (not plain rowid) so an id is never reused, even after the
-- rows are deleted: sqlite_sequence remembers the highest one.
CREATE TABLE client_ids (
	id INTEGER PRIMARY KEY AUTOINCREMENT
);
CREATE TABLE rooms (
	name          TEXT PRIMARY KEY,
	password_hash TEXT NOT NULL,
	node          TEXT NOT NULL
);
CREATE INDEX rooms_node ON rooms (node);
-- seq orders members by join time; ties are impossible, unlike timestamps.
CREATE TABLE members (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	room      TEXT NOT NULL REFERENCES rooms (name) ON DELETE CASCADE,
	client_id INTEGER NOT NULL,
	user_name TEXT NOT NULL,
	UNIQUE (room, client_id)
);
`,
	// 2: admin console: operator accounts, bans, audit log.
	`
CREATE TABLE admins (
	name          TEXT PRIMARY KEY,
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL
);
CREATE TABLE bans (
	user_name  TEXT PRIMARY KEY,
	until      INTEGER NOT NULL,
	reason     TEXT NOT NULL,
	banned_by  TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE audit_log (
	id     INTEGER PRIMARY KEY AUTOINCREMENT,
	at     INTEGER NOT NULL,
	admin  TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	detail TEXT NOT NULL
);
`,
	// 3: session tokens: the keys that sign them and each account's
	// session generation.
	`
ALTER TABLE users ADD COLUMN session_gen INTEGER NOT NULL DEFAULT 0;
CREATE TABLE session_keys (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	secret     BLOB NOT NULL,
	created_at INTEGER NOT NULL
);
`,
}

// migrate brings the schema up to date in one transaction. Transactions
// begin IMMEDIATE (see Open), so two processes starting on the same file
// take turns instead of both applying a migration.
func migrate(ctx context.Context, db *sql.DB) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	applied_at INTEGER NOT NULL
)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(migrations) {
		// A newer build migrated this file; running old code on it could
		// corrupt data it does not understand.
		return fmt.Errorf("schema version %d is newer than this build supports (%d)", current, len(migrations))
	}
	for v := current + 1; v <= len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
			return fmt.Errorf("apply migration %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			v, time.Now().UnixMicro()); err != nil {
			return fmt.Errorf("record migration %d: %w", v, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
