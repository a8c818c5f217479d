package client

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/protocol/vectors"
	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
)

const timeout = servertest.Timeout

// MessagePack values used as field values below.
var (
	mpOne  = []byte{0x01}
	mpTwo  = []byte{0x02}
	mpHi   = []byte{0xa2, 'h', 'i'}
	mpBool = []byte{0xc3}
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, srv *servertest.Server, opts ...Option) *Client {
	t.Helper()
	c, err := Dial(ctxT(t), srv.Addr, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func login(t *testing.T, srv *servertest.Server, user string, opts ...Option) *Client {
	t.Helper()
	c := dial(t, srv, opts...)
	id, err := c.Login(ctxT(t), user, "pw-"+user)
	require.NoError(t, err)
	require.Positive(t, id)
	require.Equal(t, id, c.ID())
	return c
}

func join(t *testing.T, c *Client, room string) *JoinResult {
	t.Helper()
	r, err := c.Join(ctxT(t), room, "")
	require.NoError(t, err)
	return r
}

// waitFor returns the next event of type T that match accepts (nil: any),
// skipping the others.
func waitFor[T Event](t *testing.T, c *Client, match func(T) bool) T {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-c.Events():
			require.True(t, ok, "events closed while waiting for %T", *new(T))
			if e, ok := ev.(T); ok && (match == nil || match(e)) {
				return e
			}
		case <-deadline:
			t.Fatalf("client %d: no %T within %s", c.ID(), *new(T), timeout)
		}
	}
}

// serverErr waits for an ErrorReceived with code.
func serverErr(t *testing.T, c *Client, code protocol.Code) *ServerError {
	t.Helper()
	return waitFor(t, c, func(e ErrorReceived) bool { return e.Err.Code == code }).Err
}

// settle makes sure every line the server sent c before now has been handled.
func settle(t *testing.T, c *Client) {
	t.Helper()
	_, err := c.Ping(ctxT(t))
	require.NoError(t, err)
}

func delta(t *testing.T, values map[int][]byte) netobj.Delta {
	t.Helper()
	d, err := NewDelta(values)
	require.NoError(t, err)
	return d
}

func field(t *testing.T, o Object, i int) []byte {
	t.Helper()
	v, ok := o.State.Field(i)
	require.True(t, ok, "object %s has no field %d", o.ID, i)
	return v
}

func TestParseVectors(t *testing.T) {
	vs, err := vectors.Load("s2c")
	require.NoError(t, err)
	require.NotEmpty(t, vs)
	admin, err := vectors.Load("s2c-admin")
	require.NoError(t, err)
	require.NotEmpty(t, admin)
	vs = append(vs, admin...)
	for _, v := range vs {
		_, err := parseLine(v.Fields[0])
		assert.NoError(t, err, "line %d: %q", v.Line, v.Fields[0])
	}
	rooms, err := vectors.Load("rooms")
	require.NoError(t, err)
	require.NotEmpty(t, rooms)
	for _, v := range rooms {
		got, err := parseRoomList(v.Fields[0])
		require.NoError(t, err, v.Fields[0])
		want := []RoomCount{}
		for i := 1; i+1 < len(v.Fields); i += 2 {
			n, err := strconv.Atoi(v.Fields[i+1])
			require.NoError(t, err)
			want = append(want, RoomCount{v.Fields[i], n})
		}
		if len(got) == 0 {
			got = []RoomCount{}
		}
		assert.Equal(t, want, got, v.Fields[0])
	}
	got, err := parseRoomList("lobby-2,my-room-5,a-b-c-10,x-0")
	require.NoError(t, err)
	assert.Equal(t, []RoomCount{{"lobby", 2}, {"my-room", 5}, {"a-b-c", 10}, {"x", 0}}, got)
}

