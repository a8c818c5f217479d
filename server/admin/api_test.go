package admin_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/admin"
	"github.com/tandemnet/tandem/server/servertest"
	"github.com/tandemnet/tandem/server/store"
)

// aliceInLobby logs alice in over TCP and puts her in "lobby".
func aliceInLobby(t *testing.T, r *rig) {
	t.Helper()
	alice := r.srv.Login(t, "alice")
	alice.Join("lobby")
}

func TestEveryEndpointRefusesWithoutSession(t *testing.T) {
	r := newRig(t)
	aliceInLobby(t, r)
	anon := r.client(t)
	for _, e := range everyEndpoint() {
		t.Run(e.method+" "+e.path, func(t *testing.T) {
			anon.t = t
			assert.Equal(t, http.StatusUnauthorized, anon.do(e.method, e.path, e.body, nil))
		})
	}
	// Nothing happened: alice is still in her room, no account was made.
	d, ok := r.srv.Server.Room("lobby")
	require.True(t, ok)
	assert.Len(t, d.Members, 1)
	_, err := r.srv.Store.GetUser(t.Context(), "newbie")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func TestStateChangesRefuseAWrongCSRFToken(t *testing.T) {
	r := newRig(t)
	aliceInLobby(t, r)
	r.addAdmin(t, "root")
	c := r.login(t, "root")
	for _, e := range everyEndpoint() {
		if !e.changes() {
			continue
		}
		for _, token := range []string{"", "wrong", c.csrf + "x"} {
			t.Run(fmt.Sprintf("%s %s token %q", e.method, e.path, token), func(t *testing.T) {
				c.t = t
				assert.Equal(t, http.StatusForbidden, c.doWith(e.method, e.path, e.body, nil, token))
			})
		}
	}
	c.t = t
	d, ok := r.srv.Server.Room("lobby")
	require.True(t, ok, "the room survived")
	assert.Len(t, d.Members, 1)
	_, err := r.srv.Store.GetUser(t.Context(), "alice")
	assert.NoError(t, err, "the account survived")
	// The session itself is still good.
	assert.Equal(t, http.StatusOK, c.do("GET", "/api/session", nil, nil))
}

func TestCrossOriginStateChangeRefused(t *testing.T) {
	r := newRig(t)
	r.addAdmin(t, "root")
	c := r.login(t, "root")
	req, err := http.NewRequest("POST", c.base+"/api/message", strings.NewReader(`{"text":"x"}`))
	require.NoError(t, err)
	req.Header.Set(admin.CSRFHeader, c.csrf)
	req.Header.Set("Origin", "http://evil.example")
	res, err := c.hc.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
}

func TestDeletedAdminIsRefused(t *testing.T) {
	r := newRig(t)
	r.addAdmin(t, "root")
	r.addAdmin(t, "ops")
	ops := r.login(t, "ops")
	root := r.login(t, "root")
	require.Equal(t, http.StatusOK, ops.do("GET", "/api/overview", nil, nil))

	require.NoError(t, r.srv.Store.DeleteAdmin(t.Context(), "ops"))
	for _, e := range everyEndpoint() {
		t.Run(e.method+" "+e.path, func(t *testing.T) {
			ops.t = t
			assert.Equal(t, http.StatusUnauthorized, ops.do(e.method, e.path, e.body, nil))
		})
	}
	ops.t = t
	// Made again with the same name, the old session still does not count.
	r.addAdmin(t, "ops")
	assert.Equal(t, http.StatusUnauthorized, ops.do("GET", "/api/overview", nil, nil))
	assert.Equal(t, http.StatusOK, root.do("GET", "/api/overview", nil, nil), "other admins are unaffected")
}

func TestLoginCookieAndBackoff(t *testing.T) {
	r := newRig(t)
	r.addAdmin(t, "root")
	c := r.client(t)

	// A player account is not an admin account.
	r.srv.Login(t, "player")
	assert.Equal(t, http.StatusUnauthorized, c.do("POST", "/api/login", map[string]string{"name": "player", "password": "pw-player"}, nil))

	res, err := c.hc.Post(c.base+"/api/login", "application/json", strings.NewReader(`{"name":"root","password":"pw-root"}`))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	ck := res.Cookies()
	require.Len(t, ck, 1)
	assert.Equal(t, admin.CookieName, ck[0].Name)
	assert.True(t, ck[0].HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, ck[0].SameSite)
	assert.False(t, ck[0].Secure, "plain HTTP: a Secure cookie would never come back")

	// A form post (no JSON content type) cannot log in: no login CSRF.
	res, err = c.hc.Post(c.base+"/api/login", "application/x-www-form-urlencoded", strings.NewReader(`name=root&password=pw-root`))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusForbidden, res.StatusCode)

	// Five wrong passwords for one name, then that name waits.
	for i := range 5 {
		assert.Equal(t, http.StatusUnauthorized, c.do("POST", "/api/login", map[string]string{"name": "root", "password": "wrong"}, nil), "attempt %d", i)
	}
	res, err = c.hc.Post(c.base+"/api/login", "application/json", strings.NewReader(`{"name":"root","password":"pw-root"}`))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode, "even the right password waits")
	assert.NotEmpty(t, res.Header.Get("Retry-After"))

	var audit []struct{ Action, Target string }
	r.addAdmin(t, "other") // from the same address: 7 failures so far, under the address limit
	o := r.login(t, "other")
	require.Equal(t, http.StatusOK, o.do("GET", "/api/audit", nil, &audit))
	var failed int
	for _, a := range audit {
		if a.Action == "login_failed" && a.Target == "root" {
			failed++
		}
	}
	assert.Equal(t, 5, failed, "failed logins are audited")
}

