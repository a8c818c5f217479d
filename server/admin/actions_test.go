package admin_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/admin"
)

type roomDetail struct {
	Name    string
	Private bool
	Master  int64
	Node    string
	Members []admin.Session
	Objects []struct {
		ID         string
		Prefab     string
		Owner      int64
		Generation uint32
		Mode       string
		Lifetime   string
		Fields     []admin.DecodedField
	}
}

func TestRoomsListAndDetail(t *testing.T) {
	r := newRig(t)
	r.addAdmin(t, "root")
	c := r.login(t, "root")
	alice := r.srv.Login(t, "alice")
	alice.Join("lobby")
	bob := r.srv.Login(t, "bob")
	bob.Send("2:vault/1:secret")
	bob.Skip(func(l string) bool { return strings.HasPrefix(l, "17:") })
	// Fields 0 = 1.5 (float32) and 3 = "hi": PROTOCOL.md's example delta.
	alice.Send("10:a1:Avatar:t:p:9:yj/AAACiaGk=")
	alice.ExpectPrefix("10:")

	var rooms []admin.RoomSummary
	require.Equal(t, http.StatusOK, c.do("GET", "/api/rooms", nil, &rooms))
	require.Len(t, rooms, 2)
	assert.Equal(t, "lobby", rooms[0].Name)
	assert.False(t, rooms[0].Private)
	assert.Equal(t, 1, rooms[0].Members)
	assert.Equal(t, 1, rooms[0].Objects)
	assert.Equal(t, alice.ID, rooms[0].Master)
	assert.Equal(t, "alice", rooms[0].MasterName)
	assert.Equal(t, "local", rooms[0].Node)
	assert.WithinDuration(t, time.Now(), rooms[0].Created, time.Minute)
	assert.Equal(t, "vault/1", rooms[1].Name)
	assert.True(t, rooms[1].Private)

	require.Equal(t, http.StatusOK, c.do("GET", "/api/rooms?q=VAU", nil, &rooms))
	require.Len(t, rooms, 1, "search is case-insensitive")
	assert.Equal(t, "vault/1", rooms[0].Name)

	var d roomDetail
	require.Equal(t, http.StatusOK, c.do("GET", "/api/rooms/"+url.PathEscape("vault/1"), nil, &d), "a room name with a slash")
	assert.Equal(t, "vault/1", d.Name)

	require.Equal(t, http.StatusOK, c.do("GET", "/api/rooms/lobby", nil, &d))
	require.Len(t, d.Members, 1)
	m := d.Members[0]
	assert.Equal(t, alice.ID, m.ID)
	assert.Equal(t, "alice", m.Name)
	assert.Equal(t, alice.Conn.LocalAddr().String(), m.Address)
	assert.Equal(t, "tcp", m.Transport)
	assert.Equal(t, "lobby", m.Room)
	assert.WithinDuration(t, time.Now(), m.ConnectedAt, time.Minute)
	require.Len(t, d.Objects, 1)
	o := d.Objects[0]
	assert.Equal(t, strconv.FormatInt(alice.ID, 10)+".1", o.ID)
	assert.Equal(t, "Avatar", o.Prefab)
	assert.Equal(t, alice.ID, o.Owner)
	assert.EqualValues(t, 1, o.Generation)
	assert.Equal(t, "t", o.Mode)
	assert.Equal(t, "p", o.Lifetime)
	require.Len(t, o.Fields, 2)
	assert.Equal(t, 0, o.Fields[0].Field)
	assert.Equal(t, 1.5, o.Fields[0].Value)
	assert.Equal(t, "float32", o.Fields[0].Type)
	assert.Equal(t, 3, o.Fields[1].Field)
	assert.Equal(t, "hi", o.Fields[1].Value)

	// The state follows updates: field 0 becomes true.
	alice.Send("11:" + o.ID + ":1:1:1:ww==")
	alice.Sync("u")
	require.Equal(t, http.StatusOK, c.do("GET", "/api/rooms/lobby", nil, &d))
	assert.Equal(t, true, d.Objects[0].Fields[0].Value)

	assert.Equal(t, http.StatusNotFound, c.do("GET", "/api/rooms/nowhere", nil, nil))
}

