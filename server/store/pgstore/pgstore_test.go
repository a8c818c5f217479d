package pgstore_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/store"
	"github.com/tandemnet/tandem/server/store/pgstore"
	"github.com/tandemnet/tandem/server/store/pgstore/pgtest"
	"github.com/tandemnet/tandem/server/store/storetest"
)

func baseURL(t *testing.T) string { return pgtest.BaseURL(t) }

func newSchema(t *testing.T) string { return pgtest.NewSchemaURL(t) }

func openAt(t *testing.T, dbURL string) store.Store {
	t.Helper()
	s, err := pgstore.Open(t.Context(), dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestContract(t *testing.T) {
	baseURL(t)
	storetest.Run(t, storetest.PerTest(newSchema, openAt))
}

// Several nodes starting at once on an empty database must all migrate it
// without error: the advisory lock makes them take turns.
func TestConcurrentOpen(t *testing.T) {
	dbURL := newSchema(t)
	storetest.ConcurrentOpen(t, func(ctx context.Context) (store.Store, error) {
		return pgstore.Open(ctx, dbURL)
	})
}

func TestOpenErrors(t *testing.T) {
	base := baseURL(t)
	u, err := url.Parse(base)
	require.NoError(t, err)
	u.User = url.UserPassword("nosuchuser", "s3cret-pw")
	u.Path = "/nosuchdb"

	tests := []struct {
		name string
		url  string
	}{
		{"malformed", "postgres://[::1"},
		{"refused", "postgres://postgres:s3cret-pw@127.0.0.1:1/test?sslmode=disable&connect_timeout=5"},
		{"unknown database", u.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := pgstore.Open(t.Context(), tt.url)
			if err == nil {
				_ = s.Close()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "pgstore")
			assert.NotContains(t, err.Error(), "s3cret-pw", "the password must not leak into errors")
		})
	}
}
