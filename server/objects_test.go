package server_test

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
)

// delta encodes field values as "<mask>:<data>" the way clients send them.
func delta(t testing.TB, fields map[int]any) string {
	t.Helper()
	var d netobj.Delta
	idx := make([]int, 0, len(fields))
	for i := range fields {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		b, err := msgpack.Marshal(fields[i])
		require.NoError(t, err)
		d.Mask |= 1 << uint(i)
		d.Fields = append(d.Fields, b)
	}
	return string(d.AppendMask(nil)) + ":" + string(d.AppendData(nil))
}

// world is a client-side view of a room's objects, built only from the
// documented lines: what a client that speaks the protocol would hold.
type world struct {
	owner map[string]string
	gen   map[string]int
	state map[string]map[int]string // field -> base64 of the raw value
}

func newWorld() *world {
	return &world{owner: map[string]string{}, gen: map[string]int{}, state: map[string]map[int]string{}}
}

func decodeFields(t testing.TB, mask, data string) map[int]string {
	t.Helper()
	d, err := netobj.DecodeDelta([]byte(mask), []byte(data))
	require.NoError(t, err)
	out := map[int]string{}
	n := 0
	for i := 0; i < 64; i++ {
		if d.Mask&(1<<uint(i)) != 0 {
			out[i] = base64.StdEncoding.EncodeToString(d.Fields[n])
			n++
		}
	}
	return out
}

// apply feeds one server line into the view. It returns false for lines
// that are not about objects.
func (w *world) apply(t testing.TB, line string) bool {
	t.Helper()
	f := strings.Split(line, ":")
	switch f[0] {
	case "10":
		id := f[1]
		w.owner[id] = f[2]
		w.gen[id], _ = strconv.Atoi(f[3])
		w.state[id] = decodeFields(t, f[8], f[9])
	case "11":
		id := f[1]
		g, _ := strconv.Atoi(f[2])
		require.Contains(t, w.state, id, "update for an unknown object: %s", line)
		if g < w.gen[id] {
			return true // from an earlier owner: dropped, as PROTOCOL.md says
		}
		for k, v := range decodeFields(t, f[3], f[4]) {
			w.state[id][k] = v
		}
	case "12":
		w.owner[f[1]] = f[2]
		w.gen[f[1]], _ = strconv.Atoi(f[3])
	case "15":
		delete(w.owner, f[1])
		delete(w.gen, f[1])
		delete(w.state, f[1])
	default:
		return false
	}
	return true
}

// threeInRoom logs a, b and c in and joins them to room "w", each having
// seen the others arrive.
func threeInRoom(t *testing.T, srv *servertest.Server) (a, b, c *servertest.Client) {
	t.Helper()
	a, b, c = srv.Login(t, "a"), srv.Login(t, "b"), srv.Login(t, "c")
	a.Join("w")
	b.Join("w")
	c.Join("w")
	a.Sync("x")
	b.Sync("x")
	return a, b, c
}

