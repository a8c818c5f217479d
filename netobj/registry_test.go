package netobj

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// spawn instantiates with a small state and fails the test on error.
func spawn(t *testing.T, r *Registry, creator int64, mode Mode, life Lifetime) *Object {
	t.Helper()
	o, err := r.Instantiate(creator, "t", "P", mode, life, Delta{Mask: 1, Fields: fs("\x01")})
	require.NoError(t, err)
	return o
}

func ids(objs []*Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.ID.String()
	}
	return out
}

func TestInstantiate(t *testing.T) {
	r := NewRegistry(Limits{MaxStateBytes: 8})
	initial := Delta{Mask: 0b11, Fields: fs("\x01", "\xa1x")}
	o, err := r.Instantiate(17, "a1", "Avatar", ModeTakeover, LifetimePlayer, initial)
	require.NoError(t, err)
	assert.Equal(t, ID{17, 1}, o.ID)
	assert.Equal(t, "a1", o.Token)
	assert.Equal(t, "Avatar", o.Prefab)
	assert.Equal(t, ModeTakeover, o.Mode)
	assert.Equal(t, LifetimePlayer, o.Life)
	owner, gen, full := o.Snapshot()
	assert.Equal(t, int64(17), owner)
	assert.Equal(t, uint32(1), gen)
	requireDeltaEqual(t, initial, full)
	assert.Same(t, o, r.Get(ID{17, 1}))
	assert.Nil(t, r.Get(ID{17, 2}))

	// The initial state is copied.
	initial.Fields[0][0] = 0x7f
	_, _, full = o.Snapshot()
	assert.Equal(t, "\x01", string(full.Fields[0]))
}

func TestInstantiateIDsPerCreator(t *testing.T) {
	r := NewRegistry(Limits{MaxStateBytes: 4})
	spawn(t, r, 17, ModeTakeover, LifetimePlayer)
	spawn(t, r, 17, ModeTakeover, LifetimeRoom)
	spawn(t, r, 3, ModeFixed, LifetimeRoom)
	// A failed instantiate does not use a counter.
	_, err := r.Instantiate(17, "", "P", ModeTakeover, LifetimeRoom, Delta{Mask: 1, Fields: fs("12345")})
	require.ErrorIs(t, err, ErrStateTooLarge)
	spawn(t, r, 17, ModeRequest, LifetimeRoom)
	assert.Equal(t, []string{"17.1", "17.2", "3.1", "17.3"}, ids(r.Objects()))

	// Counters survive destroys and leaves: ids are unique for the room's
	// life even when the same client leaves and joins again.
	_, err = r.Destroy(ID{17, 3}, 17, false)
	require.NoError(t, err)
	r.HandleLeave(17, 3, nil) // 17.1 destroyed, 17.2 goes to 3
	spawn(t, r, 17, ModeTakeover, LifetimeRoom)
	assert.Equal(t, []string{"17.2", "3.1", "17.4"}, ids(r.Objects()))
	assert.Equal(t, 3, r.Len())
}

