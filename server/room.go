package server

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
)

// outbox is where a member's frames go: a local connection today, a link
// to another node in a cluster (which fans the frame out to its own local
// members). Both methods must be cheap and must not block: they run under
// the room's lock.
type outbox interface {
	// deliver queues f, a frame of room r. It is dropped if the recipient
	// is no longer in r (it left while the frame was being fanned out).
	// via, when not nil, is the sending reader's batch: the recipient is
	// woken when that reader's buffer is drained (deliver.go).
	deliver(r *room, f outFrame, via *deliveryBatch)
	// switchRoom makes r the room whose frames are accepted (nil: none)
	// and queues first ahead of any of them, in one step.
	switchRoom(r *room, first []byte)
}

// member is one player in a room: who it is and where its frames go.
type member struct {
	id   int64
	user string
	out  outbox
	// batch collects the recipients of this member's relays (its reader's
	// deliveryBatch); relays made on its behalf pass it to deliver.
	batch *deliveryBatch
	// inactive marks the stand-in of a dropped client during its rejoin
	// grace (rejoin.go); its outbox discards.
	inactive bool
}

// roomEvents hears what happens to rooms, in each room's order (the calls
// are made under the room's write lock, so they must not block). The store
// mirror is one listener.
type roomEvents interface {
	roomCreated(r *room)
	memberJoined(r *room, m *member)
	memberLeft(r *room, m *member)
	roomClosed(r *room)
}

// room is a live room. Its write lock is the room's ordered stream: joins,
// leaves, master changes, ordered messages and every object event are
// delivered to all members while it is held. Unordered object updates hold
// the read lock, so each is wholly before or after any ordered event in
// every member's queue (which is what makes join snapshots exact). The
// unordered relay path takes no lock at all: it reads members atomically.
//
// A room's operations (join, leave, relay and the object commands in
// room_objects.go) take the lock themselves, apply the command, deliver
// what it causes and return an error for the requester, if any.
type room struct {
	name     string
	passHash string   // empty for a public room
	id       uint64   // unique on this node; names the room to other nodes
	cluster  *cluster // nil on a single node
	lim      *Limits
	events   roomEvents
	metrics  *Metrics
	// rejoinGrace is how long a dropped member stays inactive (<= 0: a
	// drop is a leave); fixed when the room is created.
	rejoinGrace time.Duration

	mu      sync.RWMutex
	members atomic.Pointer[[]*member] // join order; the first is the master
	objects *netobj.Registry          // guarded by mu (see netobj's contract)
	closed  bool                      // guarded by mu; set when the last member left

	created time.Time // for the admin console
	// ended is set, under mu with closed, when the room was ended for its
	// members (an operator closed it); each member's client drops it at
	// its next command.
	ended atomic.Bool
}

func (r *room) memberList() []*member {
	if p := r.members.Load(); p != nil {
		return *p
	}
	return nil
}

// master is the longest-present member, nil for an empty room.
func (r *room) master(ms []*member) *member {
	if len(ms) == 0 {
		return nil
	}
	return ms[0]
}

func (r *room) member(ms []*member, id int64) *member {
	for _, m := range ms {
		if m.id == id {
			return m
		}
	}
	return nil
}

// broadcast delivers one frame to every member but skip (which may be nil).
func (r *room) broadcast(ms []*member, skip *member, f outFrame) {
	r.broadcastVia(ms, skip, f, nil)
}

// broadcastVia is broadcast with the sender's delivery batch (may be nil).
func (r *room) broadcastVia(ms []*member, skip *member, f outFrame, via *deliveryBatch) {
	if r.cluster != nil {
		r.cluster.broadcast(r, ms, skip, f, via)
		return
	}
	for _, m := range ms {
		if m != skip {
			m.out.deliver(r, f, via)
		}
	}
}

// enter adds m to the room, which the caller has locked for writing and
// found open, unlocked, with the right password and not full.
//
// m becomes visible to the lock-free relay path (unordered messages) before
// anyone learns of the join: a member who has seen "joined" and then
// sends reaches m. Relayed frames that find m listed before its join lines
// are queued are dropped for m (its connection does not accept the room's
// frames yet); their senders had not seen m join.
func (r *room) enter(m *member) {
	ms := r.memberList()
	next := make([]*member, len(ms), len(ms)+1)
	copy(next, ms)
	next = append(next, m)
	r.members.Store(&next)

	m.out.switchRoom(r, r.appendJoinLines(nil, next, m))

	r.broadcast(ms, nil, outFrame{b: protocol.AppendJoined(nil, m.id, r.name)})
	r.events.memberJoined(r, m)
}

