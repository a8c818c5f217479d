package netobj

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/tandemnet/tandem/protocol/text"
)

// Limits bounds a room's objects. A limit of zero or less is no limit.
type Limits struct {
	MaxObjectsPerRoom   int // live objects in the room
	MaxObjectsPerClient int // live objects a client owns, checked whenever a client gains one
	MaxStateBytes       int // merged state of one object, in MessagePack bytes
	MaxRoomStateBytes   int // merged state of all live objects, which a join snapshot carries
}

// Token and prefab rules (PROTOCOL.md, "10 instantiate").
const (
	MaxTokenLen  = 64
	MaxPrefabLen = 128
)

// Registry holds the live objects of one room.
//
// Instantiate, Destroy and HandleLeave must run under the room's write lock;
// Get, Objects and Len may run under its read lock as long as no write is
// in progress (they read the map and slice without a lock of their own).
type Registry struct {
	limits   Limits
	byID     map[ID]*Object
	order    []*Object // live objects in instantiate order (ascending seq)
	seq      uint64
	counters map[int64]uint32 // last counter issued per creator; kept for the room's life

	// owned counts live objects per owner. Ownership moves inside Object
	// methods, which need not hold the room lock to be race-free, so the
	// counts have their own lock (always taken after an Object's).
	ownedMu sync.Mutex
	owned   map[int64]int

	// stateBytes is the merged state of all live objects. Updates of
	// different objects run concurrently, so it is reserved atomically
	// before a merge may grow it.
	stateBytes atomic.Int64
}

// NewRegistry returns an empty registry with the given limits.
func NewRegistry(l Limits) *Registry {
	return &Registry{
		limits:   l,
		byID:     make(map[ID]*Object),
		counters: make(map[int64]uint32),
		owned:    make(map[int64]int),
	}
}

// Limits returns the limits the registry enforces.
func (r *Registry) Limits() Limits { return r.limits }

// Instantiate creates an object for "10:<token>:<prefab>:<mode>:<life>:..."
// by creator. The id is ID{creator, n} with n counting creator's successful
// instantiations in this room from 1 (ids are never reused, even after a
// leave and rejoin); the creator owns it at generation 1 with initial as its
// state. Errors: ErrBadCommand (creator, token, prefab, mode or life break
// the rules), ErrTooManyObjects (room full, or creator already owns
// MaxObjectsPerClient objects), ErrStateTooLarge, ErrBadDelta (a malformed
// initial Delta). Nothing changes on error.
func (r *Registry) Instantiate(creator int64, token, prefab string, mode Mode, life Lifetime, initial Delta) (*Object, error) {
	if err := validateInstantiate(creator, token, prefab, mode, life); err != nil {
		return nil, err
	}
	if max := r.limits.MaxObjectsPerRoom; max > 0 && len(r.order) >= max {
		return nil, fmt.Errorf("room holds %d objects, limit %d: %w", len(r.order), max, ErrTooManyObjects)
	}
	if max := r.limits.MaxObjectsPerClient; max > 0 {
		if n := r.ownedCount(creator); n >= max {
			return nil, fmt.Errorf("client %d owns %d objects, limit %d: %w", creator, n, max, ErrTooManyObjects)
		}
	}
	counter := r.counters[creator]
	if counter == math.MaxUint32 {
		return nil, fmt.Errorf("client %d has used every object counter: %w", creator, ErrTooManyObjects)
	}
	counter++
	var st State
	if err := st.Merge(initial, r.limits.MaxStateBytes); err != nil {
		return nil, fmt.Errorf("instantiate: %w", err)
	}
	if err := r.reserveState(st.Size()); err != nil {
		return nil, fmt.Errorf("instantiate: %w", err)
	}
	r.seq++
	o := &Object{
		ID:     ID{Creator: creator, Counter: counter},
		Prefab: prefab,
		Token:  token,
		Mode:   mode,
		Life:   life,
		reg:    r,
		seq:    r.seq,
		owner:  creator,
		gen:    1,
		state:  st,
	}
	r.counters[creator] = counter
	r.byID[o.ID] = o
	r.order = append(r.order, o)
	r.moveOwned(0, creator)
	return o, nil
}