func TestInstantiateValidation(t *testing.T) {
	ok := Delta{}
	cases := []struct {
		name          string
		creator       int64
		token, prefab string
		mode          Mode
		life          Lifetime
		initial       Delta
		err           error
	}{
		{"creator zero", 0, "", "P", ModeTakeover, LifetimeRoom, ok, ErrBadCommand},
		{"creator negative", -1, "", "P", ModeTakeover, LifetimeRoom, ok, ErrBadCommand},
		{"token too long", 1, strings.Repeat("a", 65), "P", ModeTakeover, LifetimeRoom, ok, ErrBadCommand},
		{"token with colon", 1, "a:b", "P", ModeTakeover, LifetimeRoom, ok, ErrBadCommand},
		{"token with space", 1, "a b", "P", ModeTakeover, LifetimeRoom, ok, ErrBadCommand},
		{"empty prefab", 1, "", "", ModeTakeover, LifetimeRoom, ok, ErrBadCommand},
		{"prefab too long", 1, "", strings.Repeat("p", 129), ModeTakeover, LifetimeRoom, ok, ErrBadCommand},
		{"prefab with colon", 1, "", "a:b", ModeTakeover, LifetimeRoom, ok, ErrBadCommand},
		{"prefab with newline", 1, "", "a\nb", ModeTakeover, LifetimeRoom, ok, ErrBadCommand},
		{"bad mode", 1, "", "P", Mode('x'), LifetimeRoom, ok, ErrBadCommand},
		{"bad lifetime", 1, "", "P", ModeTakeover, Lifetime(0), ok, ErrBadCommand},
		{"malformed initial", 1, "", "P", ModeTakeover, LifetimeRoom, Delta{Mask: 1}, ErrBadDelta},
		{"initial too large", 1, "", "P", ModeTakeover, LifetimeRoom, Delta{Mask: 1, Fields: fs("12345")}, ErrStateTooLarge},
		{"longest token and prefab", 1, strings.Repeat("aZ9_-.", 10) + "abcd", strings.Repeat("p", 128), ModeTakeover, LifetimeRoom, ok, nil},
		{"empty token, prefab with spaces and dots", 1, "", "Props/Big Chest.v2", ModeTakeover, LifetimeRoom, ok, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRegistry(Limits{MaxStateBytes: 4})
			o, err := r.Instantiate(tc.creator, tc.token, tc.prefab, tc.mode, tc.life, tc.initial)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				assert.Nil(t, o)
				assert.Zero(t, r.Len())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 1, r.Len())
		})
	}
}

func TestLimits(t *testing.T) {
	t.Run("per room", func(t *testing.T) {
		r := NewRegistry(Limits{MaxObjectsPerRoom: 2})
		a := spawn(t, r, 1, ModeTakeover, LifetimeRoom)
		spawn(t, r, 2, ModeTakeover, LifetimeRoom)
		_, err := r.Instantiate(3, "", "P", ModeTakeover, LifetimeRoom, Delta{})
		require.ErrorIs(t, err, ErrTooManyObjects)
		assert.ErrorIs(t, err, ErrTooManyObjects)
		_, err = r.Destroy(a.ID, 1, false)
		require.NoError(t, err)
		o := spawn(t, r, 3, ModeTakeover, LifetimeRoom)
		assert.Equal(t, ID{3, 1}, o.ID, "the refused attempt used no counter")
	})
	t.Run("per client counts owned objects", func(t *testing.T) {
		r := NewRegistry(Limits{MaxObjectsPerClient: 2})
		a := spawn(t, r, 1, ModeTakeover, LifetimeRoom)
		b := spawn(t, r, 1, ModeTakeover, LifetimeRoom)
		_, err := r.Instantiate(1, "", "P", ModeTakeover, LifetimeRoom, Delta{})
		require.ErrorIs(t, err, ErrTooManyObjects)

		// Giving one away frees a slot for 1 and uses one of 2's.
		require.NoError(t, a.Give(1, 2))
		spawn(t, r, 1, ModeTakeover, LifetimeRoom)
		spawn(t, r, 2, ModeTakeover, LifetimeRoom)
		_, err = r.Instantiate(2, "", "P", ModeTakeover, LifetimeRoom, Delta{})
		require.ErrorIs(t, err, ErrTooManyObjects)

		// Every ownership change the new owner could refuse respects the
		// limit too: take, give and approve to a client at it are refused.
		_, err = b.Take(2, 0)
		require.ErrorIs(t, err, ErrTooManyObjects)
		require.ErrorIs(t, b.Give(1, 2), ErrTooManyObjects)
		assert.Equal(t, int64(1), b.Owner(), "a refused change changes nothing")
		req := spawn(t, r, 3, ModeRequest, LifetimeRoom)
		res, err := req.Take(2, 0)
		require.NoError(t, err)
		require.Equal(t, TakeRequested, res)
		require.ErrorIs(t, req.Approve(3, 2), ErrTooManyObjects)
		assert.Equal(t, 2, r.OwnedBy(2))
		assert.Equal(t, 2, r.OwnedBy(1))

		// A leave hands objects over whatever the limit: someone must own
		// them. The heir's next instantiate is then refused.
		r.HandleLeave(1, 2, nil)
		assert.Equal(t, 4, r.OwnedBy(2))
		_, err = r.Instantiate(2, "", "P", ModeTakeover, LifetimeRoom, Delta{})
		require.ErrorIs(t, err, ErrTooManyObjects)

		// Destroy by the master releases the owner's count, not the master's.
		_, err = r.Destroy(b.ID, 3, true)
		require.NoError(t, err)
		assert.Equal(t, 3, r.OwnedBy(2))
		assert.Equal(t, 1, r.OwnedBy(3))
	})
}

