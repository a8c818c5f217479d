package server

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
)

// room is a live room. Its write lock is the room's ordered stream: joins,
// leaves, master changes, ordered messages and every object event are
// enqueued to all members while it is held. Unordered object updates hold
// the read lock, so each is wholly before or after any ordered event in
// every member's queue (which is what makes join snapshots exact). The
// unordered relay path takes no lock at all: it reads members atomically.
type room struct {
	name     string
	passHash string // empty for a public room

	mu      sync.RWMutex
	members atomic.Pointer[[]*conn] // join order; the first is the master
	objects *netobj.Registry        // guarded by mu (see netobj's contract)
	closed  bool                    // guarded by mu; set when the last member left

	// Admin console hooks (admin_backend.go).
	created     time.Time
	adminClosed atomic.Bool // an operator closed the room; set under mu with closed
}

func (r *room) memberList() []*conn {
	if p := r.members.Load(); p != nil {
		return *p
	}
	return nil
}

// master is the longest-present member, nil for an empty room.
func (r *room) master(ms []*conn) *conn {
	if len(ms) == 0 {
		return nil
	}
	return ms[0]
}

func (r *room) member(ms []*conn, id int64) *conn {
	for _, m := range ms {
		if m.id == id {
			return m
		}
	}
	return nil
}

// broadcast enqueues one frame to every member but skip (which may be nil).
func (r *room) broadcast(ms []*conn, skip *conn, f outFrame) {
	for _, m := range ms {
		if m != skip {
			m.sendRoom(r, f)
		}
	}
}

// roomRegistry holds this node's live rooms by name.
type roomRegistry struct {
	mu    sync.Mutex
	rooms map[string]*room
}

func newRoomRegistry() *roomRegistry {
	return &roomRegistry{rooms: make(map[string]*room)}
}

func (rr *roomRegistry) get(name string) *room {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return rr.rooms[name]
}

// getOrCreate returns the named room, creating it with passHash when it
// does not exist (and there is room for it under max).
func (rr *roomRegistry) getOrCreate(name string, newRoom func() *room, max int) (*room, bool, error) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if r := rr.rooms[name]; r != nil {
		return r, false, nil
	}
	if len(rr.rooms) >= max {
		return nil, false, errTooManyRooms
	}
	r := newRoom()
	rr.rooms[name] = r
	return r, true, nil
}

// remove drops r if it is still the room registered under its name.
func (rr *roomRegistry) remove(r *room) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if rr.rooms[r.name] == r {
		delete(rr.rooms, r.name)
	}
}

func (rr *roomRegistry) all() []*room {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	out := make([]*room, 0, len(rr.rooms))
	for _, r := range rr.rooms {
		out = append(out, r)
	}
	return out
}

type roomError struct {
	code protocol.Code
	text string
}

func (e *roomError) Error() string { return e.text }

var errTooManyRooms = &roomError{protocol.CodeTooManyRooms, "the server has reached its room limit"}
