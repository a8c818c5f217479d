package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/server/accounts"
	"github.com/tandemnet/tandem/server/sessiontoken"
)

// client is the player behind one connection: its identity, its room, and
// the thin dispatch of its parsed commands to room operations. It runs on
// its connection's reader goroutine; the connection is only its transport.
type client struct {
	srv  *Server
	conn *conn
	log  *slog.Logger

	// self is this player as a room member; id and user are set once at
	// login, before it can be found in a room or the session registry.
	self member
	room *room
	// errSubject starts the text of errors about the object command being
	// run (its object id, or the token of an instantiate), so a client can
	// tell which object an error is about.
	errSubject []byte

	// line is the raw line of the command being run (forwarded as is to
	// the home of a room on another node).
	line []byte
	// link is set on a proxy: a member connected to another node, whose
	// replies go there (cluster_home.go); conn is nil then.
	link *remoteOutbox
	// cs is the client's room homed on another node (cluster_member.go).
	cs clusterState
	// rejoin is the resume state of this session (rejoin.go).
	rejoin clientRejoin
	// claims are the session token claims of this session (zero after a
	// resume: its answer carries no session token).
	claims   sessiontoken.Claims
	joins    *rate.Limiter // 2:<room> attempts (guards.go)
	roomPass roomPassBackoff
	lists    *rate.Limiter // 1 and 5 (guards.go)
}

func newClient(s *Server, c *conn) *client {
	cl := &client{srv: s, conn: c, log: c.log, joins: newJoinLimiter(&s.cfg.Limits), lists: newListLimiter(&s.cfg.Limits)}
	cl.self.out = c
	cl.self.batch = &c.out
	cl.rejoin.gone = make(chan struct{})
	return cl
}

func (cl *client) loggedIn() bool { return cl.conn.loggedIn.Load() }

// handle runs one parsed command.
func (cl *client) handle(cmd *protocol.Command) {
	cl.dropEndedRoom()
	if cmd.Num == protocol.NumPing {
		// In a room homed elsewhere the home answers, after the effects of
		// every earlier command, as on one node.
		if cl.srv.cluster == nil || !cl.forwardToHome(cmd) {
			cl.pong(cmd)
		}
		return
	}
	if cmd.Num == protocol.NumLogin {
		cl.login(cmd)
		return
	}
	if cmd.Num == protocol.NumResume {
		cl.resume(cmd)
		return
	}
	if cmd.Num == protocol.NumTokenLogin {
		cl.tokenLogin(cmd)
		return
	}
	if !cl.loggedIn() {
		// A strike: a client that is not logged in has nothing else to say,
		// so one that keeps talking is cut after --prelogin-strikes lines
		// instead of costing the server an answer per line.
		cl.conn.strike(cmd.Num, protocol.CodeNotLoggedIn, "log in first: 0:<user>:<password>")
		return
	}
	switch cmd.Num {
	case protocol.NumLogout:
		cl.logout()
	case protocol.NumRooms:
		if cl.listAllowed(cmd.Num) {
			cl.listRooms(cmd)
		}
	case protocol.NumJoin:
		cl.joinOrLeave(cmd)
	default:
		if cl.srv.cluster != nil && cl.forwardToHome(cmd) {
			return
		}
		cl.roomCommand(cmd)
	}
}

// roomCommand runs a command about the client's room: a message, a 5, an
// object command. A proxy (a member connected to another node) runs it at
// the room's home.
func (cl *client) roomCommand(cmd *protocol.Command) {
	if cmd.Num >= protocol.NumInstantiate && cmd.Num <= protocol.NumObjMessage {
		cl.errSubject = cmd.Fields[0]
		defer func() { cl.errSubject = nil }()
	}
	switch cmd.Num {
	case protocol.NumMessage:
		cl.message(cmd)
	case protocol.NumWho:
		if cl.listAllowed(cmd.Num) {
			cl.who(cmd)
		}
	case protocol.NumInstantiate:
		cl.instantiate(cmd)
	case protocol.NumUpdate:
		cl.update(cmd)
	case protocol.NumOwnership:
		cl.ownership(cmd)
	case protocol.NumDestroy:
		cl.destroy(cmd)
	case protocol.NumObjMessage:
		cl.objectMessage(cmd)
	}
	if cmd.Num >= protocol.NumInstantiate {
		cl.chargeObjectCommand(cmd)
	}
}

// flooded is called when the connection is cut for exceeding its rates:
// the account backs off before it can log in again, and the address's new
// connections are refused at accept after repeated cuts (floodguard.go).
func (cl *client) flooded() {
	cl.srv.floodGuard.cut(cl.conn.nc.RemoteAddr())
	if cl.loggedIn() {
		cl.srv.throttle.penalize(cl.self.user, remoteHost(cl.conn.remote))
	}
}

