package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/store"
)

// runAdmin is the contract of store.AdminStore.
func runAdmin(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Admins", func(t *testing.T) { testAdmins(t, open) })
	t.Run("Bans", func(t *testing.T) { testBans(t, open) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open) })
}

func testAdmins(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	list, err := s.ListAdmins(ctx)
	require.NoError(t, err)
	assert.Empty(t, list)

	before := time.Now().Add(-time.Second)
	require.NoError(t, s.CreateAdmin(ctx, "root", "hash-r"))
	require.NoError(t, s.CreateAdmin(ctx, "ops", "hash-o"))
	require.ErrorIs(t, s.CreateAdmin(ctx, "root", "other"), store.ErrAdminExists)

	a, err := s.GetAdmin(ctx, "root")
	require.NoError(t, err)
	assert.Equal(t, "hash-r", a.PasswordHash, "a refused create must not overwrite")
	assert.WithinRange(t, a.CreatedAt, before, time.Now().Add(time.Second))

	// Admins and players are separate: a player of the same name is not an admin.
	require.NoError(t, s.CreateUser(ctx, "player", "hash-p"))
	_, err = s.GetAdmin(ctx, "player")
	require.ErrorIs(t, err, store.ErrNotFound)

	list, err = s.ListAdmins(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "ops", list[0].Name)
	assert.Equal(t, "root", list[1].Name)

	require.NoError(t, s.DeleteAdmin(ctx, "ops"))
	require.ErrorIs(t, s.DeleteAdmin(ctx, "ops"), store.ErrNotFound)
	_, err = s.GetAdmin(ctx, "ops")
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testBans(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	_, err := s.GetBan(ctx, "mallory")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.ErrorIs(t, s.DeleteBan(ctx, "mallory"), store.ErrNotFound)

	until := time.Now().Add(time.Hour).Truncate(time.Microsecond).UTC()
	require.NoError(t, s.SetBan(ctx, store.Ban{User: "mallory", Until: until, Reason: "spam", By: "root"}))
	b, err := s.GetBan(ctx, "mallory")
	require.NoError(t, err)
	assert.True(t, until.Equal(b.Until), "until %s, want %s", b.Until, until)
	assert.Equal(t, "spam", b.Reason)
	assert.Equal(t, "root", b.By)
	assert.False(t, b.CreatedAt.IsZero())

	// A second ban replaces the first.
	later := until.Add(24 * time.Hour)
	require.NoError(t, s.SetBan(ctx, store.Ban{User: "mallory", Until: later, Reason: "again", By: "ops"}))
	require.NoError(t, s.SetBan(ctx, store.Ban{User: "eve", Until: until, Reason: "", By: "root"}))
	bans, err := s.ListBans(ctx)
	require.NoError(t, err)
	require.Len(t, bans, 2)
	assert.Equal(t, "eve", bans[0].User)
	assert.Equal(t, "mallory", bans[1].User)
	assert.True(t, later.Equal(bans[1].Until))
	assert.Equal(t, "again", bans[1].Reason)

	require.NoError(t, s.DeleteBan(ctx, "mallory"))
	_, err = s.GetBan(ctx, "mallory")
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testAudit(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	got, err := s.ListAudit(ctx, 10, 0)
	require.NoError(t, err)
	assert.Empty(t, got)

	base := time.Now().Truncate(time.Microsecond).UTC()
	for i, action := range []string{"login", "kick", "ban", "close_room", "system_message"} {
		require.NoError(t, s.AppendAudit(ctx, store.AuditEntry{
			Time: base.Add(time.Duration(i) * time.Second), Admin: "root", Action: action, Target: "t" + action, Detail: "d" + action,
		}))
	}
	got, err = s.ListAudit(ctx, 3, 0)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, []string{"system_message", "close_room", "ban"}, []string{got[0].Action, got[1].Action, got[2].Action})
	assert.Greater(t, got[0].ID, got[1].ID)
	assert.Equal(t, "root", got[0].Admin)
	assert.Equal(t, "tsystem_message", got[0].Target)
	assert.Equal(t, "dsystem_message", got[0].Detail)
	assert.True(t, base.Add(4*time.Second).Equal(got[0].Time), "time %s", got[0].Time)

	// Paging: the entries before the last one seen.
	rest, err := s.ListAudit(ctx, 10, got[2].ID)
	require.NoError(t, err)
	require.Len(t, rest, 2)
	assert.Equal(t, "kick", rest[0].Action)
	assert.Equal(t, "login", rest[1].Action)
}
