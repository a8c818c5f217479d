// Package server is the Tandem relay: it accepts TCP connections, logs
// clients in against the store, keeps rooms with their members, master
// client and network objects, and relays messages between members.
//
// Concurrency design (see also conn.go and room.go):
//   - each connection has one reader goroutine, which runs every command of
//     that client, and one writer goroutine, which drains a bounded outbound
//     queue in coalesced writes (writev); an idle plain-TCP connection has
//     neither: its socket waits in an epoll set (idlepoll_linux.go) and its
//     writer is started only when something has to wait;
//   - a fan-out frame is encoded once and its bytes shared by every
//     recipient's queue;
//   - a room's ordered stream is its write lock: every ordered event is
//     enqueued to all members while it is held, so all queues see one order;
//   - the unordered path reads the member list through an atomic pointer
//     (copy on write), without any room-wide lock.
package server

import (
	"fmt"
	"log/slog"
	"runtime"
	"time"
)

// Limits are the server's explicit, configurable bounds. Zero values are
// replaced by the defaults of DefaultLimits.
type Limits struct {
	MaxLineBytes        int           // longest accepted line
	MaxRooms            int           // live rooms on this node
	MaxRoomMembers      int           // members per room
	MaxRecipients       int           // ids in one 3:4 / 3:5
	OutboundSoftBytes   int           // queued bytes after which updates merge
	OutboundHardBytes   int           // queued bytes after which the client is cut
	WriteTimeout        time.Duration // one write to a client socket
	IdleTimeout         time.Duration // no line from a client for this long closes it
	LoginTimeout        time.Duration // time to log in after connecting
	MaxObjectsPerRoom   int
	MaxObjectsPerClient int
	MaxStateBytes       int     // merged state of one object
	MessagesPerSecond   float64 // per connection, token bucket rate
	MessageBurst        int     // per connection, token bucket size
	BytesPerSecond      float64 // per connection, inbound line bytes
	ByteBurst           int
	RateStrikes         int // rate-limit errors before the connection is closed
	MaxConnsPerIP       int
	LoginConcurrency    int // password hashes computed at once
	// SendBufferBytes sets each client socket's kernel send buffer (0: the
	// OS default, which autotunes). A small buffer bounds kernel memory per
	// client and makes backlogs visible to the slow-consumer policy sooner.
	SendBufferBytes int
	// RejoinGrace is how long a dropped member stays in its room, inactive,
	// waiting to be resumed (0: the default; negative: rejoin is off and a
	// drop is a leave). MaxRejoinGrace bounds the grace a room may ask for
	// when it is created; MaxInactive bounds the inactive members of the
	// whole node (past it a drop is a leave).
	RejoinGrace    time.Duration
	MaxRejoinGrace time.Duration
	MaxInactive    int
	// SessionTTL is how long a session token (PROTOCOL.md "18") stays good
	// after the password login that issued it (0: the default; negative:
	// session tokens are off).
	SessionTTL time.Duration

	// Abuse resistance (PROTOCOL.md "Limits"): what one client's commands
	// may cost others.
	FanoutBytesPerSecond float64 // bytes a client's commands may cause to be queued for others (and its join snapshots), per second
	FanoutByteBurst      int
	PreLoginStrikes      int     // rate-limit errors (over-long lines included) before a client that has not logged in is closed
	MaxRoomStateBytes    int     // merged state of all objects of one room; keeps a join snapshot far below OutboundHardBytes
	JoinsPerSecond       float64 // 2:<room> per connection, token bucket rate
	JoinBurst            int

	// Abusive reconnects (floodguard.go): an address whose connections
	// were cut for abuse AbuseBackoffCuts times has its new connections
	// refused at accept for AbuseBackoff, doubling per further cut up to
	// AbuseBackoffMax. A negative AbuseBackoff turns it off.
	AbuseBackoff     time.Duration
	AbuseBackoffMax  time.Duration
	AbuseBackoffCuts int

	// Logins (loginguard.go): decided before any password is hashed.
	LoginsInFlightPerAccount  int           // attempts being checked at once per account
	LoginsInFlightPerAddress  int           // attempts being checked at once per client address
	LoginsPerAccountPerSecond float64       // successful logins per account (a second one replaces the first)
	LoginAccountBurst         int           //
	LoginsPerAddressPerSecond float64       // successful logins per client address
	LoginAddressBurst         int           //
	LoginQueueWait            time.Duration // longest wait for a hashing slot before server_busy
	LoginQueueMax             int           // attempts waiting for a hashing slot before server_busy at once

	RoomPasswordFailures int     // wrong room passwords per connection before it backs off
	RoomGuessesPerSecond float64 // wrong passwords per room (bucket); when empty, connections that guessed wrong wait
	RoomGuessBurst       int

	RoomListTTL    time.Duration // how stale a "1" / "5" answer from the store may be
	ListsPerSecond float64       // "1" and "5" per connection
	ListBurst      int
}

