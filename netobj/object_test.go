package netobj

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newObject instantiates one object owned by client 1 in a fresh registry.
func newObject(t *testing.T, mode Mode) (*Registry, *Object) {
	t.Helper()
	r := NewRegistry(Limits{})
	o, err := r.Instantiate(1, "tok", "Prefab", mode, LifetimeRoom, Delta{Mask: 1, Fields: fs("\x01")})
	require.NoError(t, err)
	return r, o
}

func TestTake(t *testing.T) {
	cases := []struct {
		name        string
		mode        Mode
		by, expect  int64
		result      TakeResult
		err         error
		owner       int64
		gen         uint32
		pending     []int64
		ownedByTake int
	}{
		{"takeover", ModeTakeover, 2, 0, TakeChanged, nil, 2, 2, nil, 1},
		{"takeover conditional", ModeTakeover, 2, 1, TakeChanged, nil, 2, 2, nil, 1},
		{"takeover conditional wrong owner", ModeTakeover, 2, 3, 0, ErrOwnerChanged, 1, 1, nil, 0},
		{"takeover by owner", ModeTakeover, 1, 0, 0, ErrAlreadyOwner, 1, 1, nil, 1},
		{"takeover by owner conditional on self", ModeTakeover, 1, 1, 0, ErrAlreadyOwner, 1, 1, nil, 1},
		{"owner_changed is checked before already_owner", ModeTakeover, 1, 2, 0, ErrOwnerChanged, 1, 1, nil, 1},
		{"fixed", ModeFixed, 2, 0, 0, ErrOwnershipFixed, 1, 1, nil, 0},
		{"fixed conditional", ModeFixed, 2, 1, 0, ErrOwnershipFixed, 1, 1, nil, 0},
		{"owner_changed is checked before ownership_fixed", ModeFixed, 2, 3, 0, ErrOwnerChanged, 1, 1, nil, 0},
		{"fixed by owner", ModeFixed, 1, 0, 0, ErrOwnershipFixed, 1, 1, nil, 1},
		{"request", ModeRequest, 2, 0, TakeRequested, nil, 1, 1, []int64{2}, 0},
		{"request conditional", ModeRequest, 2, 1, TakeRequested, nil, 1, 1, []int64{2}, 0},
		{"request conditional wrong owner", ModeRequest, 2, 3, 0, ErrOwnerChanged, 1, 1, []int64{}, 0},
		{"request by owner", ModeRequest, 1, 0, 0, ErrAlreadyOwner, 1, 1, []int64{}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, o := newObject(t, tc.mode)
			res, err := o.Take(tc.by, tc.expect)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.result, res)
			assert.Equal(t, tc.owner, o.Owner())
			assert.Equal(t, tc.gen, o.Gen())
			assert.ElementsMatch(t, tc.pending, o.Pending())
			assert.Equal(t, tc.ownedByTake, r.OwnedBy(tc.by))
		})
	}
}

func TestRequestFlow(t *testing.T) {
	_, o := newObject(t, ModeRequest)

	// Requests queue up once each, in order.
	for _, by := range []int64{2, 3, 2} {
		res, err := o.Take(by, 0)
		require.NoError(t, err)
		require.Equal(t, TakeRequested, res)
	}
	assert.Equal(t, []int64{2, 3}, o.Pending())

	// Only the owner answers, and only existing requests.
	require.ErrorIs(t, o.Approve(2, 2), ErrNotOwner)
	require.ErrorIs(t, o.Deny(3, 2), ErrNotOwner)
	require.ErrorIs(t, o.Approve(1, 4), ErrNoRequest)
	require.ErrorIs(t, o.Deny(1, 4), ErrNoRequest)
	assert.Equal(t, uint32(1), o.Gen())

	// Deny removes one request and changes nothing else.
	require.NoError(t, o.Deny(1, 3))
	assert.Equal(t, []int64{2}, o.Pending())
	require.ErrorIs(t, o.Deny(1, 3), ErrNoRequest)
	assert.Equal(t, int64(1), o.Owner())
	assert.Equal(t, uint32(1), o.Gen())

	// A denied client may ask again.
	_, err := o.Take(3, 0)
	require.NoError(t, err)

	// Approve moves ownership and drops every other pending request.
	require.NoError(t, o.Approve(1, 2))
	assert.Equal(t, int64(2), o.Owner())
	assert.Equal(t, uint32(2), o.Gen())
	assert.Empty(t, o.Pending())
	require.ErrorIs(t, o.Approve(2, 3), ErrNoRequest, "3's request was to the old owner")
	require.ErrorIs(t, o.Approve(1, 2), ErrNotOwner)
}

func TestGive(t *testing.T) {
	for _, mode := range []Mode{ModeTakeover, ModeFixed, ModeRequest} {
		t.Run(mode.String(), func(t *testing.T) {
			r, o := newObject(t, mode)
			if mode == ModeRequest {
				_, err := o.Take(3, 0)
				require.NoError(t, err)
			}
			require.ErrorIs(t, o.Give(2, 3), ErrNotOwner)
			require.ErrorIs(t, o.Give(1, 1), ErrAlreadyOwner)
			require.ErrorIs(t, o.Give(1, 0), ErrBadCommand)
			require.ErrorIs(t, o.Give(1, -5), ErrBadCommand)
			assert.Equal(t, uint32(1), o.Gen())

			require.NoError(t, o.Give(1, 2)) // the owner may give in every mode
			assert.Equal(t, int64(2), o.Owner())
			assert.Equal(t, uint32(2), o.Gen())
			assert.Empty(t, o.Pending())
			assert.Equal(t, 0, r.OwnedBy(1))
			assert.Equal(t, 1, r.OwnedBy(2))

			require.ErrorIs(t, o.Give(1, 3), ErrNotOwner, "the old owner lost authority")
			require.NoError(t, o.Give(2, 1))
			assert.Equal(t, uint32(3), o.Gen(), "every change increments the generation")
		})
	}
}