func TestSecureCookieWhenAsked(t *testing.T) {
	r := newRig(t)
	r.addAdmin(t, "root")
	c := admin.New(admin.Options{Backend: r.srv.Server, Store: r.srv.Store, SecureCookies: true})
	rec := httptest.NewRecorder()
	req, _ := http.NewRequest("POST", "/api/login", strings.NewReader(`{"name":"root","password":"pw-root"}`))
	req.Header.Set("Content-Type", "application/json")
	c.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	res := http.Response{Header: rec.Header()}
	require.Len(t, res.Cookies(), 1)
	assert.True(t, res.Cookies()[0].Secure)
}

func TestLogout(t *testing.T) {
	r := newRig(t)
	r.addAdmin(t, "root")
	c := r.login(t, "root")
	require.Equal(t, http.StatusOK, c.do("POST", "/api/logout", map[string]string{}, nil))
	assert.Equal(t, http.StatusUnauthorized, c.do("GET", "/api/overview", nil, nil))
}

func TestOverview(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	go r.console.Run(ctx)
	r.addAdmin(t, "root")
	c := r.login(t, "root")
	aliceInLobby(t, r)
	bob := r.srv.Login(t, "bob")
	bob.Join("lobby")
	bob.Send("3:1:hello")
	bob.Sync("s")
	var o struct {
		Node     string
		Nodes    []string
		Version  string
		Counters admin.Counters
		Samples  []admin.Sample
		Uptime   float64 `json:"uptime_seconds"`
	}
	require.Eventually(t, func() bool {
		require.Equal(t, http.StatusOK, c.do("GET", "/api/overview", nil, &o))
		return len(o.Samples) >= 3 && o.Samples[len(o.Samples)-1].Players == 2
	}, servertest.Timeout, 20*time.Millisecond)
	assert.Equal(t, "local", o.Node)
	assert.Equal(t, []string{"local"}, o.Nodes)
	assert.NotEmpty(t, o.Version)
	assert.Greater(t, o.Uptime, 0.0)
	assert.EqualValues(t, 2, o.Counters.Connections)
	assert.EqualValues(t, 2, o.Counters.Players)
	assert.EqualValues(t, 1, o.Counters.Rooms)
	assert.GreaterOrEqual(t, o.Counters.MessagesIn, 6.0)
	assert.GreaterOrEqual(t, o.Counters.Logins, 2.0)
	assert.LessOrEqual(t, len(o.Samples), 20, "the ring keeps a bounded number of samples")
}
