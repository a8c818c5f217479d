package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/accounts"
	"github.com/tandemnet/tandem/server/store"
	"github.com/tandemnet/tandem/server/store/sqlitestore"
)

type result struct {
	code           int
	stdout, stderr string
}

// runCmd runs "tandem user args..." with stdin as standard input, and
// checks that no password fed on stdin shows up in the output.
func runCmd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runUser(t.Context(), args, strings.NewReader(stdin), &stdout, &stderr)
	r := result{code, stdout.String(), stderr.String()}
	if pw := strings.TrimRight(stdin, "\r\n"); len(pw) >= 4 {
		assert.NotContains(t, r.stdout, pw, "password printed")
		assert.NotContains(t, r.stderr, pw, "password printed")
	}
	return r
}

// getUser reads the user straight from the database file.
func getUser(t *testing.T, db, name string) (store.User, error) {
	t.Helper()
	s, err := sqlitestore.Open(t.Context(), db)
	require.NoError(t, err)
	defer s.Close()
	return s.GetUser(t.Context(), name)
}

func requirePassword(t *testing.T, db, name, pw string) {
	t.Helper()
	u, err := getUser(t, db, name)
	require.NoError(t, err)
	ok, err := accounts.Verify(pw, u.PasswordHash)
	require.NoError(t, err)
	require.True(t, ok, "password of %q is not %q", name, pw)
}