// DefaultLimits are sane for a small game server on one machine.
func DefaultLimits() Limits {
	return Limits{
		MaxLineBytes:        64 << 10,
		MaxRooms:            10000,
		MaxRoomMembers:      256,
		MaxRecipients:       256,
		OutboundSoftBytes:   256 << 10,
		OutboundHardBytes:   4 << 20,
		WriteTimeout:        10 * time.Second,
		IdleTimeout:         60 * time.Second,
		LoginTimeout:        10 * time.Second,
		MaxObjectsPerRoom:   1000,
		MaxObjectsPerClient: 100,
		MaxStateBytes:       16 << 10,
		MessagesPerSecond:   500,
		MessageBurst:        1000,
		BytesPerSecond:      1 << 20,
		ByteBurst:           2 << 20,
		RateStrikes:         10,
		MaxConnsPerIP:       1000,
		// Half the cores at most, so a login flood leaves CPU for relaying.
		LoginConcurrency: max(1, runtime.NumCPU()/2),
		RejoinGrace:      20 * time.Second,
		MaxRejoinGrace:   5 * time.Minute,
		MaxInactive:      10000,
		SessionTTL:       24 * time.Hour,

		FanoutBytesPerSecond: 8 << 20,
		FanoutByteBurst:      16 << 20,
		PreLoginStrikes:      3,
		// Base64 makes 1 MiB of state about 1.4 MiB of snapshot, plus
		// per-object line overhead: well under the 4 MiB OutboundHardBytes.
		MaxRoomStateBytes: 1 << 20,
		JoinsPerSecond:    2,
		JoinBurst:         5,
		// Short and only from the third cut, for players behind one NAT;
		// an address that keeps coming back doubles its way to a minute.
		AbuseBackoff:     time.Second,
		AbuseBackoffMax:  time.Minute,
		AbuseBackoffCuts: 3,

		LoginsInFlightPerAccount:  1,
		LoginsInFlightPerAddress:  32,
		LoginsPerAccountPerSecond: 0.5,
		LoginAccountBurst:         5,
		// Generous: many players may share an address (NAT, a LAN party).
		LoginsPerAddressPerSecond: 20,
		LoginAddressBurst:         300,
		LoginQueueWait:            5 * time.Second, // below LoginTimeout, so a queued client gets an answer
		LoginQueueMax:             256,

		RoomPasswordFailures: 5,
		RoomGuessesPerSecond: 1,
		RoomGuessBurst:       10,

		RoomListTTL:    time.Second,
		ListsPerSecond: 10,
		ListBurst:      50,
	}
}