func TestKick(t *testing.T) {
	r := newRig(t)
	r.addAdmin(t, "root")
	c := r.login(t, "root")
	alice := r.srv.Login(t, "alice")
	alice.Join("lobby")
	bob := r.srv.Login(t, "bob")
	bob.Join("lobby")
	alice.ExpectPrefix("2:")

	require.Equal(t, http.StatusOK, c.do("POST", "/api/players/bob/kick", map[string]string{"text": "calm down"}, nil))
	got := bob.ExpectClosed()
	assert.Equal(t, []string{"8:kicked:calm down"}, got)
	alice.Expect("2:" + strconv.FormatInt(bob.ID, 10) + ":") // an ordinary leave for the others

	assert.Equal(t, http.StatusNotFound, c.do("POST", "/api/players/bob/kick", map[string]string{}, nil), "bob is gone")
	assert.Equal(t, http.StatusBadRequest, c.do("POST", "/api/players/alice/kick", map[string]string{"text": strings.Repeat("x", 1001)}, nil))
	assert.Equal(t, http.StatusBadRequest, c.do("POST", "/api/players/alice/kick", map[string]any{"bogus": 1}, nil), "unknown fields are refused")

	assertAudit(t, c, "kick", "bob", "calm down")
}

func assertAudit(t *testing.T, c *client, action, target, detailPart string) {
	t.Helper()
	var rows []struct {
		ID                            int64
		Time                          time.Time
		Admin, Action, Target, Detail string
	}
	require.Equal(t, http.StatusOK, c.do("GET", "/api/audit?limit=50", nil, &rows))
	for _, a := range rows {
		if a.Action == action && a.Target == target && strings.Contains(a.Detail, detailPart) {
			assert.Equal(t, "root", a.Admin)
			assert.WithinDuration(t, time.Now(), a.Time, time.Minute)
			return
		}
	}
	t.Fatalf("no audit entry %s %s %q in %+v", action, target, detailPart, rows)
}

var rfc3339 = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)

func TestBanRefusesLoginUntilLifted(t *testing.T) {
	r := newRig(t)
	r.addAdmin(t, "root")
	c := r.login(t, "root")
	mallory := r.srv.Login(t, "mallory")

	var reply struct {
		Ban          struct{ Until time.Time }
		Disconnected bool
	}
	require.Equal(t, http.StatusOK, c.do("POST", "/api/players/mallory/ban", map[string]string{"duration": "2h", "reason": "cheating"}, &reply))
	assert.True(t, reply.Disconnected)
	assert.WithinDuration(t, time.Now().Add(2*time.Hour), reply.Ban.Until, time.Minute)
	until := reply.Ban.Until.UTC().Format(time.RFC3339)

	closed := mallory.ExpectClosed()
	require.Len(t, closed, 1)
	assert.Equal(t, "8:banned:banned until "+until+": cheating", closed[0])

	again := r.srv.Dial(t)
	again.Send("0:mallory:pw-mallory")
	line := again.Next()
	assert.Equal(t, "9:0:banned:banned until "+until+": cheating", line)
	assert.Regexp(t, rfc3339, line)

	// A wrong password is still just a wrong password: the ban is not revealed.
	again.Send("0:mallory:wrong")
	assert.Equal(t, "9:0:bad_credentials", again.Next()[:len("9:0:bad_credentials")])

	var bans []struct {
		User   string
		Active bool
		By     string
	}
	require.Equal(t, http.StatusOK, c.do("GET", "/api/bans", nil, &bans))
	require.Len(t, bans, 1)
	assert.Equal(t, "mallory", bans[0].User)
	assert.True(t, bans[0].Active)
	assert.Equal(t, "root", bans[0].By)

	require.Equal(t, http.StatusOK, c.do("DELETE", "/api/players/mallory/ban", nil, nil))
	assert.Equal(t, http.StatusNotFound, c.do("DELETE", "/api/players/mallory/ban", nil, nil))
	r.srv.Login(t, "mallory") // lifted: logs in again
	assertAudit(t, c, "ban", "mallory", "cheating")
	assertAudit(t, c, "unban", "mallory", "")

	for _, d := range []string{"", "-1h", "soon", "1000000h"} {
		assert.Equal(t, http.StatusBadRequest, c.do("POST", "/api/players/mallory/ban", map[string]string{"duration": d}, nil), "duration %q", d)
	}
}

