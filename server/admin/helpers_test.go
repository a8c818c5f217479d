package admin_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/accounts"
	"github.com/tandemnet/tandem/server/admin"
	"github.com/tandemnet/tandem/server/servertest"
)

// rig is a real server with its console on a real HTTP listener.
type rig struct {
	srv     *servertest.Server
	console *admin.Console
	http    *httptest.Server
}

func newRig(t *testing.T) *rig {
	t.Helper()
	srv := servertest.Start(t)
	c := admin.New(admin.Options{
		Backend: srv.Server, Store: srv.Store,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		SampleEvery: 50 * time.Millisecond, Samples: 20,
	})
	c.Handle("/metrics", c.Protect(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "metrics\n")
	})))
	hs := httptest.NewServer(c.Handler())
	t.Cleanup(hs.Close)
	return &rig{srv: srv, console: c, http: hs}
}

// addAdmin creates an admin account with password "pw-<name>".
func (r *rig) addAdmin(t *testing.T, name string) {
	t.Helper()
	hash, err := accounts.Hash("pw-" + name)
	require.NoError(t, err)
	require.NoError(t, r.srv.Store.CreateAdmin(t.Context(), name, hash))
}

// client is an HTTP client with its own cookie jar and CSRF token.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

func (r *rig) client(t *testing.T) *client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &client{t: t, base: r.http.URL, hc: &http.Client{Jar: jar, Timeout: servertest.Timeout}}
}

// login logs in as an admin made by addAdmin.
func (r *rig) login(t *testing.T, name string) *client {
	t.Helper()
	c := r.client(t)
	var s struct{ Admin, CSRF string }
	status := c.do("POST", "/api/login", map[string]string{"name": name, "password": "pw-" + name}, &s)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, name, s.Admin)
	require.NotEmpty(t, s.CSRF)
	c.csrf = s.CSRF
	return c
}

// do sends a request (body as JSON when not nil; the CSRF header on
// anything but GET) and decodes the reply into out when not nil.
func (c *client) do(method, path string, body, out any) int {
	return c.doWith(method, path, body, out, c.csrf)
}

func (c *client) doWith(method, path string, body, out any, csrf string) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(c.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	require.NoError(c.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != "GET" && csrf != "" {
		req.Header.Set(admin.CSRFHeader, csrf)
	}
	res, err := c.hc.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	if out != nil && res.StatusCode < 300 {
		require.NoError(c.t, json.Unmarshal(data, out), "%s %s: %s", method, path, data)
	}
	if res.StatusCode >= 300 {
		require.True(c.t, strings.Contains(string(data), `"error"`), "%s %s: error replies are JSON: %s", method, path, data)
	}
	return res.StatusCode
}

// endpoint is one route of the API with a valid body.
type endpoint struct {
	method, path string
	body         any
}

func (e endpoint) changes() bool { return e.method != "GET" }

// everyEndpoint lists every API route (except login) for the refusal tests.
func everyEndpoint() []endpoint {
	return []endpoint{
		{"GET", "/api/session", nil},
		{"POST", "/api/logout", map[string]string{}},
		{"GET", "/api/overview", nil},
		{"GET", "/api/rooms", nil},
		{"GET", "/api/rooms/lobby", nil},
		{"POST", "/api/rooms/lobby/close", map[string]string{"text": "x"}},
		{"POST", "/api/rooms/lobby/message", map[string]string{"text": "x"}},
		{"POST", "/api/message", map[string]string{"text": "x"}},
		{"GET", "/api/players", nil},
		{"POST", "/api/players", map[string]string{"name": "newbie", "password": "pw"}},
		{"GET", "/api/players/alice", nil},
		{"DELETE", "/api/players/alice", nil},
		{"POST", "/api/players/alice/password", map[string]string{"password": "new"}},
		{"POST", "/api/players/alice/kick", map[string]string{"text": "x"}},
		{"POST", "/api/players/alice/ban", map[string]string{"duration": "1h"}},
		{"DELETE", "/api/players/alice/ban", nil},
		{"GET", "/api/bans", nil},
		{"GET", "/api/throttle?user=alice", nil},
		{"POST", "/api/throttle/clear", map[string]string{"user": "alice"}},
		{"GET", "/api/audit", nil},
		{"GET", "/metrics", nil},
	}
}
