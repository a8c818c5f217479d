package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// homeTable is where a room's home node is claimed: one row per room name
// in PostgreSQL, inserted with INSERT ... ON CONFLICT DO NOTHING and then
// read back, so of any number of nodes claiming one name at once exactly
// one wins and all read the same winner. No consensus of our own: the
// primary key is the arbiter.
//
// A row outlives its room by ClusterConfig.ReleaseAfter (a room that
// empties and fills again stays on its node); then its node deletes it,
// under the node's claim lock and only if the room is still not live, so a
// creation on that node never runs on a released row (see
// cluster.releaseLoop). Rows of a node also go when it shuts down, when it
// starts (leftovers of a crash) and when the other nodes declare it dead.
type homeTable struct {
	pool *pgxpool.Pool
}

const homesSchema = `CREATE TABLE IF NOT EXISTS tandem_room_homes (
	name       TEXT PRIMARY KEY,
	node       TEXT NOT NULL,
	claimed_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`

func openHomeTable(ctx context.Context, url string) (*homeTable, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse cluster database URL: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the cluster database: %w", err)
	}
	// Several nodes starting at once may race on CREATE TABLE IF NOT
	// EXISTS (a unique violation in the catalog): one retry settles it.
	for attempt := 0; ; attempt++ {
		_, err = pool.Exec(ctx, homesSchema)
		if err == nil || attempt == 2 {
			break
		}
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("create the room homes table: %w", err)
	}
	return &homeTable{pool: pool}, nil
}

func (h *homeTable) close() { h.pool.Close() }

// claim makes node the home of name unless another node holds it, and
// returns the holder. Two statements, so that the read sees a row a
// concurrent claimer committed (one statement would read its own snapshot).
func (h *homeTable) claim(ctx context.Context, name, node string) (string, error) {
	for attempt := 0; attempt < 3; attempt++ {
		if _, err := h.pool.Exec(ctx, `INSERT INTO tandem_room_homes (name, node) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, node); err != nil {
			return "", fmt.Errorf("claim the home of room %q: %w", name, err)
		}
		var holder string
		err := h.pool.QueryRow(ctx, `SELECT node FROM tandem_room_homes WHERE name = $1`, name).Scan(&holder)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // released between the two statements: claim again
		}
		if err != nil {
			return "", fmt.Errorf("read the home of room %q: %w", name, err)
		}
		return holder, nil
	}
	return "", fmt.Errorf("claim the home of room %q: released again and again", name)
}

// release removes node's claim of name.
func (h *homeTable) release(ctx context.Context, name, node string) error {
	if _, err := h.pool.Exec(ctx, `DELETE FROM tandem_room_homes WHERE name = $1 AND node = $2`, name, node); err != nil {
		return fmt.Errorf("release the home of room %q: %w", name, err)
	}
	return nil
}

// releaseNode removes every claim of node (it stopped, restarted or died).
func (h *homeTable) releaseNode(ctx context.Context, node string) error {
	if _, err := h.pool.Exec(ctx, `DELETE FROM tandem_room_homes WHERE node = $1`, node); err != nil {
		return fmt.Errorf("release the rooms of node %q: %w", node, err)
	}
	return nil
}
