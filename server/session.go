package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/server/accounts"
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
	done, refusal := s.logins.admit(user, host)
	if refusal != nil {
		cl.refuseLogin(refusal)
		return
	}
	ok, err := s.checkPassword(user, host, password)
	done() // before any answer: a client may send its next attempt at once
	// A fresh timeout for what follows: the password check may have waited
	// its turn for a while, which is not the database's time.
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if errors.Is(err, errHashBusy) {
		cl.refuseLogin(&loginRefusal{busy: true, text: "the server is busy checking other logins"})
		return
	}
	if err != nil {
		s.metrics.StoreErrors.Inc()
		cl.log.Error("login: store failed", "user", user, "err", err)
		cl.sendError(protocol.NumLogin, protocol.CodeStoreUnavailable, "the account database is not answering; try again later")
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
	// Banned from the admin console (admin_backend.go): told after the
	// password, so a ban does not reveal that a name exists.
	if text, banned, err := s.loginBan(user); err != nil || banned {
		if err != nil {
			s.metrics.StoreErrors.Inc()
			cl.log.Error("login: ban lookup failed", "user", user, "err", err)
			cl.sendError(protocol.NumLogin, protocol.CodeStoreUnavailable, "the account database is not answering; try again later")
			return
		}
		cl.sendError(protocol.NumLogin, protocol.CodeBanned, text)
		return
	}
	s.logins.succeeded(user, host)
	id, err := s.store.NextClientID(ctx)
	if err != nil {
		s.metrics.StoreErrors.Inc()
		cl.log.Error("login: allocate client id", "err", err)
		cl.sendError(protocol.NumLogin, protocol.CodeStoreUnavailable, "the account database is not answering; try again later")
		return
	}
	cl.self.id, cl.self.user = id, user
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
	s.rejoin.endInactive(user) // a password login ends a dropped session too
	cl.send(cl.sessionLine(id))
	cl.log.Info("logged in")
}

// checkPassword verifies a login. The account is looked up first, outside
// the hashing slot (a slow database must not hold one); hashing then waits
// its turn in the fair queue (loginguard.go) so a login flood cannot take
// the CPU from relaying. Unknown users cost the same time as wrong
// passwords. errHashBusy when no slot came free in time.
func (s *Server) checkPassword(user, host, password string) (bool, error) {
	lookup, cancel := context.WithTimeout(context.Background(), storeTimeout)
	u, err := s.store.GetUser(lookup, user)
	cancel()
	notFound := errors.Is(err, store.ErrNotFound)
	if err != nil && !notFound {
		return false, fmt.Errorf("look up user: %w", err)
	}
	// The queue wait is bounded by LoginQueueWait alone.
	release, err := s.hashQueue.acquire(context.Background(), host, s.cfg.Limits.LoginQueueWait)
	if err != nil {
		return false, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if notFound && s.cfg.Dev {
		created, cerr := s.createDevUser(ctx, user, password)
		if cerr != nil || created {
			return created, cerr
		}
		u, err = s.store.GetUser(ctx, user) // made meanwhile by a concurrent login
		if err != nil {
			return false, fmt.Errorf("look up user: %w", err)
		}
		notFound = false
	}
	if notFound {
		accounts.VerifyDummy(password)
		return false, nil
	}
	ok, err := accounts.Verify(password, u.PasswordHash)
	if err != nil {
		return false, fmt.Errorf("verify password of %q: %w", user, err)
	}
	return ok, nil
}

// refuseLogin answers an attempt refused before hashing: server_busy with
// a jittered retry delay, or login_throttled with the wait.
func (cl *client) refuseLogin(r *loginRefusal) {
	cl.srv.metrics.LoginFailures.Inc()
	if r.busy {
		retry := busyRetry(cl.srv.cfg.Limits.LoginQueueWait)
		cl.sendError(protocol.NumLogin, protocol.CodeServerBusy, fmt.Sprintf("%d %s; try again later", retry.Milliseconds(), r.text))
		return
	}
	cl.sendError(protocol.NumLogin, protocol.CodeLoginThrottled, fmt.Sprintf("%s; try again in %s", r.text, max(r.wait, time.Second).Round(time.Second)))
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
