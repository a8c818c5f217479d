// Package storetest is the contract suite every store.Store implementation
// must pass. An implementation's test calls Run with a function that opens
// its store.
package storetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/store"
)

// Run runs the contract suite as subtests of t.
//
// open must return a store on an empty database the first time it is
// called with a given t, and a new handle on that same database when called
// again with the same t (the suite uses this to reopen after Close and to
// simulate two nodes sharing one database). open registers the closing of
// what it opens with t.Cleanup; Close must therefore tolerate being called
// twice. PerTest builds such a function.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("UserErrors", func(t *testing.T) { testUserErrors(t, open) })
	t.Run("ListUsers", func(t *testing.T) { testListUsers(t, open) })
	t.Run("CountUsers", func(t *testing.T) { testCountUsers(t, open) })
	t.Run("ClientIDs", func(t *testing.T) { testClientIDs(t, open) })
	t.Run("ClientIDsConcurrent", func(t *testing.T) { testClientIDsConcurrent(t, open) })
	t.Run("ClientIDsTwoHandles", func(t *testing.T) { testClientIDsTwoHandles(t, open) })
	t.Run("ClientIDsReopen", func(t *testing.T) { testClientIDsReopen(t, open) })
	t.Run("ReserveClientIDs", func(t *testing.T) { testReserveClientIDs(t, open) })
	t.Run("Rooms", func(t *testing.T) { testRooms(t, open) })
	t.Run("RoomErrors", func(t *testing.T) { testRoomErrors(t, open) })
	t.Run("MembersOrder", func(t *testing.T) { testMembersOrder(t, open) })
	t.Run("DeleteRoomRemovesMembers", func(t *testing.T) { testDeleteRoomRemovesMembers(t, open) })
	t.Run("CleanNode", func(t *testing.T) { testCleanNode(t, open) })
	t.Run("DataSurvivesReopen", func(t *testing.T) { testDataSurvivesReopen(t, open) })
	t.Run("PingAndClose", func(t *testing.T) { testPingAndClose(t, open) })
	t.Run("CanceledContext", func(t *testing.T) { testCanceledContext(t, open) })
	runAdmin(t, open)    // admin console tables: admin.go
	runSessions(t, open) // session generations and keys: sessions.go
}

// PerTest returns an open function for Run: the first call with a given t
// makes a new database with newDB (which registers its own cleanup) and
// opens it with openDB; later calls with the same t open the same database.
func PerTest(newDB func(t *testing.T) string, openDB func(t *testing.T, db string) store.Store) func(t *testing.T) store.Store {
	var mu sync.Mutex
	dbs := map[*testing.T]string{}
	return func(t *testing.T) store.Store {
		t.Helper()
		mu.Lock()
		db, ok := dbs[t]
		if !ok {
			db = newDB(t)
			dbs[t] = db
			t.Cleanup(func() {
				mu.Lock()
				delete(dbs, t)
				mu.Unlock()
			})
		}
		mu.Unlock()
		return openDB(t, db)
	}
}

func testUsers(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)

	before := time.Now().Add(-time.Second)
	require.NoError(t, s.CreateUser(ctx, "alice", "hash-1"))
	after := time.Now().Add(time.Second)

	u, err := s.GetUser(ctx, "alice")
	require.NoError(t, err)
	assert.Equal(t, "alice", u.Name)
	assert.Equal(t, "hash-1", u.PasswordHash)
	assert.WithinRange(t, u.CreatedAt, before, after)

	require.NoError(t, s.SetPasswordHash(ctx, "alice", "hash-2"))
	u2, err := s.GetUser(ctx, "alice")
	require.NoError(t, err)
	assert.Equal(t, "hash-2", u2.PasswordHash)
	assert.True(t, u.CreatedAt.Equal(u2.CreatedAt), "changing the password keeps CreatedAt")

	// Names are case-sensitive and otherwise opaque to the store.
	require.NoError(t, s.CreateUser(ctx, "Alice", "hash-3"))
	u3, err := s.GetUser(ctx, "Alice")
	require.NoError(t, err)
	assert.Equal(t, "hash-3", u3.PasswordHash)

	require.NoError(t, s.DeleteUser(ctx, "alice"))
	_, err = s.GetUser(ctx, "alice")
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.GetUser(ctx, "Alice")
	require.NoError(t, err, "deleting alice must not delete Alice")

	// A deleted name can be taken again.
	require.NoError(t, s.CreateUser(ctx, "alice", "hash-4"))
}

