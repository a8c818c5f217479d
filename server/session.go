package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/server/accounts"
	"github.com/tandemnet/tandem/server/sessiontoken"
	"github.com/tandemnet/tandem/server/store"
)

// sessionRegistry maps each logged-in user to its one client.
type sessionRegistry struct {
	mu    sync.Mutex
	users map[string]*client
}

func newSessionRegistry() *sessionRegistry {
	return &sessionRegistry{users: make(map[string]*client)}
}

// register makes cl the session of user and returns the one it replaces.
func (sr *sessionRegistry) register(user string, cl *client) *client {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	old := sr.users[user]
	sr.users[user] = cl
	return old
}

func (sr *sessionRegistry) all() []*client {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	out := make([]*client, 0, len(sr.users))
	for _, cl := range sr.users {
		out = append(out, cl)
	}
	return out
}

func (sr *sessionRegistry) remove(user string, cl *client) {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if sr.users[user] == cl {
		delete(sr.users, user)
	}
}

// storeTimeout bounds one store call made on behalf of a client, so a dead
// database costs a clear error, not a hung client.
const storeTimeout = 5 * time.Second

func (cl *client) login(cmd *protocol.Command) {
	if cl.loggedIn() {
		cl.sendError(protocol.NumLogin, protocol.CodeAlreadyLoggedIn, "this connection is already logged in")
		return
	}
	user, err := accounts.NormalizeUserName(string(cmd.Fields[0]))
	if err != nil {
		cl.srv.logLoginFailure(cl.log, string(cmd.Fields[0]), err.Error())
		cl.sendError(protocol.NumLogin, protocol.CodeBadCommand, err.Error())
		return
	}
	password := string(cmd.Fields[1])
	if err := accounts.ValidatePassword(password); err != nil {
		cl.srv.logLoginFailure(cl.log, user, err.Error())
		cl.sendError(protocol.NumLogin, protocol.CodeBadCommand, err.Error())
		return
	}
	s := cl.srv
	host := remoteHost(cl.conn.remote)
	if wait := s.throttle.blocked(user, host); wait > 0 {
		s.logLoginFailure(cl.log, user, "throttled")
		s.metrics.LoginFailures.Inc()
		cl.sendError(protocol.NumLogin, protocol.CodeLoginThrottled, fmt.Sprintf("too many failed logins; try again in %s", wait.Round(time.Second)))
		return
	}
	done, refusal := s.logins.admit(user, host, true)
	if refusal != nil {
		cl.refuseLogin(refusal)
		return
	}
	ok, gen, err := s.checkPassword(user, host, password)
	done() // before any answer: a client may send its next attempt at once
	if errors.Is(err, errHashBusy) {
		cl.refuseLogin(&loginRefusal{busy: true, retry: busyAppointment(err), text: "the server is busy checking other logins"})
		return
	}
	if err != nil {
		cl.storeFailed(protocol.NumLogin, "login: store failed", user, err)
		return
	}
	if !ok {
		s.logLoginFailure(cl.log, user, "unknown user or wrong password")
		s.metrics.LoginFailures.Inc()
		s.throttle.failed(user, host)
		cl.sendError(protocol.NumLogin, protocol.CodeBadCredentials, "unknown user or wrong password")
		return
	}
	s.throttle.succeeded(user, host)
	now := time.Now()
	cl.completeLogin(protocol.NumLogin, user, host, s.tokens.claimsFor(user, gen, now))
}

