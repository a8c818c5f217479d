// Package web embeds the built browser sample (dist/, built from src/ with
// `npm run build`; see README.md) so that `tandem serve --web` serves the
// page from the Go binary, without Node.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed dist
var dist embed.FS

// Files serves the sample page and its assets.
func Files() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the directory is embedded above: cannot happen
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		// The page loads only its own files and talks only WebSocket (to
		// whichever server the user names).
		h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:")
		files.ServeHTTP(w, r)
	})
}
