package opener_test

import (
	"context"
	"crypto/rand"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/store/opener"
	"github.com/tandemnet/tandem/server/store/pgstore"
	"github.com/tandemnet/tandem/server/store/sqlitestore"
)

func TestIsPostgres(t *testing.T) {
	tests := []struct {
		dsn  string
		want bool
	}{
		{"postgres://u@h/db", true},
		{"postgresql://u@h/db", true},
		{"POSTGRES://u@h/db", true},
		{"tandem.db", false},
		{"./data/tandem.db", false},
		{"/var/lib/tandem/postgres://odd", false},
		{"mysql://u@h/db", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			assert.Equal(t, tt.want, opener.IsPostgres(tt.dsn))
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		dsn, want string
	}{
		{"postgres://u:secret@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"postgresql://h/db?password=secret", "postgresql://h/db?password=xxxxx"},
		{"postgres://u:secret@[::1", "postgres://(unparseable URL)"},
		{"tandem.db", "tandem.db"},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			got := opener.Redact(tt.dsn)
			assert.Equal(t, tt.want, got)
			assert.NotContains(t, got, "secret")
		})
	}
}

func TestOpenSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tandem.db")
	s, err := opener.Open(t.Context(), path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	assert.IsType(t, &sqlitestore.Store{}, s)
	require.NoError(t, s.Ping(t.Context()))
	_, err = os.Stat(path)
	require.NoError(t, err)
}

func TestOpenSQLiteError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "tandem.db")
	_, err := opener.Open(t.Context(), path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "open sqlite store "+`"`+path+`"`)
}

func TestOpenPostgres(t *testing.T) {
	base := os.Getenv("TANDEM_TEST_POSTGRES")
	if base == "" {
		t.Skip("TANDEM_TEST_POSTGRES not set: PostgreSQL store tests skipped")
	}
	// Opening migrates, so do it in a schema of our own, dropped at the end.
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, base)
	require.NoError(t, err)
	schema := "tandem_test_" + strings.ToLower(rand.Text())
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		assert.NoError(t, err)
		_ = conn.Close(ctx)
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()

	s, err := opener.Open(ctx, u.String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	assert.IsType(t, &pgstore.Store{}, s)
	require.NoError(t, s.Ping(ctx))
}

func TestOpenPostgresError(t *testing.T) {
	// Nothing listens on port 1: the error must say what failed without
	// the password.
	_, err := opener.Open(t.Context(), "postgres://u:secret@127.0.0.1:1/db?sslmode=disable&connect_timeout=5")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "open postgres store postgres://u:xxxxx@127.0.0.1:1/db")
	assert.NotContains(t, err.Error(), "secret")
}

// TestOpenErrorsExplained: every failure names the database, says why and,
// where there is one, the fix; only failures that can heal are retryable.
func TestOpenErrorsExplained(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.db")
	require.NoError(t, os.WriteFile(notDB, []byte("these are notes, not a SQLite database at all, long enough"), 0o600))

	// A listener that accepts and never answers: the client times out.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = silent.Close() })
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()

	tests := []struct {
		name      string
		dsn       string
		retryable bool
		want      []string
	}{
		{"directory", dir, false, []string{`open sqlite store "` + dir + `"`, "is a directory", "--db " + filepath.Join(dir, "tandem.db")}},
		{"missing directory", filepath.Join(dir, "no", "x.db"), false, []string{"directory " + filepath.Join(dir, "no") + " does not exist", "mkdir -p"}},
		{"parent is a file", filepath.Join(notDB, "x.db"), false, []string{notDB + " is not a directory"}},
		{"not a database", notDB, false, []string{"not a SQLite database"}},
		{"empty", "", false, []string{"empty path", "postgres://"}},
		{"mysql", "mysql://root:secret@db/tandem", false, []string{`unsupported database "mysql"`, "SQLite file path", "postgres://", "xxxxx"}},
		{"malformed postgres", "postgres://u:secret@[::1", false, []string{"malformed URL", "postgres://USER:PASSWORD@HOST:PORT/DATABASE"}},
		{"refused", "postgres://u:secret@127.0.0.1:1/db?sslmode=disable&connect_timeout=5", true, []string{"postgres://u:xxxxx@127.0.0.1:1/db", "connection refused at 127.0.0.1:1"}},
		{"timeout", "postgres://u:secret@" + silent.Addr().String() + "/db?sslmode=disable&connect_timeout=1", true, []string{"timed out connecting to " + silent.Addr().String()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := opener.Open(t.Context(), tt.dsn)
			if err == nil {
				_ = s.Close()
			}
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "secret")
			assert.Equal(t, tt.retryable, opener.Retryable(err), err.Error())
		})
	}
}

// TestOpenPostgresErrorsExplained needs a real server to refuse a database
// and a role.
func TestOpenPostgresErrorsExplained(t *testing.T) {
	base := os.Getenv("TANDEM_TEST_POSTGRES")
	if base == "" {
		t.Skip("TANDEM_TEST_POSTGRES not set: PostgreSQL store tests skipped")
	}
	u, err := url.Parse(base)
	require.NoError(t, err)
	noDB := *u
	noDB.Path = "/tandem_no_such_db"
	noRole := *u
	noRole.User = url.UserPassword("tandem_no_such_role", "secret")
	host, port := u.Hostname(), u.Port()

	tests := []struct {
		name string
		dsn  string
		want []string
	}{
		{"unknown database", noDB.String(), []string{`database "tandem_no_such_db" does not exist`,
			"createdb -h " + host + " -p " + port + " -U " + u.User.Username() + " tandem_no_such_db"}},
		{"unknown role", noRole.String(), []string{"tandem_no_such_role", "createuser"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := opener.Open(t.Context(), tt.dsn)
			if err == nil {
				_ = s.Close()
			}
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "secret")
			assert.False(t, opener.Retryable(err), err.Error())
		})
	}
}