func TestParseLine(t *testing.T) {
	id := netobj.ID{Creator: 3, Counter: 1}
	tests := []struct {
		line string
		want any
	}{
		{"2:17:my-room", MemberJoined{ID: 17, Room: "my-room"}},
		{"2:17:", MemberLeft{ID: 17}},
		{"3:17:hello: world", MessageReceived{From: 17, Text: "hello: world"}},
		{"9:-:line_too_long:over: 65536", ErrorReceived{&ServerError{Command: -1, Code: protocol.CodeLineTooLong, Text: "over: 65536"}}},
		{"9:12:owner_changed:x", ErrorReceived{&ServerError{Command: 12, Code: "owner_changed", Text: "x"}}},
		{"8:idle_timeout:bye", Closing{Code: protocol.CloseIdleTimeout, Text: "bye"}},
		{"12:3.1:17:2", OwnerChanged{ID: id, Owner: 17, Gen: 2}},
		{"13:3.1:9", OwnershipRequested{ID: id, Requester: 9}},
		{"14:3.1:17", OwnershipDenied{ID: id, Owner: 17}},
		{"16:3.1:9:jump:high", ObjectMessageReceived{ID: id, From: 9, Text: "jump:high"}},
		{"17:lobby:1", RoomReady{Room: "lobby", Objects: 1}},
		{"5:lobby:3=alice,9=bob", whoLine{room: "lobby", members: []Member{{ID: 3, Name: "alice"}, {ID: 9, Name: "bob"}}}},
		{"5:lobby:3=alice=inactive,9=bob", whoLine{room: "lobby", members: []Member{{ID: 3, Name: "alice", Inactive: true}, {ID: 9, Name: "bob"}}}},
		{"7:abc", pongLine{token: "abc"}},
		{"0:17", sessionLine{id: 17}},
		{"0:17::Zm9vYmFy", sessionLine{id: 17, resumeToken: "Zm9vYmFy"}},
		{"20:17:inactive", MemberActivity{ID: 17}},
		{"20:17:active", MemberActivity{ID: 17, Active: true}},
	}
	for _, tt := range tests {
		got, err := parseLine(tt.line)
		require.NoError(t, err, tt.line)
		assert.Equal(t, tt.want, got, tt.line)
	}
	spawn, err := parseLine("10:17.1:17:1:t:p:Avatar:a1:3:AaF4")
	require.NoError(t, err)
	o := spawn.(ObjectSpawned).Object
	assert.Equal(t, Object{ID: netobj.ID{Creator: 17, Counter: 1}, Owner: 17, Gen: 1, Mode: netobj.ModeTakeover,
		Life: netobj.LifetimePlayer, Prefab: "Avatar", Token: "a1", State: o.State}, o)
	assert.Equal(t, uint64(3), o.State.Mask)

	for _, bad := range []string{"", "x", "+2:1:a", "2:0:room", "4:-3", "10:1.1:1:1:t:p:A:t:3:AaF4:extra", "11:1.1:0:1:ww==", "11:1.1:1:1:!!", "17:lobby", "42:x", "0:17:tok", "20:17:asleep", "20:17", "5:r:3=a=away"} {
		_, err := parseLine(bad)
		assert.Error(t, err, "%q", bad)
	}
}

// TestResumeAndActivityLines feeds a resume's lines straight to the
// reader's handler: the session line takes the id and the new token, the
// join lines rebuild the view, and 20 lines mark members inactive.
func TestResumeAndActivityLines(t *testing.T) {
	c := &Client{waiters: map[int][]*waiter{}, events: make(chan Event, 16)}
	c.world.reset("")
	w := &waiter{num: protocol.NumResume, done: make(chan struct{})}
	c.waiters[protocol.NumResume] = []*waiter{w}
	assert.Nil(t, c.handle("0:5::tok2"))
	assert.Equal(t, int64(5), c.ID())
	assert.Equal(t, "tok2", c.ResumeToken())
	for _, line := range []string{"2:5:r", "2:3:r", "2:9:r", "20:9:inactive", "4:3", "10:5.1:5:2:t:p:Avatar:a:1:AQ=="} {
		require.NotNil(t, c.handle(line), line)
	}
	select {
	case <-w.done:
		t.Fatal("resume answered before 17")
	default:
	}
	require.NotNil(t, c.handle("17:r:1"))
	<-w.done
	require.NoError(t, w.err)
	v := w.val.(RoomView)
	assert.Equal(t, "r", v.Room)
	assert.Equal(t, int64(3), v.Master)
	assert.Equal(t, []int64{9}, v.Inactive)
	require.Len(t, v.Objects, 1)
	assert.Equal(t, uint32(2), v.Objects[0].Gen)

	require.NotNil(t, c.handle("20:9:active"))
	assert.Empty(t, c.View().Inactive)
	require.NotNil(t, c.handle("20:3:inactive"))
	require.NotNil(t, c.handle("2:3:"))
	assert.Empty(t, c.View().Inactive, "a member that left is not inactive")
	require.NotNil(t, c.handle("20:42:inactive"))
	assert.Empty(t, c.View().Inactive, "not a member")
}

