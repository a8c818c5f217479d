package bot

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/tandemnet/tandem/cmd/tandem/internal/exitcode"
	"github.com/tandemnet/tandem/cmd/tandem/internal/progress/ptytest"
	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol/client"
	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
	"github.com/tandemnet/tandem/server/store"
	"github.com/tandemnet/tandem/server/store/sqlitestore"
)

// position decodes field 0 of a transform with an independent MessagePack
// library, so the layout is checked, not just round-tripped.
func position(t *testing.T, d netobj.Delta) ([]float32, bool) {
	t.Helper()
	raw, ok := d.Field(fieldPosition)
	if !ok {
		return nil, false
	}
	var pos []float32
	require.NoError(t, msgpack.Unmarshal(raw, &pos))
	require.Len(t, pos, 3)
	return pos, true
}

// startServer starts a dev-mode server that gives logins a minute:
// password hashing under -race on a busy machine can queue for longer than
// the default 10 s.
func startServer(t *testing.T, opts ...servertest.Option) *servertest.Server {
	t.Helper()
	slow := servertest.WithConfig(func(c *server.Config) { c.Limits.LoginTimeout = time.Minute })
	return servertest.Start(t, append([]servertest.Option{slow}, opts...)...)
}

// slowSetup gives each bot as long as the server gives its login.
var slowSetup = []string{"--setup-timeout", "1m"}

// The bots run until stopped (as by Ctrl-C): the test stops them once an
// observer has seen every bot move, chat and the crates appear, so a slow
// machine makes it slower, not flaky.
func TestBotWandersChatsAndLeaves(t *testing.T) {
	srv := startServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 4*servertest.Timeout)
	defer cancel()
	obs, err := client.Dial(ctx, srv.Addr)
	require.NoError(t, err)
	defer obs.Close()
	_, err = obs.Login(ctx, "observer", "pw")
	require.NoError(t, err)
	_, err = obs.Join(ctx, "plaza", "")
	require.NoError(t, err)

	var stdout, stderr bytes.Buffer
	botCtx, stopBots := context.WithCancel(ctx)
	defer stopBots()
	done := make(chan int, 1)
	go func() {
		done <- Run(botCtx, append([]string{"--addr", srv.Addr, "--room", "plaza", "--count", "3", "--seed", "7"}, slowSetup...), &stdout, &stderr)
	}()

	const moves = 5 // distinct positions seen per avatar before stopping
	avatars := map[netobj.ID]map[[3]float32]bool{}
	chatters := map[int64]bool{}
	destroyed := map[netobj.ID]bool{}
	crates := 0
	code := -1
	enough := func() bool {
		if len(avatars) < 3 || len(chatters) < 3 || crates < 3 {
			return false
		}
		for _, seen := range avatars {
			if len(seen) < moves {
				return false
			}
		}
		return true
	}
	for code < 0 || len(destroyed) < len(avatars) {
		select {
		case ev := <-obs.Events():
			switch ev := ev.(type) {
			case client.ObjectSpawned:
				switch ev.Object.Prefab {
				case "Avatar":
					avatars[ev.Object.ID] = map[[3]float32]bool{}
					rot, ok := ev.Object.State.Field(fieldRotation)
					require.True(t, ok)
					var q []float32
					require.NoError(t, msgpack.Unmarshal(rot, &q))
					assert.Len(t, q, 4, "rotation is a quaternion")
					scale, ok := ev.Object.State.Field(fieldScale)
					require.True(t, ok)
					var sc []float32
					require.NoError(t, msgpack.Unmarshal(scale, &sc))
					assert.Equal(t, []float32{1, 1, 1}, sc)
					clock, ok := ev.Object.State.Field(fieldTime)
					require.True(t, ok)
					var sec float64
					require.NoError(t, msgpack.Unmarshal(clock, &sec))
					assert.GreaterOrEqual(t, sec, 0.0)
				case "Crate":
					crates++
					assert.Equal(t, netobj.LifetimeRoom, ev.Object.Life)
				}
			case client.ObjectUpdated:
				if seen, ok := avatars[ev.ID]; ok {
					if p, ok := position(t, ev.Delta); ok {
						seen[[3]float32(p)] = true
					}
				}
			case client.MessageReceived:
				chatters[ev.From] = true
			case client.ObjectDestroyed:
				destroyed[ev.ID] = true
			}
			if enough() {
				stopBots()
			}
		case code = <-done:
			done = nil
		case <-ctx.Done():
			stopBots()
			<-done // stderr is the bots' no longer
			t.Fatalf("bots did not finish: code %d, %d avatars, %d chatters, %d crates, %d destroyed; stderr: %s", code, len(avatars), len(chatters), crates, len(destroyed), stderr.String())
		}
	}

	assert.Equal(t, exitcode.OK, code, "stderr: %s", stderr.String())
	assert.Empty(t, stderr.String(), "no progress line when stderr is not a terminal")
	summary := stdout.String()
	assert.Regexp(t, `^tandem bot: 3 bots in "plaza" for \S+: sent \d+ lines \([1-9]\d* object updates, [0-9.]+/s; [1-9]\d* chats\), received \d+ lines \([1-9]\d* object updates`, summary)
	require.Len(t, avatars, 3)
	for id, seen := range avatars {
		assert.GreaterOrEqual(t, len(seen), moves, "avatar %s moves", id)
		assert.True(t, destroyed[id], "avatar %s destroyed when its bot stopped", id)
	}
	assert.Len(t, chatters, 3, "every bot chats")
	assert.Equal(t, 3, crates)
	assert.Len(t, obs.View().Members, 1, "the bots left")
}

