package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemnet/tandem/server/sessiontoken"
	"github.com/tandemnet/tandem/server/store"
)

// Session tokens (PROTOCOL.md "18 log in with a session token"): a login
// that costs an HMAC and two indexed reads instead of an argon2id hash, so a
// node that restarts at peak hour takes its players back in seconds.
//
// The signing keys live in the store, shared by every node. A node loads
// them at start (making the first key if there is none), reloads them every
// keyReload so a rotation (tandem session-keys rotate) reaches it, and at
// once, at most every keyMissReload, when a token names a key it does not
// hold yet.

const (
	keyReload     = time.Minute
	keyMissReload = time.Second
)

// errTokensUnavailable: the keys could not be read from the store.
var errTokensUnavailable = errors.New("session token keys not loaded")

type sessionTokens struct {
	st  store.Store
	ttl time.Duration
	log *slog.Logger

	ring atomic.Pointer[sessiontoken.Keyring]

	mu       sync.Mutex // one reload at a time
	lastMiss time.Time  // the last reload for a key we lacked
}

func newSessionTokens(st store.Store, ttl time.Duration, log *slog.Logger) *sessionTokens {
	return &sessionTokens{st: st, ttl: ttl, log: log}
}

// on reports whether this server issues session tokens.
func (t *sessionTokens) on() bool { return t != nil && t.ttl > 0 }

// load reads the keys, making the first one when the store has none.
func (t *sessionTokens) load(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.loadLocked(ctx)
}

func (t *sessionTokens) loadLocked(ctx context.Context) error {
	keys, err := t.st.SessionKeys(ctx)
	if err != nil {
		return fmt.Errorf("load session token keys: %w", err)
	}
	if len(keys) == 0 {
		// Two nodes starting together may both add one: the newer signs,
		// both verify.
		k, err := addSessionKey(ctx, t.st)
		if err != nil {
			return err
		}
		t.log.Info("made the first session token key", "key", k.ID)
		keys = append(keys, k)
	}
	ring := make([]sessiontoken.Key, len(keys))
	for i, k := range keys {
		ring[i] = sessiontoken.Key{ID: k.ID, Secret: k.Secret}
	}
	kr, err := sessiontoken.NewKeyring(ring)
	if err != nil {
		return fmt.Errorf("load session token keys: %w", err)
	}
	t.ring.Store(kr)
	return nil
}

// addSessionKey stores a new random signing key.
func addSessionKey(ctx context.Context, st store.Store) (store.SessionKey, error) {
	secret := make([]byte, sessiontoken.MinSecret)
	_, _ = rand.Read(secret) // never fails (crypto/rand)
	k, err := st.AddSessionKey(ctx, secret)
	if err != nil {
		return store.SessionKey{}, fmt.Errorf("add a session token key: %w", err)
	}
	return k, nil
}

// run reloads the keys every keyReload until ctx ends.
func (t *sessionTokens) run(ctx context.Context) {
	if !t.on() {
		return
	}
	tick := time.NewTicker(keyReload)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			lctx, cancel := context.WithTimeout(ctx, storeTimeout)
			if err := t.load(lctx); err != nil {
				t.log.Warn("reload session token keys", "err", err)
			}
			cancel()
		}
	}
}

// issue signs the claims of a session; "" when tokens are off or the keys
// are not loaded (the login goes on without a token).
func (t *sessionTokens) issue(c sessiontoken.Claims) string {
	if !t.on() {
		return ""
	}
	kr := t.ring.Load()
	if kr == nil {
		return ""
	}
	return kr.Sign(c)
}

// claimsFor are the claims of a new password login at now.
func (t *sessionTokens) claimsFor(user string, gen int64, now time.Time) sessiontoken.Claims {
	return sessiontoken.Claims{User: user, Gen: gen, IssuedAt: now, Expires: now.Add(t.ttl)}
}

// verify checks a token's signature and expiry; a token of a key this node
// does not hold yet makes it reload the keys first (rate-limited).
func (t *sessionTokens) verify(ctx context.Context, token string) (sessiontoken.Claims, error) {
	kr := t.ring.Load()
	if kr == nil {
		if err := t.reloadForMiss(ctx); err != nil {
			return sessiontoken.Claims{}, err
		}
		kr = t.ring.Load()
	}
	if id, err := sessiontoken.KeyID(token); err == nil && !kr.Has(id) && id > kr.Current() {
		// Only a newer key can be new to us; an older one was retired.
		if err := t.reloadForMiss(ctx); err == nil {
			kr = t.ring.Load()
		}
	}
	return kr.Verify(token, time.Now())
}

func (t *sessionTokens) reloadForMiss(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	// Forged key ids must not make every token login a database read.
	if time.Since(t.lastMiss) < keyMissReload {
		if t.ring.Load() == nil {
			return errTokensUnavailable
		}
		return nil
	}
	t.lastMiss = time.Now()
	return t.loadLocked(ctx)
}

// RotateSessionKey adds a new signing key (tandem keys rotate): nodes sign
// with it from their next reload, and tokens of the older keys still
// verify. Keys created more than retireAfter ago go (never the newest, and
// none when retireAfter is 0): make it at least --session-ttl, so no
// token still in date loses its key.
func RotateSessionKey(ctx context.Context, st store.Store, retireAfter time.Duration) (store.SessionKey, int, error) {
	k, err := addSessionKey(ctx, st)
	if err != nil {
		return store.SessionKey{}, 0, err
	}
	if retireAfter <= 0 {
		return k, 0, nil
	}
	n, err := st.DeleteSessionKeysBefore(ctx, time.Now().Add(-retireAfter))
	if err != nil {
		return k, 0, fmt.Errorf("retire old session token keys: %w", err)
	}
	return k, n, nil
}
