// Package netobj is the network-object logic of a Tandem room: object ids,
// state deltas and their merge, the ownership state machine and the
// per-room registry with its limits and leave rules (PROTOCOL.md, "Network
// objects" to "Leave and disconnect").
//
// It does no I/O and knows nothing of connections; the server serialises
// calls through its room lock:
//
//   - Registry methods that change the set of objects (Instantiate, Destroy,
//     HandleLeave) and the ownership methods (Object.Take, Give, Approve,
//     Deny) run under the room's write lock, in the room's ordered stream.
//   - Registry.Get, Object.Update, Object.Snapshot and the Owner/Gen getters
//     may run concurrently under the room's read lock: each Object guards its
//     owner, generation, pending requests and state with its own mutex.
package netobj
