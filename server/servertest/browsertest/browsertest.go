// Package browsertest runs a real headless Chromium for tests, driven over
// the DevTools protocol with chromedp. Tests that need it skip with a clear
// message when Chromium is not installed (Debian: apt install chromium).
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// DefaultPath is Debian's Chromium; TANDEM_CHROMIUM overrides it.
const DefaultPath = "/usr/bin/chromium"

// Path returns the Chromium binary to run and whether it exists.
func Path() (string, bool) {
	p := os.Getenv("TANDEM_CHROMIUM")
	if p == "" {
		p = DefaultPath
	}
	if _, err := exec.LookPath(p); err != nil {
		return p, false
	}
	return p, true
}

// Start launches headless Chromium with a fresh profile and returns a
// chromedp context of its first tab. It skips the test when Chromium is
// absent and closes the browser when the test ends. Use chromedp.Run with
// a timeout derived from the returned context (chromedp.Do, chromedp.Run).
func Start(t testing.TB) context.Context {
	t.Helper()
	path, ok := Path()
	if !ok {
		t.Skipf("skipping: Chromium not found at %s (install Debian's chromium, or set TANDEM_CHROMIUM)", path)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox, // containers and CI runners lack user namespaces
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
	})
	// Start the browser now, so a launch failure names itself.
	require.NoError(t, chromedp.Do(ctx), "launch %s", path)
	return ctx
}

// ArtifactDir is where tests save screenshots and the like:
// $TANDEM_TEST_ARTIFACTS if set (CI collects it), else a directory under
// the system temp dir that outlives the test.
func ArtifactDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("TANDEM_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "tandem-test-artifacts")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// Screenshot saves a full-page PNG of the tab as <test name>-<name>.png in
// ArtifactDir, logs its path and returns it.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG; less is JPEG
	require.NoError(t, err, "screenshot")
	path := filepath.Join(ArtifactDir(t), unsafeName.ReplaceAllString(t.Name()+"-"+name, "_")+".png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot: %s", path)
	fmt.Fprintf(os.Stderr, "screenshot: %s\n", path)
	return path
}