// completeLogin ends a login whose credentials (a password or a session
// token) were good: the ban check, a client id, the session. claims are
// those of the session token to hand out.
func (cl *client) completeLogin(num int, user, host string, claims sessiontoken.Claims) {
	s := cl.srv
	// Banned from the admin console (admin_backend.go): told after the
	// credentials, so a ban does not reveal that a name exists.
	if text, banned, err := s.loginBan(user); err != nil || banned {
		if err != nil {
			cl.storeFailed(num, "login: ban lookup failed", user, err)
			return
		}
		cl.sendError(num, protocol.CodeBanned, text)
		return
	}
	s.logins.succeeded(user, host)
	// A fresh timeout: the password check may have waited its turn for a
	// while, which is not the database's time.
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	id, err := s.clientIDs.take(ctx)
	if err != nil {
		cl.storeFailed(num, "login: allocate client id", user, err)
		return
	}
	cl.self.id, cl.self.user = id, user
	cl.claims = claims
	cl.log = cl.log.With("client", id, "user", user)
	cl.conn.loggedInAs(cl.log)
	s.metrics.Logins.Inc()
	s.metrics.Sessions.Inc()
	if old := s.sessions.register(user, cl); old != nil {
		old.conn.closeWith(protocol.CloseSessionReplaced, "you logged in from another connection")
	}
	if s.cluster != nil {
		s.cluster.loggedIn(cl)
	}
	s.rejoin.endInactive(user) // a login ends a dropped session too
	cl.send(cl.sessionLine(id))
	cl.log.Info("logged in", "with_token", num == protocol.NumTokenLogin)
}

// storeFailed answers a login the database could not serve.
func (cl *client) storeFailed(num int, what, user string, err error) {
	cl.srv.metrics.StoreErrors.Inc()
	cl.log.Error(what, "user", user, "err", err)
	cl.sendError(num, protocol.CodeStoreUnavailable, "the account database is not answering; try again later")
}

// checkPassword verifies a login. The account is looked up first, outside
// the hashing slot (a slow database must not hold one); hashing then waits
// its turn in the fair queue (loginguard.go) so a login flood cannot take
// the CPU from relaying. Unknown users cost the same time as wrong
// passwords. errHashBusy when no slot came free in time. It also returns
// the account's session generation, for the session token.
func (s *Server) checkPassword(user, host, password string) (bool, int64, error) {
	lookup, cancel := context.WithTimeout(context.Background(), storeTimeout)
	u, err := s.store.GetUser(lookup, user)
	cancel()
	notFound := errors.Is(err, store.ErrNotFound)
	if err != nil && !notFound {
		return false, 0, fmt.Errorf("look up user: %w", err)
	}
	// The queue wait is bounded by LoginQueueWait alone.
	release, err := s.hashQueue.acquire(context.Background(), host, s.cfg.Limits.LoginQueueWait)
	if err != nil {
		return false, 0, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if notFound && s.cfg.Dev {
		created, cerr := s.createDevUser(ctx, user, password)
		if cerr != nil || created {
			return created, 0, cerr // a new account's generation is 0
		}
		u, err = s.store.GetUser(ctx, user) // made meanwhile by a concurrent login
		if err != nil {
			return false, 0, fmt.Errorf("look up user: %w", err)
		}
		notFound = false
	}
	if notFound {
		accounts.VerifyDummy(password)
		return false, 0, nil
	}
	ok, err := accounts.Verify(password, u.PasswordHash)
	if err != nil {
		return false, 0, fmt.Errorf("verify password of %q: %w", user, err)
	}
	return ok, u.SessionGen, nil
}

// refuseLogin answers an attempt refused before hashing: server_busy with
// a jittered retry delay, or login_throttled with the wait.
func (cl *client) refuseLogin(r *loginRefusal) { cl.refuseLoginAs(protocol.NumLogin, r) }

// refuseLoginAs answers a refused login of kind num (0 or 18).
func (cl *client) refuseLoginAs(num int, r *loginRefusal) {
	cl.srv.metrics.LoginFailures.Inc()
	if r.busy {
		wait := cl.srv.cfg.Limits.LoginQueueWait
		if num == protocol.NumTokenLogin {
			wait = tokenBusyWait // a token login in flight is over in milliseconds
		}
		retry := r.retry
		if retry == 0 {
			retry = busyRetry(wait)
		}
		cl.sendError(num, protocol.CodeServerBusy, fmt.Sprintf("%d %s; try again later", retry.Milliseconds(), r.text))
		return
	}
	cl.sendError(num, protocol.CodeLoginThrottled, fmt.Sprintf("%s; try again in %s", r.text, max(r.wait, time.Second).Round(time.Second)))
}

// createDevUser reports false when the account appeared meanwhile.
func (s *Server) createDevUser(ctx context.Context, user, password string) (bool, error) {
	hash, err := accounts.Hash(password)
	if err != nil {
		return false, fmt.Errorf("hash password: %w", err)
	}
	err = s.store.CreateUser(ctx, user, hash)
	if errors.Is(err, store.ErrUserExists) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create dev account %q: %w", user, err)
	}
	s.log.Warn("dev mode: created account on first login", "user", user)
	return true, nil
}

