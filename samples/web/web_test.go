package web

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFilesServesThePage(t *testing.T) {
	srv := httptest.NewServer(Files())
	defer srv.Close()
	for path, want := range map[string]string{
		"/":          `<script type="module" src="app.js">`,
		"/app.js":    "TandemClient = class",
		"/style.css": "#chat-log",
	} {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.True(t, strings.Contains(string(body), want), "%s lacks %q", path, want)
		assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "connect-src", path)
	}
}

// The committed dist/ is what `npm run build` makes of src/ (checked when
// the npm toolchain is installed: npm ci in samples/web).
func TestDistIsBuiltFromSource(t *testing.T) {
	if _, err := os.Stat("node_modules/.bin/esbuild"); err != nil {
		t.Skip("skipping: npm toolchain not installed (run `npm ci` in samples/web)")
	}
	out := t.TempDir()
	cmd := exec.Command("node_modules/.bin/esbuild", "src/app.js", "--bundle", "--format=esm", "--target=es2020",
		"--outfile="+filepath.Join(out, "app.js"), "--legal-comments=eof", "--log-level=warning")
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Run())
	for _, f := range []struct{ built, src string }{
		{filepath.Join(out, "app.js"), "dist/app.js"},
		{"src/index.html", "dist/index.html"},
		{"src/style.css", "dist/style.css"},
	} {
		want, err := os.ReadFile(f.built)
		require.NoError(t, err)
		got, err := os.ReadFile(f.src)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want, got), "%s is stale: run `npm run build` in samples/web", f.src)
	}
}