// TestStaleUpdateDropped feeds lines straight to the reader's handler: a
// real server never relays a stale generation, but a client must cope.
func TestStaleUpdateDropped(t *testing.T) {
	c := &Client{waiters: map[int][]*waiter{}, events: make(chan Event, 8)}
	c.world.reset("")
	c.id = 5
	for _, line := range []string{"2:5:r", "4:5", "17:r:0", "10:9.1:9:1:t:r:Crate::1:AQ==", "12:9.1:5:2"} {
		require.NotNil(t, c.handle(line), line)
	}
	assert.Nil(t, c.handle("11:9.1:1:1:Ag=="), "an update below the known generation is dropped")
	assert.Equal(t, uint64(1), c.Stats().StaleUpdates)
	o, ok := c.Object(netobj.ID{Creator: 9, Counter: 1})
	require.True(t, ok)
	assert.Equal(t, mpOne, field(t, o, 0))
	assert.NotNil(t, c.handle("11:9.1:2:1:Ag=="))
	o, _ = c.Object(o.ID)
	assert.Equal(t, mpTwo, field(t, o, 0))
	assert.Equal(t, uint32(2), o.Gen)
	assert.Equal(t, int64(5), o.Owner)
}

func TestLogin(t *testing.T) {
	srv := servertest.Start(t)
	login(t, srv, "carol") // the account now exists with pw-carol

	tests := []struct {
		name, user, password string
		code                 protocol.Code // "" = success
		local                bool          // refused before sending
	}{
		{"new account", "alice", "secret", "", false},
		{"existing account", "carol", "pw-carol", "", false},
		{"wrong password", "carol", "nope", protocol.CodeBadCredentials, false},
		{"bad user name", "a b", "pw", protocol.CodeBadCommand, false},
		{"colon in password", "dave", "a:b", "", true},
		{"empty user", "", "pw", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, srv)
			id, err := c.Login(ctxT(t), tt.user, tt.password)
			switch {
			case tt.local:
				require.Error(t, err)
				assert.Zero(t, c.Stats().LinesSent)
			case tt.code != "":
				require.Error(t, err)
				assert.True(t, IsCode(err, tt.code), "%v", err)
				assert.Zero(t, c.ID())
			default:
				require.NoError(t, err)
				assert.Equal(t, id, c.ID())
				_, err = c.Login(ctxT(t), tt.user, tt.password)
				assert.True(t, IsCode(err, protocol.CodeAlreadyLoggedIn), "%v", err)
			}
		})
	}

	t.Run("commands need a login", func(t *testing.T) {
		c := dial(t, srv)
		_, err := c.Join(ctxT(t), "lobby", "")
		assert.True(t, IsCode(err, protocol.CodeNotLoggedIn), "%v", err)
		_, err = c.Ping(ctxT(t)) // allowed before login
		assert.NoError(t, err)
	})
}