func TestRoomStateLimit(t *testing.T) {
	r := NewRegistry(Limits{MaxRoomStateBytes: 10})
	six := Delta{Mask: 1, Fields: [][]byte{{0xa5, 'a', 'b', 'c', 'd', 'e'}}}
	a, err := r.Instantiate(1, "", "P", ModeTakeover, LifetimeRoom, six)
	require.NoError(t, err)
	_, err = r.Instantiate(1, "", "P", ModeTakeover, LifetimeRoom, six)
	require.ErrorIs(t, err, ErrStateTooLarge, "6 + 6 bytes is over 10")
	b, err := r.Instantiate(1, "", "P", ModeTakeover, LifetimeRoom, Delta{})
	require.NoError(t, err)
	require.ErrorIs(t, b.Update(1, 1, six, 0), ErrStateTooLarge, "an update may not grow past it either")
	assert.Equal(t, 6, r.StateBytes())
	// Shrinking and destroying give the bytes back.
	require.NoError(t, a.Update(1, 1, Delta{Mask: 1, Fields: [][]byte{{0xa1, 'a'}}}, 0))
	assert.Equal(t, 2, r.StateBytes())
	require.NoError(t, b.Update(1, 1, six, 0))
	_, err = r.Destroy(a.ID, 1, false)
	require.NoError(t, err)
	assert.Equal(t, 6, r.StateBytes())
	r.HandleLeave(1, 0, nil)
	assert.Equal(t, 6, r.StateBytes(), "room objects stay with an empty room")
}

