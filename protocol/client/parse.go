package client

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
)

// Answers that only complete a waiting call; they are not events.
type (
	sessionLine struct {
		id           int64
		sessionToken string // "" when the server sent none (or kept the old one)
		resumeToken  string // "" when the server sent none
	}
	roomsLine struct{ rooms []RoomCount }
	whoLine   struct {
		room    string
		members []Member
	}
	pongLine struct{ token string }
)

// parseLine splits one server line (without '\n') as PROTOCOL.md says. It
// returns an Event, or one of the answer types above.
func parseLine(line string) (any, error) {
	line = strings.TrimSuffix(line, "\r")
	numText, rest, hasRest := strings.Cut(line, ":")
	num, err := strconv.Atoi(numText)
	if err != nil || numText == "" || numText[0] < '0' || numText[0] > '9' {
		return nil, errors.New("line does not start with a message number")
	}
	if num == protocol.NumPing { // "7" or "7:<token>"
		return pongLine{token: rest}, nil
	}
	if !hasRest {
		return nil, fmt.Errorf("message %d without fields", num)
	}
	switch num {
	case protocol.NumLogin: // "0:<id>" or "0:<id>:<session token>:<resume token>"
		f := strings.Split(rest, ":")
		if len(f) != 1 && len(f) != 3 {
			return nil, fmt.Errorf("session line with %d fields", len(f))
		}
		id, err := parseClient(f[0])
		s := sessionLine{id: id}
		if len(f) == 3 {
			s.sessionToken, s.resumeToken = f[1], f[2]
		}
		return s, err
	case protocol.NumRooms:
		rooms, err := parseRoomList(rest)
		return roomsLine{rooms}, err
	case protocol.NumJoin: // "2:<id>:<room>"; an empty room is a leave
		f, err := fields(rest, 2)
		if err != nil {
			return nil, err
		}
		id, err := parseClient(f[0])
		if err != nil {
			return nil, err
		}
		if f[1] == "" {
			return MemberLeft{ID: id}, nil
		}
		return MemberJoined{ID: id, Room: f[1]}, nil
	case protocol.NumMessage:
		from, msg, ok := strings.Cut(rest, ":")
		if !ok {
			return nil, errors.New("message without text field")
		}
		id, err := parseClient(from)
		return MessageReceived{From: id, Text: msg}, err
	case protocol.NumMaster:
		id, err := parseClient(rest)
		return MasterChanged{ID: id}, err
	case protocol.NumWho:
		return parseWho(rest)
	case protocol.NumClosing:
		code, text, _ := strings.Cut(rest, ":")
		return Closing{Code: protocol.Code(code), Text: text}, nil
	case protocol.NumError:
		return parseError(rest)
	case protocol.NumInstantiate:
		o, err := parseSpawn(rest)
		return ObjectSpawned{Object: o}, err
	case protocol.NumUpdate: // "11:<id>:<gen>:<mask>:<data>"
		f, err := fields(rest, 4)
		if err != nil {
			return nil, err
		}
		var ev ObjectUpdated
		if ev.ID, err = netobj.ParseID([]byte(f[0])); err != nil {
			return nil, err
		}
		if ev.Gen, err = parseGen(f[1]); err != nil {
			return nil, err
		}
		ev.Delta, err = netobj.DecodeDelta([]byte(f[2]), []byte(f[3]))
		return ev, err
	case protocol.NumOwnership, protocol.NumOwnRequest, protocol.NumOwnDenied:
		return parseOwnership(num, rest)
	case protocol.NumDestroy:
		id, err := netobj.ParseID([]byte(rest))
		return ObjectDestroyed{ID: id}, err
	case protocol.NumObjMessage: // "16:<id>:<sender>:<msg>"
		f := strings.SplitN(rest, ":", 3)
		if len(f) != 3 {
			return nil, errors.New("object message needs id, sender and message")
		}
		id, err := netobj.ParseID([]byte(f[0]))
		if err != nil {
			return nil, err
		}
		from, err := parseClient(f[1])
		return ObjectMessageReceived{ID: id, From: from, Text: f[2]}, err
	case protocol.NumActivity: // "20:<id>:inactive|active"
		f, err := fields(rest, 2)
		if err != nil {
			return nil, err
		}
		id, err := parseClient(f[0])
		if err != nil {
			return nil, err
		}
		switch f[1] {
		case protocol.ActivityInactive:
			return MemberActivity{ID: id, Active: false}, nil
		case protocol.ActivityActive:
			return MemberActivity{ID: id, Active: true}, nil
		}
		return nil, fmt.Errorf("member activity %q", f[1])
	case protocol.NumReady: // "17:<room>:<count>"
		f, err := fields(rest, 2)
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(f[1])
		if err != nil || n < 0 {
			return nil, fmt.Errorf("object count %q", f[1])
		}
		return RoomReady{Room: f[0], Objects: n}, nil
	case protocol.NumSystem: // "22:<text>"
		return SystemMessage{Text: rest}, nil
	case protocol.NumRoomClosed: // "23:<room>:<code>:<text>"
		f := strings.SplitN(rest, ":", 3)
		if len(f) != 3 {
			return nil, errors.New("room closed needs room, code and text")
		}
		return RoomClosed{Room: f[0], Code: protocol.Code(f[1]), Text: f[2]}, nil
	}
	return nil, fmt.Errorf("unknown message number %d", num)
}