func TestJoinLeave(t *testing.T) {
	srv := servertest.Start(t)
	a, b := login(t, srv, "alice"), login(t, srv, "bob")

	r := join(t, a, "my-room")
	assert.Equal(t, &JoinResult{Room: "my-room", Master: a.ID(), Members: []int64{a.ID()}}, r)
	waitFor[RoomReady](t, a, nil) // join lines are events too

	r = join(t, b, "my-room")
	assert.Equal(t, []int64{a.ID(), b.ID()}, r.Members)
	assert.Equal(t, a.ID(), r.Master)
	waitFor(t, a, func(e MemberJoined) bool { return e.ID == b.ID() })
	assert.Equal(t, []int64{a.ID(), b.ID()}, a.View().Members)

	who, err := a.Who(ctxT(t), "", "")
	require.NoError(t, err)
	assert.Equal(t, []Member{{ID: a.ID(), Name: "alice"}, {ID: b.ID(), Name: "bob"}}, who)
	eventuallyListed(t, b, "", RoomCount{"my-room", 2})

	// The master leaves: bob is told, and becomes master.
	require.NoError(t, a.Leave(ctxT(t)))
	assert.Equal(t, RoomView{}, a.View())
	waitFor(t, b, func(e MemberLeft) bool { return e.ID == a.ID() })
	waitFor(t, b, func(e MasterChanged) bool { return e.ID == b.ID() })
	assert.Equal(t, RoomView{Room: "my-room", Master: b.ID(), Members: []int64{b.ID()}}, b.View())

	// Joining another room leaves this one first.
	_, err = b.Join(ctxT(t), "private", "s3cret")
	require.NoError(t, err)
	assert.Equal(t, "private", b.View().Room)
	eventuallyListed(t, a, "s3cret", RoomCount{"private", 1})

	errs := []struct {
		name string
		call func() error
		code protocol.Code
	}{
		{"leave outside a room", func() error { return a.Leave(ctxT(t)) }, protocol.CodeNotInRoom},
		{"wrong room password", func() error { _, err := a.Join(ctxT(t), "private", "nope"); return err }, protocol.CodeWrongPassword},
		{"already in room", func() error { _, err := b.Join(ctxT(t), "private", "s3cret"); return err }, protocol.CodeAlreadyInRoom},
		{"who, private room", func() error { _, err := a.Who(ctxT(t), "private", ""); return err }, protocol.CodeWrongPassword},
		{"who, no such room", func() error { _, err := a.Who(ctxT(t), "nowhere", ""); return err }, protocol.CodeNotInRoom},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.Error(t, err)
			assert.True(t, IsCode(err, tt.code), "%v", err)
		})
	}
	who, err = a.Who(ctxT(t), "private", "s3cret")
	require.NoError(t, err)
	assert.Equal(t, []Member{{ID: b.ID(), Name: "bob"}}, who)
	rooms, err := a.ListRooms(ctxT(t), "")
	require.NoError(t, err)
	assert.NotContains(t, rooms, RoomCount{"private", 1}, "private rooms need their password")
	_, err = a.Join(ctxT(t), "bad:name", "")
	assert.Error(t, err, "refused before sending")
}

// eventuallyListed waits until c's room list holds want: lists come from
// the database, which the server updates asynchronously.
func eventuallyListed(t *testing.T, c *Client, password string, want RoomCount) {
	t.Helper()
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		rooms, err := c.ListRooms(ctxT(t), password)
		require.NoError(ct, err)
		assert.Contains(ct, rooms, want)
	}, timeout, 100*time.Millisecond) // within the server's 1 rate (--list-rate)
}

