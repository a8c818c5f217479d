package server_test

import (
	"fmt"
	"testing"
	"time"
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
	eachCSharpTransport(t, func(t *testing.T, polled bool) { runCSharpTokens(t, exe, polled) })
}

func runCSharpTokens(t *testing.T, exe string, polled bool) {
	const grace = 2 * time.Second
	srv, proxy, addr := csharpBehindProxy(t, grace, polled)
	suffix := fmt.Sprint(time.Now().UnixNano() % 1_000_000_000)
	room := "csharp-tokens-" + suffix

	other := srv.Login(t, "tokother"+suffix)
	other.Join(room)

	next, stderr := runCSharpRole(t, exe, addr, "TOKENS", "tokens"+suffix, room)

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
