// Package pgtest gives tests an isolated PostgreSQL schema on the database
// named by TANDEM_TEST_POSTGRES, or skips them when it is unset.
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// BaseURL returns the test database URL, or skips the test.
func BaseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("TANDEM_TEST_POSTGRES")
	if u == "" {
		t.Skip("TANDEM_TEST_POSTGRES not set: PostgreSQL store tests skipped")
	}
	return u
}

// NewSchemaURL creates a uniquely named schema, dropped when t ends, and
// returns a URL whose search_path points at it, so that concurrent test
// runs on one database never see each other's tables.
func NewSchemaURL(t testing.TB) string {
	t.Helper()
	base := BaseURL(t)
	name := "tandem_test_" + strings.ToLower(rand.Text())

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize())
	require.NoError(t, err)
	t.Cleanup(func() {
		// t.Context() is already canceled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if !assert.NoError(t, err) {
			return
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE")
		assert.NoError(t, err)
	})

	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