func TestMessages(t *testing.T) {
	srv := servertest.Start(t)
	a, b, c := login(t, srv, "alice"), login(t, srv, "bob"), login(t, srv, "carol")
	for _, x := range []*Client{a, b, c} {
		join(t, x, "chat")
	}
	tests := []struct {
		name    string
		send    func(msg string) error
		getters []*Client // who receives it
	}{
		{"others", func(m string) error { return a.Send(protocol.TargetOthers, m) }, []*Client{b, c}},
		{"all", func(m string) error { return a.Send(protocol.TargetAll, m) }, []*Client{a, b, c}},
		{"others ordered", func(m string) error { return a.Send(protocol.TargetOthersOrdered, m) }, []*Client{b, c}},
		{"all ordered", func(m string) error { return a.Send(protocol.TargetAllOrdered, m) }, []*Client{a, b, c}},
		{"listed", func(m string) error { return a.SendTo([]int64{c.ID()}, m, false) }, []*Client{c}},
		{"listed ordered, self", func(m string) error { return a.SendTo([]int64{a.ID(), b.ID()}, m, true) }, []*Client{a, b}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := fmt.Sprintf("m%d: with a colon", i)
			if i >= 4 {
				msg = fmt.Sprintf("bTEK%d", i) // listed messages cannot hold ':'
			}
			require.NoError(t, tt.send(msg))
			for _, x := range []*Client{a, b, c} {
				settle(t, x)
			}
			for _, x := range []*Client{a, b, c} {
				var got []MessageReceived
			drain:
				for {
					select {
					case ev := <-x.Events():
						if m, ok := ev.(MessageReceived); ok {
							got = append(got, m)
						}
					default:
						break drain
					}
				}
				if slicesContains(tt.getters, x) {
					assert.Equal(t, []MessageReceived{{From: a.ID(), Text: msg}}, got, "client %d", x.ID())
				} else {
					assert.Empty(t, got, "client %d", x.ID())
				}
			}
		})
	}

	require.NoError(t, a.SendTo([]int64{b.ID(), 999999}, "aGk=", false))
	e := serverErr(t, a, protocol.CodeUnknownRecipient)
	assert.Equal(t, protocol.NumMessage, e.Command)
	assert.Equal(t, "999999", e.Text)
	waitFor(t, b, func(m MessageReceived) bool { return m.Text == "aGk=" })

	assert.Error(t, a.Send(protocol.TargetAll, "two\nlines"), "refused before sending")
	assert.Error(t, a.SendTo([]int64{b.ID()}, "a:b", false))
	assert.Error(t, a.Send(protocol.TargetListed, "x"))
}

func slicesContains(cs []*Client, c *Client) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

