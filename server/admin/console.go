// Package admin is the Tandem admin console: a JSON API (docs/ADMIN.md) and
// the web page built on it (ui/, built into web/ and embedded), served on the
// admin address. Operators log in with admin accounts (separate from
// players); sessions are cookies, state-changing requests carry a CSRF token,
// failed logins back off, and every action is written to the audit log.
//
// The console reaches the live server only through Backend and the store.
package admin

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/tandemnet/tandem/server/store"
)

//go:embed web
var webFiles embed.FS

// Options configure a Console.
type Options struct {
	Backend Backend
	Store   store.Store
	Logger  *slog.Logger
	// Started is when the server started (for the uptime).
	Started time.Time
	// Version is shown on the overview; empty: from the build info.
	Version string
	// SecureCookies marks the session cookie Secure; set it when the admin
	// address serves TLS.
	SecureCookies bool
	// SampleEvery is the chart interval (default 2s); Samples the number
	// kept (default 180: six minutes).
	SampleEvery time.Duration
	Samples     int
	// Now is the clock (default time.Now), for tests.
	Now func() time.Time
}

// Console serves the admin API and page.
type Console struct {
	opt      Options
	backend  Backend
	store    store.Store
	log      *slog.Logger
	now      func() time.Time
	sessions *sessionStore
	throttle *loginThrottle
	samples  *sampleRing
	hashing  chan struct{} // bounds concurrent password hashes
	mux      *http.ServeMux
}

// New makes a console. Call Run to collect chart samples.
func New(opt Options) *Console {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Started.IsZero() {
		opt.Started = opt.Now()
	}
	if opt.Version == "" {
		opt.Version = buildVersion()
	}
	if opt.SampleEvery <= 0 {
		opt.SampleEvery = 2 * time.Second
	}
	if opt.Samples <= 0 {
		opt.Samples = 180
	}
	c := &Console{
		opt:      opt,
		backend:  opt.Backend,
		store:    opt.Store,
		log:      opt.Logger.With("component", "admin"),
		now:      opt.Now,
		sessions: newSessionStore(opt.Now),
		throttle: newLoginThrottle(opt.Now),
		samples:  newSampleRing(opt.Samples),
		hashing:  make(chan struct{}, 2),
		mux:      http.NewServeMux(),
	}
	c.routes()
	return c
}

// Handler serves the console: the API under /api/ and the page at /.
func (c *Console) Handler() http.Handler { return c.mux }

// Handle adds another handler to the console's mux (for /metrics and the
// like); wrap it with Protect to require an admin session.
func (c *Console) Handle(pattern string, h http.Handler) { c.mux.Handle(pattern, h) }

// Protect requires a logged-in admin for h (and the CSRF token for a
// state-changing method).
func (c *Console) Protect(h http.Handler) http.Handler {
	return c.authed(func(w http.ResponseWriter, r *http.Request, _ session) { h.ServeHTTP(w, r) })
}

// Run samples the server's counters for the charts until ctx ends.
func (c *Console) Run(ctx context.Context) {
	c.samples.add(c.now(), c.backend.Counters())
	t := time.NewTicker(c.opt.SampleEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.samples.add(c.now(), c.backend.Counters())
		}
	}
}

func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " (" + s.Value[:12] + ")"
		}
	}
	return v
}

func (c *Console) static() http.Handler {
	sub, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		files.ServeHTTP(w, r)
	})
}

func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
}
