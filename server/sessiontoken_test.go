package server_test

import (
	"context"
	"strings"
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

// Session tokens (issue 17): "18:<token>" logs in without the password.

// tokenLogin presents token on a fresh connection and returns the client
// with its session read.
func tokenLogin(t *testing.T, srv *servertest.Server, token string) *servertest.Client {
	t.Helper()
	c := srv.Dial(t)
	c.Send("18:" + token)
	c.ReadSession()
	return c
}

func tokenRefused(t *testing.T, srv *servertest.Server, token, code string) string {
	t.Helper()
	c := srv.Dial(t)
	c.Send("18:" + token)
	return c.ExpectPrefix("9:18:" + code + ":")
}

func TestTokenLoginWithoutPassword(t *testing.T) {
	srv := servertest.Start(t)
	a := srv.Login(t, "alice")
	require.NotEmpty(t, a.SessionToken, "a password login returns a session token")
	require.NotEmpty(t, a.ResumeToken)

	b := tokenLogin(t, srv, a.SessionToken)
	assert.NotEqual(t, a.ID, b.ID, "a token login is a new session with a new id")
	assert.NotEmpty(t, b.SessionToken)
	assert.NotEmpty(t, b.ResumeToken)
	a.Expect("8:session_replaced:you logged in from another connection")

	// It is the same account: a member list shows the user name.
	b.Join("r")
	b.Send("5")
	b.Expect("5:r:" + id(b) + "=alice")

	// The returned token works again (tokens are not single-use).
	c := tokenLogin(t, srv, b.SessionToken)
	b.ExpectPrefix("8:session_replaced:")
	c.Send("7:x")
	c.Expect("7:x")
}

func TestTokenLoginRefusals(t *testing.T) {
	srv := servertest.Start(t)
	a := srv.Login(t, "alice")
	tok := a.SessionToken
	dot := strings.LastIndexByte(tok, '.')
	sig := []byte(tok[dot+1:])
	sig[0] ^= 1 // still base64url: 'A'<->'@' is not, so flip within letters
	if sig[0] == '@' || sig[0] == '`' {
		sig[0] = 'x'
	}
	forged := tok[:dot+1] + string(sig)
	tests := []struct {
		name, line, want string
	}{
		{"forged signature", "18:" + forged, "9:18:bad_token:"},
		{"unknown key", "18:99" + tok[strings.IndexByte(tok, '.'):], "9:18:bad_token:"},
		{"not a token", "18:abc", "9:18:bad_token:"},
		{"bad characters", "18:a b", "9:18:bad_command:"},
		{"too long", "18:" + strings.Repeat("a", 513), "9:18:bad_command:"},
		{"no field", "18", "9:18:bad_command:"},
		{"logout before login", "21", "9:21:not_logged_in:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := srv.Dial(t)
			c.Send(tt.line)
			c.ExpectPrefix(tt.want)
		})
	}
	// None of that touched the real session.
	a.Send("7:still")
	a.Expect("7:still")
}

func TestTokensDieWithTheirSession(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		end   func(t *testing.T, srv *servertest.Server, c *servertest.Client)
		code  string // of the refusal of the old token
		after func(t *testing.T, srv *servertest.Server)
	}{
		{"logout", func(t *testing.T, srv *servertest.Server, c *servertest.Client) {
			c.Send("21")
			lines := c.ExpectClosed()
			require.Equal(t, []string{"8:logged_out:you logged out"}, lines)
		}, "bad_token", nil},
		{"password change", func(t *testing.T, srv *servertest.Server, c *servertest.Client) {
			hash, err := accounts.Hash("new-password")
			require.NoError(t, err)
			require.NoError(t, srv.Store.SetPasswordHash(ctx, "alice", hash))
		}, "bad_token", nil},
		{"account deleted", func(t *testing.T, srv *servertest.Server, c *servertest.Client) {
			require.NoError(t, srv.Store.DeleteUser(ctx, "alice"))
		}, "bad_token", nil},
		{"ban", func(t *testing.T, srv *servertest.Server, c *servertest.Client) {
			now := time.Now()
			require.NoError(t, srv.Store.SetBan(ctx, store.Ban{User: "alice", Until: now.Add(time.Hour), Reason: "cheating", By: "op", CreatedAt: now}))
		}, "banned", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := servertest.Start(t)
			c := srv.Login(t, "alice")
			tok := c.SessionToken
			c = tokenLogin(t, srv, tok) // good before; c is the session now
			tt.end(t, srv, c)
			text := tokenRefused(t, srv, tok, tt.code)
			t.Log(text)
		})
	}
}

func TestLogoutLeavesTheRoomAtOnce(t *testing.T) {
	srv := servertest.Start(t)
	a := srv.Login(t, "a")
	b := srv.Login(t, "b")
	a.Join("r")
	b.Join("r")
	a.Expect("2:" + id(b) + ":r")
	b.Send("21")
	b.ExpectClosed()
	a.Expect("2:" + id(b) + ":") // a leave, not "20:<id>:inactive"
	// The resume token died too.
	c := srv.Dial(t)
	c.Send("19:b:" + b.ResumeToken)
	c.ExpectPrefix("9:19:bad_token:")
	// A password login gets a new token that works.
	b2 := srv.Login(t, "b")
	tokenLogin(t, srv, b2.SessionToken)
}

func TestSessionTokensOff(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) { c.Limits.SessionTTL = -1 }))
	a := srv.Dial(t)
	a.Send("0:alice:pw")
	line := a.Next()
	assert.Regexp(t, `^0:\d+::[A-Za-z0-9_-]+$`, line, "no session token, a resume token")
	tokenRefused(t, srv, "1.YWxpY2U.Zm9v", "bad_token")
}

func TestSessionTokenExpires(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) { c.Limits.SessionTTL = time.Second }))
	a := srv.Login(t, "alice")
	// Expiry is kept to the second: after two the token is surely dead.
	time.Sleep(2 * time.Second)
	text := tokenRefused(t, srv, a.SessionToken, "bad_token")
	assert.Contains(t, text, "expired")
}

// Two nodes on one database verify each other's tokens, and a key rotation
// logs nobody out: old tokens still verify, logins hand out tokens of the
// new key, and a node that has not reloaded yet fetches the key it lacks.
func TestTokensAcrossNodesAndKeyRotation(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/shared.db"
	open := func() store.Store {
		st, err := sqlitestore.Open(ctx, path)
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
	nodeA := servertest.Start(t, servertest.WithStore(open()), servertest.WithConfig(func(c *server.Config) { c.Node = "a" }))
	alice := nodeA.Login(t, "alice")
	oldTok := alice.SessionToken
	require.True(t, strings.HasPrefix(oldTok, "1."), "the first key signs: %s", oldTok)

	_, err := nodeA.Store.AddSessionKey(ctx, []byte(strings.Repeat("k", 32))) // tandem session-keys rotate
	require.NoError(t, err)
	nodeB := servertest.Start(t, servertest.WithStore(open()), servertest.WithConfig(func(c *server.Config) { c.Node = "b" }))

	onB := tokenLogin(t, nodeB, oldTok)
	assert.True(t, strings.HasPrefix(onB.SessionToken, "2."), "re-signed with the newest key: %s", onB.SessionToken)
	onA := tokenLogin(t, nodeA, onB.SessionToken) // A has not reloaded: it fetches key 2
	assert.NotZero(t, onA.ID)
}