func testUserErrors(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	require.NoError(t, s.CreateUser(ctx, "bob", "hash"))

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"create existing", func() error { return s.CreateUser(ctx, "bob", "other") }, store.ErrUserExists},
		{"get unknown", func() error { _, err := s.GetUser(ctx, "nobody"); return err }, store.ErrNotFound},
		{"set password unknown", func() error { return s.SetPasswordHash(ctx, "nobody", "h") }, store.ErrNotFound},
		{"delete unknown", func() error { return s.DeleteUser(ctx, "nobody") }, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.ErrorIs(t, err, tt.want)
			// Wrapped with context, not the bare sentinel.
			assert.NotEqual(t, tt.want.Error(), err.Error())
		})
	}

	u, err := s.GetUser(ctx, "bob")
	require.NoError(t, err)
	assert.Equal(t, "hash", u.PasswordHash, "a failed create must not overwrite the user")
}

func testListUsers(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)

	users, err := s.ListUsers(ctx)
	require.NoError(t, err)
	assert.Empty(t, users)

	for _, name := range []string{"carol", "alice", "bob"} {
		require.NoError(t, s.CreateUser(ctx, name, "hash-"+name))
	}
	users, err = s.ListUsers(ctx)
	require.NoError(t, err)
	require.Len(t, users, 3)
	for i, name := range []string{"alice", "bob", "carol"} {
		assert.Equal(t, name, users[i].Name)
		assert.Equal(t, "hash-"+name, users[i].PasswordHash)
		assert.False(t, users[i].CreatedAt.IsZero())
	}
}

func testCountUsers(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	steps := []struct {
		do   func() error
		want int
	}{
		{func() error { return nil }, 0},
		{func() error { return s.CreateUser(ctx, "alice", "h") }, 1},
		{func() error { return s.CreateUser(ctx, "bob", "h") }, 2},
		{func() error { return s.CreateUser(ctx, "bob", "h") }, 2}, // exists: no new account
		{func() error { return s.DeleteUser(ctx, "alice") }, 1},
	}
	for i, st := range steps {
		err := st.do()
		if !errors.Is(err, store.ErrUserExists) {
			require.NoError(t, err, "step %d", i)
		}
		n, err := s.CountUsers(ctx)
		require.NoError(t, err)
		assert.Equal(t, st.want, n, "step %d", i)
	}
}

func testClientIDs(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	var last int64
	for range 20 {
		id, err := s.NextClientID(ctx)
		require.NoError(t, err)
		require.Positive(t, id)
		require.Greater(t, id, last)
		last = id
	}
}

