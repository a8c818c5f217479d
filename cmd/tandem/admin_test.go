package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/accounts"
	"github.com/tandemnet/tandem/server/store"
	"github.com/tandemnet/tandem/server/store/sqlitestore"
)

func runAdminCmd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), append([]string{"admin"}, args...), strings.NewReader(stdin), &stdout, &stderr)
	r := result{code, stdout.String(), stderr.String()}
	if pw := strings.TrimRight(stdin, "\r\n"); len(pw) >= 4 {
		assert.NotContains(t, r.stdout+r.stderr, pw, "password printed")
	}
	return r
}

func TestAdminLifecycle(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tandem.db")
	steps := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		{"add", "adm1n-pw\n", []string{"add", "root", "--db", db}, exitOK, `admin "root" added`, ""},
		{"add again", "other-pw\n", []string{"add", "root", "--db", db}, exitFail, "", `admin "root" already exists`},
		{"bad name", "x\n", []string{"add", "no way", "--db", db}, exitFail, "", "name"},
		{"empty password", "\n", []string{"add", "ops", "--db", db}, exitFail, "", "password"},
		{"add second", "ops-pw\n", []string{"add", "--db", db, "ops"}, exitOK, `admin "ops" added`, ""},
		{"list", "", []string{"list", "--db", db}, exitOK, "ops\t", ""},
		{"del", "", []string{"del", "ops", "--db", db}, exitOK, `admin "ops" deleted`, ""},
		{"del unknown", "", []string{"del", "ops", "--db", db}, exitFail, "", `admin "ops" does not exist`},
		{"missing name", "", []string{"add", "--db", db}, exitUsage, "", "usage"},
		{"unknown sub", "", []string{"frob"}, exitUsage, "", "unknown subcommand"},
	}
	for _, st := range steps {
		r := runAdminCmd(t, st.stdin, st.args...)
		assert.Equal(t, st.code, r.code, "%s: %+v", st.name, r)
		assert.Contains(t, r.stdout, st.stdout, st.name)
		assert.Contains(t, r.stderr, st.stderr, st.name)
	}

	s, err := sqlitestore.Open(t.Context(), db)
	require.NoError(t, err)
	defer s.Close()
	admins, err := s.ListAdmins(t.Context())
	require.NoError(t, err)
	require.Len(t, admins, 1)
	assert.Equal(t, "root", admins[0].Name)
	ok, err := accounts.Verify("adm1n-pw", admins[0].PasswordHash)
	require.NoError(t, err)
	assert.True(t, ok, "argon2id hash of the password from stdin")
	_, err = s.GetUser(t.Context(), "root")
	assert.ErrorIs(t, err, store.ErrNotFound, "an admin is not a player")

	r := runAdminCmd(t, "", "list", "--db", db)
	assert.Equal(t, 1, strings.Count(r.stdout, "\n"), r.stdout)
}