func TestObjectLifecycle(t *testing.T) {
	srv := servertest.Start(t)
	a, b, c := threeInRoom(t, srv)

	init := delta(t, map[int]any{0: []float32{1, 2, 3}, 1: "red"})
	a.Send("10:tok1:Avatar:t:p:" + init)
	oid := id(a) + ".1"
	spawn := "10:" + oid + ":" + id(a) + ":1:t:p:Avatar:tok1:" + init
	for _, x := range []*servertest.Client{a, b, c} {
		x.Expect(spawn)
	}

	move := delta(t, map[int]any{0: []float32{4, 5, 6}})
	a.Send("11:" + oid + ":1:0:" + move)
	b.Expect("11:" + oid + ":1:" + move)
	c.Expect("11:" + oid + ":1:" + move)

	steps := []struct {
		name   string
		by     *servertest.Client
		line   string
		answer string // to the sender, "" for none
		all    string // to everyone, "" for none
	}{
		{"update by non-owner", b, "11:" + oid + ":1:0:" + move, "9:11:not_owner:", ""},
		{"take", b, "12:" + oid + ":take", "", "12:" + oid + ":" + id(b) + ":2"},
		{"update by the former owner", a, "11:" + oid + ":1:0:" + move, "9:11:not_owner:", ""},
		{"take when owner", b, "12:" + oid + ":take", "9:12:already_owner:", ""},
		{"conditional take, wrong owner", c, "12:" + oid + ":take:" + id(a), "9:12:owner_changed:", ""},
		{"give by non-owner", a, "12:" + oid + ":give:" + id(a), "9:12:not_owner:", ""},
		{"give", b, "12:" + oid + ":give:" + id(c), "", "12:" + oid + ":" + id(c) + ":3"},
		{"owner sends an older generation", c, "11:" + oid + ":2:0:" + move, "9:11:stale_generation:", ""},
		{"destroy by neither owner nor master", b, "15:" + oid, "9:15:not_authorized:", ""},
		{"unknown object", a, "15:99.9", "9:15:no_such_object:", ""},
		{"bad delta", c, "11:" + oid + ":3:0:1:", "9:11:bad_delta:", ""},
		{"destroy by master", a, "15:" + oid, "", "15:" + oid},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.by.Send(st.line)
			got := servertest.SyncAfter("s", st.by, a, b, c)
			for _, x := range []*servertest.Client{a, b, c} {
				var want []string
				if st.all != "" {
					want = append(want, st.all)
				}
				lines := got[x]
				if x == st.by && st.answer != "" {
					require.Len(t, lines, 1, "client %d", x.ID)
					assert.True(t, strings.HasPrefix(lines[0], st.answer), "got %q", lines[0])
					continue
				}
				if want == nil {
					assert.Empty(t, lines, "client %d", x.ID)
				} else {
					assert.Equal(t, want, lines, "client %d", x.ID)
				}
			}
		})
	}
}

func TestOwnershipModes(t *testing.T) {
	srv := servertest.Start(t)
	a, b := srv.Login(t, "a"), srv.Login(t, "b")
	a.Join("w")
	b.Join("w")
	a.Sync("x")
	a.Send("10:f:Statue:f:r:0:")
	a.Send("10:r:Chest:r:r:0:")
	fixed, req := id(a)+".1", id(a)+".2"
	b.ExpectPrefix("10:" + fixed)
	b.ExpectPrefix("10:" + req)
	a.Sync("y")

	b.Send("12:" + fixed + ":take")
	b.ExpectPrefix("9:12:ownership_fixed:")

	// Request mode: the owner is asked, and denies.
	b.Send("12:" + req + ":take")
	a.Expect("13:" + req + ":" + id(b))
	a.Send("12:" + req + ":deny:" + id(b))
	b.Expect("14:" + req + ":" + id(a))
	a.Send("12:" + req + ":approve:" + id(b))
	a.ExpectPrefix("9:12:no_request:")

	// Asked again, and approved: the change goes to everyone.
	b.Send("12:" + req + ":take")
	a.Expect("13:" + req + ":" + id(b))
	a.Send("12:" + req + ":approve:" + id(b))
	a.Expect("12:" + req + ":" + id(b) + ":2")
	b.Expect("12:" + req + ":" + id(b) + ":2")

	// A fixed object's owner may still give it away.
	a.Send("12:" + fixed + ":give:" + id(b))
	a.Expect("12:" + fixed + ":" + id(b) + ":2")
	b.Expect("12:" + fixed + ":" + id(b) + ":2")
}

