package sqlitestore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/store"
	"github.com/tandemnet/tandem/server/store/sqlitestore"
	"github.com/tandemnet/tandem/server/store/storetest"
)

func openAt(t *testing.T, path string) store.Store {
	t.Helper()
	s, err := sqlitestore.Open(t.Context(), path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, storetest.PerTest(
		func(t *testing.T) string { return filepath.Join(t.TempDir(), "tandem.db") },
		openAt,
	))
}

func TestOpenCreatesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	_, err := os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist)
	s := openAt(t, path)
	require.NoError(t, s.Ping(t.Context()))
	_, err = os.Stat(path)
	require.NoError(t, err)
}

// A path that looks like a URI query must still be taken as a file name.
func TestOpenOddPath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "odd?name#x%41.db")
	s := openAt(t, path)
	require.NoError(t, s.CreateUser(t.Context(), "alice", "h"))
	_, err := os.Stat(path)
	require.NoError(t, err, "the file must be created under its literal name")
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		path string
	}{
		{"empty path", ""},
		{"missing directory", filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")},
		{"not a database", writeFile(t, "garbage.db", "this is not a SQLite database, just text that is long enough")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sqlitestore.Open(t.Context(), tt.path)
			if err == nil {
				_ = s.Close()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "sqlitestore")
		})
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// Several processes (here: handles) starting at once on a new file must
// all migrate it without error.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tandem.db")
	storetest.ConcurrentOpen(t, func(ctx context.Context) (store.Store, error) {
		return sqlitestore.Open(ctx, path)
	})
}
