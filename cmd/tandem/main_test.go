package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/buildinfo"
	"github.com/tandemnet/tandem/server/store/sqlitestore"
)

// syncBuffer collects output that a running command writes while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// tandem runs the command line as main does, with empty standard input.
func tandem(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

// Mistakes on the command line get the error and one line saying where
// help is, never a screen of usage; stray words are refused by name.
func TestCommandLineMistakes(t *testing.T) {
	const serveHint = "Run 'tandem serve --help' for the options.\n"
	const userHint = "Run 'tandem user help' for usage.\n"
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"serve dev", []string{"serve", "dev", "--listen", "127.0.0.1:17795"},
			"tandem serve: unexpected argument \"dev\" (did you mean --dev?)\n" + serveHint},
		{"serve two words", []string{"serve", "a", "b"},
			"tandem serve: unexpected arguments [\"a\" \"b\"]\n" + serveHint},
		{"serve unknown flag", []string{"serve", "--foo"},
			"tandem serve: flag provided but not defined: -foo\n" + serveHint},
		{"serve flag without value", []string{"serve", "--listen"},
			"tandem serve: flag needs an argument: -listen\n" + serveHint},
		{"serve bad log format", []string{"serve", "--log-format", "xml"},
			"tandem serve: --log-format must be text or json, not \"xml\"\n" + serveHint},
		{"serve lone tls cert", []string{"serve", "--tls-cert", "c.pem"},
			"tandem serve: --tls-cert and --tls-key go together\n" + serveHint},
		{"unknown command", []string{"serv"},
			"tandem: unknown command \"serv\"\nRun 'tandem help' for the commands.\n"},
		{"version with words", []string{"version", "now"},
			"tandem version: unexpected arguments [\"now\"]\n"},
		{"user unknown subcommand", []string{"user", "ad", "bob"},
			"tandem user: unknown subcommand \"ad\"\n" + userHint},
		{"user unknown flag", []string{"user", "list", "--frob"},
			"tandem user list: flag provided but not defined: -frob\n" + userHint},
		{"user stray word", []string{"user", "list", "all"},
			"tandem user list: unexpected arguments [\"all\"]\n" + userHint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tandem(t, tt.args...)
			assert.Equal(t, exitUsage, r.code)
			assert.Equal(t, tt.stderr, r.stderr)
			assert.Empty(t, r.stdout)
		})
	}
}

func TestVersion(t *testing.T) {
	want := buildinfo.Read().String() + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		r := tandem(t, args...)
		assert.Equal(t, result{exitOK, want, ""}, r, "%v", args)
	}
	assert.Regexp(t, `^tandem \S+, commit \S+.*, built with go1\.`, want)
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"help"}, []string{"serve", "user", "version"}},
		{[]string{"serve", "--help"}, []string{"usage: tandem serve", "-listen", "127.0.0.1:7777", "-dev", "-admin string", "-db-retry"}},
		{[]string{"serve", "-h"}, []string{"usage: tandem serve"}},
	}
	for _, tt := range tests {
		r := tandem(t, tt.args...)
		assert.Equal(t, exitOK, r.code, "%v", tt.args)
		assert.Empty(t, r.stderr, "%v", tt.args)
		for _, w := range tt.want {
			assert.Contains(t, r.stdout, w, "%v", tt.args)
		}
	}
}

// Dev mode listens on loopback unless told otherwise.
func TestServeListenDefault(t *testing.T) {
	tests := []struct {
		name  string
		env   string
		args  []string
		want  string
		given bool
	}{
		{"plain", "", nil, ":7777", false},
		{"dev", "", []string{"--dev"}, "127.0.0.1:7777", false},
		{"dev with --listen", "", []string{"--dev", "--listen", ":9000"}, ":9000", true},
		{"dev with TANDEM_LISTEN", "0.0.0.0:9001", []string{"--dev"}, "0.0.0.0:9001", true},
		{"--listen after --dev", "", []string{"--listen", "10.0.0.1:1", "--dev"}, "10.0.0.1:1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TANDEM_LISTEN", tt.env)
			f, err := parseServeFlags(tt.args, io.Discard)
			require.NoError(t, err)
			assert.Equal(t, tt.want, f.listen)
			assert.Equal(t, tt.given, f.listenGiven)
		})
	}
}