func TestUserLifecycle(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tandem.db")

	// Each step runs in order on the same database.
	steps := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string // exact, if not empty
		stderr string // exact; "" means none
	}{
		{"add", "hunter22\n", []string{"add", "bob", "--db", db}, 0, "user \"bob\" added\n", ""},
		{"add flags first, CRLF", "pass word\r\n", []string{"add", "--db", db, "alice"}, 0, "user \"alice\" added\n", ""},
		{"add --db=, no newline", "carolpw", []string{"add", "carol", "--db=" + db}, 0, "", ""},
		{"add existing", "otherpw1\n", []string{"add", "bob", "--db", db}, 1, "",
			"tandem user add: user \"bob\" already exists\n"},
		{"passwd", "newsecret\n", []string{"passwd", "bob", "--db", db}, 0, "password of user \"bob\" changed\n", ""},
		{"passwd unknown", "newsecret\n", []string{"passwd", "nobody", "--db", db}, 1, "",
			"tandem user passwd: user \"nobody\" does not exist\n"},
		{"del", "", []string{"del", "carol", "--db", db}, 0, "user \"carol\" deleted\n", ""},
		{"del unknown", "", []string{"del", "carol", "--db", db}, 1, "",
			"tandem user del: user \"carol\" does not exist\n"},
	}
	for _, st := range steps {
		r := runCmd(t, st.stdin, st.args...)
		assert.Equal(t, st.code, r.code, "%s: exit code (stderr %q)", st.name, r.stderr)
		if st.stdout != "" {
			assert.Equal(t, st.stdout, r.stdout, st.name)
		}
		assert.Equal(t, st.stderr, r.stderr, st.name)
	}

	requirePassword(t, db, "bob", "newsecret")
	requirePassword(t, db, "alice", "pass word")
	_, err := getUser(t, db, "carol")
	require.ErrorIs(t, err, store.ErrNotFound)

	r := runCmd(t, "", "list", "--db", db)
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	require.Len(t, lines, 2)
	assert.Regexp(t, `^alice\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, lines[0])
	assert.Regexp(t, `^bob\t`, lines[1])
}

// User names are case-insensitive: folded to lower case, and said so.
func TestUserNamesCaseInsensitive(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tandem.db")
	const note = " (user names are case-insensitive and kept in lower case)"
	steps := []struct {
		stdin  string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"pw-alice\n", []string{"add", "alice", "--db", db}, 0, "user \"alice\" added\n", ""},
		{"pw-other\n", []string{"add", "Alice", "--db", db}, 1, "", "tandem user add: user \"alice\" already exists" + note + "\n"},
		{"pw-other\n", []string{"add", "ALICE", "--db", db}, 1, "", "tandem user add: user \"alice\" already exists" + note + "\n"},
		{"pw-bob\n", []string{"add", "Bob", "--db", db}, 0, "user \"bob\" added" + note + "\n", ""},
		{"pw-bob2\n", []string{"passwd", "BOB", "--db", db}, 0, "password of user \"bob\" changed\n", ""},
		{"", []string{"del", "ALICE", "--db", db}, 0, "user \"alice\" deleted\n", ""},
	}
	for i, st := range steps {
		r := runCmd(t, st.stdin, st.args...)
		assert.Equal(t, result{st.code, st.stdout, st.stderr}, r, "step %d: %v", i, st.args)
	}
	requirePassword(t, db, "bob", "pw-bob2")
	r := runCmd(t, "", "list", "--db", db)
	assert.Regexp(t, "^bob\t[^\n]*\n$", r.stdout)
}

func TestUserListEmpty(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tandem.db")
	r := runCmd(t, "", "list", "--db", db)
	assert.Equal(t, result{0, "", ""}, r)
}

func TestUserBadInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tandem.db")
	tests := []struct {
		name      string
		stdin     string
		args      []string
		code      int
		errSubstr string
	}{
		{"no subcommand", "", nil, 2, "usage:"},
		{"unknown subcommand", "", []string{"frob"}, 2, `unknown subcommand "frob"`},
		{"add without name", "pw12\n", []string{"add", "--db", db}, 2, "tandem user add: missing NAME\n"},
		{"add two names", "pw12\n", []string{"add", "a", "b", "--db", db}, 2, `tandem user add: unexpected arguments ["b"]`},
		{"list with name", "", []string{"list", "bob", "--db", db}, 2, `tandem user list: unexpected arguments ["bob"]`},
		{"unknown flag", "", []string{"list", "--frob"}, 2, "flag provided but not defined: -frob"},
		{"--db without value", "", []string{"list", "--db"}, 2, "tandem user list: flag needs an argument: -db"},
		{"--db without value after name", "pw12\n", []string{"add", "bob", "--db"}, 2, "tandem user add: flag needs an argument: -db"},
		{"bad name", "pw12\n", []string{"add", "bad name", "--db", db}, 1,
			"tandem user add: invalid user name: only ASCII letters"},
		{"name too long", "pw12\n", []string{"add", strings.Repeat("x", 33), "--db", db}, 1, "invalid user name"},
		{"empty stdin", "", []string{"add", "bob", "--db", db}, 1,
			"tandem user add: no password on standard input"},
		{"empty password", "\n", []string{"add", "bob", "--db", db}, 1,
			"tandem user add: invalid password: must be 1 to 128 bytes long"},
		{"password with colon", "sec:ret\n", []string{"add", "bob", "--db", db}, 1,
			"tandem user add: invalid password: must not contain ':'"},
		{"password too long", strings.Repeat("p", 129) + "\n", []string{"add", "bob", "--db", db}, 1,
			"invalid password: must be 1 to 128 bytes long"},
		{"huge stdin", strings.Repeat("p", 1<<20), []string{"add", "bob", "--db", db}, 1,
			"invalid password: must be 1 to 128 bytes long"},
		{"bad db", "pw12\n", []string{"add", "bob", "--db", filepath.Join(db, "no", "dir.db")}, 1,
			"tandem user add: open sqlite store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, tt.stdin, tt.args...)
			assert.Equal(t, tt.code, r.code)
			assert.Contains(t, r.stderr, tt.errSubstr)
			assert.Empty(t, r.stdout)
		})
	}
	// None of the failed adds made an account.
	_, err := getUser(t, db, "bob")
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestUserPasswordLimit(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tandem.db")
	pw := strings.Repeat("p", 128)
	r := runCmd(t, pw+"\r\n", "add", "bob", "--db", db)
	require.Equal(t, 0, r.code, r.stderr)
	requirePassword(t, db, "bob", pw)
}

func TestUserHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"add", "-h"}} {
		var stdout, stderr bytes.Buffer
		code := runUser(t.Context(), args, strings.NewReader(""), &stdout, &stderr)
		assert.Equal(t, 0, code, "%v", args)
		assert.Contains(t, stdout.String()+stderr.String(), "tandem user add NAME", "%v", args)
	}
}

// Without --db the database is $TANDEM_DB, else ./tandem.db.
func TestUserDefaultDB(t *testing.T) {
	t.Run("TANDEM_DB", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "env.db")
		t.Setenv("TANDEM_DB", db)
		r := runCmd(t, "pw1234\n", "add", "bob")
		require.Equal(t, 0, r.code, r.stderr)
		requirePassword(t, db, "bob", "pw1234")
	})
	t.Run("working directory", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		t.Setenv("TANDEM_DB", "")
		r := runCmd(t, "pw1234\n", "add", "bob")
		require.Equal(t, 0, r.code, r.stderr)
		_, err := os.Stat(filepath.Join(dir, "tandem.db"))
		require.NoError(t, err)
		requirePassword(t, filepath.Join(dir, "tandem.db"), "bob", "pw1234")
	})
}

func TestFlagsFirst(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{[]string{"bob"}, []string{"--", "bob"}},
		{[]string{"bob", "--db", "x"}, []string{"--db", "x", "--", "bob"}},
		{[]string{"--db", "x", "bob"}, []string{"--db", "x", "--", "bob"}},
		{[]string{"bob", "-db=x"}, []string{"-db=x", "--", "bob"}},
		{[]string{"--", "-bob"}, []string{"--", "-bob"}},
		{[]string{"-", "--db", "x"}, []string{"--db", "x", "--", "-"}},
		{[]string{"bob", "--db"}, nil}, // --db without its value
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.String("db", "", "")
		got, err := flagsFirst(fs, tt.in)
		if tt.want == nil {
			assert.Error(t, err, "%q", tt.in)
			continue
		}
		require.NoError(t, err, "%q", tt.in)
		assert.Equal(t, tt.want, got, "%q", tt.in)
	}
}
