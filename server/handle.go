package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/server/accounts"
	"github.com/tandemnet/tandem/server/store"
)

// handle runs one client line on the reader goroutine.
func (c *conn) handle(line []byte) {
	c.dropClosedRoom() // admin console hook (admin_backend.go)
	cmd, err := protocol.Parse(line)
	if err != nil {
		var pe *protocol.ParseError
		if errors.As(err, &pe) {
			c.sendError(pe.Num, pe.Code, pe.Text)
		}
		return
	}
	if cmd.Num == protocol.NumPing {
		c.pong(&cmd)
		return
	}
	if cmd.Num == protocol.NumLogin {
		c.login(&cmd)
		return
	}
	if !c.loggedIn.Load() {
		c.sendError(cmd.Num, protocol.CodeNotLoggedIn, "log in first: 0:<user>:<password>")
		return
	}
	if cmd.Num >= protocol.NumInstantiate {
		c.errSubject = cmd.Fields[0]
		defer func() { c.errSubject = nil }()
	}
	switch cmd.Num {
	case protocol.NumRooms:
		c.listRooms(&cmd)
	case protocol.NumJoin:
		c.joinOrLeave(&cmd)
	case protocol.NumMessage:
		c.message(&cmd)
	case protocol.NumWho:
		c.who(&cmd)
	case protocol.NumInstantiate:
		c.instantiate(&cmd)
	case protocol.NumUpdate:
		c.update(&cmd)
	case protocol.NumOwnership:
		c.ownership(&cmd)
	case protocol.NumDestroy:
		c.destroy(&cmd)
	case protocol.NumObjMessage:
		c.objectMessage(&cmd)
	}
}

func (c *conn) pong(cmd *protocol.Command) {
	b := protocol.Begin(nil, protocol.NumPing)
	if cmd.N > 0 {
		b = protocol.Field(b, cmd.Fields[0])
	}
	c.send(protocol.End(b))
}

// listRooms answers "1" from the store, so every node's rooms are listed.
func (c *conn) listRooms(cmd *protocol.Command) {
	password := string(cmd.Field(0))
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	rooms, err := c.srv.store.ListRooms(ctx)
	if err != nil {
		c.srv.metrics.StoreErrors.Inc()
		c.log.Error("list rooms", "err", err)
		c.sendError(protocol.NumRooms, protocol.CodeStoreUnavailable, "the room database is not answering; try again later")
		return
	}
	b := append(protocol.Begin(nil, protocol.NumRooms), ':')
	first := true
	for _, r := range rooms {
		if r.PasswordHash != "" && (password == "" || !accounts.VerifyRoomPassword(password, r.PasswordHash)) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, r.Name...)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(len(r.Members)), 10)
	}
	c.send(protocol.End(b))
}

// who answers "5": the own room from memory, any other from the store.
func (c *conn) who(cmd *protocol.Command) {
	name, password := string(cmd.Field(0)), string(cmd.Field(1))
	if name == "" || (c.inRoom != nil && name == c.inRoom.name) {
		if c.inRoom == nil {
			c.sendError(protocol.NumWho, protocol.CodeNotInRoom, "you are not in a room; name one: 5:<room>")
			return
		}
		ms := c.inRoom.memberList()
		entries := make([]store.Member, len(ms))
		for i, m := range ms {
			entries[i] = store.Member{ClientID: m.id, UserName: m.user}
		}
		c.send(appendWho(nil, c.inRoom.name, entries))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	rooms, err := c.srv.store.ListRooms(ctx)
	if err != nil {
		c.srv.metrics.StoreErrors.Inc()
		c.sendError(protocol.NumWho, protocol.CodeStoreUnavailable, "the room database is not answering; try again later")
		return
	}
	for _, r := range rooms {
		if r.Name != name {
			continue
		}
		if r.PasswordHash != "" && !accounts.VerifyRoomPassword(password, r.PasswordHash) {
			c.sendError(protocol.NumWho, protocol.CodeWrongPassword, fmt.Sprintf("room %q is private: 5:<room>:<password>", name))
			return
		}
		c.send(appendWho(nil, r.Name, r.Members))
		return
	}
	c.sendError(protocol.NumWho, protocol.CodeNotInRoom, fmt.Sprintf("no room %q", name))
}

func appendWho(b []byte, room string, members []store.Member) []byte {
	b = protocol.FieldString(protocol.Begin(b, protocol.NumWho), room)
	b = append(b, ':')
	for i, m := range members {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, m.ClientID, 10)
		b = append(b, '=')
		b = append(b, m.UserName...)
	}
	return protocol.End(b)
}

