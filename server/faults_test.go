package server_test

import (
	"context"
	"crypto/tls"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/servertest"
	"github.com/tandemnet/tandem/server/store/pgstore"
	"github.com/tandemnet/tandem/server/store/pgstore/pgtest"
)

func openPostgres(t *testing.T, dbURL string) *pgstore.Store {
	t.Helper()
	st, err := pgstore.Open(context.Background(), dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func TestRelayOnPostgres(t *testing.T) {
	st := openPostgres(t, pgtest.NewSchemaURL(t))
	srv := servertest.Start(t, servertest.WithStore(st))
	a, b := srv.Login(t, "a"), srv.Login(t, "b")
	a.Join("pg-room")
	b.Join("pg-room")
	a.Expect("2:" + id(b) + ":pg-room")
	b.Send("3:0:over postgres")
	a.Expect("3:" + id(b) + ":over postgres")
	require.Eventually(t, func() bool {
		a.Send("1")
		return a.Next() == "1:pg-room-2"
	}, servertest.Timeout, 20*time.Millisecond)
	require.NoError(t, srv.Stop())
	rooms, err := st.ListRooms(context.Background())
	require.NoError(t, err)
	assert.Empty(t, rooms, "a stopped node leaves no rooms behind")
}

func TestDatabaseLostWhileRunning(t *testing.T) {
	base := pgtest.NewSchemaURL(t)
	u, err := url.Parse(base)
	require.NoError(t, err)
	proxy := servertest.NewProxy(t, u.Host)
	u.Host = proxy.Addr
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	st := openPostgres(t, u.String())
	srv := servertest.Start(t, servertest.WithStore(st))

	a, b := srv.Login(t, "a"), srv.Login(t, "b")
	a.Join("r")
	b.Join("r")
	a.Expect("2:" + id(b) + ":r")

	proxy.Cut()
	// Rooms keep relaying without the database...
	b.Send("3:0:still relaying")
	a.Expect("3:" + id(b) + ":still relaying")
	a.Send("10:o:Thing:t:r:0:")
	b.ExpectPrefix("10:" + id(a) + ".1:")
	a.ExpectPrefix("10:" + id(a) + ".1:")
	// ...while logins and room lists fail with a clear error.
	c := srv.Dial(t)
	c.Send("0:c:pw-c")
	c.ExpectPrefix("9:0:store_unavailable:")
	a.Send("1")
	a.ExpectPrefix("9:1:store_unavailable:")

	proxy.Restore()
	require.Eventually(t, func() bool {
		c.Send("0:c:pw-c")
		return strings.HasPrefix(c.Next(), "0:")
	}, servertest.Timeout, 200*time.Millisecond, "logins recover when the database returns")
	// The room list is rebuilt from the live rooms.
	require.Eventually(t, func() bool {
		a.Send("1")
		return a.Next() == "1:r-2"
	}, servertest.Timeout, 200*time.Millisecond)
}

func TestTLS(t *testing.T) {
	cert := servertest.SelfSignedCert(t, "127.0.0.1")
	srv := servertest.Start(t, servertest.WithTLS(cert.Server))
	dial := func(user string) *servertest.Client {
		nc, err := tls.Dial("tcp", srv.Addr, &tls.Config{RootCAs: cert.Pool, ServerName: "127.0.0.1"})
		require.NoError(t, err)
		c := srv.Wrap(t, nc)
		c.Send("0:" + user + ":pw")
		c.ReadSession()
		return c
	}
	a, b := dial("a"), dial("b")
	a.Join("secure")
	b.Join("secure")
	a.Skip(func(l string) bool { return strings.HasPrefix(l, "2:") })
	for i := 0; i < 50; i++ {
		b.Send("3:0:over tls")
	}
	for i := 0; i < 50; i++ {
		a.Expect("3:" + id(b) + ":over tls")
	}
}