func validateInstantiate(creator int64, token, prefab string, mode Mode, life Lifetime) error {
	if creator <= 0 {
		return fmt.Errorf("creator %d: client ids are positive: %w", creator, ErrBadCommand)
	}
	if err := ValidateToken(token); err != nil {
		return err
	}
	if err := ValidatePrefab(prefab); err != nil {
		return err
	}
	if !mode.Valid() {
		return fmt.Errorf("ownership mode %q: %w", byte(mode), ErrBadCommand)
	}
	if !life.Valid() {
		return fmt.Errorf("lifetime %q: %w", byte(life), ErrBadCommand)
	}
	return nil
}

// ValidateToken checks an instantiate token: at most MaxTokenLen bytes of
// letters, digits, '_', '-' and '.'. The parser and the registry both use
// it, so the rule lives here alone. Errors wrap ErrBadCommand.
func ValidateToken[T ~string | ~[]byte](token T) error {
	if len(token) > MaxTokenLen {
		return fmt.Errorf("token is %d bytes, at most %d: %w", len(token), MaxTokenLen, ErrBadCommand)
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return fmt.Errorf("token may hold only letters, digits, _ - and .: %w", ErrBadCommand)
		}
	}
	return nil
}

// ValidatePrefab checks a prefab key: 1 to MaxPrefabLen bytes without ':'
// or line breaks. Errors wrap ErrBadCommand.
func ValidatePrefab[T ~string | ~[]byte](prefab T) error {
	if len(prefab) == 0 || len(prefab) > MaxPrefabLen {
		return fmt.Errorf("prefab is %d bytes, must be 1 to %d: %w", len(prefab), MaxPrefabLen, ErrBadCommand)
	}
	if err := text.Validate([]byte(prefab)); err != nil {
		return fmt.Errorf("prefab %w: %w", err, ErrBadCommand)
	}
	for i := 0; i < len(prefab); i++ {
		if prefab[i] == ':' { // ':' splits wire fields
			return fmt.Errorf("prefab may not contain ':': %w", ErrBadCommand)
		}
	}
	return nil
}

// Get returns the live object with this id, or nil.
func (r *Registry) Get(id ID) *Object {
	return r.byID[id]
}

// Destroy is "15:<id>" by client by: allowed to the owner or, when
// byIsMaster, the master client. It returns the removed object (for the
// 15: announcement). Errors: ErrNoSuchObject, ErrNotAuthorized.
func (r *Registry) Destroy(id ID, by int64, byIsMaster bool) (*Object, error) {
	o := r.byID[id]
	if o == nil {
		return nil, fmt.Errorf("destroy %s: %w", id, ErrNoSuchObject)
	}
	o.mu.Lock()
	if by != o.owner && !byIsMaster {
		owner := o.owner
		o.mu.Unlock()
		return nil, fmt.Errorf("destroy %s by %d: owner is %d and %d is not master: %w", id, by, owner, by, ErrNotAuthorized)
	}
	o.destroyLocked()
	o.mu.Unlock()
	delete(r.byID, id)
	i, found := slices.BinarySearchFunc(r.order, o.seq, func(x *Object, seq uint64) int {
		switch {
		case x.seq < seq:
			return -1
		case x.seq > seq:
			return 1
		}
		return 0
	})
	if found {
		r.order = slices.Delete(r.order, i, i+1)
	}
	return o, nil
}

// destroyLocked marks the object dead so a caller still holding it cannot
// change it, and releases its owner's count.
func (o *Object) destroyLocked() {
	o.destroyed = true
	o.pending = nil
	if o.reg != nil {
		o.reg.moveOwned(o.owner, 0)
		_ = o.reg.reserveState(-o.state.Size())
	}
}

// Objects returns the live objects in instantiate order (a new slice), the
// order of a join snapshot.
func (r *Registry) Objects() []*Object {
	return slices.Clone(r.order)
}

// Len returns the number of live objects.
func (r *Registry) Len() int { return len(r.order) }

// LeaveChange is one consequence of a leave, to announce in order: either
// the object was destroyed (15:<id>) or it has a new owner at a new
// generation (12:<id>:<NewOwner>:<Gen>).
type LeaveChange struct {
	Object    *Object
	Destroyed bool
	NewOwner  int64  // 0 when Destroyed
	Gen       uint32 // the generation after the change (the last one when Destroyed)
}