func (c *conn) joinOrLeave(cmd *protocol.Command) {
	name := cmd.Fields[0]
	if string(name) == "-1" && cmd.N == 1 {
		if c.inRoom == nil {
			c.sendError(protocol.NumJoin, protocol.CodeNotInRoom, "you are not in a room")
			return
		}
		c.leaveRoom(true)
		return
	}
	if err := protocol.ValidateRoomName(name); err != nil {
		c.sendError(protocol.NumJoin, protocol.CodeBadRoomName, err.Error())
		return
	}
	password := string(cmd.Field(1))
	if password != "" {
		if err := accounts.ValidatePassword(password); err != nil {
			c.sendError(protocol.NumJoin, protocol.CodeBadCommand, err.Error())
			return
		}
	}
	c.joinRoom(string(name), password)
}

func passwordOpens(password, hash string) bool {
	if hash == "" {
		return password == ""
	}
	return password != "" && accounts.VerifyRoomPassword(password, hash)
}

func (c *conn) joinRoom(name, password string) {
	s := c.srv
	if c.inRoom != nil && c.inRoom.name == name {
		c.sendError(protocol.NumJoin, protocol.CodeAlreadyInRoom, fmt.Sprintf("you are already in %q", name))
		return
	}
	// Check the password before leaving the current room: a wrong password
	// changes nothing.
	if r := s.rooms.get(name); r != nil && !passwordOpens(password, r.passHash) {
		c.sendError(protocol.NumJoin, protocol.CodeWrongPassword, fmt.Sprintf("room %q: wrong password", name))
		return
	}
	if c.inRoom != nil {
		c.leaveRoom(true)
	}
	newRoom := func() *room { return s.newRoom(name, password) }
	for {
		r, created, err := s.rooms.getOrCreate(name, newRoom, s.cfg.Limits.MaxRooms)
		if err != nil {
			var re *roomError
			if errors.As(err, &re) {
				c.sendError(protocol.NumJoin, re.code, re.text)
			}
			return
		}
		if created {
			s.metrics.Rooms.Inc()
		}
		r.mu.Lock()
		if r.closed { // the last member left between lookup and lock
			r.mu.Unlock()
			continue
		}
		if !created && !passwordOpens(password, r.passHash) {
			r.mu.Unlock()
			c.sendError(protocol.NumJoin, protocol.CodeWrongPassword, fmt.Sprintf("room %q: wrong password", name))
			return
		}
		ms := r.memberList()
		if len(ms) >= s.cfg.Limits.MaxRoomMembers {
			r.mu.Unlock()
			c.sendError(protocol.NumJoin, protocol.CodeRoomFull, fmt.Sprintf("room %q is full (%d members)", name, len(ms)))
			return
		}
		c.enterLocked(r, ms)
		s.mirror.addMember(r, c)
		r.mu.Unlock()
		c.inRoom = r
		c.log.Debug("joined room", "room", name)
		return
	}
}

// enterLocked adds c to r; caller holds r.mu for writing. The joiner's lines
// (itself, the members, the master, the object snapshot, ready) are queued
// before c becomes visible to the lock-free relay path.
func (c *conn) enterLocked(r *room, ms []*conn) {
	next := make([]*conn, len(ms), len(ms)+1)
	copy(next, ms)
	next = append(next, c)

	b := protocol.AppendJoined(nil, c.id, r.name)
	for _, m := range ms {
		b = protocol.AppendJoined(b, m.id, r.name)
	}
	b = protocol.AppendMaster(b, r.master(next).id)
	b, n := appendSnapshot(b, r)
	b = appendReady(b, r.name, n)
	c.setRoom(r, b)

	r.broadcast(ms, nil, outFrame{b: protocol.AppendJoined(nil, c.id, r.name)})
	r.members.Store(&next)
}

