package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/accounts"
	"github.com/tandemnet/tandem/server/servertest"
	"github.com/tandemnet/tandem/server/store"
	"github.com/tandemnet/tandem/server/store/sqlitestore"
)

func id(c *servertest.Client) string { return fmt.Sprint(c.ID) }

func TestLogin(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) { c.Dev = false }))
	hash, err := accounts.Hash("secret")
	require.NoError(t, err)
	require.NoError(t, srv.Store.CreateUser(context.Background(), "alice", hash))

	tests := []struct {
		name  string
		lines []string
		want  []string
	}{
		{"command before login", []string{"1"}, []string{"9:1:not_logged_in:"}},
		{"ping before login", []string{"7:x"}, []string{"7:x"}},
		{"wrong password", []string{"0:alice:nope"}, []string{"9:0:bad_credentials:"}},
		{"unknown user, same answer", []string{"0:mallory:nope"}, []string{"9:0:bad_credentials:"}},
		{"bad user name", []string{"0:al ice:pw"}, []string{"9:0:bad_command:"}},
		{"login then again", []string{"0:alice:secret", "0:alice:secret"}, []string{"0:", "9:0:already_logged_in:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := srv.Dial(t)
			for _, l := range tt.lines {
				c.Send(l)
			}
			for _, w := range tt.want {
				c.ExpectPrefix(w)
			}
		})
	}
}

func TestClientIDsAreUniqueAndNew(t *testing.T) {
	srv := servertest.Start(t)
	seen := map[int64]bool{}
	for i := 0; i < 5; i++ {
		c := srv.Login(t, "same")
		require.Positive(t, c.ID)
		require.False(t, seen[c.ID], "id %d reused", c.ID)
		seen[c.ID] = true
	}
}

func TestJoinSequenceAndMaster(t *testing.T) {
	srv := servertest.Start(t)
	a, b, c := srv.Login(t, "a"), srv.Login(t, "b"), srv.Login(t, "c")

	assert.Equal(t, []string{"2:" + id(a) + ":lobby", "4:" + id(a), "17:lobby:0"}, a.Join("lobby"))
	assert.Equal(t, []string{"2:" + id(b) + ":lobby", "2:" + id(a) + ":lobby", "4:" + id(a), "17:lobby:0"}, b.Join("lobby"))
	a.Expect("2:" + id(b) + ":lobby")
	assert.Equal(t, []string{"2:" + id(c) + ":lobby", "2:" + id(a) + ":lobby", "2:" + id(b) + ":lobby", "4:" + id(a), "17:lobby:0"}, c.Join("lobby"))
	a.Expect("2:" + id(c) + ":lobby")
	b.Expect("2:" + id(c) + ":lobby")

	// The master leaves: the longest-present member (b) takes over.
	a.Send("2:-1")
	a.Expect("2:" + id(a) + ":")
	for _, x := range []*servertest.Client{b, c} {
		x.Expect("2:" + id(a) + ":")
		x.Expect("4:" + id(b))
	}
	// A non-master leaves: no master line.
	c.Send("2:-1")
	c.Expect("2:" + id(c) + ":")
	b.Expect("2:" + id(c) + ":")
	b.ExpectSilence(50 * time.Millisecond)

	a.Send("2:-1")
	a.ExpectPrefix("9:2:not_in_room:")
}

func TestMessages(t *testing.T) {
	srv := servertest.Start(t)
	a, b, c := srv.Login(t, "a"), srv.Login(t, "b"), srv.Login(t, "c")
	outsider := srv.Login(t, "outsider")
	a.Join("r")
	b.Join("r")
	c.Join("r")
	outsider.Join("elsewhere")
	a.Sync("s")
	b.Sync("s")

	tests := []struct {
		name   string
		line   string
		sender *servertest.Client
		to     []*servertest.Client
		want   string
	}{
		{"others", "3:0:hi: there", a, []*servertest.Client{b, c}, "3:" + id(a) + ":hi: there"},
		{"all", "3:1:x", a, []*servertest.Client{a, b, c}, "3:" + id(a) + ":x"},
		{"others ordered", "3:2:y", b, []*servertest.Client{a, c}, "3:" + id(b) + ":y"},
		{"all ordered", "3:3:", b, []*servertest.Client{a, b, c}, "3:" + id(b) + ":"},
		{"listed", "3:4:" + id(c) + ":aGk=", a, []*servertest.Client{c}, "3:" + id(a) + ":aGk="},
		{"listed ordered", "3:5:" + id(a) + ":" + id(b) + ":eA==", c, []*servertest.Client{a, b}, "3:" + id(c) + ":eA=="},
	}
	all := []*servertest.Client{a, b, c, outsider}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.sender.Send(tt.line)
			got := servertest.SyncAfter("after", tt.sender, all...)
			for _, x := range all {
				got := got[x]
				if contains(tt.to, x) {
					assert.Equal(t, []string{tt.want}, got, "client %d", x.ID)
				} else {
					assert.Empty(t, got, "client %d must not receive it", x.ID)
				}
			}
		})
	}

	t.Run("unknown recipient", func(t *testing.T) {
		a.Send("3:4:" + id(b) + ":" + id(outsider) + ":999999:m")
		b.Expect("3:" + id(a) + ":m")
		a.Expect("9:3:unknown_recipient:" + id(outsider) + ",999999")
		assert.Empty(t, outsider.Sync("x"))
	})
	t.Run("outside a room", func(t *testing.T) {
		d := srv.Login(t, "d")
		d.Send("3:0:x")
		d.ExpectPrefix("9:3:not_in_room:")
	})
}

