package netobj

import (
	"fmt"
	"slices"
	"sync"
)

// Object is one live network object. The exported fields are fixed at
// instantiate and must not be changed. Owner, generation, pending ownership
// requests and state are behind the object's own mutex, because updates of
// different objects (and of the same one) run concurrently under the room's
// read lock.
type Object struct {
	ID     ID
	Prefab string
	Token  string
	Mode   Mode
	Life   Lifetime

	reg *Registry // counts objects per owner for the per-client limit
	seq uint64    // instantiate order within the registry

	mu        sync.Mutex
	owner     int64
	gen       uint32
	destroyed bool
	pending   []int64 // request-mode takes awaiting the owner, oldest first
	state     State
}

// TakeResult says what a successful Take did.
type TakeResult int

// Take outcomes. The zero value is returned with errors.
const (
	// TakeChanged: the taker is now the owner and the generation moved on;
	// announce 12:<id>:<owner>:<gen>.
	TakeChanged TakeResult = iota + 1
	// TakeRequested: request mode; the request is pending and the server
	// sends 13:<id>:<requester> to the owner.
	TakeRequested
)

// Owner returns the current owner.
func (o *Object) Owner() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.owner
}

// Gen returns the current ownership generation (1 at instantiate).
func (o *Object) Gen() uint32 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.gen
}

// Update merges d into the state for client by at generation gen. It
// refuses (changing nothing) with ErrNotOwner when by is not the owner,
// ErrStaleGeneration when gen is not the current generation, and the
// errors of State.Merge. The owner check comes first: a former owner whose
// update arrives after a hand-over is told it is not the owner.
func (o *Object) Update(by int64, gen uint32, d Delta, maxBytes int) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.liveLocked(); err != nil {
		return err
	}
	if by != o.owner {
		return fmt.Errorf("update %s by %d: owner is %d: %w", o.ID, by, o.owner, ErrNotOwner)
	}
	if gen != o.gen {
		return fmt.Errorf("update %s at generation %d: current is %d: %w", o.ID, gen, o.gen, ErrStaleGeneration)
	}
	size, err := o.state.SizeAfter(d)
	if err != nil {
		return fmt.Errorf("update %s: %w", o.ID, err)
	}
	growth := size - o.state.Size()
	if o.reg != nil && (maxBytes <= 0 || size <= maxBytes) {
		if err := o.reg.reserveState(growth); err != nil {
			return fmt.Errorf("update %s: %w", o.ID, err)
		}
	}
	if err := o.state.Merge(d, maxBytes); err != nil {
		return fmt.Errorf("update %s: %w", o.ID, err)
	}
	return nil
}

// Snapshot returns owner, generation and the full state (a copy) as of one
// instant, for the 10: line of a join snapshot.
func (o *Object) Snapshot() (owner int64, gen uint32, full Delta) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.owner, o.gen, o.state.Full()
}

// StateSize returns the bytes of merged state the object holds.
func (o *Object) StateSize() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.state.Size()
}

// Take is "12:<id>:take" (expectedOwner 0) or "12:<id>:take:<expected>".
// In takeover mode by becomes the owner (TakeChanged); in request mode the
// request is recorded for the owner (TakeRequested; asking again is not an
// error). Errors, checked in this order: ErrOwnerChanged when conditional
// and the owner is not expectedOwner (so of several racing conditional
// takes exactly one wins, whatever the mode), ErrOwnershipFixed,
// ErrAlreadyOwner, ErrTooManyObjects (a takeover by a client at its limit).
func (o *Object) Take(by, expectedOwner int64) (TakeResult, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.liveLocked(); err != nil {
		return 0, err
	}
	if expectedOwner != 0 && o.owner != expectedOwner {
		return 0, fmt.Errorf("take %s: owner is %d, not %d: %w", o.ID, o.owner, expectedOwner, ErrOwnerChanged)
	}
	if o.Mode == ModeFixed {
		return 0, fmt.Errorf("take %s: %w", o.ID, ErrOwnershipFixed)
	}
	if by == o.owner {
		return 0, fmt.Errorf("take %s: %d already owns it: %w", o.ID, by, ErrAlreadyOwner)
	}
	if o.Mode == ModeRequest {
		if !slices.Contains(o.pending, by) {
			o.pending = append(o.pending, by)
		}
		return TakeRequested, nil
	}
	if err := o.mayOwnLocked("take", by); err != nil {
		return 0, err
	}
	o.setOwnerLocked(by)
	return TakeChanged, nil
}