func TestObjects(t *testing.T) {
	srv := servertest.Start(t)
	a, b := login(t, srv, "alice"), login(t, srv, "bob")
	join(t, a, "world") // a is master
	join(t, b, "world")

	// Instantiate: a gets its object back by token, b sees it spawn.
	obj, err := a.Instantiate(ctxT(t), "av1", "Avatar", netobj.ModeTakeover, netobj.LifetimePlayer, delta(t, map[int][]byte{0: mpOne, 3: mpHi}))
	require.NoError(t, err)
	assert.Equal(t, netobj.ID{Creator: a.ID(), Counter: 1}, obj.ID)
	assert.Equal(t, a.ID(), obj.Owner)
	assert.Equal(t, uint32(1), obj.Gen)
	assert.Equal(t, "av1", obj.Token)
	id := obj.ID
	spawned := waitFor(t, b, func(e ObjectSpawned) bool { return e.Object.ID == id })
	assert.False(t, spawned.Snapshot)
	assert.Equal(t, "Avatar", spawned.Object.Prefab)

	// Update: merged on both sides (the sender's view without an echo).
	require.NoError(t, a.Update(id, 0, delta(t, map[int][]byte{0: mpTwo}), false))
	upd := waitFor(t, b, func(e ObjectUpdated) bool { return e.ID == id })
	assert.Equal(t, uint32(1), upd.Gen)
	for _, x := range []*Client{a, b} {
		o, ok := x.Object(id)
		require.True(t, ok)
		assert.Equal(t, mpTwo, field(t, o, 0), "client %d", x.ID())
		assert.Equal(t, mpHi, field(t, o, 3), "client %d", x.ID())
	}

	// Take: both see the new owner at generation 2; the old owner's
	// updates are refused.
	require.NoError(t, b.Take(id, a.ID()))
	for _, x := range []*Client{a, b} {
		waitFor(t, x, func(e OwnerChanged) bool { return e.ID == id && e.Owner == b.ID() && e.Gen == 2 })
	}
	require.NoError(t, a.Update(id, 1, delta(t, map[int][]byte{0: mpHi}), true))
	assert.Equal(t, protocol.NumUpdate, serverErr(t, a, "not_owner").Command)
	require.NoError(t, b.Take(id, 0))
	serverErr(t, b, "already_owner")
	require.NoError(t, a.Take(id, a.ID())) // a is no longer the owner it expects
	serverErr(t, a, "owner_changed")

	require.NoError(t, b.Update(id, 0, delta(t, map[int][]byte{1: mpBool}), true))
	waitFor(t, a, func(e ObjectUpdated) bool { return e.ID == id && e.Gen == 2 })
	o, _ := a.Object(id)
	assert.Equal(t, mpBool, field(t, o, 1))

	// Give back, then object messages to the owner.
	require.NoError(t, b.Give(id, a.ID()))
	waitFor(t, b, func(e OwnerChanged) bool { return e.ID == id && e.Owner == a.ID() && e.Gen == 3 })
	require.NoError(t, b.ObjectMessage(id, protocol.ObjTargetOwner, "open:door"))
	got := waitFor[ObjectMessageReceived](t, a, nil)
	assert.Equal(t, ObjectMessageReceived{ID: id, From: b.ID(), Text: "open:door"}, got)

	// Request mode: a take asks the owner, who denies, then approves.
	req, err := a.Instantiate(ctxT(t), "", "Chest", netobj.ModeRequest, netobj.LifetimeRoom, netobj.Delta{})
	require.NoError(t, err)
	require.NotEmpty(t, req.Token, "the client made a token up")
	require.NoError(t, b.Take(req.ID, 0))
	waitFor(t, a, func(e OwnershipRequested) bool { return e.ID == req.ID && e.Requester == b.ID() })
	require.NoError(t, a.Deny(req.ID, b.ID()))
	waitFor(t, b, func(e OwnershipDenied) bool { return e.ID == req.ID && e.Owner == a.ID() })
	require.NoError(t, b.Take(req.ID, 0))
	waitFor(t, a, func(e OwnershipRequested) bool { return e.ID == req.ID })
	require.NoError(t, a.Approve(req.ID, b.ID()))
	waitFor(t, b, func(e OwnerChanged) bool { return e.ID == req.ID && e.Owner == b.ID() })

	// Fixed mode cannot be taken.
	fixed, err := a.Instantiate(ctxT(t), "f", "Flag", netobj.ModeFixed, netobj.LifetimeRoom, netobj.Delta{})
	require.NoError(t, err)
	require.NoError(t, b.Take(fixed.ID, 0))
	serverErr(t, b, "ownership_fixed")

	// Destroy: b is neither owner nor master of the avatar; a is both.
	require.NoError(t, b.Destroy(id))
	serverErr(t, b, "not_authorized")
	require.NoError(t, a.Destroy(id))
	for _, x := range []*Client{a, b} {
		waitFor(t, x, func(e ObjectDestroyed) bool { return e.ID == id })
		_, ok := x.Object(id)
		assert.False(t, ok)
	}
	require.NoError(t, a.Update(id, 3, netobj.Delta{}, false))
	serverErr(t, a, "no_such_object")

	// Both ended up with the same world.
	settle(t, a)
	settle(t, b)
	assert.Equal(t, a.View(), b.View())
	assert.Len(t, a.View().Objects, 2)

	// When b leaves, the room object it owns falls to the master (a).
	require.NoError(t, b.Leave(ctxT(t)))
	waitFor(t, a, func(e OwnerChanged) bool { return e.ID == req.ID && e.Owner == a.ID() })
}