func contains(cs []*servertest.Client, c *servertest.Client) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

func TestSecondLoginReplacesSession(t *testing.T) {
	srv := servertest.Start(t)
	old := srv.Login(t, "alice")
	bob := srv.Login(t, "bob")
	old.Join("r")
	bob.Join("r")
	old.Expect("2:" + id(bob) + ":r")

	fresh := srv.Login(t, "alice")
	assert.NotEqual(t, old.ID, fresh.ID)
	lines := old.ExpectClosed()
	require.NotEmpty(t, lines)
	assert.True(t, strings.HasPrefix(lines[len(lines)-1], "8:session_replaced:"), "got %q", lines)
	bob.Expect("2:" + id(old) + ":")
	bob.Expect("4:" + id(bob))
}

func TestPrivateRoomsAndListing(t *testing.T) {
	srv := servertest.Start(t)
	a, b := srv.Login(t, "a"), srv.Login(t, "b")
	a.Join("open-room")
	b.Send("2:vault:s3cret")
	b.Skip(func(l string) bool { return strings.HasPrefix(l, "17:") })

	c := srv.Login(t, "c")
	waitList := func(line, want string) {
		require.Eventually(t, func() bool {
			c.Send(line)
			return c.Next() == want
		}, servertest.Timeout, 20*time.Millisecond)
	}
	waitList("1", "1:open-room-1")
	waitList("1:s3cret", "1:open-room-1,vault-1")
	waitList("1:wrong", "1:open-room-1")

	c.Send("2:vault:wrong")
	c.ExpectPrefix("9:2:wrong_password:")
	c.Send("2:vault")
	c.ExpectPrefix("9:2:wrong_password:")
	c.Send("5:vault")
	c.ExpectPrefix("9:5:wrong_password:")
	c.Send("5:vault:s3cret")
	c.Expect("5:vault:" + id(b) + "=b")
	c.Send("2:vault:s3cret")
	c.Expect("2:" + id(c) + ":vault")
	c.Expect("2:" + id(b) + ":vault")
	c.Expect("4:" + id(b))
	c.Expect("17:vault:0")
	c.Send("5")
	c.Expect("5:vault:" + id(b) + "=b," + id(c) + "=c")

	// A wrong password while in a room changes nothing: still in vault.
	c.Send("2:open-room:x")
	c.ExpectPrefix("9:2:wrong_password:")
	c.Send("3:0:still here")
	b.Skip(func(l string) bool { return l == "3:"+id(c)+":still here" })

	// Joining another room leaves the first.
	c.Send("2:open-room")
	c.Expect("2:" + id(c) + ":")
	c.Expect("2:" + id(c) + ":open-room")
	b.Expect("2:" + id(c) + ":")

	// The last member out closes the room.
	b.Send("2:-1")
	b.Expect("2:" + id(b) + ":")
	waitList("1:s3cret", "1:open-room-2")
}

func TestJunkInputKeepsConnection(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) { c.Limits.MaxLineBytes = 1024 }))
	a := srv.Login(t, "a")
	a.Join("junk")
	tests := []struct{ line, want string }{
		{"hello", "9:-:bad_command:"},
		{"42:x", "9:42:unknown_command:"},
		{"3", "9:3:bad_command:"},
		{"2:bad:name:x", "9:2:bad_command:"},
		{"2:a,b", "9:2:bad_room_name:"},
		{strings.Repeat("x", 5000), "9:-:line_too_long:"},
		{"3:0:" + strings.Repeat("x", 5000), "9:3:line_too_long:"},
		{"\xff\xfe", "9:-:bad_command:"},
		{"11:1.1:1:0:zz:AA==", "9:11:bad_delta:"},
	}
	for _, tt := range tests {
		a.Send(tt.line)
		a.ExpectPrefix(tt.want)
	}
	a.Send("3:1:still works")
	a.Expect(fmt.Sprintf("3:%d:still works", a.ID))
}