func TestConditionalTakeHasOneWinner(t *testing.T) {
	srv := servertest.Start(t)
	owner := srv.Login(t, "owner")
	owner.Join("w")
	owner.Send("10:t:Ball:t:r:0:")
	oid := id(owner) + ".1"
	owner.ExpectPrefix("10:" + oid)
	const takers = 8
	cs := make([]*servertest.Client, takers)
	for i := range cs {
		cs[i] = srv.Login(t, fmt.Sprintf("t%d", i))
		cs[i].Join("w")
	}
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func(c *servertest.Client) {
			defer wg.Done()
			c.Send("12:" + oid + ":take:" + id(owner))
		}(c)
	}
	wg.Wait()
	var winners, losers int
	var changes []string
	for _, c := range cs {
		for _, l := range c.Sync("done") {
			switch {
			case strings.HasPrefix(l, "12:"):
				changes = append(changes, l)
			case strings.HasPrefix(l, "9:12:owner_changed:"):
				losers++
			}
		}
	}
	for _, l := range changes {
		if strings.HasSuffix(l, ":2") {
			winners++
		}
	}
	// Every taker saw the single change (gen 2); all but one were refused.
	assert.Equal(t, takers, len(changes), "each taker sees the one change")
	assert.Equal(t, takers, winners)
	assert.Equal(t, takers-1, losers)
	for _, l := range changes {
		assert.Equal(t, changes[0], l, "everyone agrees on the owner")
	}
}

func TestLateJoinSnapshotIsExact(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.MessagesPerSecond = 1e6
		c.Limits.MessageBurst = 1e6
	}))
	a, b := srv.Login(t, "a"), srv.Login(t, "b")
	a.Join("w")
	b.Join("w")
	objs := map[*servertest.Client][]string{}
	for _, c := range []*servertest.Client{a, b} {
		for n := 1; n <= 2; n++ {
			c.Send(fmt.Sprintf("10:o%d:Thing:t:p:%s", n, delta(t, map[int]any{5: 0})))
			objs[c] = append(objs[c], fmt.Sprintf("%d.%d", c.ID, n))
		}
	}
	a.Sync("x")
	b.Sync("x")

	// Each owner streams updates; field 5 carries a per-object sequence so
	// the late joiner can tell a missed or repeated update from a good one.
	const updates = 1500
	var wg sync.WaitGroup
	for _, c := range []*servertest.Client{a, b} {
		wg.Add(1)
		go func(c *servertest.Client) {
			defer wg.Done()
			for k := 1; k <= updates; k++ {
				for _, oid := range objs[c] {
					ordered := "0"
					if k%50 == 0 {
						ordered = "1"
					}
					c.Send(fmt.Sprintf("11:%s:1:%s:%s", oid, ordered, delta(t, map[int]any{k % 4: k, 5: k})))
				}
			}
		}(c)
	}
	time.Sleep(20 * time.Millisecond)
	late := srv.Login(t, "late")
	joinLines := late.Join("w")
	wg.Wait()
	a.Sync("end")
	b.Sync("end")

	w := newWorld()
	for _, l := range joinLines {
		w.apply(t, l)
	}
	seq := map[string]int{}
	for oid, st := range w.state {
		seq[oid] = fieldInt(t, st[5])
	}
	require.Len(t, seq, 4, "snapshot holds every object")
	for _, l := range late.Sync("end") {
		if !strings.HasPrefix(l, "11:") {
			continue
		}
		f := strings.Split(l, ":")
		before := seq[f[1]]
		w.apply(t, l)
		after := fieldInt(t, w.state[f[1]][5])
		require.Equal(t, before+1, after, "object %s: update after the snapshot must follow it exactly", f[1])
		seq[f[1]] = after
	}
	for oid, s := range seq {
		assert.Equal(t, updates, s, "object %s ends at the last update", oid)
	}
	// And the late joiner's view equals a fresh snapshot of the server.
	check := srv.Login(t, "check")
	fresh := newWorld()
	for _, l := range check.Join("w") {
		fresh.apply(t, l)
	}
	assert.Equal(t, fresh.state, w.state)
	assert.Equal(t, fresh.owner, w.owner)
}

func fieldInt(t testing.TB, b64 string) int {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	require.NoError(t, err)
	var v int
	require.NoError(t, msgpack.Unmarshal(raw, &v))
	return v
}

