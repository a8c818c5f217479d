package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/buildinfo"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// TestServeWithAdmin runs "tandem serve" as the command line builds it, on
// a fresh SQLite file, and scrapes its admin endpoints.
func TestServeWithAdmin(t *testing.T) {
	listen, admin := freeAddr(t), freeAddr(t)
	f, err := parseServeFlags([]string{"--listen", listen, "--db", t.TempDir() + "/t.db", "--dev", "--admin", admin, "--pprof"}, io.Discard)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, f, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()

	var nc net.Conn
	require.Eventually(t, func() bool {
		nc, err = net.Dial("tcp", listen)
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	defer nc.Close()
	r := bufio.NewReader(nc)
	fmt.Fprint(nc, "0:scraper:pw\n2:metrics-room\n3:1:hello\n")
	for {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		if strings.HasPrefix(line, "3:") {
			break
		}
	}

	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + admin + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	bi := buildinfo.Read()
	code, body := get("/metrics")
	require.Equal(t, http.StatusOK, code)
	for _, want := range []string{
		"tandem_connections 1", "tandem_sessions 1", "tandem_rooms 1", "tandem_logins_total 1",
		"tandem_messages_in_total 3", "tandem_write_latency_seconds_bucket", "tandem_slow_consumer_disconnects_total 0",
		"tandem_merged_updates_total 0", "tandem_login_failures_total 0", "go_goroutines",
		fmt.Sprintf(`tandem_build_info{commit=%q,goversion=%q,version=%q} 1`, bi.Commit, bi.GoVersion, bi.Version),
	} {
		assert.Contains(t, body, want)
	}
	code, body = get("/healthz")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok\n", body)
	code, _ = get("/debug/pprof/")
	assert.Equal(t, http.StatusOK, code)
	code, _ = get("/debug/pprof/free-os-memory")
	assert.Equal(t, http.StatusMethodNotAllowed, code, "it changes the process: POST only")
	resp, err := http.Post("http://"+admin+"/debug/pprof/free-os-memory", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
}

func TestServeFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--tls-cert", "x"}, "go together"},
		{[]string{"--nope"}, "not defined"},
		{[]string{"--rejoin-grace", "-1s"}, "must not be negative"},
		{[]string{"--max-inactive", "-1"}, "must not be negative"},
		{[]string{"--abuse-backoff", "-1s"}, "must not be negative"},
		{[]string{"--abuse-backoff", "10s", "--abuse-backoff-max", "5s"}, "must not be below"},
	}
	for _, tt := range tests {
		_, err := parseServeFlags(tt.args, io.Discard)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tt.want)
	}
}

func TestServeRejoinFlags(t *testing.T) {
	f, err := parseServeFlags(nil, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 20*time.Second, f.limits.RejoinGrace, "on by default")
	f, err = parseServeFlags([]string{"--rejoin-grace", "0", "--max-inactive", "5"}, io.Discard)
	require.NoError(t, err)
	assert.Negative(t, f.limits.RejoinGrace, "0 turns rejoin off (a zero in server.Limits would mean the default)")
	assert.Equal(t, 5, f.limits.MaxInactive)
}

func TestServeAbuseBackoffFlags(t *testing.T) {
	f, err := parseServeFlags(nil, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, time.Second, f.limits.AbuseBackoff, "on by default")
	assert.Equal(t, time.Minute, f.limits.AbuseBackoffMax)
	assert.Equal(t, 3, f.limits.AbuseBackoffCuts)
	f, err = parseServeFlags([]string{"--abuse-backoff", "0"}, io.Discard)
	require.NoError(t, err)
	assert.Negative(t, f.limits.AbuseBackoff, "0 turns it off (a zero in server.Limits would mean the default)")
	f, err = parseServeFlags([]string{"--abuse-backoff", "2s", "--abuse-backoff-max", "30s", "--abuse-backoff-cuts", "5"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 2*time.Second, f.limits.AbuseBackoff)
	assert.Equal(t, 30*time.Second, f.limits.AbuseBackoffMax)
	assert.Equal(t, 5, f.limits.AbuseBackoffCuts)
}

func TestServeEnvironment(t *testing.T) {
	t.Setenv("TANDEM_LISTEN", "127.0.0.1:9999")
	t.Setenv("TANDEM_DB", "/tmp/x.db")
	f, err := parseServeFlags(nil, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:9999", f.listen)
	assert.Equal(t, "/tmp/x.db", f.db)
}

func TestDatabaseUnavailableAtStart(t *testing.T) {
	dead := freeAddr(t) // nothing listens here
	start := time.Now()
	_, err := openStoreWithRetry(context.Background(), "postgres://postgres@"+dead+"/x?connect_timeout=1", 1500*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "database unavailable")
	assert.GreaterOrEqual(t, time.Since(start), 1500*time.Millisecond, "it retried until its patience ran out")
}

// TestServeAdminClosedMetrics: with --admin-open-metrics=false the console
// is served and /metrics, /healthz and pprof need an admin session.
func TestServeAdminClosedMetrics(t *testing.T) {
	listen, admin := freeAddr(t), freeAddr(t)
	f, err := parseServeFlags([]string{"--listen", listen, "--db", t.TempDir() + "/t.db", "--admin", admin, "--admin-open-metrics=false", "--pprof"}, io.Discard)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, f, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	status := func(path string) int {
		resp, err := http.Get("http://" + admin + path)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Eventually(t, func() bool { return status("/") == http.StatusOK }, 10*time.Second, 20*time.Millisecond, "the console page")
	for _, p := range []string{"/metrics", "/healthz", "/debug/pprof/", "/api/overview"} {
		assert.Equal(t, http.StatusUnauthorized, status(p), p)
	}
}

func TestAdminAddrDefaultsToLoopback(t *testing.T) {
	tests := []struct{ in, want string }{
		{":7778", "127.0.0.1:7778"},
		{"127.0.0.1:7778", "127.0.0.1:7778"},
		{"0.0.0.0:7778", "0.0.0.0:7778"},
		{"[::1]:7778", "[::1]:7778"},
		{"admin.internal:80", "admin.internal:80"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, adminAddr(tt.in), tt.in)
	}
}