func TestLateJoinSnapshot(t *testing.T) {
	srv := servertest.Start(t)
	a, b := login(t, srv, "alice"), login(t, srv, "bob")
	join(t, a, "arena")
	crate, err := a.Instantiate(ctxT(t), "c1", "Crate", netobj.ModeTakeover, netobj.LifetimeRoom, delta(t, map[int][]byte{0: mpOne}))
	require.NoError(t, err)
	require.NoError(t, a.Update(crate.ID, 0, delta(t, map[int][]byte{0: mpTwo, 2: mpHi}), false))
	settle(t, a) // the update has reached the server before b joins

	r := join(t, b, "arena")
	require.Len(t, r.Objects, 1)
	got := r.Objects[0]
	assert.Equal(t, crate.ID, got.ID)
	assert.Equal(t, a.ID(), got.Owner)
	assert.Equal(t, "Crate", got.Prefab)
	assert.Equal(t, netobj.LifetimeRoom, got.Life)
	assert.Equal(t, mpTwo, field(t, got, 0))
	assert.Equal(t, mpHi, field(t, got, 2))
	ev := waitFor[ObjectSpawned](t, b, nil)
	assert.True(t, ev.Snapshot)
	waitFor(t, b, func(e RoomReady) bool { return e.Objects == 1 })

	// After the snapshot, updates flow as usual.
	require.NoError(t, a.Update(crate.ID, 0, delta(t, map[int][]byte{0: mpBool}), false))
	waitFor(t, b, func(e ObjectUpdated) bool { return e.ID == crate.ID })
	o, _ := b.Object(crate.ID)
	assert.Equal(t, mpBool, field(t, o, 0))
	settle(t, a)
	assert.Equal(t, a.View(), b.View())
}

func TestInstantiateErrors(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) { c.Limits.MaxObjectsPerClient = 1 }))
	a := login(t, srv, "alice")

	_, err := a.Instantiate(ctxT(t), "x", "Avatar", netobj.ModeTakeover, netobj.LifetimePlayer, netobj.Delta{})
	assert.True(t, IsCode(err, protocol.CodeNotInRoom), "%v", err)
	join(t, a, "room")

	tests := []struct {
		name  string
		token string
		d     netobj.Delta
		code  protocol.Code
	}{
		{"bad delta", "t1", netobj.Delta{Mask: 1, Fields: [][]byte{{0xc1}}}, "bad_delta"},
		{"bad token", "no spaces", netobj.Delta{}, protocol.CodeBadCommand},
		{"ok", "t2", netobj.Delta{}, ""},
		{"limit", "t3", netobj.Delta{}, "too_many_objects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := a.Instantiate(ctxT(t), tt.token, "Avatar", netobj.ModeTakeover, netobj.LifetimePlayer, tt.d)
			if tt.code == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.token, o.Token)
				return
			}
			var se *ServerError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.code, se.Code)
			assert.Equal(t, protocol.NumInstantiate, se.Command)
		})
	}
	_, err = a.Instantiate(ctxT(t), "t4", "Avatar", netobj.ModeTakeover, netobj.LifetimePlayer, netobj.Delta{Mask: 3})
	assert.Error(t, err, "mask and values disagree: refused before sending")
}

func TestEventBufferDropsOldest(t *testing.T) {
	srv := servertest.Start(t)
	a := login(t, srv, "alice", WithEventBuffer(2))
	join(t, a, "room") // its lines fill the buffer and get dropped too
	settle(t, a)       // the "17" is delivered after Join returns
	before := a.Stats().EventsDropped
	for i := range 10 {
		require.NoError(t, a.Send(protocol.TargetAll, fmt.Sprint(i)))
	}
	settle(t, a)
	assert.Equal(t, before+10, a.Stats().EventsDropped)
	assert.Equal(t, MessageReceived{From: a.ID(), Text: "8"}, <-a.Events())
	assert.Equal(t, MessageReceived{From: a.ID(), Text: "9"}, <-a.Events())
	assert.Equal(t, "room", a.View().Room, "the view is kept regardless")

	quiet := login(t, srv, "bob", WithEventBuffer(0))
	join(t, quiet, "room")
	assert.Len(t, quiet.View().Members, 2)
}