func TestUpdate(t *testing.T) {
	one := Delta{Mask: 0b10, Fields: fs("\x02")}
	cases := []struct {
		name     string
		by       int64
		gen      uint32
		d        Delta
		maxBytes int
		err      error
	}{
		{"owner at current generation", 2, 2, one, 0, nil},
		{"not the owner", 3, 2, one, 0, ErrNotOwner},
		{"former owner after a take", 1, 1, one, 0, ErrNotOwner},
		{"former owner with the new generation", 1, 2, one, 0, ErrNotOwner},
		{"older generation", 2, 1, one, 0, ErrStaleGeneration},
		{"future generation", 2, 3, one, 0, ErrStaleGeneration},
		{"over the state limit", 2, 2, Delta{Mask: 0b10, Fields: fs("123")}, 3, ErrStateTooLarge},
		{"malformed delta", 2, 2, Delta{Mask: 0b11, Fields: fs("\x02")}, 0, ErrBadDelta},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, o := newObject(t, ModeTakeover)
			_, err := o.Take(2, 0)
			require.NoError(t, err)
			before := snapshotDelta(o.state.Full())
			err = o.Update(tc.by, tc.gen, tc.d, tc.maxBytes)
			owner, gen, full := o.Snapshot()
			assert.Equal(t, int64(2), owner)
			assert.Equal(t, uint32(2), gen)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				assert.Equal(t, before, snapshotDelta(full), "a refused update changes nothing")
				return
			}
			require.NoError(t, err)
			requireDeltaEqual(t, Delta{Mask: 0b11, Fields: fs("\x01", "\x02")}, full)
			assert.Equal(t, 2, o.StateSize())
		})
	}
}

func TestOwnerCycleStaleGeneration(t *testing.T) {
	// A gives to B, B gives back: A's updates stamped before the round trip
	// are refused although A owns the object again.
	_, o := newObject(t, ModeFixed)
	require.NoError(t, o.Give(1, 2))
	require.NoError(t, o.Give(2, 1))
	require.ErrorIs(t, o.Update(1, 1, Delta{}, 0), ErrStaleGeneration)
	require.NoError(t, o.Update(1, 3, Delta{}, 0))
}

func TestDestroyedObjectRefusesEverything(t *testing.T) {
	r, o := newObject(t, ModeRequest)
	_, err := r.Destroy(o.ID, 1, false)
	require.NoError(t, err)
	_, err = o.Take(2, 0)
	require.ErrorIs(t, err, ErrNoSuchObject)
	require.ErrorIs(t, o.Give(1, 2), ErrNoSuchObject)
	require.ErrorIs(t, o.Approve(1, 2), ErrNoSuchObject)
	require.ErrorIs(t, o.Deny(1, 2), ErrNoSuchObject)
	require.ErrorIs(t, o.Update(1, 1, Delta{}, 0), ErrNoSuchObject)
}

// TestConditionalTakeRace: many clients that all saw owner 1 race a
// conditional take; exactly one wins, the rest get owner_changed.
func TestConditionalTakeRace(t *testing.T) {
	for round := range 20 {
		r, o := newObject(t, ModeTakeover)
		const racers = 64
		var wins atomic.Int32
		var winner atomic.Int64
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range racers {
			by := int64(i + 2)
			wg.Go(func() {
				<-start
				res, err := o.Take(by, 1)
				if err == nil {
					assert.Equal(t, TakeChanged, res)
					wins.Add(1)
					winner.Store(by)
					return
				}
				assert.ErrorIs(t, err, ErrOwnerChanged)
			})
		}
		close(start)
		wg.Wait()
		require.Equal(t, int32(1), wins.Load(), "round %d", round)
		assert.Equal(t, winner.Load(), o.Owner())
		assert.Equal(t, uint32(2), o.Gen())
		assert.Equal(t, 1, r.OwnedBy(winner.Load()))
		assert.Equal(t, 0, r.OwnedBy(1))
	}
}

// TestConcurrentUse runs updates, snapshots and getters (read-lock work in
// the server) against ownership changes, for the race detector. Every
// update that succeeds must have been made by the owner of that moment.
func TestConcurrentUse(t *testing.T) {
	r := NewRegistry(Limits{MaxStateBytes: 1 << 10})
	var objs []*Object
	for c := int64(1); c <= 4; c++ {
		o, err := r.Instantiate(c, "", "P", ModeTakeover, LifetimeRoom, Delta{Mask: 1, Fields: fs("\x00")})
		require.NoError(t, err)
		objs = append(objs, o)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for c := int64(1); c <= 4; c++ {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				for _, o := range objs {
					got := r.Get(o.ID)
					err := got.Update(c, got.Gen(), Delta{Mask: 0b10, Fields: fs(string(rune('a' + i%26)))}, 1<<10)
					if err != nil {
						assert.True(t, errors.Is(err, ErrNotOwner) || errors.Is(err, ErrStaleGeneration), "%v", err)
					}
					owner, gen, full := got.Snapshot()
					assert.Positive(t, owner)
					assert.Positive(t, gen)
					assert.NotZero(t, full.Mask&1)
				}
			}
		})
	}
	for i := range 2000 {
		o := objs[i%len(objs)]
		_, _ = o.Take(int64(1+i%4), 0)
	}
	close(stop)
	wg.Wait()
	total := 0
	for c := int64(1); c <= 4; c++ {
		total += r.OwnedBy(c)
	}
	assert.Equal(t, len(objs), total, "ownership counts stay consistent")
}