// tokenLogin is "18:<session token>": a login without the password
// (sessiontokens.go). It is bounded like a password login (in flight, and
// successful logins per account and address) but costs no hash.
func (cl *client) tokenLogin(cmd *protocol.Command) {
	num := protocol.NumTokenLogin
	if cl.loggedIn() {
		cl.sendError(num, protocol.CodeAlreadyLoggedIn, "this connection is already logged in")
		return
	}
	tok := cmd.Fields[0]
	if !protocol.ValidSessionToken(tok) {
		cl.conn.strike(num, protocol.CodeBadCommand, fmt.Sprintf("a session token is 1 to %d letters, digits, '_', '-' or '.'", protocol.MaxSessionToken))
		return
	}
	s := cl.srv
	if !s.tokens.on() {
		s.metrics.LoginFailures.Inc()
		cl.sendError(num, protocol.CodeBadToken, "session tokens are off on this server; log in with 0")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	claims, err := s.tokens.verify(ctx, string(tok))
	if err != nil && !isTokenRefusal(err) {
		cl.storeFailed(num, "token login: load the signing keys", "", err)
		return
	}
	if err != nil {
		// A forged or stale token costs one HMAC; a client that keeps
		// sending them is cut like any other line-level abuse.
		s.metrics.LoginFailures.Inc()
		cl.conn.strike(num, protocol.CodeBadToken, "session token refused ("+err.Error()+"); log in with 0")
		return
	}
	user, host := claims.User, remoteHost(cl.conn.remote)
	done, refusal := s.logins.admit(user, host, false)
	if refusal != nil {
		cl.refuseLoginAs(num, refusal)
		return
	}
	u, err := s.store.GetUser(ctx, user)
	done()
	if errors.Is(err, store.ErrNotFound) {
		s.metrics.LoginFailures.Inc()
		cl.sendError(num, protocol.CodeBadToken, "the account of this session token is gone; log in with 0")
		return
	}
	if err != nil {
		cl.storeFailed(num, "token login: look up user", user, err)
		return
	}
	if u.SessionGen != claims.Gen {
		s.metrics.LoginFailures.Inc()
		cl.sendError(num, protocol.CodeBadToken, "this session was ended (logout or new password); log in with 0")
		return
	}
	// The same session goes on: same issue time and expiry, signed again
	// with the newest key so key rotation reaches every client.
	cl.completeLogin(num, user, host, claims)
}

// tokenBusyWait is the retry hint of a token login refused because another
// login of the account is in flight.
const tokenBusyWait = 250 * time.Millisecond

// isTokenRefusal says whether err refuses the token itself (rather than
// the server failing to check it).
func isTokenRefusal(err error) bool {
	for _, e := range []error{sessiontoken.ErrMalformed, sessiontoken.ErrUnknownKey, sessiontoken.ErrSignature, sessiontoken.ErrExpired} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// logout is "21": the session ends here and every session token of the
// account dies (its generation moves on); the member leaves its room.
func (cl *client) logout() {
	s := cl.srv
	if s.tokens.on() {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		err := s.store.EndSessions(ctx, cl.self.user)
		cancel()
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			// Not logged out: the tokens would outlive the logout.
			cl.storeFailed(protocol.NumLogout, "logout: end session tokens", cl.self.user, err)
			return
		}
	}
	cl.rejoin.token.Store(nil)
	cl.log.Info("logged out")
	cl.conn.closeWith(protocol.CloseLoggedOut, "you logged out")
}
