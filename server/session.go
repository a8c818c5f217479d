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

// sessionRegistry maps each logged-in user to its one connection.
type sessionRegistry struct {
	mu    sync.Mutex
	users map[string]*conn
}

func newSessionRegistry() *sessionRegistry {
	return &sessionRegistry{users: make(map[string]*conn)}
}

// register makes c the session of user and returns the one it replaces.
func (sr *sessionRegistry) register(user string, c *conn) *conn {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	old := sr.users[user]
	sr.users[user] = c
	return old
}

func (sr *sessionRegistry) remove(user string, c *conn) {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if sr.users[user] == c {
		delete(sr.users, user)
	}
}

func (sr *sessionRegistry) all() []*conn {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	out := make([]*conn, 0, len(sr.users))
	for _, c := range sr.users {
		out = append(out, c)
	}
	return out
}

// storeTimeout bounds one store call made on behalf of a client, so a dead
// database costs a clear error, not a hung client.
const storeTimeout = 5 * time.Second

func (c *conn) login(cmd *protocol.Command) {
	if c.loggedIn.Load() {
		c.sendError(protocol.NumLogin, protocol.CodeAlreadyLoggedIn, "this connection is already logged in")
		return
	}
	user, err := accounts.NormalizeUserName(string(cmd.Fields[0]))
	if err != nil {
		c.srv.logLoginFailure(c.log, string(cmd.Fields[0]), err.Error())
		c.sendError(protocol.NumLogin, protocol.CodeBadCommand, err.Error())
		return
	}
	password := string(cmd.Fields[1])
	if err := accounts.ValidatePassword(password); err != nil {
		c.srv.logLoginFailure(c.log, user, err.Error())
		c.sendError(protocol.NumLogin, protocol.CodeBadCommand, err.Error())
		return
	}
	s := c.srv
	host := remoteHost(c.remote)
	if wait := s.throttle.blocked(user, host); wait > 0 {
		s.logLoginFailure(c.log, user, "throttled")
		s.metrics.LoginFailures.Inc()
		c.sendError(protocol.NumLogin, protocol.CodeLoginThrottled, fmt.Sprintf("too many failed logins; try again in %s", wait.Round(time.Second)))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	ok, err := s.checkPassword(ctx, user, password)
	if err != nil {
		s.metrics.StoreErrors.Inc()
		c.log.Error("login: store failed", "user", user, "err", err)
		c.sendError(protocol.NumLogin, protocol.CodeStoreUnavailable, "the account database is not answering; try again later")
		return
	}
	if !ok {
		s.logLoginFailure(c.log, user, "unknown user or wrong password")
		s.metrics.LoginFailures.Inc()
		s.throttle.failed(user, host)
		c.sendError(protocol.NumLogin, protocol.CodeBadCredentials, "unknown user or wrong password")
		return
	}
	s.throttle.succeeded(user, host)
	id, err := s.store.NextClientID(ctx)
	if err != nil {
		s.metrics.StoreErrors.Inc()
		c.log.Error("login: allocate client id", "err", err)
		c.sendError(protocol.NumLogin, protocol.CodeStoreUnavailable, "the account database is not answering; try again later")
		return
	}
	c.id, c.user = id, user
	c.log = c.log.With("client", id, "user", user)
	c.loggedIn.Store(true)
	s.metrics.Logins.Inc()
	s.metrics.Sessions.Inc()
	if old := s.sessions.register(user, c); old != nil {
		old.closeWith(protocol.CloseSessionReplaced, "you logged in from another connection")
	}
	c.send(protocol.AppendSession(nil, id))
	c.log.Info("logged in")
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