func TestDestroy(t *testing.T) {
	r := NewRegistry(Limits{})
	a := spawn(t, r, 1, ModeTakeover, LifetimeRoom)
	b := spawn(t, r, 2, ModeTakeover, LifetimeRoom)
	c := spawn(t, r, 3, ModeTakeover, LifetimeRoom)
	d := spawn(t, r, 1, ModeTakeover, LifetimeRoom)
	require.NoError(t, d.Give(1, 2))

	cases := []struct {
		name     string
		id       ID
		by       int64
		isMaster bool
		err      error
	}{
		{"unknown id", ID{9, 9}, 1, true, ErrNoSuchObject},
		{"neither owner nor master", b.ID, 3, false, ErrNotAuthorized},
		{"creator that no longer owns", d.ID, 1, false, ErrNotAuthorized},
		{"owner", b.ID, 2, false, nil},
		{"twice", b.ID, 2, false, ErrNoSuchObject},
		{"master", c.ID, 1, true, nil},
		{"new owner", d.ID, 2, false, nil},
	}
	for _, tc := range cases {
		got, err := r.Destroy(tc.id, tc.by, tc.isMaster)
		if tc.err != nil {
			require.ErrorIs(t, err, tc.err, tc.name)
			assert.Nil(t, got, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.id, got.ID, tc.name)
		assert.Nil(t, r.Get(tc.id), tc.name)
	}
	assert.Equal(t, []string{a.ID.String()}, ids(r.Objects()))
	assert.Equal(t, 1, r.Len())
}

func TestObjectsOrderIsStable(t *testing.T) {
	r := NewRegistry(Limits{})
	var want []string
	for i := range 20 {
		o := spawn(t, r, int64(1+i%3), ModeTakeover, LifetimeRoom)
		want = append(want, o.ID.String())
	}
	for _, i := range []int{19, 0, 7, 8, 12} {
		id, err := ParseID([]byte(want[i]))
		require.NoError(t, err)
		_, err = r.Destroy(id, 0, true)
		require.NoError(t, err)
	}
	var left []string
	for i, s := range want {
		if i != 19 && i != 0 && i != 7 && i != 8 && i != 12 {
			left = append(left, s)
		}
	}
	got := r.Objects()
	assert.Equal(t, left, ids(got))
	got[0] = nil // the returned slice is the caller's
	assert.Equal(t, left, ids(r.Objects()))
}

// change is a LeaveChange in comparable form.
type change struct {
	ID        string
	Destroyed bool
	NewOwner  int64
	Gen       uint32
}

func changes(cs []LeaveChange) []change {
	out := []change{}
	for _, c := range cs {
		out = append(out, change{c.Object.ID.String(), c.Destroyed, c.NewOwner, c.Gen})
	}
	return out
}

func TestHandleLeave(t *testing.T) {
	// Room members 1 (master), 2, 3. The objects cover every rule; take and
	// give set up owners that differ from creators.
	setup := func(t *testing.T) *Registry {
		r := NewRegistry(Limits{})
		a := spawn(t, r, 2, ModeTakeover, LifetimePlayer) // 2.1 2's, owned by 2
		b := spawn(t, r, 2, ModeTakeover, LifetimePlayer) // 2.2 2's, owned by 3
		spawn(t, r, 2, ModeTakeover, LifetimeRoom)        // 2.3 room, owned by 2
		d := spawn(t, r, 3, ModeTakeover, LifetimePlayer) // 3.1 3's, owned by 2
		e := spawn(t, r, 1, ModeFixed, LifetimeRoom)      // 1.1 room, owned by 2
		spawn(t, r, 3, ModeTakeover, LifetimeRoom)        // 3.2 room, owned by 3
		spawn(t, r, 1, ModeTakeover, LifetimePlayer)      // 1.2 1's, owned by 1
		h := spawn(t, r, 3, ModeRequest, LifetimeRoom)    // 3.3 room, owned by 3, 2 asked
		_, err := b.Take(3, 0)
		require.NoError(t, err)
		_, err = d.Take(2, 0)
		require.NoError(t, err)
		require.NoError(t, e.Give(1, 2))
		_, err = h.Take(2, 0)
		require.NoError(t, err)
		_, err = h.Take(1, 0)
		require.NoError(t, err)
		require.Equal(t, a.ID, ID{2, 1})
		return r
	}
	members := func(ms ...int64) func(int64) bool {
		return func(c int64) bool {
			for _, m := range ms {
				if m == c {
					return true
				}
			}
			return false
		}
	}
	cases := []struct {
		name     string
		left     int64
		master   int64
		isMember func(int64) bool
		want     []change
		live     []string
		pending  []int64 // of 3.3 afterwards
	}{
		{
			name: "non-master leaves", left: 2, master: 1, isMember: members(1, 3),
			want: []change{
				{"2.1", true, 0, 1},  // player object of 2
				{"2.2", true, 0, 2},  // player object of 2, although 3 owns it
				{"2.3", false, 1, 2}, // room object owned by 2: to the master
				{"3.1", false, 3, 3}, // 3's player object owned by 2: back to 3
				{"1.1", false, 1, 3}, // room object owned by 2: to the master
			},
			live:    []string{"2.3", "3.1", "1.1", "3.2", "1.2", "3.3"},
			pending: []int64{1},
		},
		{
			name: "master leaves", left: 1, master: 2, isMember: members(2, 3),
			want: []change{
				{"1.2", true, 0, 1}, // 1's player object
			},
			live:    []string{"2.1", "2.2", "2.3", "3.1", "1.1", "3.2", "3.3"},
			pending: []int64{2},
		},
		{
			name: "creator of a player object owned by someone else leaves", left: 3, master: 1, isMember: members(1, 2),
			want: []change{
				{"2.2", false, 2, 3}, // owned by 3, back to its creator 2
				{"3.1", true, 0, 2},  // 3's player object, owned by 2
				{"3.2", false, 1, 2}, // room object owned by 3: to the master
				{"3.3", false, 1, 2}, // room object owned by 3: to the master, requests dropped
			},
			live:    []string{"2.1", "2.2", "2.3", "1.1", "3.2", "1.2", "3.3"},
			pending: []int64{},
		},
		{
			name: "player object whose creator is gone is destroyed", left: 3, master: 1, isMember: members(1),
			want: []change{
				{"2.2", true, 0, 2},
				{"3.1", true, 0, 2},
				{"3.2", false, 1, 2},
				{"3.3", false, 1, 2},
			},
			live:    []string{"2.1", "2.3", "1.1", "3.2", "1.2", "3.3"},
			pending: []int64{},
		},
		{
			name: "last member out: room objects stay", left: 2, master: 0, isMember: members(),
			want: []change{
				{"2.1", true, 0, 1},
				{"2.2", true, 0, 2},
				{"3.1", true, 0, 2}, // creator 3 gone
			},
			live:    []string{"2.3", "1.1", "3.2", "1.2", "3.3"},
			pending: []int64{1},
		},
		{
			name: "nil isMember means all present", left: 2, master: 1, isMember: nil,
			want: []change{
				{"2.1", true, 0, 1},
				{"2.2", true, 0, 2},
				{"2.3", false, 1, 2},
				{"3.1", false, 3, 3},
				{"1.1", false, 1, 3},
			},
			live:    []string{"2.3", "3.1", "1.1", "3.2", "1.2", "3.3"},
			pending: []int64{1},
		},
		{
			name: "client without objects", left: 9, master: 1, isMember: members(1, 2, 3),
			want:    []change{},
			live:    []string{"2.1", "2.2", "2.3", "3.1", "1.1", "3.2", "1.2", "3.3"},
			pending: []int64{2, 1},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := setup(t)
			got := r.HandleLeave(tc.left, tc.master, tc.isMember)
			assert.Equal(t, tc.want, changes(got))
			assert.Equal(t, tc.live, ids(r.Objects()))
			for _, c := range got {
				if c.Destroyed {
					assert.Nil(t, r.Get(c.Object.ID))
					require.ErrorIs(t, c.Object.Update(c.Object.Owner(), c.Gen, Delta{}, 0), ErrNoSuchObject)
				} else {
					assert.Equal(t, c.NewOwner, r.Get(c.Object.ID).Owner())
					assert.Equal(t, c.Gen, c.Object.Gen())
				}
			}
			if o := r.Get(ID{3, 3}); o != nil {
				assert.Equal(t, tc.pending, o.Pending())
			}
			// Counts follow the objects.
			total := 0
			for c := int64(1); c <= 3; c++ {
				total += r.OwnedBy(c)
			}
			assert.Equal(t, r.Len(), total)
			if tc.master != 0 {
				assert.Zero(t, r.OwnedBy(tc.left))
			}
		})
	}
}

