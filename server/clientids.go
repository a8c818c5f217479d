package server

import (
	"context"
	"fmt"
	"sync"

	"github.com/tandemnet/tandem/server/store"
)

// clientIDBlock is how many client ids a node reserves from the store at a
// time. Ids left over at a restart are never used; that costs nothing.
const clientIDBlock = 64

// clientIDs hands out client ids from blocks reserved in the store, so a
// login takes an id from memory and only one login in clientIDBlock makes
// a store write. Ids stay unique across nodes and restarts (the store
// never returns an id twice); they increase per node, not across nodes.
type clientIDs struct {
	st store.Store

	mu   sync.Mutex // held while refilling: waiters take from the new block
	next []int64
}

func newClientIDs(st store.Store) *clientIDs { return &clientIDs{st: st} }

// take returns an unused client id.
func (c *clientIDs) take(ctx context.Context) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.next) == 0 {
		ids, err := c.st.ReserveClientIDs(ctx, clientIDBlock)
		if err != nil {
			return 0, fmt.Errorf("reserve client ids: %w", err)
		}
		c.next = ids
	}
	id := c.next[0]
	c.next = c.next[1:]
	return id, nil
}