// HandleLeave applies PROTOCOL.md's leave rules for client left; master is
// the master client after the leave (0 if the room is now empty) and
// isMember says whether a client is still in the room (nil: everyone).
//
//   - player objects created by left are destroyed, whoever owns them;
//   - other objects owned by left change owner: room objects to master,
//     player objects back to their creator. A player object whose creator
//     is gone too cannot normally exist (it went with its creator), so it
//     is destroyed. With no master (room empty) room objects keep their
//     owner: the room is closing.
//   - left's pending ownership requests are dropped silently.
//
// The changes are returned in instantiate order, so every member receives
// them in the same order.
func (r *Registry) HandleLeave(left, master int64, isMember func(int64) bool) []LeaveChange {
	present := func(c int64) bool { return c != left && (isMember == nil || isMember(c)) }
	var changes []LeaveChange
	keep := r.order[:0] // filtered in place: the write index never passes the read index
	for _, o := range r.order {
		o.mu.Lock()
		o.dropRequestLocked(left)
		var ch LeaveChange
		switch {
		case o.Life == LifetimePlayer && o.ID.Creator == left:
			ch = LeaveChange{Object: o, Destroyed: true}
		case o.owner != left:
			// Not affected.
		case o.Life == LifetimePlayer:
			if c := o.ID.Creator; present(c) {
				ch = LeaveChange{Object: o, NewOwner: c}
			} else {
				ch = LeaveChange{Object: o, Destroyed: true}
			}
		case master > 0 && master != left:
			ch = LeaveChange{Object: o, NewOwner: master}
		}
		switch {
		case ch.Destroyed:
			ch.Gen = o.gen
			o.destroyLocked()
		case ch.NewOwner != 0:
			o.setOwnerLocked(ch.NewOwner)
			ch.Gen = o.gen
		}
		o.mu.Unlock()
		if ch.Object != nil {
			changes = append(changes, ch)
		}
		if ch.Destroyed {
			delete(r.byID, o.ID)
		} else {
			keep = append(keep, o)
		}
	}
	clear(r.order[len(keep):]) // drop references to destroyed objects
	r.order = keep
	return changes
}

// StateBytes returns the merged state of all live objects.
func (r *Registry) StateBytes() int { return int(r.stateBytes.Load()) }

// reserveState adds n bytes to the room's state, refusing growth past
// MaxRoomStateBytes with ErrStateTooLarge. A negative n always succeeds.
func (r *Registry) reserveState(n int) error {
	max := int64(r.limits.MaxRoomStateBytes)
	for {
		cur := r.stateBytes.Load()
		next := cur + int64(n)
		if n > 0 && max > 0 && next > max {
			return fmt.Errorf("the room's objects hold %d bytes of state, limit %d: %w", cur, max, ErrStateTooLarge)
		}
		if r.stateBytes.CompareAndSwap(cur, next) {
			return nil
		}
	}
}

// mayOwnMore refuses to hand client one more object when it owns
// MaxObjectsPerClient already (ErrTooManyObjects): the limit holds at
// every ownership change a client can refuse, not only at instantiate.
// Hand-overs at a leave are exempt (someone must own the object).
func (r *Registry) mayOwnMore(client int64) error {
	if max := r.limits.MaxObjectsPerClient; max > 0 {
		if n := r.ownedCount(client); n >= max {
			return fmt.Errorf("client %d owns %d objects, limit %d: %w", client, n, max, ErrTooManyObjects)
		}
	}
	return nil
}

// OwnedBy returns the number of live objects client owns.
func (r *Registry) OwnedBy(client int64) int { return r.ownedCount(client) }

func (r *Registry) ownedCount(client int64) int {
	r.ownedMu.Lock()
	defer r.ownedMu.Unlock()
	return r.owned[client]
}

// moveOwned moves one object's count from one owner to another; 0 stands
// for "no owner" (instantiate, destroy).
func (r *Registry) moveOwned(from, to int64) {
	r.ownedMu.Lock()
	defer r.ownedMu.Unlock()
	if from != 0 {
		if n := r.owned[from] - 1; n > 0 {
			r.owned[from] = n
		} else {
			delete(r.owned, from) // keep the map as small as the owner set
		}
	}
	if to != 0 {
		r.owned[to]++
	}
}
