package server

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/server/accounts"
)

// hub holds this node's live rooms by name and creates, joins and closes
// them. It knows members only through their outboxes, never connections.
type hub struct {
	lim     *Limits
	events  roomEvents
	metrics *Metrics
	cluster *cluster // nil on a single node
	lastID  atomic.Uint64

	mu    sync.Mutex
	rooms map[string]*room
}

func newHub(lim *Limits, events roomEvents, m *Metrics) *hub {
	return &hub{lim: lim, events: events, metrics: m, rooms: make(map[string]*room)}
}

func (h *hub) get(name string) *room {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rooms[name]
}

func (h *hub) all() []*room {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*room, 0, len(h.rooms))
	for _, r := range h.rooms {
		out = append(out, r)
	}
	return out
}

// getOrCreate returns the named room, creating it with password and
// rejoin grace (graceDefault: the server's) when it does not exist (and
// there is room for it under the limit).
func (h *hub) getOrCreate(name, password string, grace time.Duration) (*room, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.rooms[name]; r != nil {
		return r, false, nil
	}
	if len(h.rooms) >= h.lim.MaxRooms {
		return nil, false, errTooManyRooms
	}
	r := &room{
		name:    name,
		id:      h.lastID.Add(1),
		cluster: h.cluster,
		created: time.Now(),
		lim:     h.lim,
		events:  h.events,
		metrics: h.metrics,
		// Rejoin off on the server stays off whatever the room asks.
		rejoinGrace: h.lim.RejoinGrace,
		objects: netobj.NewRegistry(netobj.Limits{
			MaxObjectsPerRoom:   h.lim.MaxObjectsPerRoom,
			MaxObjectsPerClient: h.lim.MaxObjectsPerClient,
			MaxStateBytes:       h.lim.MaxStateBytes,
			MaxRoomStateBytes:   h.lim.MaxRoomStateBytes,
		}),
	}
	if password != "" {
		r.passHash = accounts.HashRoomPassword(password)
	}
	if grace != graceDefault && r.rejoinGrace > 0 {
		r.rejoinGrace = grace
	}
	h.rooms[name] = r
	// Under the hub lock, so the creation is heard before any later
	// re-creation of the same name.
	h.events.roomCreated(r)
	h.metrics.Rooms.Inc()
	return r, true, nil
}

// remove drops r if it is still the room registered under its name.
func (h *hub) remove(r *room) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rooms[r.name] == r {
		delete(h.rooms, r.name)
		h.metrics.Rooms.Dec()
		if h.cluster != nil {
			h.cluster.roomGone(r.name)
		}
	}
}

func passwordOpens(password, hash string) bool {
	if hash == "" {
		return password == ""
	}
	return password != "" && accounts.VerifyRoomPassword(password, hash)
}

// checkPassword refuses a join of an existing room with the wrong password
// before the joiner leaves its current room: a wrong password changes
// nothing.
func (h *hub) checkPassword(name, password string) error {
	if r := h.get(name); r != nil && !passwordOpens(password, r.passHash) {
		return wrongPassword(name)
	}
	return nil
}

func wrongPassword(name string) error {
	return &roomError{protocol.CodeWrongPassword, fmt.Sprintf("room %q: wrong password", name)}
}

// join puts m into the named room, creating it if needed (with the given
// rejoin grace), in the room's ordered stream.
func (h *hub) join(name, password string, grace time.Duration, m *member) (*room, error) {
	for {
		r, created, err := h.getOrCreate(name, password, grace)
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		if r.closed { // the last member left between lookup and lock
			r.mu.Unlock()
			continue
		}
		if !created && !passwordOpens(password, r.passHash) {
			r.mu.Unlock()
			return nil, wrongPassword(name)
		}
		if n := len(r.memberList()); n >= h.lim.MaxRoomMembers {
			r.mu.Unlock()
			return nil, &roomError{protocol.CodeRoomFull, fmt.Sprintf("room %q is full (%d members)", name, n)}
		}
		r.enter(m)
		r.mu.Unlock()
		return r, nil
	}
}

// end closes the named room for all its members (see room.end) and forgets
// it; the name is free for a new room at once.
func (h *hub) end(name string, line []byte) ([]*member, bool) {
	r := h.get(name)
	if r == nil {
		return nil, false
	}
	ms := r.end(line)
	if ms == nil {
		return nil, false
	}
	h.remove(r)
	return ms, true
}

// leave takes m out of r and forgets r once it is empty.
func (h *hub) leave(r *room, m *member, confirm bool) {
	if r.leave(m, confirm) {
		h.remove(r)
	}
}