// On a terminal, stderr shows a live status line, erased before the
// summary; stdout gets the summary only.
func TestBotProgressOnTerminal(t *testing.T) {
	srv := startServer(t)
	term := ptytest.Open(t)
	var stdout bytes.Buffer
	code := Run(t.Context(), append([]string{"--addr", srv.Addr, "--room", "plaza", "--count", "2", "--duration", "1600ms"}, slowSetup...), &stdout, term.TTY)
	out := term.Output()
	require.Equal(t, exitcode.OK, code, out)
	assert.Regexp(t, `\r\x1b\[K\d+s  [0-2]/2 bots in "plaza"  updates \d+/s out \d+/s in  chats [0-9.]+/s out [0-9.]+/s in  errors \d+`, out)
	assert.True(t, strings.HasSuffix(out, "\r\x1b[K"), "the status is erased at the end: %q", out)
	assert.Contains(t, stdout.String(), `tandem bot: 2 bots in "plaza"`)
	assert.NotContains(t, stdout.String(), "\r")
}

// A server without --dev refuses unknown bots; the user is told once, with
// what to do, rather than once per bot.
func TestBotBadCredentialsHint(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Dev = false
		c.Limits.LoginTimeout = time.Minute
	}))
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), append([]string{"--addr", srv.Addr, "--room", "plaza", "--count", "3", "--user-prefix", "zed"}, slowSetup...), &stdout, &stderr)
	assert.Equal(t, exitcode.Fail, code)
	msg := stderr.String()
	assert.Contains(t, msg, "refused the login of 3 bots (bad_credentials)")
	assert.Contains(t, msg, "--dev")
	assert.Contains(t, msg, "echo PASSWORD | tandem user add zed1")
	assert.Equal(t, 1, strings.Count(msg, "bad_credentials"), "one explanation, not one per bot: %s", msg)
	assert.Contains(t, stdout.String(), "3 errors")
}

// flakyStore is a real SQLite store whose first ban lookups (one per
// login) fail, as a store busy with many first logins does.
type flakyStore struct {
	store.Store
	failures atomic.Int32
}

func (f *flakyStore) GetBan(ctx context.Context, user string) (store.Ban, error) {
	if f.failures.Add(-1) >= 0 {
		return store.Ban{}, errors.New("injected: database is locked")
	}
	return f.Store.GetBan(ctx, user)
}