// closed runs on the reader goroutine after the read loop ended.
func (cl *client) closed() {
	defer close(cl.rejoin.gone)
	cl.dropEndedRoom()
	// A dropped member stays in its room, inactive, for a resume.
	if cl.room != nil && !cl.park() {
		cl.leave(false)
	}
	if cl.loggedIn() {
		if c := cl.srv.cluster; c != nil {
			cl.leaveRemote(false)
			c.loggedOut(cl)
		}
		cl.srv.sessions.remove(cl.self.user, cl)
		cl.srv.metrics.Sessions.Dec()
	}
}

func (cl *client) send(b []byte) {
	if cl.link != nil {
		cl.link.send(b)
		return
	}
	cl.conn.send(b)
}

// dropEndedRoom forgets a room that was ended for its members (they were
// told with a "23" line, and are no longer in it).
func (cl *client) dropEndedRoom() {
	if r := cl.room; r != nil && r.ended.Load() {
		cl.room = nil
	}
}

func (cl *client) sendError(cmd int, code protocol.Code, text string) {
	if cl.errSubject != nil {
		text = string(cl.errSubject) + " " + text
	}
	if cl.link != nil {
		cl.srv.metrics.Errors.WithLabelValues(string(code)).Inc()
		cl.link.send(protocol.AppendError(nil, cmd, code, text))
		return
	}
	cl.conn.sendError(cmd, code, text)
}

// reply answers a room operation's error, if any, with its protocol code.
func (cl *client) reply(num int, err error) {
	if err == nil {
		return
	}
	var re *roomError
	if errors.As(err, &re) {
		cl.sendError(num, re.code, re.text)
		return
	}
	code := protocol.ObjectCode(err)
	if code == "" {
		code = protocol.CodeBadCommand
	}
	cl.sendError(num, code, err.Error())
}

func (cl *client) pong(cmd *protocol.Command) {
	cl.send(protocol.AppendPong(nil, cmd.Field(0)))
}

