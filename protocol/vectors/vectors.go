// Package vectors reads protocol/testdata/vectors.txt, the test vectors the
// Go and C# test suites share.
package vectors

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Vector is one line of the file: its kind and its TAB-separated fields.
type Vector struct {
	Kind   string
	Fields []string
	Line   int
}

// Path is the vectors file, found relative to this source file so tests in
// any package can read it.
func Path() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "vectors.txt")
}

// Load returns the vectors of the given kind.
func Load(kind string) ([]Vector, error) {
	f, err := os.Open(Path())
	if err != nil {
		return nil, fmt.Errorf("open test vectors: %w", err)
	}
	defer f.Close()
	var out []Vector
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		parts := strings.Split(text, "\t")
		if parts[0] == kind {
			out = append(out, Vector{Kind: kind, Fields: parts[1:], Line: n})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read test vectors: %w", err)
	}
	return out, nil
}
