package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/tandemnet/tandem/server/store"
)

// roomMirror keeps the store's copy of this node's rooms and members (read
// by "1" room lists and "5" on every node). Writes go through one goroutine
// in the order they were made, off the relay path: a slow or dead database
// never stalls a room. When a write fails or the queue overflows, the
// mirror is marked dirty and rebuilt from the live rooms once the database
// answers again.
type roomMirror struct {
	st      store.Store
	node    string
	log     *slog.Logger
	metrics *Metrics
	rooms   *hub // set once by New; read by rebuild

	ops    chan mirrorOp
	dirty  atomic.Bool
	halted atomic.Bool // the node crashed (Server.Crash): write nothing more
}

type mirrorOp struct {
	what string
	do   func(ctx context.Context) error
}

const mirrorQueue = 1 << 14

func newRoomMirror(st store.Store, node string, log *slog.Logger, m *Metrics) *roomMirror {
	return &roomMirror{st: st, node: node, log: log, metrics: m,
		ops: make(chan mirrorOp, mirrorQueue)}
}

func (m *roomMirror) markDirty() { m.dirty.Store(true) }

func (m *roomMirror) enqueue(what string, do func(ctx context.Context) error) {
	select {
	case m.ops <- mirrorOp{what, do}:
	default:
		m.markDirty() // rebuilt later; the live rooms are the truth
	}
}

// The mirror listens to room events (roomEvents); each queues one write.

func (m *roomMirror) roomCreated(r *room) {
	rec := store.Room{Name: r.name, PasswordHash: r.passHash, Node: m.node}
	m.enqueue("create room", func(ctx context.Context) error {
		err := m.st.CreateRoom(ctx, rec)
		if errors.Is(err, store.ErrRoomExists) {
			return nil
		}
		return err
	})
}

func (m *roomMirror) roomClosed(r *room) {
	name := r.name
	m.enqueue("delete room", func(ctx context.Context) error {
		err := m.st.DeleteRoom(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
}

func (m *roomMirror) memberJoined(r *room, mb *member) {
	name, mem := r.name, store.Member{ClientID: mb.id, UserName: mb.user}
	m.enqueue("add member", func(ctx context.Context) error { return m.st.AddMember(ctx, name, mem) })
}

func (m *roomMirror) memberLeft(r *room, mb *member) {
	name, id := r.name, mb.id
	m.enqueue("remove member", func(ctx context.Context) error {
		err := m.st.RemoveMember(ctx, name, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
}

// run applies queued writes until ctx ends, and rebuilds the mirror when
// it is dirty and the queue is idle.
func (m *roomMirror) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case op := <-m.ops:
			m.apply(op)
		case <-t.C:
			if m.dirty.Load() && len(m.ops) == 0 && !m.halted.Load() {
				if err := m.rebuild(); err != nil {
					m.log.Warn("room mirror rebuild failed; will retry", "err", err)
				} else {
					m.dirty.Store(false)
					m.log.Info("room mirror rebuilt")
				}
			}
		}
	}
}

func (m *roomMirror) apply(op mirrorOp) {
	if m.halted.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if err := op.do(ctx); err != nil {
		m.metrics.StoreErrors.Inc()
		if !m.dirty.Swap(true) {
			m.log.Warn("room mirror write failed; rooms keep running and the mirror is rebuilt when the database answers", "op", op.what, "err", err)
		}
	}
}

// rebuild replaces this node's rows with the live rooms. A row the
// database refuses (a room or member it cannot store) is logged and
// skipped, so one bad row cannot keep every other room out of the list;
// the rebuild fails (and is retried) only when nothing could be written,
// which is the database being down rather than a bad row.
func (m *roomMirror) rebuild() error {
	ctx, cancel := context.WithTimeout(context.Background(), 4*storeTimeout)
	defer cancel()
	if err := m.st.CleanNode(ctx, m.node); err != nil {
		return fmt.Errorf("clean node rows: %w", err)
	}
	tried, failed := 0, 0
	var lastErr error
	skip := func(what string, err error, args ...any) {
		failed++
		lastErr = err
		m.metrics.StoreErrors.Inc()
		m.log.Error("room mirror: skipped a row the database refused", append(args, "row", what, "err", err)...)
	}
	for _, r := range m.rooms.all() {
		tried++
		if err := m.st.CreateRoom(ctx, store.Room{Name: r.name, PasswordHash: r.passHash, Node: m.node}); err != nil && !errors.Is(err, store.ErrRoomExists) {
			skip("room", err, "room", r.name)
			continue
		}
		for _, mb := range r.memberList() {
			tried++
			if err := m.st.AddMember(ctx, r.name, store.Member{ClientID: mb.id, UserName: mb.user}); err != nil {
				skip("member", err, "room", r.name, "client", mb.id)
			}
		}
	}
	if tried > 0 && failed == tried {
		return fmt.Errorf("no row could be written: %w", lastErr)
	}
	return nil
}

// flush applies what is still queued (after the clients are gone at
// shutdown) and then removes this node's rows: a stopped node lists nothing.
func (m *roomMirror) flush() {
	for {
		select {
		case op := <-m.ops:
			m.apply(op)
			continue
		default:
		}
		break
	}
	if m.halted.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if err := m.st.CleanNode(ctx, m.node); err != nil {
		m.log.Error("remove this node's rooms from the store at shutdown", "err", err)
	}
}
