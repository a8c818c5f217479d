package server_test

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
)

// logBuffer collects a server's log while its goroutines write to it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the log lines that contain every one of words.
func (l *logBuffer) lines(words ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.b.String(), "\n") {
		ok := line != ""
		for _, w := range words {
			ok = ok && strings.Contains(line, w)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

func withLog(buf *logBuffer, dev bool) servertest.Option {
	return servertest.WithConfig(func(c *server.Config) {
		c.Dev = dev
		c.Logger = slog.New(slog.NewTextHandler(buf, nil))
	})
}

// A flood of failed logins is logged with the user, the address and the
// reason, never the password, and sampled: it cannot fill the log.
func TestFailedLoginsLoggedSampled(t *testing.T) {
	var log logBuffer
	srv := servertest.Start(t, withLog(&log, false))
	c := srv.Dial(t)
	const tries = 30
	for range tries {
		c.Send("0:alice:guess-7f3a")
		line := c.Next()
		assert.True(t, strings.HasPrefix(line, "9:0:bad_credentials:") || strings.HasPrefix(line, "9:0:login_throttled:"), line)
	}
	got := log.lines(`msg="login failed"`)
	require.NotEmpty(t, got)
	assert.Less(t, len(got), tries, "a flood is sampled")
	for _, line := range got {
		assert.Contains(t, line, "user=alice")
		assert.Contains(t, line, "remote=127.0.0.1:")
		assert.Contains(t, line, "reason=")
	}
	assert.Contains(t, got[0], `reason="unknown user or wrong password"`)
	assert.Empty(t, log.lines("guess-7f3a"), "the password is never logged")
}

// User names are case-insensitive: created and logged in folded to lower
// case, by the server in dev mode as by the admin command.
func TestUserNamesCaseInsensitive(t *testing.T) {
	srv := servertest.Start(t) // dev mode
	first := srv.Dial(t)
	first.Send("0:Alice:pw-1")
	first.ExpectPrefix("0:")
	_, err := srv.Store.GetUser(t.Context(), "alice")
	require.NoError(t, err, "the account is stored under the folded name")

	again := srv.Dial(t)
	again.Send("0:ALICE:pw-1")
	again.ExpectPrefix("0:")
	first.ExpectPrefix("8:session_replaced:") // the same account

	wrong := srv.Dial(t)
	wrong.Send("0:alice:other-pw")
	wrong.ExpectPrefix("9:0:bad_credentials:")

	who := srv.Login(t, "bob")
	who.Join("r")
	again.Join("r")
	who.Skip(func(l string) bool { return strings.HasPrefix(l, "2:") })
	who.Send("5")
	assert.Regexp(t, `^5:r:\d+=bob,\d+=alice$`, who.Next())

	names, err := srv.Store.ListUsers(t.Context())
	require.NoError(t, err)
	assert.Len(t, names, 2, "Alice, ALICE and alice are one account")
}

// A bad_command says the expected form of the message.
func TestBadCommandSaysExpectedForm(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.Dial(t)
	c.Send("0:alice")
	c.Expect("9:0:bad_command:expected 0:<user>:<password>")
	c.Send("0:alice:pw")
	c.ExpectPrefix("0:")
	c.Send("3:9:hi")
	c.Expect("9:3:bad_command:target must be 0 to 5; expected 3:<target 0-3>:<message> or 3:<target 4-5>:<id>:...:<message>")
}

// A plain-text client on the TLS port is logged as such, once per burst.
func TestPlainTextOnTLSPortLogged(t *testing.T) {
	var log logBuffer
	cert := servertest.SelfSignedCert(t, "127.0.0.1")
	srv := servertest.Start(t, servertest.WithTLS(cert.Server), withLog(&log, true))
	for range 3 {
		nc, err := net.Dial("tcp", srv.Addr)
		require.NoError(t, err)
		_, err = nc.Write([]byte("0:alice:pw\n"))
		require.NoError(t, err)
		_ = nc.SetReadDeadline(time.Now().Add(servertest.Timeout))
		_, _ = nc.Read(make([]byte, 512)) // the server hangs up
		_ = nc.Close()
	}
	require.Eventually(t, func() bool { return len(log.lines("plain text to the TLS port")) > 0 }, servertest.Timeout, 10*time.Millisecond)
	// All three were handled before counting.
	require.Eventually(t, func() bool { return metricValue(t, srv, "tandem_connections") == 0 }, servertest.Timeout, 10*time.Millisecond)
	got := log.lines("plain text to the TLS port")
	assert.Len(t, got, 1, "sampled")
	assert.Contains(t, got[0], "remote=127.0.0.1:")
}
