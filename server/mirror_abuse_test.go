package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
	"github.com/tandemnet/tandem/server/store/pgstore/pgtest"
	"github.com/tandemnet/tandem/server/store/sqlitestore"
)

// One room row the database refused (on PostgreSQL: an invalid-UTF-8
// name) made every mirror rebuild fail half-way, after it had cleaned the
// node's rows: "1" listed a random subset of the rooms. The rebuild now
// skips and logs the row. The database really refuses it: a trigger or a
// check constraint rejects the room "poison".
func TestMirrorRebuildSkipsARefusedRow(t *testing.T) {
	run := func(t *testing.T, srv *servertest.Server) {
		var clients []*servertest.Client
		for i := 0; i < 8; i++ {
			c := srv.Login(t, fmt.Sprintf("u%d", i))
			c.Join(fmt.Sprintf("room%d", i))
			clients = append(clients, c)
		}
		p := srv.Login(t, "p")
		p.Join("poison") // its mirror write fails: the mirror is rebuilt
		want := "1:"
		for i := 0; i < 8; i++ {
			if i > 0 {
				want += ","
			}
			want += fmt.Sprintf("room%d-1", i)
		}
		list := func() string { clients[0].Send("1"); return clients[0].Next() }
		require.Eventually(t, func() bool { return list() == want }, servertest.Timeout, 50*time.Millisecond)
		// The refused write marked the mirror dirty; it is rebuilt within
		// a second or two (a rebuild rewrites the rows: a list taken
		// meanwhile may see it half done). Once rebuilt, it must stay
		// whole: a rebuild that failed on the bad row would retry, and
		// wipe the node's rows, every second.
		time.Sleep(2500 * time.Millisecond)
		for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			require.Equal(t, want, list())
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		path := t.TempDir() + "/tandem.db"
		st, err := sqlitestore.Open(context.Background(), path)
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		db, err := sql.Open("sqlite", path)
		require.NoError(t, err)
		defer db.Close()
		_, err = db.Exec(`CREATE TRIGGER poison BEFORE INSERT ON rooms WHEN NEW.name = 'poison' BEGIN SELECT RAISE(ABORT, 'poison row'); END`)
		require.NoError(t, err)
		run(t, servertest.Start(t, servertest.WithStore(st), servertest.WithConfig(fastLists)))
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.NewSchemaURL(t)
		ctx := context.Background()
		st := openPostgres(t, url)
		conn, err := pgx.Connect(ctx, url)
		require.NoError(t, err)
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, `ALTER TABLE rooms ADD CONSTRAINT poison CHECK (name <> 'poison')`)
		require.NoError(t, err)
		run(t, servertest.Start(t, servertest.WithStore(st), servertest.WithConfig(fastLists)))
	})
}

// fastLists lifts the "1" rate for tests that poll the list.
func fastLists(c *server.Config) {
	c.Limits.ListsPerSecond = 1000
	c.Limits.ListBurst = 1000
}