// A login the server answers with store_unavailable is tried again, and
// the bot gets in.
func TestBotRetriesBusyStore(t *testing.T) {
	st, err := sqlitestore.Open(t.Context(), filepath.Join(t.TempDir(), "tandem.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	flaky := &flakyStore{Store: st}
	srv := startServer(t, servertest.WithStore(flaky))
	ctx, cancel := context.WithTimeout(t.Context(), 4*servertest.Timeout)
	defer cancel()
	obs, err := client.Dial(ctx, srv.Addr)
	require.NoError(t, err)
	defer obs.Close()
	self, err := obs.Login(ctx, "observer", "pw")
	require.NoError(t, err)
	_, err = obs.Join(ctx, "busy", "")
	require.NoError(t, err)

	flaky.failures.Store(2) // the bot's first two logins fail
	botCtx, stopBots := context.WithCancel(ctx)
	defer stopBots()
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Run(botCtx, append([]string{"--addr", srv.Addr, "--room", "busy"}, slowSetup...), &stdout, &stderr)
	}()
	for code := -1; code < 0; {
		select {
		case ev := <-obs.Events():
			if j, ok := ev.(client.MemberJoined); ok && j.ID != self {
				stopBots()
			}
		case code = <-done:
			assert.Equal(t, exitcode.OK, code, "stderr: %s", stderr.String())
		case <-ctx.Done():
			t.Fatal("the bot neither got in nor failed")
		}
	}
	assert.Equal(t, int32(-1), flaky.failures.Load(), "both injected failures were met, then one success")
	assert.Empty(t, stderr.String())
}

// --tls-ca trusts a self-signed server; without it (or --tls-insecure) the
// certificate is refused. A bot that gets in is seen joining by an
// observer, then stopped; one that cannot fails on its own.
func TestBotTLS(t *testing.T) {
	cert := servertest.SelfSignedCert(t, "127.0.0.1")
	srv := startServer(t, servertest.WithTLS(cert.Server))
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("hello"), 0o600))
	tests := []struct {
		name      string
		args      []string
		code      int
		connected bool
		stderr    string
	}{
		{"trusted CA", []string{"--tls-ca", cert.PEMPath}, exitcode.OK, true, ""},
		{"insecure", []string{"--tls", "--tls-insecure"}, exitcode.OK, true, ""},
		{"unknown CA", []string{"--tls"}, exitcode.Fail, false, "certificate signed by unknown authority"},
		{"plain text to TLS port", nil, exitcode.Fail, false, "bot1: "},
		{"missing CA file", []string{"--tls-ca", filepath.Join(t.TempDir(), "nope.pem")}, exitcode.Usage, false, "--tls-ca"},
		{"CA file without PEM", []string{"--tls-ca", notPEM}, exitcode.Usage, false, "no PEM certificate"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 4*servertest.Timeout)
			defer cancel()
			room := fmt.Sprintf("tls%d", i)
			var joined <-chan client.Event
			var self int64
			if tt.connected {
				obs, err := client.Dial(ctx, srv.Addr, client.WithTLS(&tls.Config{RootCAs: cert.Pool}))
				require.NoError(t, err)
				defer obs.Close()
				self, err = obs.Login(ctx, fmt.Sprintf("observer%d", i), "pw")
				require.NoError(t, err)
				_, err = obs.Join(ctx, room, "")
				require.NoError(t, err)
				joined = obs.Events()
			}
			botCtx, stopBots := context.WithCancel(ctx)
			defer stopBots()
			var stdout, stderr bytes.Buffer
			done := make(chan int, 1)
			go func() {
				args := append([]string{"--addr", srv.Addr, "--room", room}, slowSetup...)
				done <- Run(botCtx, append(args, tt.args...), &stdout, &stderr)
			}()
			code := -1
			for code < 0 {
				select {
				case ev := <-joined:
					if j, ok := ev.(client.MemberJoined); ok && j.ID != self {
						stopBots() // the bot is in, over TLS
					}
				case code = <-done:
				case <-ctx.Done():
					t.Fatal("the bot neither got in nor failed")
				}
			}
			assert.Equal(t, tt.code, code, "stderr: %s", stderr.String())
			assert.Contains(t, stderr.String(), tt.stderr)
			if tt.connected {
				assert.Regexp(t, `received [1-9]\d* lines`, stdout.String())
			}
		})
	}
}