// leave takes m out of the room with the leave, master and object
// hand-over lines; confirm also tells m itself. It reports whether the
// room closed (m was the last member).
func (r *room) leave(m *member, confirm bool) (closed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended.Load() { // ended meanwhile: m is already out
		return false
	}
	ms := r.memberList()
	if r.closed || !slices.Contains(ms, m) {
		return false // already gone (an inactive member of a room closed meanwhile)
	}
	next := make([]*member, 0, len(ms))
	for _, o := range ms {
		if o != m {
			next = append(next, o)
		}
	}
	wasMaster := r.master(ms) == m
	r.members.Store(&next)
	left := protocol.AppendLeft(nil, m.id)
	if confirm {
		m.out.switchRoom(nil, left)
	} else {
		m.out.switchRoom(nil, nil)
	}
	r.broadcast(next, nil, outFrame{b: left})
	// Events are raised under the lock so that listeners see the room's
	// order, and a close precedes any re-creation of the same name.
	r.events.memberLeft(r, m)
	if len(next) == 0 {
		r.closed = true
		r.metrics.Objects.Sub(float64(r.objects.Len()))
		r.events.roomClosed(r)
		return true
	}
	if wasMaster {
		r.broadcast(next, nil, outFrame{b: protocol.AppendMaster(nil, next[0].id)})
	}
	r.handOverObjectsLocked(m, next)
	return false
}

// end closes the room for every member at one point of its ordered
// stream: each gets line as its last line of the room, with no leave lines,
// and the room's objects end with it. It returns the members it had, or
// nil if the room was already closed.
func (r *room) end(line []byte) []*member {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	ms := r.memberList()
	r.members.Store(&[]*member{})
	r.closed = true
	r.ended.Store(true)
	for _, m := range ms {
		m.out.switchRoom(nil, line) // queued first, and no frame of r after it
		r.events.memberLeft(r, m)
	}
	r.metrics.Objects.Sub(float64(r.objects.Len()))
	r.events.roomClosed(r)
	return ms
}

// relay is the fast path: one encoded frame, shared by every recipient.
// The ordered variants hold the write lock, so they take a place in the
// room's ordered stream.
func (r *room) relay(from *member, self, ordered bool, msg []byte) {
	f := outFrame{b: protocol.AppendMessage(make([]byte, 0, len(msg)+24), from.id, msg)}
	skip := from
	if self {
		skip = nil
	}
	if ordered {
		r.mu.Lock()
		defer r.mu.Unlock()
	}
	r.broadcastVia(r.memberList(), skip, f, from.batch)
}

// relayListed sends msg to the listed members (at most maxRecipients ids,
// each member at most once however often it is listed) and returns the ids
// that were not in the room, whether the list was cut short, and how many
// members it was delivered to.
func (r *room) relayListed(from *member, ids, msg []byte, ordered bool, maxRecipients int) (missing []int64, cut bool, delivered int) {
	f := outFrame{b: protocol.AppendMessage(make([]byte, 0, len(msg)+24), from.id, msg)}
	if ordered {
		r.mu.Lock()
		defer r.mu.Unlock()
	}
	ms := r.memberList()
	var seenBuf [16]int64
	seen := seenBuf[:0]    // ids already handled: a repeated id is not a second copy
	var batch *targetBatch // members on other nodes, one crossing per node
	if r.cluster != nil {
		batch = &targetBatch{c: r.cluster}
	}
	count := 0
	for rest := ids; len(rest) > 0; count++ {
		var id int64
		id, rest, _ = protocol.NextID(rest) // validated by the parser
		if count >= maxRecipients {
			cut = true
			break
		}
		if slices.Contains(seen, id) {
			continue
		}
		seen = append(seen, id)
		if m := r.member(ms, id); m != nil {
			if batch == nil || !batch.add(m) {
				m.out.deliver(r, f, from.batch)
			}
			delivered++
		} else {
			missing = append(missing, id)
		}
	}
	if batch != nil {
		batch.flush(r, f)
	}
	return missing, cut, delivered
}

// roomError is a refusal with its protocol code.
type roomError struct {
	code protocol.Code
	text string
}

func (e *roomError) Error() string { return e.text }

var errTooManyRooms = &roomError{protocol.CodeTooManyRooms, "the server has reached its room limit"}
