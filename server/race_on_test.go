//go:build race

package server

// raceEnabled: the race detector allocates on its own account (goroutine
// and channel bookkeeping), so allocation counts that involve other
// goroutines are only checked without it.
const raceEnabled = true