func TestLeaveHandsOverObjects(t *testing.T) {
	// Rejoin off: a drop is a leave at once (TestGraceExpiryIsALeave checks
	// the same hand-over after a rejoin grace).
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) { c.Limits.RejoinGrace = -1 }))
	a, b, c := threeInRoom(t, srv)
	a.Send("10:p:Avatar:t:p:0:") // a's player object: destroyed with a
	a.Send("10:r:Door:t:r:0:")   // room object: falls to the master
	c.Send("10:cp:Avatar:t:p:0:")
	ap, ar, cp := id(a)+".1", id(a)+".2", id(c)+".1"
	c.Sync("x")
	a.Sync("x")
	a.Send("12:" + cp + ":take") // a owns c's avatar: it goes back to c
	a.Sync("y")
	b.Sync("y")
	c.Sync("y")

	require.NoError(t, a.Conn.Close()) // a drops without leaving
	for _, x := range []*servertest.Client{b, c} {
		x.Expect("2:" + id(a) + ":")
		x.Expect("4:" + id(b))
		got := []string{x.Next(), x.Next(), x.Next()}
		assert.ElementsMatch(t, []string{"15:" + ap, "12:" + ar + ":" + id(b) + ":2", "12:" + cp + ":" + id(c) + ":3"}, got)
	}
	late := srv.Login(t, "late")
	lines := late.Join("w")
	assert.Equal(t, "17:w:2", lines[len(lines)-1])
}

func TestObjectMessages(t *testing.T) {
	srv := servertest.Start(t)
	a, b, c := srv.Login(t, "a"), srv.Login(t, "b"), srv.Login(t, "c")
	a.Join("w")
	b.Join("w")
	c.Join("w")
	a.Send("10:x:Door:t:r:0:")
	oid := id(a) + ".1"
	for _, x := range []*servertest.Client{a, b, c} {
		x.Skip(func(l string) bool { return strings.HasPrefix(l, "10:"+oid) })
	}
	tests := []struct {
		target string
		to     []*servertest.Client
	}{
		{"0", []*servertest.Client{a, c}},
		{"1", []*servertest.Client{a, b, c}},
		{"2", []*servertest.Client{a, c}},
		{"3", []*servertest.Client{a, b, c}},
		{"4", []*servertest.Client{a}},
	}
	for _, tt := range tests {
		t.Run("target "+tt.target, func(t *testing.T) {
			b.Send("16:" + oid + ":" + tt.target + ":open:now")
			got := servertest.SyncAfter("s", b, a, c)
			for _, x := range []*servertest.Client{a, b, c} {
				if contains(tt.to, x) {
					assert.Equal(t, []string{"16:" + oid + ":" + id(b) + ":open:now"}, got[x])
				} else {
					assert.Empty(t, got[x])
				}
			}
		})
	}
}

func TestObjectLimits(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.MaxObjectsPerClient = 2
		c.Limits.MaxStateBytes = 64
	}))
	a := srv.Login(t, "a")
	a.Join("w")
	a.Send("10:big:X:t:p:" + delta(t, map[int]any{0: strings.Repeat("x", 100)}))
	a.ExpectPrefix("9:10:state_too_large:")
	a.Send("10:1:X:t:p:0:")
	a.ExpectPrefix("10:")
	a.Send("10:2:X:t:p:0:")
	a.ExpectPrefix("10:")
	a.Send("10:3:X:t:p:0:")
	a.ExpectPrefix("9:10:too_many_objects:")
	a.Send("11:" + id(a) + ".1:1:0:" + delta(t, map[int]any{0: strings.Repeat("y", 70)}))
	a.ExpectPrefix("9:11:state_too_large:")
}