// leaveRoom takes c out of its room with the leave, master and object
// hand-over lines; confirm also tells c itself.
func (c *conn) leaveRoom(confirm bool) {
	s := c.srv
	r := c.inRoom
	c.inRoom = nil
	r.mu.Lock()
	if r.adminClosed.Load() { // an operator closed it meanwhile: already out
		r.mu.Unlock()
		return
	}
	ms := r.memberList()
	next := make([]*conn, 0, len(ms))
	for _, m := range ms {
		if m != c {
			next = append(next, m)
		}
	}
	wasMaster := r.master(ms) == c
	r.members.Store(&next)
	left := protocol.AppendLeft(nil, c.id)
	if confirm {
		c.setRoom(nil, left)
	} else {
		c.setRoom(nil, nil)
	}
	r.broadcast(next, nil, outFrame{b: left})
	// Mirror writes are queued under the lock so that they keep the room's
	// order, and the delete precedes any re-creation of the same name.
	s.mirror.removeMember(r, c)
	if len(next) == 0 {
		r.closed = true
		s.metrics.Objects.Sub(float64(r.objects.Len()))
		s.mirror.deleteRoom(r)
		r.mu.Unlock()
		s.rooms.remove(r)
		s.metrics.Rooms.Dec()
		return
	}
	if wasMaster {
		r.broadcast(next, nil, outFrame{b: protocol.AppendMaster(nil, next[0].id)})
	}
	c.handOverObjectsLocked(r, next)
	r.mu.Unlock()
}

func (c *conn) message(cmd *protocol.Command) {
	r := c.inRoom
	if r == nil {
		c.sendError(protocol.NumMessage, protocol.CodeNotInRoom, "join a room first")
		return
	}
	target := int(cmd.Fields[0][0] - '0')
	switch target {
	case protocol.TargetOthers, protocol.TargetAll:
		c.relay(r, target == protocol.TargetAll, cmd.Fields[1])
	case protocol.TargetOthersOrdered, protocol.TargetAllOrdered:
		r.mu.Lock()
		c.relay(r, target == protocol.TargetAllOrdered, cmd.Fields[1])
		r.mu.Unlock()
	case protocol.TargetListed:
		c.relayListed(r, cmd.Fields[1], cmd.Fields[2])
	case protocol.TargetListedOrdered:
		r.mu.Lock()
		c.relayListed(r, cmd.Fields[1], cmd.Fields[2])
		r.mu.Unlock()
	}
}

// relay is the fast path: one encoded frame, shared by every recipient.
func (c *conn) relay(r *room, self bool, msg []byte) {
	f := outFrame{b: protocol.AppendMessage(make([]byte, 0, len(msg)+24), c.id, msg)}
	skip := c
	if self {
		skip = nil
	}
	r.broadcast(r.memberList(), skip, f)
}

func (c *conn) relayListed(r *room, ids, msg []byte) {
	f := outFrame{b: protocol.AppendMessage(make([]byte, 0, len(msg)+24), c.id, msg)}
	ms := r.memberList()
	var missing []string
	count := 0
	for rest := ids; len(rest) > 0; count++ {
		var id int64
		id, rest, _ = protocol.NextID(rest) // validated by the parser
		if count >= c.srv.cfg.Limits.MaxRecipients {
			c.sendError(protocol.NumMessage, protocol.CodeBadCommand, fmt.Sprintf("at most %d recipients; the rest were not sent", c.srv.cfg.Limits.MaxRecipients))
			break
		}
		if m := r.member(ms, id); m != nil {
			m.sendRoom(r, f)
		} else {
			missing = append(missing, strconv.FormatInt(id, 10))
		}
	}
	if len(missing) > 0 {
		c.sendError(protocol.NumMessage, protocol.CodeUnknownRecipient, strings.Join(missing, ","))
	}
}