// withDefaults fills every zero limit from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	setInt := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	setDur := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	setF := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	setInt(&l.MaxLineBytes, d.MaxLineBytes)
	setInt(&l.MaxRooms, d.MaxRooms)
	setInt(&l.MaxRoomMembers, d.MaxRoomMembers)
	setInt(&l.MaxRecipients, d.MaxRecipients)
	setInt(&l.OutboundSoftBytes, d.OutboundSoftBytes)
	setInt(&l.OutboundHardBytes, d.OutboundHardBytes)
	setDur(&l.WriteTimeout, d.WriteTimeout)
	setDur(&l.IdleTimeout, d.IdleTimeout)
	setDur(&l.LoginTimeout, d.LoginTimeout)
	setInt(&l.MaxObjectsPerRoom, d.MaxObjectsPerRoom)
	setInt(&l.MaxObjectsPerClient, d.MaxObjectsPerClient)
	setInt(&l.MaxStateBytes, d.MaxStateBytes)
	setF(&l.MessagesPerSecond, d.MessagesPerSecond)
	setInt(&l.MessageBurst, d.MessageBurst)
	setF(&l.BytesPerSecond, d.BytesPerSecond)
	setInt(&l.ByteBurst, d.ByteBurst)
	setInt(&l.RateStrikes, d.RateStrikes)
	setInt(&l.MaxConnsPerIP, d.MaxConnsPerIP)
	setInt(&l.LoginConcurrency, d.LoginConcurrency)
	setDur(&l.RejoinGrace, d.RejoinGrace)
	setDur(&l.MaxRejoinGrace, d.MaxRejoinGrace)
	setInt(&l.MaxInactive, d.MaxInactive)
	setDur(&l.SessionTTL, d.SessionTTL)
	setF(&l.FanoutBytesPerSecond, d.FanoutBytesPerSecond)
	setInt(&l.FanoutByteBurst, d.FanoutByteBurst)
	setInt(&l.PreLoginStrikes, d.PreLoginStrikes)
	setInt(&l.MaxRoomStateBytes, d.MaxRoomStateBytes)
	setF(&l.JoinsPerSecond, d.JoinsPerSecond)
	setInt(&l.JoinBurst, d.JoinBurst)
	setDur(&l.AbuseBackoff, d.AbuseBackoff)
	setDur(&l.AbuseBackoffMax, d.AbuseBackoffMax)
	setInt(&l.AbuseBackoffCuts, d.AbuseBackoffCuts)
	setInt(&l.LoginsInFlightPerAccount, d.LoginsInFlightPerAccount)
	setInt(&l.LoginsInFlightPerAddress, d.LoginsInFlightPerAddress)
	setF(&l.LoginsPerAccountPerSecond, d.LoginsPerAccountPerSecond)
	setInt(&l.LoginAccountBurst, d.LoginAccountBurst)
	setF(&l.LoginsPerAddressPerSecond, d.LoginsPerAddressPerSecond)
	setInt(&l.LoginAddressBurst, d.LoginAddressBurst)
	setDur(&l.LoginQueueWait, d.LoginQueueWait)
	setInt(&l.LoginQueueMax, d.LoginQueueMax)
	setInt(&l.RoomPasswordFailures, d.RoomPasswordFailures)
	setF(&l.RoomGuessesPerSecond, d.RoomGuessesPerSecond)
	setInt(&l.RoomGuessBurst, d.RoomGuessBurst)
	setDur(&l.RoomListTTL, d.RoomListTTL)
	setF(&l.ListsPerSecond, d.ListsPerSecond)
	setInt(&l.ListBurst, d.ListBurst)
	return l
}

// snapshotLineOverhead bounds what a join snapshot line adds to an
// object's state: ids, owner, generation, a 128-byte prefab key, a 64-byte
// token, the mask.
const snapshotLineOverhead = 280

// MaxSnapshotBytes is the largest join snapshot the object limits allow:
// every object at its line overhead, and the room's whole state in base64.
func (l Limits) MaxSnapshotBytes() int {
	return l.MaxObjectsPerRoom*snapshotLineOverhead + (l.MaxRoomStateBytes+2)/3*4
}

// Check refuses limits that contradict each other: a join snapshot must
// fit in half of OutboundHardBytes, so that joining a full room never cuts
// the joiner as a slow consumer, even with other traffic queued.
func (l Limits) Check() error {
	l = l.withDefaults()
	if snap := l.MaxSnapshotBytes(); snap > l.OutboundHardBytes/2 {
		return fmt.Errorf("a join snapshot may reach %d bytes (--max-objects-per-room x %d + --max-room-state-bytes x 4/3), more than half of --outbound-hard (%d): lower those or raise --outbound-hard",
			snap, snapshotLineOverhead, l.OutboundHardBytes)
	}
	return nil
}

// Config configures a Server.
type Config struct {
	// Node names this process in the store's room mirror; rooms a crashed
	// node left behind are removed when a node of the same name starts.
	Node string
	// Dev creates unknown accounts on their first login. Never in production.
	Dev    bool
	Limits Limits
	Logger *slog.Logger
	// Cluster, when set, makes this node one of a cluster (cluster.go);
	// the store must then be PostgreSQL, shared by every node.
	Cluster *ClusterConfig
}