func TestOrderedTotalOrder(t *testing.T) {
	srv := servertest.Start(t)
	const senders, perSender = 6, 200
	clients := make([]*servertest.Client, senders)
	for i := range clients {
		clients[i] = srv.Login(t, fmt.Sprintf("u%d", i))
		clients[i].Join("order")
		for _, earlier := range clients[:i] {
			earlier.Expect("2:" + id(clients[i]) + ":order")
		}
	}
	// Everyone sends ordered messages at once; a late joiner and a leaver
	// add room events to the same stream.
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func(i int, c *servertest.Client) {
			defer wg.Done()
			for n := 0; n < perSender; n++ {
				c.Send(fmt.Sprintf("3:3:%d-%d", i, n))
			}
		}(i, c)
	}
	late := srv.Login(t, "late")
	late.Send("2:order")
	wg.Wait()

	streams := make([][]string, senders)
	for i, c := range clients {
		for len(count(streams[i], "3:")) < senders*perSender {
			line := c.Next()
			if strings.HasPrefix(line, "3:") || strings.HasPrefix(line, "2:") {
				streams[i] = append(streams[i], line)
			}
		}
		// Drain up to a ping so a trailing join line is included.
		for _, l := range c.Sync("end") {
			if strings.HasPrefix(l, "2:") {
				streams[i] = append(streams[i], l)
			}
		}
	}
	for i := 1; i < senders; i++ {
		require.Equal(t, streams[0], streams[i], "client %d saw another order", i)
	}
	// And each sender's own order is kept inside the total order.
	next := make(map[string]int)
	for _, l := range count(streams[0], "3:") {
		payload := l[strings.LastIndexByte(l, ':')+1:]
		var s, n int
		_, err := fmt.Sscanf(payload, "%d-%d", &s, &n)
		require.NoError(t, err)
		key := fmt.Sprint(s)
		require.Equal(t, next[key], n)
		next[key]++
	}
}

func count(lines []string, prefix string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

func TestGracefulShutdown(t *testing.T) {
	srv := servertest.Start(t)
	a := srv.Login(t, "a")
	a.Join("r")
	require.Eventually(t, func() bool {
		rooms, err := srv.Store.ListRooms(context.Background())
		return err == nil && len(rooms) == 1 && len(rooms[0].Members) == 1
	}, servertest.Timeout, 10*time.Millisecond)

	require.NoError(t, srv.Stop())
	lines := a.ExpectClosed()
	require.NotEmpty(t, lines)
	assert.True(t, strings.HasPrefix(lines[len(lines)-1], "8:server_shutdown:"), "got %q", lines)
	rooms, err := srv.Store.ListRooms(context.Background())
	require.NoError(t, err)
	assert.Empty(t, rooms, "rooms are closed in the store")
}

func TestTimeouts(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.LoginTimeout = 300 * time.Millisecond
		c.Limits.IdleTimeout = 1500 * time.Millisecond
	}))
	t.Run("login deadline", func(t *testing.T) {
		c := srv.Dial(t)
		lines := c.ExpectClosed()
		require.Len(t, lines, 1)
		assert.True(t, strings.HasPrefix(lines[0], "8:login_timeout:"))
	})
	t.Run("idle", func(t *testing.T) {
		c := srv.Login(t, "idle")
		lines := c.ExpectClosed()
		require.Len(t, lines, 1)
		assert.True(t, strings.HasPrefix(lines[0], "8:idle_timeout:"))
	})
	t.Run("heartbeat keeps it open", func(t *testing.T) {
		c := srv.Login(t, "beating")
		for i := 0; i < 5; i++ {
			time.Sleep(500 * time.Millisecond)
			c.Send("7")
			c.Expect("7")
		}
	})
}

func TestCrashLeftoversAreCleanedAtStart(t *testing.T) {
	st, err := sqlitestore.Open(context.Background(), t.TempDir()+"/crash.db")
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	ctx := context.Background()
	// What a node named "local" left behind when it died.
	require.NoError(t, st.CreateRoom(ctx, store.Room{Name: "ghost", Node: "local"}))
	require.NoError(t, st.AddMember(ctx, "ghost", store.Member{ClientID: 1, UserName: "x"}))
	require.NoError(t, st.CreateRoom(ctx, store.Room{Name: "elsewhere", Node: "other-node"}))

	srv := servertest.Start(t, servertest.WithStore(st))
	a := srv.Login(t, "a")
	a.Send("1")
	a.Expect("1:elsewhere-0")
}