func TestSlowRecipientGetsMergedUpdates(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.OutboundSoftBytes = 2 << 10
		c.Limits.OutboundHardBytes = 64 << 20
		c.Limits.SendBufferBytes = 4 << 10
		c.Limits.MessagesPerSecond = 1e6
		c.Limits.MessageBurst = 1e6
	}))
	a := srv.Login(t, "a")
	a.Join("w")
	slow := srv.Login(t, "slow")
	slow.Join("w")
	a.Send("10:o:Thing:t:p:0:")
	oid := id(a) + ".1"
	slow.ExpectPrefix("10:" + oid)
	a.Sync("x")

	slow.Pause() // stop reading: the server's queue for it backs up
	const updates = 3000
	pad := strings.Repeat("p", 200)
	for k := 1; k <= updates; k++ {
		a.Send("11:" + oid + ":1:0:" + delta(t, map[int]any{0: k, 1: pad}))
	}
	a.Sync("sent")
	slow.Resume()

	w := newWorld()
	w.apply(t, "10:"+oid+":"+id(a)+":1:t:p:Thing:o:0:")
	n, warned := 0, false
	for _, l := range slow.Sync("end") {
		if strings.HasPrefix(l, "9:-:slow_consumer:") {
			warned = true
		}
		if w.apply(t, l) {
			n++
		}
	}
	assert.True(t, warned, "the slow client is told")
	assert.Less(t, n, updates, "updates were merged")
	assert.Equal(t, updates, fieldInt(t, w.state[oid][0]), "the newest value arrives")
	assert.Positive(t, metricValue(t, srv, "tandem_merged_updates_total"))
}

func TestObjectErrorsNameTheirObject(t *testing.T) {
	srv := servertest.Start(t)
	a := srv.Login(t, "a")
	a.Join("w")
	tests := []struct{ line, want string }{
		{"15:42.7", "9:15:no_such_object:42.7 "},
		{"12:42.7:take", "9:12:no_such_object:42.7 "},
		{"10:tok9:X:t:p:1:", "9:10:bad_delta:tok9 "},
		{"16:42.7:9:x", "9:16:bad_command:42.7 "},
	}
	for _, tt := range tests {
		a.Send(tt.line)
		a.ExpectPrefix(tt.want)
	}
}

// TestMergeNeverCrossesObjectFrames: a slow recipient's merged updates
// never overtake, or fall behind, another frame about the same object.
// Each marker line carries the number of updates sent before it; every
// update received before it must be from those, every one after from later
// ones.
func TestMergeNeverCrossesObjectFrames(t *testing.T) {
	tests := []struct {
		name   string
		send   func(oid string, k int) string // the marker line, sent after update k
		marker func(line string) (int, bool)  // a marker as the slow client receives it
	}{
		{"ordered object message to others", func(oid string, k int) string { return fmt.Sprintf("16:%s:2:mark%d", oid, k) }, rpcMark},
		{"ordered object message to all", func(oid string, k int) string { return fmt.Sprintf("16:%s:3:mark%d", oid, k) }, rpcMark},
		{"unordered object message (one sender's order)", func(oid string, k int) string { return fmt.Sprintf("16:%s:0:mark%d", oid, k) }, rpcMark},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, a, slow, oid := slowRecipientRoom(t)
			slow.Pause()
			const updates, every = 600, 50
			pad := strings.Repeat("p", 200)
			for k := 1; k <= updates; k++ {
				a.Send("11:" + oid + ":1:0:" + delta(t, map[int]any{0: k, 1: pad}))
				if k%every == 0 {
					a.Send(tt.send(oid, k))
				}
			}
			a.Sync("sent")
			slow.Resume()
			lines := slow.Sync("end")
			checkMarkers(t, oid, lines, tt.marker, updates/every)
			assert.Positive(t, metricValue(t, srv, "tandem_merged_updates_total"), "the recipient was slow enough to merge")
		})
	}
}