func TestCloseAndSessionReplaced(t *testing.T) {
	srv := servertest.Start(t)
	a := login(t, srv, "alice")
	join(t, a, "room")

	// A second login of alice ends the first session.
	login(t, srv, "alice")
	closing := waitFor[Closing](t, a, nil)
	assert.Equal(t, protocol.CloseSessionReplaced, closing.Code)
	select {
	case <-a.Done():
	case <-time.After(timeout):
		t.Fatal("client not done after the server closed it")
	}
	var ce *ClosingError
	require.ErrorAs(t, a.Err(), &ce)
	assert.Equal(t, protocol.CloseSessionReplaced, ce.Code)
	_, err := a.Ping(ctxT(t))
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, a.Send(protocol.TargetAll, "x"), ErrClosed)
	for range a.Events() { // the channel is closed
	}

	// Close fails a waiting call and is idempotent.
	b := login(t, srv, "bob")
	join(t, b, "room")
	started := make(chan error, 1)
	go func() {
		_, err := b.Join(context.Background(), "room", "") // answered at once: already_in_room
		started <- err
	}()
	assert.True(t, IsCode(<-started, protocol.CodeAlreadyInRoom))
	require.NoError(t, b.Close())
	require.NoError(t, b.Close())
	assert.ErrorIs(t, b.Err(), ErrClosed)
	_, err = b.Who(ctxT(t), "", "")
	assert.ErrorIs(t, err, ErrClosed)
}

func TestContextCancel(t *testing.T) {
	srv := servertest.Start(t)
	a := login(t, srv, "alice")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := a.Join(ctx, "room", "")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, uint64(1), a.Stats().LinesSent, "nothing sent for a cancelled call")
}

// TestAbandonedCallKeepsItsAnswer plays the server over a pipe so the
// answer can come after the caller gave up: it must not be taken for the
// answer to the next call of the same kind.
func TestAbandonedCallKeepsItsAnswer(t *testing.T) {
	clientEnd, serverEnd := net.Pipe()
	c := newClient(clientEnd, defaultConfig())
	t.Cleanup(func() { _ = c.Close() })
	lines := bufio.NewScanner(serverEnd)

	ctx, cancel := context.WithCancel(t.Context())
	first := make(chan error, 1)
	go func() {
		_, err := c.Who(ctx, "gone", "")
		first <- err
	}()
	require.True(t, lines.Scan())
	assert.Equal(t, "5:gone", lines.Text())
	cancel()
	assert.ErrorIs(t, <-first, context.Canceled)

	second := make(chan []Member, 1)
	go func() {
		ms, err := c.Who(t.Context(), "", "")
		assert.NoError(t, err)
		second <- ms
	}()
	require.True(t, lines.Scan())
	assert.Equal(t, "5", lines.Text())
	_, err := io.WriteString(serverEnd, "9:5:not_in_room:no room \"gone\"\n5:r:7=bob\n")
	require.NoError(t, err)
	assert.Equal(t, []Member{{ID: 7, Name: "bob"}}, <-second)
	e := waitFor[ErrorReceived](t, c, nil)
	assert.Equal(t, protocol.CodeNotInRoom, e.Err.Code, "the abandoned call's error becomes an event")
}

func TestTLS(t *testing.T) {
	cert := servertest.SelfSignedCert(t, "127.0.0.1")
	srv := servertest.Start(t, servertest.WithTLS(cert.Server))

	a := login(t, srv, "alice", WithTLS(&tls.Config{RootCAs: cert.Pool}))
	r := join(t, a, "secure")
	assert.Equal(t, []int64{a.ID()}, r.Members)

	_, err := Dial(ctxT(t), srv.Addr, WithTLS(nil)) // the handshake fails: unknown certificate
	assert.Error(t, err)
}

func TestDialErrors(t *testing.T) {
	srv := servertest.Start(t)
	addr := srv.Addr
	require.NoError(t, srv.Stop())
	_, err := Dial(ctxT(t), addr)
	assert.Error(t, err)
}