func TestCloseRoom(t *testing.T) {
	r := newRig(t)
	r.addAdmin(t, "root")
	c := r.login(t, "root")
	alice := r.srv.Login(t, "alice")
	alice.Join("lobby")
	alice.Send("10:a1:Avatar:t:p:1:ww==")
	alice.ExpectPrefix("10:")
	bob := r.srv.Login(t, "bob")
	bob.Join("lobby")
	alice.ExpectPrefix("2:")
	carol := r.srv.Login(t, "carol")
	carol.Join("elsewhere")

	var reply struct{ Recipients int }
	require.Equal(t, http.StatusOK, c.do("POST", "/api/rooms/lobby/close", map[string]string{"text": "maintenance"}, &reply))
	assert.Equal(t, 2, reply.Recipients)
	for _, m := range []*struct {
		name string
		cl   interface {
			Sync(string) []string
			Send(string)
			Next() string
		}
	}{{"alice", alice}, {"bob", bob}} {
		got := m.cl.Sync("s")
		assert.Equal(t, []string{"23:lobby:closed:maintenance"}, got, m.name)
		// Out of the room: room commands are refused, the connection lives.
		m.cl.Send("3:1:still here?")
		assert.Equal(t, "9:3:not_in_room:join a room first", m.cl.Next(), m.name)
	}
	assert.Empty(t, carol.Sync("c"), "other rooms hear nothing")

	var rooms []admin.RoomSummary
	require.Equal(t, http.StatusOK, c.do("GET", "/api/rooms", nil, &rooms))
	require.Len(t, rooms, 1)
	assert.Equal(t, "elsewhere", rooms[0].Name)
	assert.Equal(t, http.StatusNotFound, c.do("POST", "/api/rooms/lobby/close", map[string]string{}, nil))

	// The name is free: joining makes a fresh, empty room; leaving it and
	// the counters behave as usual.
	lines := bob.Join("lobby")
	assert.Equal(t, []string{"2:" + strconv.FormatInt(bob.ID, 10) + ":lobby", "4:" + strconv.FormatInt(bob.ID, 10), "17:lobby:0"}, lines)
	bob.Send("2:-1")
	bob.Expect("2:" + strconv.FormatInt(bob.ID, 10) + ":")
	co := r.srv.Server.Counters()
	assert.EqualValues(t, 1, co.Rooms, "only carol's room")
	assert.EqualValues(t, 0, co.Objects)
	assertAudit(t, c, "close_room", "lobby", "maintenance")
}

func TestSystemMessages(t *testing.T) {
	r := newRig(t)
	r.addAdmin(t, "root")
	c := r.login(t, "root")
	alice := r.srv.Login(t, "alice")
	alice.Join("lobby")
	bob := r.srv.Login(t, "bob")
	bob.Join("lobby")
	alice.ExpectPrefix("2:")
	carol := r.srv.Login(t, "carol")
	lonely := r.srv.Dial(t) // not logged in: gets nothing

	var reply struct{ Recipients int }
	require.Equal(t, http.StatusOK, c.do("POST", "/api/rooms/lobby/message", map[string]string{"text": "restart in 5 min"}, &reply))
	assert.Equal(t, 2, reply.Recipients)
	assert.Equal(t, []string{"22:restart in 5 min"}, alice.Sync("a"))
	assert.Equal(t, []string{"22:restart in 5 min"}, bob.Sync("b"))
	assert.Empty(t, carol.Sync("c"))

	require.Equal(t, http.StatusOK, c.do("POST", "/api/message", map[string]string{"text": "hello\neveryone"}, &reply))
	assert.Equal(t, 3, reply.Recipients)
	for _, cl := range []interface{ Sync(string) []string }{alice, bob, carol} {
		assert.Equal(t, []string{"22:hello everyone"}, cl.Sync("x"), "a newline cannot break the line")
	}
	lonely.Send("7:p")
	lonely.Expect("7:p")

	assert.Equal(t, http.StatusBadRequest, c.do("POST", "/api/message", map[string]string{"text": " "}, nil))
	assert.Equal(t, http.StatusNotFound, c.do("POST", "/api/rooms/nowhere/message", map[string]string{"text": "x"}, nil))
	assertAudit(t, c, "system_message", "room lobby", "restart")
	assertAudit(t, c, "system_message", "all", "hello")
}

