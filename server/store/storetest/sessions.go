package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/store"
)

func runSessions(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("SessionGen", func(t *testing.T) { testSessionGen(t, open) })
	t.Run("SessionKeys", func(t *testing.T) { testSessionKeys(t, open) })
}

func testSessionGen(t *testing.T, open func(*testing.T) store.Store) {
	s := open(t)
	ctx := context.Background()
	require.NoError(t, s.CreateUser(ctx, "alice", "h1"))
	u, err := s.GetUser(ctx, "alice")
	require.NoError(t, err)
	gen0 := u.SessionGen

	require.NoError(t, s.EndSessions(ctx, "alice"))
	u, err = s.GetUser(ctx, "alice")
	require.NoError(t, err)
	assert.Greater(t, u.SessionGen, gen0, "EndSessions moves the generation on")

	gen1 := u.SessionGen
	require.NoError(t, s.SetPasswordHash(ctx, "alice", "h2"))
	u, err = s.GetUser(ctx, "alice")
	require.NoError(t, err)
	assert.Greater(t, u.SessionGen, gen1, "a new password moves the generation on")
	assert.Equal(t, "h2", u.PasswordHash)

	assert.ErrorIs(t, s.EndSessions(ctx, "nobody"), store.ErrNotFound)
}

func testSessionKeys(t *testing.T, open func(*testing.T) store.Store) {
	s := open(t)
	ctx := context.Background()
	keys, err := s.SessionKeys(ctx)
	require.NoError(t, err)
	assert.Empty(t, keys)

	k1, err := s.AddSessionKey(ctx, []byte("secret-one"))
	require.NoError(t, err)
	k2, err := s.AddSessionKey(ctx, []byte("secret-two"))
	require.NoError(t, err)
	assert.Greater(t, k2.ID, k1.ID, "ids increase")

	// Another handle on the same database (another node) sees them.
	keys, err = open(t).SessionKeys(ctx)
	require.NoError(t, err)
	require.Len(t, keys, 2)
	assert.Equal(t, []byte("secret-one"), keys[0].Secret)
	assert.Equal(t, k2.ID, keys[1].ID)
	assert.WithinDuration(t, k1.CreatedAt, keys[0].CreatedAt, 0)

	// Deleting old keys never deletes the newest one.
	n, err := s.DeleteSessionKeysBefore(ctx, time.Now().Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	keys, err = s.SessionKeys(ctx)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	assert.Equal(t, k2.ID, keys[0].ID)
}
