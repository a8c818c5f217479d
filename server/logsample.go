package server

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// logSampler lets the first burst lines of a kind through in each period
// and drops the rest, so a flood (a password guesser, a misconfigured
// client reconnecting in a loop) cannot fill the log. The next line let
// through says how many were dropped.
type logSampler struct {
	burst  int
	period time.Duration
	now    func() time.Time

	mu      sync.Mutex
	start   time.Time // of the current period
	n       int       // lines let through in this period
	dropped int       // since the last line let through
}

func newLogSampler(burst int, period time.Duration, now func() time.Time) *logSampler {
	return &logSampler{burst: burst, period: period, now: now}
}

// allow reports whether to log now and, if so, how many lines were
// dropped since the last one.
func (ls *logSampler) allow() (ok bool, dropped int) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if t := ls.now(); t.Sub(ls.start) >= ls.period {
		ls.start, ls.n = t, 0
	}
	if ls.n >= ls.burst {
		ls.dropped++
		return false, 0
	}
	ls.n++
	dropped, ls.dropped = ls.dropped, 0
	return true, dropped
}

// Sampling of the lines that a client can cause at will.
const (
	loginFailLogBurst  = 10
	loginFailLogPeriod = 10 * time.Second
	plainTextLogBurst  = 1
	plainTextLogPeriod = time.Minute
)

// logLoginFailure logs a refused login (sampled). log carries the client's
// address; the password is never passed here.
func (s *Server) logLoginFailure(log *slog.Logger, user, reason string) {
	if ok, dropped := s.loginFailLog.allow(); ok {
		log.Warn("login failed", "user", user, "reason", reason, "dropped_since_last", dropped)
	}
}

// tlsWatch is a server-side TLS connection that notices a client speaking
// plain text to the TLS port: its first line is not a TLS handshake.
type tlsWatch struct {
	*tls.Conn
	srv *Server
}

// watchPlainText wraps TLS connections so that a plain-text client is
// logged (sampled): without it the mismatch shows only as clients that
// connect and are dropped without a word.
func (s *Server) watchPlainText(nc net.Conn) net.Conn {
	if tc, ok := nc.(*tls.Conn); ok {
		return &tlsWatch{Conn: tc, srv: s}
	}
	return nc
}

func (w *tlsWatch) Read(b []byte) (int, error) {
	n, err := w.Conn.Read(b)
	var rh tls.RecordHeaderError
	if err != nil && errors.As(err, &rh) {
		if ok, dropped := w.srv.plainTextLog.allow(); ok {
			w.srv.log.Warn("a client spoke plain text to the TLS port: it must connect with TLS (or use a port without --tls-cert)",
				"remote", w.RemoteAddr().String(), "dropped_since_last", dropped)
		}
	}
	return n, err
}
