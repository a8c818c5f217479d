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
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	ok, err := s.checkPassword(ctx, user, password)
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
	s.rejoin.endInactive(user) // a password login ends a dropped session too
	cl.send(cl.sessionLine(id))
	cl.log.Info("logged in")
}

// checkPassword verifies a login. Hashing runs on a bounded pool so a login
// flood cannot take the CPU from relaying; unknown users cost the same time
// as wrong passwords.
func (s *Server) checkPassword(ctx context.Context, user, password string) (bool, error) {
	select {
	case s.hashSlots <- struct{}{}:
	case <-ctx.Done():
		return false, fmt.Errorf("wait for a hashing slot: %w", ctx.Err())
	}
	defer func() { <-s.hashSlots }()
	u, err := s.store.GetUser(ctx, user)
	if errors.Is(err, store.ErrNotFound) && s.cfg.Dev {
		created, cerr := s.createDevUser(ctx, user, password)
		if cerr != nil || created {
			return created, cerr
		}
		u, err = s.store.GetUser(ctx, user) // made meanwhile by a concurrent login
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		accounts.VerifyDummy(password)
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look up user: %w", err)
	}
	ok, err := accounts.Verify(password, u.PasswordHash)
	if err != nil {
		return false, fmt.Errorf("verify password of %q: %w", user, err)
	}
	return ok, nil
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