// TestMergeStopsAtOwnershipChange: updates written for the old owner's
// generation and the new owner's are never merged together, and the owner
// line stands between them.
func TestMergeStopsAtOwnershipChange(t *testing.T) {
	srv, a, slow, oid := slowRecipientRoom(t)
	b := srv.Login(t, "b")
	b.Join("w")
	a.Sync("b")
	slow.Pause()
	pad := strings.Repeat("p", 200)
	for k := 1; k <= 300; k++ {
		a.Send("11:" + oid + ":1:0:" + delta(t, map[int]any{0: k, 1: pad}))
	}
	a.Sync("a-done")
	b.Send("12:" + oid + ":take")
	b.Skip(func(l string) bool { return strings.HasPrefix(l, "12:"+oid+":"+id(b)+":2") })
	for k := 301; k <= 600; k++ {
		b.Send("11:" + oid + ":2:0:" + delta(t, map[int]any{0: k, 1: pad}))
	}
	b.Sync("b-done")
	slow.Resume()
	marker := func(l string) (int, bool) {
		if strings.HasPrefix(l, "12:"+oid+":") {
			return 300, true
		}
		return 0, false
	}
	checkMarkers(t, oid, slow.Sync("end"), marker, 1)
	assert.Positive(t, metricValue(t, srv, "tandem_merged_updates_total"))
}

// TestNoUpdateAfterDestroy: updates queued for a slow recipient all arrive
// before the object's destroy line.
func TestNoUpdateAfterDestroy(t *testing.T) {
	_, a, slow, oid := slowRecipientRoom(t)
	slow.Pause()
	pad := strings.Repeat("p", 200)
	for k := 1; k <= 400; k++ {
		a.Send("11:" + oid + ":1:0:" + delta(t, map[int]any{0: k, 1: pad}))
	}
	a.Send("15:" + oid)
	a.Sync("sent")
	slow.Resume()
	marker := func(l string) (int, bool) { return 400, l == "15:"+oid }
	checkMarkers(t, oid, slow.Sync("end"), marker, 1)
}

func rpcMark(l string) (int, bool) {
	f := strings.Split(l, ":")
	if len(f) != 4 || f[0] != "16" || !strings.HasPrefix(f[3], "mark") {
		return 0, false
	}
	k, err := strconv.Atoi(strings.TrimPrefix(f[3], "mark"))
	return k, err == nil
}

// slowRecipientRoom is a room where a owns one object and slow, whose
// outbound queue merges early, has seen it spawn.
func slowRecipientRoom(t *testing.T) (srv *servertest.Server, a, slow *servertest.Client, oid string) {
	t.Helper()
	srv = servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.OutboundSoftBytes = 2 << 10
		c.Limits.OutboundHardBytes = 64 << 20
		c.Limits.SendBufferBytes = 4 << 10
		c.Limits.MessagesPerSecond = 1e6
		c.Limits.MessageBurst = 1e6
	}))
	a = srv.Login(t, "a")
	a.Join("w")
	slow = srv.Login(t, "slow")
	slow.Join("w")
	a.Send("10:o:Thing:t:r:0:")
	oid = id(a) + ".1"
	slow.ExpectPrefix("10:" + oid)
	a.Sync("x")
	return srv, a, slow, oid
}

// checkMarkers walks what the slow client received: an update with value v
// must come after every marker with mark < v and before every marker with
// mark >= v. It expects want markers.
func checkMarkers(t *testing.T, oid string, lines []string, marker func(string) (int, bool), want int) {
	t.Helper()
	w := newWorld()
	w.apply(t, "10:"+oid+":1:1:t:r:Thing:o:0:")
	lastMark, seen := 0, 0
	for _, l := range lines {
		if k, ok := marker(l); ok {
			seen++
			require.GreaterOrEqual(t, k, lastMark, "markers in order")
			if v, ok := w.state[oid][0]; ok {
				require.LessOrEqual(t, fieldInt(t, v), k, "an update sent after marker %d arrived before it", k)
			}
			lastMark = k
			continue
		}
		if strings.HasPrefix(l, "11:"+oid+":") {
			f := strings.Split(l, ":")
			v := decodeFields(t, f[3], f[4])
			require.Greater(t, fieldInt(t, v[0]), lastMark, "an update sent before marker %d arrived after it: %s", lastMark, l[:min(len(l), 40)])
			w.apply(t, l)
		}
	}
	require.Equal(t, want, seen, "every marker arrived")
}