// collectIDs runs workers goroutines per store, each taking n ids, and
// returns all ids taken; each goroutine's own ids must increase.
func collectIDs(t *testing.T, stores []store.Store, workers, n int) []int64 {
	t.Helper()
	ctx := t.Context()
	var (
		mu  sync.Mutex
		all []int64
		wg  sync.WaitGroup
	)
	for _, s := range stores {
		for range workers {
			wg.Go(func() {
				var last int64
				for range n {
					id, err := s.NextClientID(ctx)
					if !assert.NoError(t, err) {
						return
					}
					assert.Greater(t, id, last, "ids seen by one caller must increase")
					last = id
					mu.Lock()
					all = append(all, id)
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	return all
}

func requireUniquePositive(t *testing.T, ids []int64, want int) {
	t.Helper()
	require.Len(t, ids, want)
	seen := make(map[int64]bool, len(ids))
	for _, id := range ids {
		require.Positive(t, id)
		require.False(t, seen[id], "id %d returned twice", id)
		seen[id] = true
	}
}

// Blocks of ids and single ids, from two handles at once, never overlap.
func testReserveClientIDs(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	a, b := open(t), open(t)
	_, err := a.ReserveClientIDs(ctx, 0)
	require.Error(t, err)
	var (
		mu  sync.Mutex
		all []int64
		wg  sync.WaitGroup
	)
	take := func(ids ...int64) {
		mu.Lock()
		defer mu.Unlock()
		all = append(all, ids...)
	}
	for _, s := range []store.Store{a, b} {
		wg.Go(func() {
			for range 10 {
				ids, err := s.ReserveClientIDs(ctx, 7)
				if !assert.NoError(t, err) || !assert.Len(t, ids, 7) {
					return
				}
				assert.True(t, slices.IsSorted(ids), "increasing: %v", ids)
				take(ids...)
			}
		})
		wg.Go(func() {
			for range 10 {
				id, err := s.NextClientID(ctx)
				if !assert.NoError(t, err) {
					return
				}
				take(id)
			}
		})
	}
	wg.Wait()
	requireUniquePositive(t, all, 2*(10*7+10))
	// After a reopen the ids go on above every reserved one.
	last := slices.Max(all)
	require.NoError(t, a.Close())
	id, err := open(t).NextClientID(ctx)
	require.NoError(t, err)
	assert.Greater(t, id, last)
}

func testClientIDsConcurrent(t *testing.T, open func(*testing.T) store.Store) {
	const workers, n = 8, 50
	ids := collectIDs(t, []store.Store{open(t)}, workers, n)
	requireUniquePositive(t, ids, workers*n)
}

// Two handles on one database stand for two nodes (or the server and the
// admin command) sharing it.
func testClientIDsTwoHandles(t *testing.T, open func(*testing.T) store.Store) {
	const workers, n = 4, 50
	ids := collectIDs(t, []store.Store{open(t), open(t)}, workers, n)
	requireUniquePositive(t, ids, 2*workers*n)
}

func testClientIDsReopen(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	var last int64
	for range 5 {
		id, err := s.NextClientID(ctx)
		require.NoError(t, err)
		last = id
	}
	require.NoError(t, s.Close())

	s = open(t)
	id, err := s.NextClientID(ctx)
	require.NoError(t, err)
	assert.Greater(t, id, last, "ids must not be reused after a restart")
}

func testRooms(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)

	rooms, err := s.ListRooms(ctx)
	require.NoError(t, err)
	assert.Empty(t, rooms)

	require.NoError(t, s.CreateRoom(ctx, store.Room{Name: "lobby", Node: "n1"}))
	require.NoError(t, s.CreateRoom(ctx, store.Room{Name: "secret", PasswordHash: "sha256$aa$bb", Node: "n2"}))
	require.NoError(t, s.CreateRoom(ctx, store.Room{Name: "arena", Node: "n1"}))
	require.NoError(t, s.AddMember(ctx, "lobby", store.Member{ClientID: 7, UserName: "alice"}))
	require.NoError(t, s.AddMember(ctx, "secret", store.Member{ClientID: 8, UserName: "bob"}))
	// A client may be listed in several rooms.
	require.NoError(t, s.AddMember(ctx, "secret", store.Member{ClientID: 7, UserName: "alice"}))

	rooms, err = s.ListRooms(ctx)
	require.NoError(t, err)
	want := []store.RoomListing{
		{Room: store.Room{Name: "arena", Node: "n1"}},
		{Room: store.Room{Name: "lobby", Node: "n1"}, Members: []store.Member{{ClientID: 7, UserName: "alice"}}},
		{Room: store.Room{Name: "secret", PasswordHash: "sha256$aa$bb", Node: "n2"},
			Members: []store.Member{{ClientID: 8, UserName: "bob"}, {ClientID: 7, UserName: "alice"}}},
	}
	assertRooms(t, want, rooms)

	require.NoError(t, s.RemoveMember(ctx, "secret", 7))
	require.NoError(t, s.DeleteRoom(ctx, "arena"))
	rooms, err = s.ListRooms(ctx)
	require.NoError(t, err)
	want = []store.RoomListing{
		{Room: store.Room{Name: "lobby", Node: "n1"}, Members: []store.Member{{ClientID: 7, UserName: "alice"}}},
		{Room: store.Room{Name: "secret", PasswordHash: "sha256$aa$bb", Node: "n2"},
			Members: []store.Member{{ClientID: 8, UserName: "bob"}}},
	}
	assertRooms(t, want, rooms)
}

// assertRooms compares listings, treating nil and empty member lists alike.
func assertRooms(t *testing.T, want, got []store.RoomListing) {
	t.Helper()
	norm := func(rs []store.RoomListing) []store.RoomListing {
		out := make([]store.RoomListing, len(rs))
		for i, r := range rs {
			if len(r.Members) == 0 {
				r.Members = nil
			}
			out[i] = r
		}
		return out
	}
	assert.Equal(t, norm(want), norm(got))
}

func testRoomErrors(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	require.NoError(t, s.CreateRoom(ctx, store.Room{Name: "lobby", Node: "n1"}))
	require.NoError(t, s.AddMember(ctx, "lobby", store.Member{ClientID: 1, UserName: "alice"}))

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"create existing", func() error { return s.CreateRoom(ctx, store.Room{Name: "lobby", Node: "n2"}) }, store.ErrRoomExists},
		{"delete unknown", func() error { return s.DeleteRoom(ctx, "nowhere") }, store.ErrNotFound},
		{"add member to unknown room", func() error {
			return s.AddMember(ctx, "nowhere", store.Member{ClientID: 2, UserName: "bob"})
		}, store.ErrNotFound},
		{"remove unknown member", func() error { return s.RemoveMember(ctx, "lobby", 99) }, store.ErrNotFound},
		{"remove member of unknown room", func() error { return s.RemoveMember(ctx, "nowhere", 1) }, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.ErrorIs(t, err, tt.want)
			assert.NotEqual(t, tt.want.Error(), err.Error(), "error must be wrapped with context")
		})
	}

	rooms, err := s.ListRooms(ctx)
	require.NoError(t, err)
	assertRooms(t, []store.RoomListing{
		{Room: store.Room{Name: "lobby", Node: "n1"}, Members: []store.Member{{ClientID: 1, UserName: "alice"}}},
	}, rooms)
}

func testMembersOrder(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	require.NoError(t, s.CreateRoom(ctx, store.Room{Name: "r", Node: "n"}))

	// Join order, deliberately not id order nor name order.
	for _, m := range []store.Member{{ClientID: 30, UserName: "zed"}, {ClientID: 10, UserName: "amy"}, {ClientID: 20, UserName: "max"}} {
		require.NoError(t, s.AddMember(ctx, "r", m))
	}
	// Adding a member again changes nothing, its place included.
	require.NoError(t, s.AddMember(ctx, "r", store.Member{ClientID: 30, UserName: "zed"}))
	require.NoError(t, s.RemoveMember(ctx, "r", 10))
	// A client that leaves and comes back joins at the end.
	require.NoError(t, s.AddMember(ctx, "r", store.Member{ClientID: 10, UserName: "amy"}))
	require.NoError(t, s.AddMember(ctx, "r", store.Member{ClientID: 5, UserName: "bea"}))

	rooms, err := s.ListRooms(ctx)
	require.NoError(t, err)
	require.Len(t, rooms, 1)
	assert.Equal(t, []store.Member{{ClientID: 30, UserName: "zed"}, {ClientID: 20, UserName: "max"}, {ClientID: 10, UserName: "amy"}, {ClientID: 5, UserName: "bea"}}, rooms[0].Members)
}

func testDeleteRoomRemovesMembers(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	require.NoError(t, s.CreateRoom(ctx, store.Room{Name: "r", Node: "n"}))
	require.NoError(t, s.AddMember(ctx, "r", store.Member{ClientID: 1, UserName: "a"}))
	require.NoError(t, s.AddMember(ctx, "r", store.Member{ClientID: 2, UserName: "b"}))
	require.NoError(t, s.DeleteRoom(ctx, "r"))

	// A room made again under the same name starts empty.
	require.NoError(t, s.CreateRoom(ctx, store.Room{Name: "r", Node: "n"}))
	rooms, err := s.ListRooms(ctx)
	require.NoError(t, err)
	require.Len(t, rooms, 1)
	assert.Empty(t, rooms[0].Members)
	require.ErrorIs(t, s.RemoveMember(ctx, "r", 1), store.ErrNotFound)
}

func testCleanNode(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	for _, r := range []store.Room{{Name: "a1", Node: "a"}, {Name: "a2", Node: "a"}, {Name: "b1", Node: "b"}} {
		require.NoError(t, s.CreateRoom(ctx, r))
		require.NoError(t, s.AddMember(ctx, r.Name, store.Member{ClientID: 1, UserName: "u1"}))
		require.NoError(t, s.AddMember(ctx, r.Name, store.Member{ClientID: 2, UserName: "u2"}))
	}

	require.NoError(t, s.CleanNode(ctx, "a"))
	require.NoError(t, s.CleanNode(ctx, "a"), "cleaning twice is not an error")
	require.NoError(t, s.CleanNode(ctx, "unknown"), "cleaning a node with no rooms is not an error")

	rooms, err := s.ListRooms(ctx)
	require.NoError(t, err)
	assertRooms(t, []store.RoomListing{
		{Room: store.Room{Name: "b1", Node: "b"}, Members: []store.Member{{ClientID: 1, UserName: "u1"}, {ClientID: 2, UserName: "u2"}}},
	}, rooms)

	// The members of the cleaned rooms are gone, not left dangling: a room
	// made again under an old name starts empty.
	require.NoError(t, s.CreateRoom(ctx, store.Room{Name: "a1", Node: "b"}))
	rooms, err = s.ListRooms(ctx)
	require.NoError(t, err)
	require.Len(t, rooms, 2)
	assert.Empty(t, rooms[0].Members)
}

func testDataSurvivesReopen(t *testing.T, open func(*testing.T) store.Store) {
	ctx := t.Context()
	s := open(t)
	require.NoError(t, s.CreateUser(ctx, "alice", "hash"))
	require.NoError(t, s.CreateRoom(ctx, store.Room{Name: "r", Node: "n"}))
	require.NoError(t, s.AddMember(ctx, "r", store.Member{ClientID: 1, UserName: "alice"}))
	require.NoError(t, s.Close())

	// Opening again runs the migrations again: they must be a no-op.
	s = open(t)
	u, err := s.GetUser(ctx, "alice")
	require.NoError(t, err)
	assert.Equal(t, "hash", u.PasswordHash)
	rooms, err := s.ListRooms(ctx)
	require.NoError(t, err)
	assertRooms(t, []store.RoomListing{
		{Room: store.Room{Name: "r", Node: "n"}, Members: []store.Member{{ClientID: 1, UserName: "alice"}}},
	}, rooms)
}

func testPingAndClose(t *testing.T, open func(*testing.T) store.Store) {
	s := open(t)
	require.NoError(t, s.Ping(t.Context()))
	require.NoError(t, s.Close())
	assert.Error(t, s.Ping(t.Context()), "a closed store must not answer")
}

func testCanceledContext(t *testing.T, open func(*testing.T) store.Store) {
	s := open(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.GetUser(ctx, "alice")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, store.ErrNotFound)
}

// ConcurrentOpen checks that several processes (here: handles) opening one
// new database at once all migrate it without error and can then serve.
func ConcurrentOpen(t *testing.T, open func(ctx context.Context) (store.Store, error)) {
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	stores := make([]store.Store, n)
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = open(t.Context()) })
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		t.Cleanup(func() { _ = stores[i].Close() })
	}
	id, err := stores[0].NextClientID(t.Context())
	require.NoError(t, err)
	assert.Positive(t, id)
}