// Give is "12:<id>:give:<to>": the owner hands the object to another
// client, in any mode. The caller checks that to is a room member. Errors:
// ErrNotOwner, ErrAlreadyOwner (to is the owner), ErrBadCommand (to <= 0),
// ErrTooManyObjects (to owns MaxObjectsPerClient objects already).
func (o *Object) Give(by, to int64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.ownerCheckLocked("give", by); err != nil {
		return err
	}
	if to <= 0 {
		return fmt.Errorf("give %s to %d: client ids are positive: %w", o.ID, to, ErrBadCommand)
	}
	if to == o.owner {
		return fmt.Errorf("give %s: %d already owns it: %w", o.ID, to, ErrAlreadyOwner)
	}
	if err := o.mayOwnLocked("give", to); err != nil {
		return err
	}
	o.setOwnerLocked(to)
	return nil
}

// Approve is "12:<id>:approve:<requester>": the owner grants a pending
// request, which changes the owner as Give does. Errors: ErrNotOwner,
// ErrNoRequest, ErrTooManyObjects.
func (o *Object) Approve(by, requester int64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.ownerCheckLocked("approve", by); err != nil {
		return err
	}
	if !slices.Contains(o.pending, requester) {
		return fmt.Errorf("approve %s: no request from %d: %w", o.ID, requester, ErrNoRequest)
	}
	if err := o.mayOwnLocked("approve", requester); err != nil {
		return err
	}
	o.setOwnerLocked(requester)
	return nil
}

// Deny is "12:<id>:deny:<requester>": the owner drops a pending request;
// the server then sends 14:<id>:<owner> to the requester. Errors:
// ErrNotOwner, ErrNoRequest.
func (o *Object) Deny(by, requester int64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.ownerCheckLocked("deny", by); err != nil {
		return err
	}
	i := slices.Index(o.pending, requester)
	if i < 0 {
		return fmt.Errorf("deny %s: no request from %d: %w", o.ID, requester, ErrNoRequest)
	}
	o.pending = slices.Delete(o.pending, i, i+1)
	return nil
}

// Pending returns the clients with a pending request, oldest first (a copy).
func (o *Object) Pending() []int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.pending)
}

func (o *Object) liveLocked() error {
	if o.destroyed {
		return fmt.Errorf("object %s was destroyed: %w", o.ID, ErrNoSuchObject)
	}
	return nil
}

func (o *Object) ownerCheckLocked(op string, by int64) error {
	if err := o.liveLocked(); err != nil {
		return err
	}
	if by != o.owner {
		return fmt.Errorf("%s %s by %d: owner is %d: %w", op, o.ID, by, o.owner, ErrNotOwner)
	}
	return nil
}

// mayOwnLocked checks the new owner's object limit before op moves the
// object to it.
func (o *Object) mayOwnLocked(op string, to int64) error {
	if o.reg == nil {
		return nil
	}
	if err := o.reg.mayOwnMore(to); err != nil {
		return fmt.Errorf("%s %s: %w", op, o.ID, err)
	}
	return nil
}

// setOwnerLocked is the one place ownership moves: every change bumps the
// generation (so in-flight updates of the old owner are refused) and drops
// the pending requests, which were addressed to the old owner.
func (o *Object) setOwnerLocked(to int64) {
	if o.reg != nil {
		o.reg.moveOwned(o.owner, to)
	}
	o.owner = to
	o.gen++
	o.pending = o.pending[:0]
}

// dropRequestLocked forgets a pending request from a client who left.
func (o *Object) dropRequestLocked(client int64) {
	if i := slices.Index(o.pending, client); i >= 0 {
		o.pending = slices.Delete(o.pending, i, i+1)
	}
}
