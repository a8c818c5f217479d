package server

import (
	"context"
	"sync"
	"time"

	"github.com/tandemnet/tandem/server/store"
)

// roomListCache serves "1" and "5" (another room) from one store scan at
// most every ttl (Limits.RoomListTTL): with many rooms a scan per request
// let a few clients listing in a loop use a core. Concurrent requests for
// an expired list wait for one scan instead of each making their own.
// Staleness is bounded by ttl on top of the mirror's own write delay.
type roomListCache struct {
	st  store.Store
	ttl time.Duration

	mu       sync.Mutex
	rooms    []store.RoomListing
	at       time.Time
	valid    bool
	fetching chan struct{} // closed when the scan in flight ends
}

func newRoomListCache(st store.Store, ttl time.Duration) *roomListCache {
	return &roomListCache{st: st, ttl: ttl}
}

// get returns the room list, at most ttl old. The slice is shared: callers
// must not modify it.
func (c *roomListCache) get(ctx context.Context) ([]store.RoomListing, error) {
	for {
		c.mu.Lock()
		if c.valid && time.Since(c.at) < c.ttl {
			rooms := c.rooms
			c.mu.Unlock()
			return rooms, nil
		}
		if ch := c.fetching; ch != nil {
			c.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		ch := make(chan struct{})
		c.fetching = ch
		c.mu.Unlock()

		rooms, err := c.st.ListRooms(ctx)
		c.mu.Lock()
		c.fetching = nil
		if err == nil {
			c.rooms, c.at, c.valid = rooms, time.Now(), true
		}
		close(ch)
		c.mu.Unlock()
		return rooms, err
	}
}
