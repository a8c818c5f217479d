package client

import (
	"cmp"
	"slices"

	"github.com/tandemnet/tandem/netobj"
)

// world is the client's view of its room, changed only by the reader (and
// by the client's own updates); Client.mu guards it.
type world struct {
	room    string // "" outside a room
	master  int64
	members []int64
	// inactive holds the members whose connection dropped (20:<id>:inactive).
	inactive map[int64]bool
	objects  map[netobj.ID]*object
	joining  bool // between our own join line and its "17"
}

type object struct {
	info  Object // State unused; see state
	state netobj.State
}

func (w *world) reset(room string) {
	*w = world{room: room, objects: make(map[netobj.ID]*object), inactive: make(map[int64]bool)}
}

// apply changes the view for one event and reports whether the event is
// to be delivered (stale updates are not).
func (w *world) apply(self int64, ev Event) (keep bool, stale bool) {
	switch ev := ev.(type) {
	case MemberJoined:
		switch {
		case ev.ID == self:
			w.reset(ev.Room)
			w.members = []int64{self}
			w.joining = true
		case w.joining:
			// Members already present come after our own line but were
			// there first: keep join order with ourselves last.
			w.members = slices.Insert(w.members, len(w.members)-1, ev.ID)
		case !slices.Contains(w.members, ev.ID):
			w.members = append(w.members, ev.ID)
		}
	case MemberLeft:
		if ev.ID == self {
			w.reset("")
		} else {
			w.members = slices.DeleteFunc(w.members, func(id int64) bool { return id == ev.ID })
			delete(w.inactive, ev.ID)
		}
	case MemberActivity:
		if ev.Active {
			delete(w.inactive, ev.ID)
		} else if slices.Contains(w.members, ev.ID) {
			w.inactive[ev.ID] = true
		}
	case RoomClosed:
		if ev.Room == w.room {
			w.reset("")
		}
	case MasterChanged:
		w.master = ev.ID
	case ObjectSpawned:
		o := &object{info: ev.Object}
		o.info.State = netobj.Delta{}
		_ = o.state.Merge(ev.Object.State, 0) // decoded, so it matches its mask
		w.objects[ev.Object.ID] = o
	case ObjectUpdated:
		o := w.objects[ev.ID]
		if o == nil {
			return true, false // not ours to judge; deliver it as it came
		}
		if ev.Gen < o.info.Gen {
			return false, true
		}
		o.info.Gen = ev.Gen
		_ = o.state.Merge(ev.Delta, 0)
	case OwnerChanged:
		if o := w.objects[ev.ID]; o != nil && ev.Gen >= o.info.Gen {
			o.info.Owner, o.info.Gen = ev.Owner, ev.Gen
		}
	case ObjectDestroyed:
		delete(w.objects, ev.ID)
	case RoomReady:
		w.joining = false
	}
	return true, false
}

func (o *object) copy() Object {
	c := o.info
	c.State = o.state.Full()
	return c
}

func (w *world) view() RoomView {
	v := RoomView{Room: w.room, Master: w.master, Members: slices.Clone(w.members)}
	for _, id := range w.members {
		if w.inactive[id] {
			v.Inactive = append(v.Inactive, id)
		}
	}
	for _, o := range w.objects {
		v.Objects = append(v.Objects, o.copy())
	}
	slices.SortFunc(v.Objects, func(a, b Object) int {
		return cmp.Or(cmp.Compare(a.ID.Creator, b.ID.Creator), cmp.Compare(a.ID.Counter, b.ID.Counter))
	})
	return v
}
