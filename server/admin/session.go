package admin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"
)

// Admin sessions live in memory: a restart logs every admin out, which is
// the safe default for a console that can kick players.
const (
	// CookieName is the session cookie.
	CookieName = "tandem_admin"
	// CSRFHeader carries the session's CSRF token on state-changing requests.
	CSRFHeader = "X-CSRF-Token"

	sessionIdle     = 30 * time.Minute
	sessionLifetime = 12 * time.Hour
	maxSessions     = 1000
)

type session struct {
	admin   string
	csrf    string
	created time.Time
	seen    time.Time
}

type sessionStore struct {
	mu   sync.Mutex
	now  func() time.Time
	byID map[string]*session
}

func newSessionStore(now func() time.Time) *sessionStore {
	return &sessionStore{now: now, byID: map[string]*session{}}
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session for admin; it returns the cookie value.
func (ss *sessionStore) create(admin string) (string, *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	if len(ss.byID) >= maxSessions {
		ss.pruneLocked(now)
	}
	if len(ss.byID) >= maxSessions { // still full: drop the oldest
		var oldestID string
		var oldest time.Time
		for id, s := range ss.byID {
			if oldestID == "" || s.seen.Before(oldest) {
				oldestID, oldest = id, s.seen
			}
		}
		delete(ss.byID, oldestID)
	}
	id := randomToken()
	s := &session{admin: admin, csrf: randomToken(), created: now, seen: now}
	ss.byID[id] = s
	return id, s
}

// get returns a live session and marks it seen.
func (ss *sessionStore) get(id string) (session, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.byID[id]
	if s == nil {
		return session{}, false
	}
	now := ss.now()
	if now.Sub(s.seen) > sessionIdle || now.Sub(s.created) > sessionLifetime {
		delete(ss.byID, id)
		return session{}, false
	}
	s.seen = now
	return *s, true
}

func (ss *sessionStore) remove(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byID, id)
}

// removeAdmin ends every session of admin (deleted accounts).
func (ss *sessionStore) removeAdmin(admin string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for id, s := range ss.byID {
		if s.admin == admin {
			delete(ss.byID, id)
		}
	}
}

func (ss *sessionStore) pruneLocked(now time.Time) {
	for id, s := range ss.byID {
		if now.Sub(s.seen) > sessionIdle || now.Sub(s.created) > sessionLifetime {
			delete(ss.byID, id)
		}
	}
}

func equalToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