// A command-line mistake gets its error and one line pointing at --help
// (not the whole usage); --help prints the usage on stdout.
func TestBotFlags(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stderr string // the first line of stderr
	}{
		{[]string{"--count", "2"}, exitcode.Usage, "tandem bot: --room is required"},
		{[]string{"--room", "r", "--count", "0"}, exitcode.Usage, "tandem bot: --count must be at least 1"},
		{[]string{"--room", "r", "--rate", "0"}, exitcode.Usage, "tandem bot: --rate must be above 0 and at most 1000"},
		{[]string{"--room", "r", "--setup-timeout", "0s"}, exitcode.Usage, "tandem bot: --setup-timeout must be positive"},
		{[]string{"--room", "a:b"}, exitcode.Usage, "tandem bot: --room: "},
		{[]string{"--room", "r", "extra"}, exitcode.Usage, `tandem bot: unexpected argument "extra"`},
		{[]string{"--room", "r", "--nope"}, exitcode.Usage, "tandem bot: flag provided but not defined: -nope"},
		{[]string{"--help"}, exitcode.OK, ""},
		{[]string{"--room", "r", "--addr", "127.0.0.1:1"}, exitcode.Fail, "tandem bot: bot1: "}, // nobody listening
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := Run(t.Context(), tt.args, &stdout, &stderr)
		assert.Equal(t, tt.code, code, "%v: %s", tt.args, stderr.String())
		lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
		assert.True(t, strings.HasPrefix(lines[0], tt.stderr), "%v: stderr %q", tt.args, stderr.String())
		switch tt.code {
		case exitcode.Usage:
			assert.Equal(t, []string{lines[0], "Run 'tandem bot --help' for the options."}, lines, "%v", tt.args)
			assert.Empty(t, stdout.String())
		case exitcode.OK:
			assert.Empty(t, stderr.String())
			assert.True(t, strings.HasPrefix(stdout.String(), "usage:\n  tandem bot --room NAME"), stdout.String())
			assert.Contains(t, stdout.String(), "-tls-ca string")
		}
	}
}

// The transform layout: fixarray of float32, as the Unity side reads it.
func TestBotTransformDelta(t *testing.T) {
	d := transformDelta([3]float32{1.5, 0, -2}, 0, true, 2.5)
	assert.Equal(t, uint64(0xf), d.Mask)
	assert.Equal(t, []byte{0x93, 0xca, 0x3f, 0xc0, 0, 0, 0xca, 0, 0, 0, 0, 0xca, 0xc0, 0, 0, 0}, d.Fields[0])
	assert.Equal(t, []byte{0xcb, 0x40, 0x04, 0, 0, 0, 0, 0, 0}, d.Fields[3], "time: float64 seconds")
	data := d.AppendData(nil)
	back, err := netobj.DecodeDelta(d.AppendMask(nil), data)
	require.NoError(t, err)
	assert.Equal(t, d, back)
}

// A bot whose connection drops comes back as a player's client does: it
// resumes while the server holds its session, else logs in with its session
// token, else with the password; and goes on wandering.
func TestBotComesBackAfterADrop(t *testing.T) {
	tests := []struct {
		name   string
		config func(*server.Config)
		way    string
	}{
		{"resume", func(*server.Config) {}, "1 resumed, 0 with the session token, 0 with the password"},
		{"session token", func(c *server.Config) { c.Limits.RejoinGrace = -1 }, "0 resumed, 1 with the session token, 0 with the password"},
		{"password", func(c *server.Config) { c.Limits.RejoinGrace, c.Limits.SessionTTL = -1, -1 }, "0 resumed, 0 with the session token, 1 with the password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, servertest.WithConfig(func(c *server.Config) {
				c.Limits.LoginTimeout = time.Minute
				tt.config(c)
			}))
			proxy := servertest.NewProxy(t, srv.Addr)
			obs := srv.Login(t, "observer")
			obs.Join("plaza")

			var stdout, stderr bytes.Buffer
			botCtx, stopBots := context.WithCancel(t.Context())
			defer stopBots()
			done := make(chan int, 1)
			go func() {
				done <- Run(botCtx, append([]string{"--addr", proxy.Addr, "--room", "plaza", "--count", "1", "--rate", "20"}, slowSetup...), &stdout, &stderr)
			}()
			obs.Skip(func(l string) bool { return strings.HasPrefix(l, "11:") }) // the bot moves
			proxy.Cut()
			time.Sleep(300 * time.Millisecond) // a few failed attempts
			proxy.Restore()
			// Moving again after the drop: updates arrive after the bot's
			// "20:<id>:active" or its new join.
			obs.Skip(func(l string) bool {
				return strings.HasPrefix(l, "20:") && strings.HasSuffix(l, ":active") || strings.HasPrefix(l, "2:") && strings.HasSuffix(l, ":plaza")
			})
			obs.Skip(func(l string) bool { return strings.HasPrefix(l, "11:") })
			stopBots()
			require.Equal(t, 0, <-done, stderr.String())
			assert.Contains(t, stdout.String(), "came back after drops 1 times: "+tt.way)
		})
	}
}