// The start log says the version, dev mode, the account count and, with
// no account and no --dev, exactly how to add one.
func TestServeStartLog(t *testing.T) {
	const hint = "add one with `echo pw | tandem user add NAME"
	tests := []struct {
		name     string
		args     []string
		users    []string
		want     []string
		dontWant []string
	}{
		{"empty, not dev", nil, nil,
			[]string{"dev=false", "accounts=0", hint + " --db "}, []string{"loopback"}},
		{"empty, dev", []string{"--dev"}, nil,
			[]string{"dev=true", "accounts=0", "DEV MODE"}, []string{hint}},
		{"one account", nil, []string{"alice"},
			[]string{"dev=false", "accounts=1"}, []string{hint}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "t.db")
			st, err := sqlitestore.Open(t.Context(), db)
			require.NoError(t, err)
			for _, u := range tt.users {
				require.NoError(t, st.CreateUser(t.Context(), u, "h"))
			}
			require.NoError(t, st.Close())

			var log syncBuffer
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan int, 1)
			args := append([]string{"serve", "--listen", freeAddr(t), "--db", db}, tt.args...)
			go func() { done <- run(ctx, args, nil, io.Discard, &log) }()
			require.Eventually(t, func() bool { return strings.Contains(log.String(), "msg=serving") },
				10*time.Second, 10*time.Millisecond)
			cancel()
			require.Equal(t, exitOK, <-done, log.String())

			out := log.String()
			assert.Contains(t, out, "version="+buildinfo.Read().Version)
			for _, w := range tt.want {
				assert.Contains(t, out, w)
			}
			for _, w := range tt.dontWant {
				assert.NotContains(t, out, w)
			}
		})
	}
}

// In dev mode on the default address the log says it is loopback only; the
// hint names --db only when the database is not the default one.
func TestStartLogHints(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		want     []string
		dontWant []string
	}{
		{"dev on the default address", []string{"--dev"},
			[]string{"dev mode: listening on loopback only", "listen=127.0.0.1:7777"}, []string{"user add"}},
		{"default database", nil,
			[]string{"no accounts yet, so nobody can log in: add one with `echo pw | tandem user add NAME`, or restart with --dev"}, []string{"loopback"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			t.Setenv("TANDEM_DB", "")
			t.Setenv("TANDEM_LISTEN", "")
			f, err := parseServeFlags(tt.args, io.Discard)
			require.NoError(t, err)
			st, err := sqlitestore.Open(t.Context(), f.db)
			require.NoError(t, err)
			defer st.Close()
			var log syncBuffer
			logStart(t.Context(), f, f.listen, st, slog.New(slog.NewTextHandler(&log, nil)))
			for _, w := range tt.want {
				assert.Contains(t, log.String(), w)
			}
			for _, w := range tt.dontWant {
				assert.NotContains(t, log.String(), w)
			}
		})
	}
}

// A database error that waiting cannot heal fails at once, with the
// reason and the fix; no retrying for --db-retry.
func TestServeDatabaseErrorsFailFast(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		db   string
		want []string
	}{
		{"missing directory", filepath.Join(dir, "nope", "t.db"),
			[]string{"directory " + filepath.Join(dir, "nope") + " does not exist", "mkdir -p"}},
		{"a directory", dir, []string{"is a directory"}},
		{"mysql", "mysql://root:secret@db/tandem",
			[]string{`unsupported database "mysql"`, "postgres://", "SQLite file path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := tandem(t, "serve", "--listen", freeAddr(t), "--db", tt.db, "--db-retry", "1m")
			assert.Equal(t, exitFail, r.code)
			assert.Less(t, time.Since(start), 10*time.Second, "not retried")
			assert.True(t, strings.HasPrefix(r.stderr, "tandem serve: "), r.stderr)
			for _, w := range tt.want {
				assert.Contains(t, r.stderr, w)
			}
			assert.NotContains(t, r.stderr, "secret")
			assert.NotContains(t, r.stderr, "retrying")
		})
	}
}
