package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
)

// TestCSharpSessionTokensEndToEnd runs the C# client's session tokens (role TOKENS, see
// unity-client/Tests/E2E~/TokenRole.cs) against a real server through a TCP proxy. The
// password login brings a session token; a second client that never learns the password is
// refused a forged token and logs in with the real one. The proxy then cuts it past the
// rejoin grace: the resume is refused and the client logs in with its session token and
// rejoins. Finally it logs out: a leave (not a drop), no reconnect, and the token is dead.
// Over TCP, and over WebSocket through the polled transport WebGL builds use.
func TestCSharpSessionTokensEndToEnd(t *testing.T) {
	exe := csharpE2EExe(t)
	for _, tc := range []struct {
		name   string
		polled bool
	}{
		{name: "tcp"},
		{name: "ws-polled", polled: true},
	} {
		t.Run(tc.name, func(t *testing.T) { runCSharpTokens(t, exe, tc.polled) })
	}
}

func runCSharpTokens(t *testing.T, exe string, polled bool) {
	const grace = 2 * time.Second
	srv := servertest.Start(t, servertest.WithWebSocket(server.WebSocketOptions{}),
		servertest.WithConfig(func(c *server.Config) { c.Limits.RejoinGrace = grace }))
	target := srv.Addr
	var flags []string
	if polled {
		u, err := url.Parse(srv.WSURL)
		if err != nil {
			t.Fatal(err)
		}
		target = u.Host
	}
	proxy := servertest.NewProxy(t, target)
	host, port, _ := strings.Cut(proxy.Addr, ":")
	if polled {
		flags = []string{"--url", "ws://" + proxy.Addr + "/ws", "--polled"}
	}
	suffix := fmt.Sprint(time.Now().UnixNano() % 1_000_000_000)
	room := "csharp-tokens-" + suffix

	other := srv.Login(t, "tokother"+suffix)
	other.Join(room)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append(append([]string{exe}, flags...), host, port, "TOKENS", "tokens"+suffix, room)
	cmd := exec.CommandContext(ctx, "mono", args...)
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var out []string
	next := func(prefix string) string {
		t.Helper()
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("TOKENS ended before %q:\n%s\n%s", prefix, strings.Join(out, "\n"), stderr.String())
				}
				out = append(out, line)
				if strings.HasPrefix(line, prefix) {
					return strings.TrimPrefix(line, prefix)
				}
				if strings.HasPrefix(line, "E2E FAIL") {
					t.Fatalf("TOKENS: %s\n%s", line, stderr.String())
				}
			case <-ctx.Done():
				t.Fatalf("no %q from TOKENS in time:\n%s\n%s", prefix, strings.Join(out, "\n"), stderr.String())
			}
		}
	}

	// Logged in with the session token (no password), in the room.
	id := next("READY ")
	other.Skip(func(l string) bool { return l == "2:"+id+":"+room })

	// Away past the grace: the resume is refused, the session token logs it in again.
	proxy.Cut()
	other.Skip(func(l string) bool { return l == "20:"+id+":inactive" })
	other.Skip(func(l string) bool { return l == "2:"+id+":" })
	proxy.Restore()
	newID := next("REJOINED ")
	other.Skip(func(l string) bool { return l == "2:"+newID+":"+room })

	// The logout is a leave, not a drop.
	next("LOGGED_OUT")
	for {
		l := other.Next()
		if l == "20:"+newID+":inactive" {
			t.Fatalf("the logout made %s inactive instead of leaving", newID)
		}
		if l == "2:"+newID+":" {
			break
		}
	}
	next("E2E OK")
	t.Logf("C# client: token login as %s, rejoined with the token as %s, logged out:\n%s", id, newID, stderr.String())
}