// fields splits s into exactly n ':'-separated fields.
func fields(s string, n int) ([]string, error) {
	f := strings.Split(s, ":")
	if len(f) != n {
		return nil, fmt.Errorf("want %d fields, got %d", n, len(f))
	}
	return f, nil
}

// parseClient reads a client id: a positive decimal.
func parseClient(s string) (int64, error) {
	n, err := protocol.ParseInt([]byte(s))
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, errors.New("client id 0")
	}
	return n, nil
}

func parseGen(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 || s[0] == '+' {
		return 0, fmt.Errorf("generation %q", s)
	}
	return uint32(n), nil
}

// parseRoomList reads "<name>-<count>,...", each entry split at its last
// '-' because room names may contain '-'.
func parseRoomList(s string) ([]RoomCount, error) {
	if s == "" {
		return nil, nil
	}
	var out []RoomCount
	for entry := range strings.SplitSeq(s, ",") {
		i := strings.LastIndexByte(entry, '-')
		if i < 0 {
			return nil, fmt.Errorf("room entry %q has no count", entry)
		}
		n, err := strconv.Atoi(entry[i+1:])
		if err != nil || n < 0 {
			return nil, fmt.Errorf("room entry %q has a bad count", entry)
		}
		out = append(out, RoomCount{Name: entry[:i], Members: n})
	}
	return out, nil
}

// parseWho reads "<room>:<id>=<name>,...", an inactive member as
// "<id>=<name>=inactive".
func parseWho(s string) (whoLine, error) {
	room, list, ok := strings.Cut(s, ":")
	if !ok {
		return whoLine{}, errors.New("member list without room")
	}
	w := whoLine{room: room}
	if list == "" {
		return w, nil
	}
	for entry := range strings.SplitSeq(list, ",") {
		idText, name, ok := strings.Cut(entry, "=")
		id, err := parseClient(idText)
		if !ok || err != nil {
			return whoLine{}, fmt.Errorf("member entry %q", entry)
		}
		m := Member{ID: id, Name: name}
		if n, flag, ok := strings.Cut(name, "="); ok {
			if flag != protocol.ActivityInactive {
				return whoLine{}, fmt.Errorf("member entry %q: unknown flag", entry)
			}
			m.Name, m.Inactive = n, true
		}
		w.members = append(w.members, m)
	}
	return w, nil
}

// parseError reads "<command>|-:<code>:<text>".
func parseError(s string) (ErrorReceived, error) {
	f := strings.SplitN(s, ":", 3)
	if len(f) < 2 {
		return ErrorReceived{}, errors.New("error line needs command and code")
	}
	e := &ServerError{Command: -1, Code: protocol.Code(f[1])}
	if len(f) == 3 {
		e.Text = f[2]
	}
	if f[0] != "-" {
		n, err := strconv.Atoi(f[0])
		if err != nil || n < 0 {
			return ErrorReceived{}, fmt.Errorf("error command %q", f[0])
		}
		e.Command = n
	}
	return ErrorReceived{Err: e}, nil
}

// parseSpawn reads "<id>:<owner>:<gen>:<mode>:<life>:<prefab>:<token>:<mask>:<data>".
func parseSpawn(s string) (Object, error) {
	f, err := fields(s, 9)
	if err != nil {
		return Object{}, err
	}
	var o Object
	if o.ID, err = netobj.ParseID([]byte(f[0])); err != nil {
		return o, err
	}
	if o.Owner, err = parseClient(f[1]); err != nil {
		return o, err
	}
	if o.Gen, err = parseGen(f[2]); err != nil {
		return o, err
	}
	if o.Mode, err = netobj.ParseMode([]byte(f[3])); err != nil {
		return o, err
	}
	if o.Life, err = netobj.ParseLifetime([]byte(f[4])); err != nil {
		return o, err
	}
	o.Prefab, o.Token = f[5], f[6]
	o.State, err = netobj.DecodeDelta([]byte(f[7]), []byte(f[8]))
	return o, err
}

// parseOwnership reads 12 "<id>:<owner>:<gen>", 13 "<id>:<requester>" and
// 14 "<id>:<owner>".
func parseOwnership(num int, s string) (any, error) {
	n := 2
	if num == protocol.NumOwnership {
		n = 3
	}
	f, err := fields(s, n)
	if err != nil {
		return nil, err
	}
	id, err := netobj.ParseID([]byte(f[0]))
	if err != nil {
		return nil, err
	}
	who, err := parseClient(f[1])
	if err != nil {
		return nil, err
	}
	switch num {
	case protocol.NumOwnRequest:
		return OwnershipRequested{ID: id, Requester: who}, nil
	case protocol.NumOwnDenied:
		return OwnershipDenied{ID: id, Owner: who}, nil
	}
	gen, err := parseGen(f[2])
	return OwnerChanged{ID: id, Owner: who, Gen: gen}, err
}