// listRooms answers "1" from the store, so every node's rooms are listed.
func (cl *client) listRooms(cmd *protocol.Command) {
	password := string(cmd.Field(0))
	if password != "" && !cl.roomPasswordAllowed(protocol.NumRooms, "") {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	rooms, err := cl.srv.roomList.get(ctx)
	if err != nil {
		cl.srv.metrics.StoreErrors.Inc()
		cl.log.Error("list rooms", "err", err)
		cl.sendError(protocol.NumRooms, protocol.CodeStoreUnavailable, "the room database is not answering; try again later")
		return
	}
	b := protocol.AppendRoomListStart(nil)
	first := true
	private, opened := false, false
	for _, r := range rooms {
		private = private || r.PasswordHash != ""
		if r.PasswordHash != "" && (password == "" || !accounts.VerifyRoomPassword(password, r.PasswordHash)) {
			continue
		}
		opened = opened || r.PasswordHash != ""
		b = protocol.AppendRoomListEntry(b, first, r.Name, len(r.Members))
		first = false
	}
	if password != "" && private && !opened {
		cl.roomPasswordWrong("") // a guess tried against every private room
	}
	cl.send(protocol.End(b))
}

// who answers "5": the own room from memory, any other from the store.
func (cl *client) who(cmd *protocol.Command) {
	name, password := string(cmd.Field(0)), string(cmd.Field(1))
	if name == "" || (cl.room != nil && name == cl.room.name) {
		if cl.room == nil {
			cl.sendError(protocol.NumWho, protocol.CodeNotInRoom, "you are not in a room; name one: 5:<room>")
			return
		}
		cl.send(appendLiveWho(nil, cl.room.name, cl.room.memberList()))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	rooms, err := cl.srv.roomList.get(ctx)
	if err != nil {
		cl.srv.metrics.StoreErrors.Inc()
		cl.sendError(protocol.NumWho, protocol.CodeStoreUnavailable, "the room database is not answering; try again later")
		return
	}
	for _, r := range rooms {
		if r.Name != name {
			continue
		}
		if r.PasswordHash != "" && !cl.roomPasswordAllowed(protocol.NumWho, name) {
			return
		}
		if r.PasswordHash != "" && !accounts.VerifyRoomPassword(password, r.PasswordHash) {
			cl.roomPasswordWrong(name)
			cl.sendError(protocol.NumWho, protocol.CodeWrongPassword, fmt.Sprintf("room %q is private: 5:<room>:<password>", name))
			return
		}
		entries := make([]protocol.WhoEntry, len(r.Members))
		for i, m := range r.Members {
			entries[i] = protocol.WhoEntry{ID: m.ClientID, Name: m.UserName}
		}
		cl.send(protocol.AppendWho(nil, r.Name, entries))
		return
	}
	cl.sendError(protocol.NumWho, protocol.CodeNotInRoom, fmt.Sprintf("no room %q", name))
}

func (cl *client) joinOrLeave(cmd *protocol.Command) {
	name := cmd.Fields[0]
	if string(name) == "-1" && cmd.N == 1 {
		if cl.room == nil {
			if cl.leaveRemote(true) {
				return
			}
			cl.sendError(protocol.NumJoin, protocol.CodeNotInRoom, "you are not in a room")
			return
		}
		cl.leave(true)
		return
	}
	if err := protocol.ValidateRoomName(name); err != nil {
		cl.sendError(protocol.NumJoin, protocol.CodeBadRoomName, err.Error())
		return
	}
	password := string(cmd.Field(1))
	if password != "" {
		if err := accounts.ValidatePassword(password); err != nil {
			cl.sendError(protocol.NumJoin, protocol.CodeBadCommand, err.Error())
			return
		}
	}
	if !cl.joinAllowed() {
		return
	}
	grace, err := cl.srv.parseRoomGrace(cmd.Field(2))
	if err != nil {
		cl.sendError(protocol.NumJoin, protocol.CodeBadCommand, err.Error())
		return
	}
	cl.join(string(name), password, grace)
}

func (cl *client) join(name, password string, grace time.Duration) {
	if cl.srv.cluster != nil {
		cl.clusterJoin(name, password, grace)
		return
	}
	cl.localJoin(name, password, grace)
}

// localJoin joins a room homed on this node.
func (cl *client) localJoin(name, password string, grace time.Duration) {
	h := cl.srv.hub
	if cl.room != nil && cl.room.name == name {
		cl.sendError(protocol.NumJoin, protocol.CodeAlreadyInRoom, fmt.Sprintf("you are already in %q", name))
		return
	}
	guarded := password != "" || h.roomIsPrivate(name)
	if guarded && !cl.roomPasswordAllowed(protocol.NumJoin, name) {
		return
	}
	if err := h.checkPassword(name, password); err != nil {
		if isWrongPassword(err) {
			cl.roomPasswordWrong(name)
		}
		cl.reply(protocol.NumJoin, err)
		return
	}
	cl.leaveAny(true)
	r, err := h.join(name, password, grace, &cl.self)
	if err != nil {
		if isWrongPassword(err) {
			cl.roomPasswordWrong(name)
		}
		cl.reply(protocol.NumJoin, err)
		return
	}
	cl.room = r
	cl.log.Debug("joined room", "room", name)
}

// leave takes the client out of its room; confirm also tells the client.
func (cl *client) leave(confirm bool) {
	r := cl.room
	cl.room = nil
	cl.srv.hub.leave(r, &cl.self, confirm)
}

func (cl *client) message(cmd *protocol.Command) {
	r := cl.room
	if r == nil {
		cl.sendError(protocol.NumMessage, protocol.CodeNotInRoom, "join a room first")
		return
	}
	target := int(cmd.Fields[0][0] - '0')
	switch target {
	case protocol.TargetOthers, protocol.TargetAll, protocol.TargetOthersOrdered, protocol.TargetAllOrdered:
		self := target == protocol.TargetAll || target == protocol.TargetAllOrdered
		ordered := target == protocol.TargetOthersOrdered || target == protocol.TargetAllOrdered
		r.relay(&cl.self, self, ordered, cmd.Fields[1])
		cl.chargeRoomWide(r, len(cmd.Fields[1]))
	case protocol.TargetListed, protocol.TargetListedOrdered:
		maxRecipients := cl.srv.cfg.Limits.MaxRecipients
		missing, cut, delivered := r.relayListed(&cl.self, cmd.Fields[1], cmd.Fields[2], target == protocol.TargetListedOrdered, maxRecipients)
		cl.chargeFanout(delivered * (len(cmd.Fields[2]) + frameOverhead))
		if cut {
			cl.sendError(protocol.NumMessage, protocol.CodeBadCommand, fmt.Sprintf("at most %d recipients; the rest were not sent", maxRecipients))
		}
		if len(missing) > 0 {
			ids := make([]string, len(missing))
			for i, id := range missing {
				ids[i] = strconv.FormatInt(id, 10)
			}
			cl.sendError(protocol.NumMessage, protocol.CodeUnknownRecipient, strings.Join(ids, ","))
		}
	}
}