func TestAccounts(t *testing.T) {
	r := newRig(t)
	r.addAdmin(t, "root")
	c := r.login(t, "root")

	require.Equal(t, http.StatusCreated, c.do("POST", "/api/players", map[string]string{"name": "dave", "password": "first"}, nil))
	assert.Equal(t, http.StatusConflict, c.do("POST", "/api/players", map[string]string{"name": "dave", "password": "x"}, nil))
	assert.Equal(t, http.StatusBadRequest, c.do("POST", "/api/players", map[string]string{"name": "bad name!", "password": "x"}, nil))
	assert.Equal(t, http.StatusBadRequest, c.do("POST", "/api/players", map[string]string{"name": "eve", "password": ""}, nil))

	dave := r.srv.Dial(t)
	dave.Send("0:dave:first")
	id, _, _ := strings.Cut(dave.ExpectPrefix("0:")[2:], ":")

	var found struct {
		Sessions []admin.Session
		Accounts []struct {
			Name   string
			Online bool
		}
	}
	require.Equal(t, http.StatusOK, c.do("GET", "/api/players?q=DAV", nil, &found))
	require.Len(t, found.Sessions, 1)
	assert.Equal(t, "dave", found.Sessions[0].Name)
	require.Len(t, found.Accounts, 1)
	assert.True(t, found.Accounts[0].Online)
	require.Equal(t, http.StatusOK, c.do("GET", "/api/players?q="+id, nil, &found), "find by client id")
	require.Len(t, found.Sessions, 1)
	assert.Equal(t, "dave", found.Sessions[0].Name)

	var p struct {
		Name    string
		Account *struct{ Name string }
		Session *admin.Session
	}
	require.Equal(t, http.StatusOK, c.do("GET", "/api/players/dave", nil, &p))
	require.NotNil(t, p.Account)
	require.NotNil(t, p.Session)
	assert.Equal(t, id, strconv.FormatInt(p.Session.ID, 10))
	assert.Equal(t, http.StatusNotFound, c.do("GET", "/api/players/nobody", nil, nil))

	require.Equal(t, http.StatusOK, c.do("POST", "/api/players/dave/password", map[string]string{"password": "second"}, nil))
	assert.Equal(t, http.StatusNotFound, c.do("POST", "/api/players/nobody/password", map[string]string{"password": "x"}, nil))
	fresh := r.srv.Dial(t)
	fresh.Send("0:dave:second")
	session := fresh.ExpectPrefix("0:") // replaces the first session
	dave.ExpectClosed()

	// Logged out everywhere: the live session is closed and its session
	// token no longer logs in.
	var out struct{ Disconnected bool }
	tok := strings.Split(session, ":")[2]
	require.NotEmpty(t, tok, "the login answer carries a session token")
	require.Equal(t, http.StatusOK, c.do("POST", "/api/players/dave/logout", nil, &out))
	assert.True(t, out.Disconnected)
	assert.Contains(t, fresh.ExpectClosed(), "8:kicked:an operator ended your sessions; log in again")
	again := r.srv.Dial(t)
	again.Send("18:" + tok)
	again.ExpectPrefix("9:18:bad_token:")
	assert.Equal(t, http.StatusNotFound, c.do("POST", "/api/players/nobody/logout", nil, nil))
	fresh = r.srv.Dial(t)
	fresh.Send("0:dave:second")
	fresh.ExpectPrefix("0:")

	var del struct{ Disconnected bool }
	require.Equal(t, http.StatusOK, c.do("DELETE", "/api/players/dave", nil, &del))
	assert.True(t, del.Disconnected)
	assert.Equal(t, []string{"8:kicked:your account was deleted by an operator"}, fresh.ExpectClosed())
	assert.Equal(t, http.StatusNotFound, c.do("DELETE", "/api/players/dave", nil, nil))
	assertAudit(t, c, "create_player", "dave", "")
	assertAudit(t, c, "reset_password", "dave", "")
	assertAudit(t, c, "end_sessions", "dave", "")
	assertAudit(t, c, "delete_player", "dave", "")
}