// TestProtocolSessionExample replays the objects part of "A complete
// session" in PROTOCOL.md: room object 3.1 ends up owned by 17 at
// generation 2, and 17's leave hands it to the master 3 at generation 3.
func TestProtocolSessionExample(t *testing.T) {
	r := NewRegistry(Limits{})
	chest, err := r.Instantiate(3, "c1", "Chest", ModeRequest, LifetimeRoom, Delta{Mask: 1, Fields: fs("\xc2")})
	require.NoError(t, err)
	assert.Equal(t, "3.1", chest.ID.String())

	// In request mode 17's take asks the owner; 3 approves.
	res, err := chest.Take(17, 0)
	require.NoError(t, err)
	require.Equal(t, TakeRequested, res)
	require.NoError(t, chest.Approve(3, 17))
	assert.Equal(t, uint32(2), chest.Gen())

	d, err := DecodeDelta([]byte("1"), []byte("ww=="))
	require.NoError(t, err)
	require.NoError(t, chest.Update(17, 2, d, 0))

	got := r.HandleLeave(17, 3, func(c int64) bool { return c == 3 || c == 9 })
	assert.Equal(t, []change{{"3.1", false, 3, 3}}, changes(got))
	_, _, full := chest.Snapshot()
	assert.Equal(t, "1", string(full.AppendMask(nil)))
	assert.Equal(t, "ww==", string(full.AppendData(nil)))
}
