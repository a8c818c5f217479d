package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runKeysCmd(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runKeys(t.Context(), args, &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

func TestKeysRotateAndList(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tandem.db")
	steps := []struct {
		args   []string
		code   int
		stdout string
	}{
		{[]string{"rotate", "--db", db}, exitOK, "session token key 1 added; 0 old key(s) deleted\n"},
		{[]string{"rotate", "--db", db, "--retire-after", "0"}, exitOK, "session token key 2 added; 0 old key(s) deleted\n"},
		{[]string{"rotate", "--db", db, "--retire-after", "1ns"}, exitOK, "session token key 3 added; 2 old key(s) deleted\n"},
		{[]string{"rotate", "--db", db, "--retire-after", "-1s"}, exitUsage, ""},
		{[]string{"rotate", "--db", db, "extra"}, exitUsage, ""},
		{[]string{"spin"}, exitUsage, ""},
	}
	for _, s := range steps {
		r := runKeysCmd(t, s.args...)
		assert.Equal(t, s.code, r.code, "%v: %s", s.args, r.stderr)
		if s.stdout != "" {
			assert.Equal(t, s.stdout, r.stdout, "%v", s.args)
		}
	}
	r := runKeysCmd(t, "list", "--db", db)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.True(t, strings.HasPrefix(r.stdout, "3\tcreated "), "only the newest key is left: %q", r.stdout)
	assert.Equal(t, 1, strings.Count(r.stdout, "\n"))
}

func TestUserLogoutEndsSessionTokens(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tandem.db")
	require.Equal(t, exitOK, runCmd(t, "secret-pw\n", "add", "bob", "--db", db).code)
	before, err := getUser(t, db, "bob")
	require.NoError(t, err)
	r := runCmd(t, "", "logout", "Bob", "--db", db)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "ended the session tokens of bob\n", r.stdout)
	after, err := getUser(t, db, "bob")
	require.NoError(t, err)
	assert.Greater(t, after.SessionGen, before.SessionGen)
	assert.Equal(t, exitFail, runCmd(t, "", "logout", "nobody", "--db", db).code)
}