func TestThrottleStateAndClear(t *testing.T) {
	r := newRig(t)
	r.addAdmin(t, "root")
	c := r.login(t, "root")
	r.srv.Login(t, "erin").Conn.Close()
	for range 5 { // a connection each: under -race five hashes outlast the login deadline
		cl := r.srv.Dial(t)
		cl.Send("0:erin:wrong")
		cl.ExpectPrefix("9:0:bad_credentials")
	}
	cl := r.srv.Dial(t)
	cl.Send("0:erin:pw-erin")
	cl.ExpectPrefix("9:0:login_throttled")

	var th struct{ Account, Address admin.ThrottleState }
	require.Equal(t, http.StatusOK, c.do("GET", "/api/throttle?user=erin&address=127.0.0.1", nil, &th))
	assert.Equal(t, 5, th.Account.Failures)
	assert.True(t, th.Account.BlockedUntil.After(time.Now()))
	assert.Equal(t, 5, th.Address.Failures)
	assert.True(t, th.Address.BlockedUntil.IsZero(), "the address is under its limit")

	assert.Equal(t, http.StatusBadRequest, c.do("POST", "/api/throttle/clear", map[string]string{}, nil))
	require.Equal(t, http.StatusOK, c.do("POST", "/api/throttle/clear", map[string]string{"user": "erin", "address": "127.0.0.1"}, nil))
	require.Equal(t, http.StatusOK, c.do("GET", "/api/throttle?user=erin&address=127.0.0.1", nil, &th))
	assert.Zero(t, th.Account.Failures)
	assert.Zero(t, th.Address.Failures)
	cl = r.srv.Dial(t)
	cl.Send("0:erin:pw-erin")
	cl.ExpectPrefix("0:")
	assertAudit(t, c, "clear_throttle", "erin 127.0.0.1", "")
}

func TestAuditPaging(t *testing.T) {
	r := newRig(t)
	r.addAdmin(t, "root")
	c := r.login(t, "root")
	for i := range 3 {
		require.Equal(t, http.StatusOK, c.do("POST", "/api/message", map[string]string{"text": "m" + strconv.Itoa(i)}, nil))
	}
	var rows []struct {
		ID     int64
		Detail string
	}
	require.Equal(t, http.StatusOK, c.do("GET", "/api/audit?limit=2", nil, &rows))
	require.Len(t, rows, 2)
	assert.Equal(t, "m2", rows[0].Detail)
	assert.Equal(t, "m1", rows[1].Detail)
	require.Equal(t, http.StatusOK, c.do("GET", "/api/audit?limit=2&before="+strconv.FormatInt(rows[1].ID, 10), nil, &rows))
	require.Len(t, rows, 2)
	assert.Equal(t, "m0", rows[0].Detail)
	assert.Equal(t, "from 127.0.0.1", rows[1].Detail, "the login before it")
}

func TestPageAndProtectedMetrics(t *testing.T) {
	r := newRig(t)
	r.addAdmin(t, "root")
	anon := r.client(t)
	res, err := anon.hc.Get(anon.base + "/")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode, "the page itself is public; its data is not")
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "default-src 'self'")
	res, err = anon.hc.Get(anon.base + "/app.js")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)

	assert.Equal(t, http.StatusUnauthorized, anon.do("GET", "/metrics", nil, nil))
	c := r.login(t, "root")
	res, err = c.hc.Get(c.base + "/metrics")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, http.StatusNotFound, c.do("GET", "/api/nothing", nil, nil))
}
