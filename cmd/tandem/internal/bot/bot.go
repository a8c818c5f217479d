// Package bot is `tandem bot`: simulated players that log in, join a room,
// wander with an avatar, chat and take crates from each other.
package bot

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemnet/tandem/cmd/tandem/internal/cmdline"
	"github.com/tandemnet/tandem/cmd/tandem/internal/exitcode"
	"github.com/tandemnet/tandem/cmd/tandem/internal/progress"
	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/protocol/client"
)

// State fields of a transform, as the Unity NetworkTransform
// (unity-client/Runtime/Unity/NetworkTransform.cs) lays them out.
const (
	fieldPosition = 0 // [x, y, z] float32
	fieldRotation = 1 // quaternion [x, y, z, w] float32
	fieldScale    = 2 // [x, y, z] float32
	fieldTime     = 3 // the sender's clock in seconds, float64: remote copies interpolate on it
)

// Bot behaviour.
const (
	botSpeed      = 2.0  // units per second
	botMaxTurn    = 1.5  // radians per second
	botArena      = 15.0 // wander within this distance of the origin
	botChatEvery  = 5 * time.Second
	botTakeEvery  = 4 * time.Second
	botCrates     = 3
	botLeaveLimit = 2 * time.Second
)

var botChats = []string{"hi all", "anyone here?", "nice crate", "brb", "gg", "over here", "follow me"}

type botConfig struct {
	addr, room, prefix, password string
	count                        int
	rate                         float64
	duration                     time.Duration
	setupTimeout                 time.Duration // dial, log in, join, spawn
	tls, tlsInsecure             bool
	tlsCA                        string // PEM file of certificates to trust
	seed                         uint64
}

const botUsage = `usage:
  tandem bot --room NAME [--addr HOST:PORT] [--count N] [--rate S]
             [--duration D] [--setup-timeout D]
             [--tls] [--tls-ca FILE | --tls-insecure]

N bots log in as <prefix>1..<prefix>N, join the room, wander with an
avatar (S updates a second), chat now and then, and take the room's crates
from each other. The server must know the accounts: run it with --dev (it
creates them on first login) or add them with tandem user add.

A bot whose connection drops (the network, a server restart) comes back as
a player's client does: it resumes its session while the server holds it
(19), else logs in with the session token of its last login (18, kept in
memory only), else with the password; then joins the room again.

On a terminal, stderr shows a live line: bots in the room, object updates
and chats a second each way, errors. When the bots stop (--duration or
Ctrl-C) a summary goes to stdout.

flags:
`

func parseBotFlags(args []string, help io.Writer) (*botConfig, error) {
	c := &botConfig{}
	fs := flag.NewFlagSet("tandem bot", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:7777", "server address HOST:PORT")
	fs.StringVar(&c.room, "room", "", "room to join (required)")
	fs.IntVar(&c.count, "count", 1, "number of bots")
	fs.StringVar(&c.prefix, "user-prefix", "bot", "bots log in as <prefix>1, <prefix>2, ...")
	fs.StringVar(&c.password, "password", "tandem-bot", "password of every bot account (a --dev server creates the accounts)")
	fs.Float64Var(&c.rate, "rate", 10, "avatar updates per second per bot")
	fs.DurationVar(&c.duration, "duration", 0, "stop after this long (0: until interrupted)")
	fs.DurationVar(&c.setupTimeout, "setup-timeout", 10*time.Second, "longest time one bot may take to connect, log in, join and spawn (logins queue for password hashing on the server)")
	fs.BoolVar(&c.tls, "tls", false, "connect over TLS")
	fs.BoolVar(&c.tlsInsecure, "tls-insecure", false, "with --tls, do not verify the server certificate (self-signed test servers)")
	fs.StringVar(&c.tlsCA, "tls-ca", "", "trust the certificates in this PEM file (a self-signed server's certificate); implies --tls")
	fs.Uint64Var(&c.seed, "seed", 0, "random seed (0: from the clock)")
	if err := cmdline.Parse(fs, args, botUsage, help); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.room == "":
		return nil, errors.New("--room is required")
	case c.count < 1:
		return nil, errors.New("--count must be at least 1")
	case c.rate <= 0 || c.rate > 1000:
		return nil, errors.New("--rate must be above 0 and at most 1000")
	case c.setupTimeout <= 0:
		return nil, errors.New("--setup-timeout must be positive")
	}
	if err := protocol.ValidateRoomName([]byte(c.room)); err != nil {
		return nil, fmt.Errorf("--room: %w", err)
	}
	if c.tlsCA != "" {
		c.tls = true
	}
	if c.seed == 0 {
		c.seed = uint64(time.Now().UnixNano())
	}
	return c, nil
}

// botTotals add up over all bots. The live ones are read by the progress
// line while the bots run; sent, received and dropped are added when a bot
// stops.
type botTotals struct {
	inRoom                            atomic.Int64 // bots in the room now
	updatesSent, updatesRecv          atomic.Uint64
	chatsSent, chatsRecv, errs, races atomic.Uint64
	sent, received, dropped           atomic.Uint64
	refused                           atomic.Uint64 // logins answered bad_credentials
	resumed, tokenLogins, pwLogins    atomic.Uint64 // reconnects, by the way back
}

// Run runs `tandem bot` with its arguments and returns the exit status.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseBotFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitcode.OK
	}
	if err != nil {
		fmt.Fprintf(stderr, "tandem bot: %v\n%s\n", err, cmdline.HelpHint("bot"))
		return exitcode.Usage
	}
	tlsConfig, err := cfg.tlsConfig()
	if err != nil {
		fmt.Fprintf(stderr, "tandem bot: %v\n%s\n", err, cmdline.HelpHint("bot"))
		return exitcode.Usage
	}
	if cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}
	start := time.Now()
	var totals botTotals
	var failed atomic.Int64
	status := progress.Start(stderr, 500*time.Millisecond, liveStatus(cfg, &totals, start))
	var wg sync.WaitGroup
	for i := range cfg.count {
		wg.Go(func() {
			err := runOneBot(ctx, cfg, tlsConfig, i, &totals)
			if err == nil {
				return
			}
			failed.Add(1)
			totals.errs.Add(1)
			if isCode(err, protocol.CodeBadCredentials) {
				totals.refused.Add(1) // one explanation for all of them, below
				return
			}
			status.Logf("tandem bot: %s%d: %v", cfg.prefix, i+1, err)
		})
	}
	wg.Wait()
	status.Stop()
	if n := totals.refused.Load(); n > 0 {
		fmt.Fprintf(stderr, "tandem bot: the server refused the login of %d bots (bad_credentials): the accounts %s1... do not exist or have another password.\n"+
			"  Start the server with --dev (it creates accounts on first login), or create each account\n"+
			"  (echo PASSWORD | tandem user add %s1) and pass --password PASSWORD.\n", n, cfg.prefix, cfg.prefix)
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "tandem bot: %d bots in %q for %s: sent %d lines (%d object updates, %.1f/s; %d chats), received %d lines (%d object updates, %.1f/s; %d chats), %d errors (%d ownership races), %d events dropped\n",
		cfg.count, cfg.room, elapsed.Round(time.Millisecond),
		totals.sent.Load(), totals.updatesSent.Load(), perSecond(totals.updatesSent.Load(), elapsed), totals.chatsSent.Load(),
		totals.received.Load(), totals.updatesRecv.Load(), perSecond(totals.updatesRecv.Load(), elapsed), totals.chatsRecv.Load(),
		totals.errs.Load(), totals.races.Load(), totals.dropped.Load())
	if r, tk, pw := totals.resumed.Load(), totals.tokenLogins.Load(), totals.pwLogins.Load(); r+tk+pw > 0 {
		fmt.Fprintf(stdout, "tandem bot: came back after drops %d times: %d resumed, %d with the session token, %d with the password\n", r+tk+pw, r, tk, pw)
	}
	if failed.Load() > 0 {
		return exitcode.Fail
	}
	return exitcode.OK
}

// tlsConfig is the TLS set-up the flags ask for, nil without --tls.
func (c *botConfig) tlsConfig() (*tls.Config, error) {
	if !c.tls {
		return nil, nil
	}
	cfg := &tls.Config{InsecureSkipVerify: c.tlsInsecure}
	if c.tlsCA != "" {
		pem, err := os.ReadFile(c.tlsCA)
		if err != nil {
			return nil, fmt.Errorf("--tls-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-ca: no PEM certificate in %s", c.tlsCA)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// liveStatus renders the progress line: bots in the room, object updates
// and chats per second each way, errors.
func liveStatus(cfg *botConfig, t *botTotals, start time.Time) func() string {
	var upOut, upIn, chatOut, chatIn progress.Rate
	return func() string {
		now := time.Now()
		return fmt.Sprintf("%s  %d/%d bots in %q  updates %.0f/s out %.0f/s in  chats %.1f/s out %.1f/s in  errors %d",
			now.Sub(start).Round(time.Second), t.inRoom.Load(), cfg.count, cfg.room,
			upOut.Per(now, int64(t.updatesSent.Load())), upIn.Per(now, int64(t.updatesRecv.Load())),
			chatOut.Per(now, int64(t.chatsSent.Load())), chatIn.Per(now, int64(t.chatsRecv.Load())),
			t.errs.Load())
	}
}

func perSecond(n uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// isCode reports whether err is the server's answer with code.
func isCode(err error, code protocol.Code) bool {
	var se *client.ServerError
	return errors.As(err, &se) && se.Code == code
}

// bot is one simulated player.
type bot struct {
	c      *client.Client
	events sync.WaitGroup // the countEvents goroutine
	rng    *rand.Rand
	totals *botTotals
	dt     float64 // seconds per tick
	start  time.Time

	// The way back after a drop, as a player's client keeps it: in memory
	// only. resume continues the session (19); token logs in without the
	// password (18); the password is the last resort.
	user, token, resume string
	roomName            string
	finished            bool // b.c is closed and counted

	avatar   netobj.ID
	x, z     float64
	yaw      float64
	turn     float64   // current turn rate, drifting so the path stays smooth
	carrying netobj.ID // the crate it last tried to take
}

// runOneBot runs bot n until ctx ends. Stopping is not an error; failing
// to get into the room is.
func runOneBot(ctx context.Context, cfg *botConfig, tlsConfig *tls.Config, n int, totals *botTotals) error {
	b := &bot{
		roomName: cfg.room,
		rng:      rand.New(rand.NewPCG(cfg.seed, uint64(n))),
		totals:   totals,
		dt:       1 / cfg.rate,
		start:    time.Now(),
	}
	err := b.setup(ctx, cfg, tlsConfig, n)
	if b.c != nil {
		defer b.finish()
	}
	if err != nil {
		return stopErr(ctx, err)
	}
	totals.inRoom.Add(1)
	defer totals.inRoom.Add(-1)
	tick := time.NewTicker(time.Duration(float64(time.Second) * b.dt))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			// Leaving destroys the avatar (a player object) for everyone.
			leaveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), botLeaveLimit)
			err := b.c.Leave(leaveCtx)
			cancel()
			return err
		case <-tick.C:
			if err := b.step(); err != nil {
				if !b.shouldReconnect(ctx) {
					return err
				}
				totals.inRoom.Add(-1)
				err := b.reconnect(ctx, cfg, tlsConfig, n)
				if err != nil {
					return stopErr(ctx, fmt.Errorf("reconnect after %v: %w", b.c.Err(), err))
				}
				totals.inRoom.Add(1)
			}
		}
	}
}

// shouldReconnect says whether a failed step was the connection dropping
// (the network, or a server shutdown or restart) rather than a refusal
// that reconnecting would only repeat.
func (b *bot) shouldReconnect(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	select {
	case <-b.c.Done():
	case <-time.After(time.Second): // the reader notices the drop
		return false
	}
	var ce *client.ClosingError
	if errors.As(b.c.Err(), &ce) {
		switch ce.Code {
		case protocol.CloseServerShutdown, protocol.CloseIdleTimeout, protocol.CodeSlowConsumer:
			return true
		}
		return false // kicked, banned, logged out, replaced, rate limited
	}
	return true
}

// reconnect brings the bot back after a drop: it resumes the session if the
// server still holds it, else logs in with its session token, else with the
// password, and then joins the room and spawns a new avatar. Busy answers
// are retried after their hint until the set-up timeout.
func (b *bot) reconnect(ctx context.Context, cfg *botConfig, tlsConfig *tls.Config, n int) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.setupTimeout)
	defer cancel()
	return client.Retry(ctx, func(int) error { return b.comeBack(ctx, cfg, tlsConfig, n) }, networkBackoff)
}

// networkBackoff retries what no server answered (the network, or a server
// restarting), more slowly each time.
func networkBackoff(err error, attempt int) (time.Duration, bool) {
	if _, answered := errors.AsType[*client.ServerError](err); answered {
		return 0, false
	}
	return time.Duration(min(attempt, 10)) * 200 * time.Millisecond, true
}

func (b *bot) comeBack(ctx context.Context, cfg *botConfig, tlsConfig *tls.Config, n int) error {
	if err := b.dial(ctx, cfg, tlsConfig); err != nil {
		return err
	}
	if b.resume != "" {
		_, err := b.c.Resume(ctx, b.user, b.resume)
		if err == nil {
			b.resume = b.c.ResumeToken() // same id, room and avatar
			b.totals.resumed.Add(1)
			return nil
		}
		if !isCode(err, protocol.CodeBadToken) {
			return err
		}
		b.resume = ""
	}
	if b.token != "" {
		_, err := b.c.LoginToken(ctx, b.token)
		if err == nil {
			b.totals.tokenLogins.Add(1)
			return b.enter(ctx, n)
		}
		if !isCode(err, protocol.CodeBadToken) {
			return err
		}
		b.token = "" // ended or expired: the password, then a new token
		if err := b.dial(ctx, cfg, tlsConfig); err != nil {
			return err
		}
	}
	if _, err := b.c.Login(ctx, b.user, cfg.password); err != nil {
		return err
	}
	b.totals.pwLogins.Add(1)
	return b.enter(ctx, n)
}

// stopErr hides errors caused by the bots being stopped during setup.
func stopErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (b *bot) setup(ctx context.Context, cfg *botConfig, tlsConfig *tls.Config, n int) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.setupTimeout)
	defer cancel()
	if err := b.dial(ctx, cfg, tlsConfig); err != nil {
		return err
	}
	b.user = fmt.Sprintf("%s%d", cfg.prefix, n+1)
	if err := login(ctx, b.c, b.user, cfg.password); err != nil {
		return err
	}
	b.x, b.z = b.rng.Float64()*20-10, b.rng.Float64()*20-10
	b.yaw = b.rng.Float64() * 2 * math.Pi
	return b.enter(ctx, n)
}

// dial opens a new connection for the bot and counts its events.
func (b *bot) dial(ctx context.Context, cfg *botConfig, tlsConfig *tls.Config) error {
	b.finish() // the previous connection, if any
	var opts []client.Option
	if tlsConfig != nil {
		opts = append(opts, client.WithTLS(tlsConfig.Clone()))
	}
	c, err := client.Dial(ctx, cfg.addr, opts...)
	if err != nil {
		return err
	}
	b.c, b.finished = c, false
	b.events.Go(func() { b.countEvents(c) }) // until finish closes the client
	return nil
}

// enter joins the room of a logged-in bot and spawns its avatar (and, for
// the first bot, the crates when the room has none).
func (b *bot) enter(ctx context.Context, n int) error {
	c := b.c
	if tok := c.SessionToken(); tok != "" {
		b.token = tok
	}
	room, err := c.Join(ctx, b.roomName, "")
	if err != nil {
		return err
	}
	b.resume = c.ResumeToken()
	av, err := c.Instantiate(ctx, "avatar", "Avatar", netobj.ModeTakeover, netobj.LifetimePlayer, b.transform(true))
	if err != nil {
		return err
	}
	b.avatar = av.ID
	if n == 0 && !hasPrefab(room.Objects, "Crate") {
		for i := range botCrates {
			x, z := float32(i*3-3), float32(5)
			d := transformDelta([3]float32{x, 0.5, z}, 0, true, b.clock())
			if _, err := c.Instantiate(ctx, fmt.Sprintf("crate%d", i+1), "Crate", netobj.ModeTakeover, netobj.LifetimeRoom, d); err != nil {
				return err
			}
		}
	}
	return b.chat("hello from " + b.user)
}

// login logs in, and comes back when the server asks to (its account
// store is busy, as when a dev server creates many accounts at once, or it
// is over its login load), as a player's client would, until ctx ends.
func login(ctx context.Context, c *client.Client, user, password string) error {
	return client.Retry(ctx, func(int) error {
		_, err := c.Login(ctx, user, password)
		return err
	}, nil)
}

func hasPrefab(objs []client.Object, prefab string) bool {
	for _, o := range objs {
		if o.Prefab == prefab {
			return true
		}
	}
	return false
}

// finish closes the connection and adds its counters to the totals, once
// per connection.
func (b *bot) finish() {
	if b.c == nil || b.finished {
		return
	}
	b.finished = true
	_ = b.c.Close()
	b.events.Wait()
	s := b.c.Stats()
	b.totals.sent.Add(s.LinesSent)
	b.totals.received.Add(s.LinesReceived)
	b.totals.dropped.Add(s.EventsDropped)
}

// countEvents reads the bot's events so they are counted, not dropped.
func (b *bot) countEvents(c *client.Client) {
	for ev := range c.Events() {
		switch ev := ev.(type) {
		case client.MessageReceived:
			b.totals.chatsRecv.Add(1)
		case client.ObjectUpdated:
			b.totals.updatesRecv.Add(1)
		case client.ErrorReceived:
			b.totals.errs.Add(1)
			switch ev.Err.Code {
			case "owner_changed", "not_owner", "stale_generation", "already_owner":
				b.totals.races.Add(1) // bots contend for the same crates
			}
		case client.OwnershipRequested:
			// Bots are generous: a player who asks for a request-mode
			// object a bot holds gets it.
			if err := c.Approve(ev.ID, ev.Requester); err != nil {
				b.totals.errs.Add(1)
			}
		case client.BadLine:
			b.totals.errs.Add(1)
		}
	}
}

// step moves the avatar one tick and now and then chats or takes a crate.
func (b *bot) step() error {
	// The turn rate drifts at random, so the path curves smoothly.
	b.turn += (b.rng.Float64()*2 - 1) * botMaxTurn * b.dt * 4
	b.turn = max(-botMaxTurn, min(botMaxTurn, b.turn))
	if math.Hypot(b.x, b.z) > botArena {
		// Head back towards the middle.
		home := math.Atan2(-b.x, -b.z)
		b.turn = botMaxTurn * math.Copysign(1, math.Remainder(home-b.yaw, 2*math.Pi))
	}
	b.yaw += b.turn * b.dt
	// Unity: yaw turns about +Y and forward is +Z.
	b.x += math.Sin(b.yaw) * botSpeed * b.dt
	b.z += math.Cos(b.yaw) * botSpeed * b.dt
	if err := b.update(b.avatar, b.transform(false)); err != nil {
		return err
	}
	if b.chance(botChatEvery) {
		if err := b.chat(botChats[b.rng.IntN(len(botChats))]); err != nil {
			return err
		}
	}
	if b.chance(botTakeEvery) {
		if err := b.takeCrate(); err != nil {
			return err
		}
	}
	return b.carry()
}

// chance is true on average once per period.
func (b *bot) chance(period time.Duration) bool {
	return b.rng.Float64() < b.dt/period.Seconds()
}

func (b *bot) chat(text string) error {
	b.totals.chatsSent.Add(1)
	return b.c.Send(protocol.TargetAll, text)
}

// takeCrate asks for a crate someone else holds. The take is conditional
// on the owner it saw, so racing bots cannot snatch it back and forth.
func (b *bot) takeCrate() error {
	var crates []client.Object
	for _, o := range b.c.View().Objects {
		if o.Prefab == "Crate" && o.Owner != b.c.ID() {
			crates = append(crates, o)
		}
	}
	if len(crates) == 0 {
		return nil
	}
	o := crates[b.rng.IntN(len(crates))]
	b.carrying = o.ID
	return b.c.Take(o.ID, o.Owner)
}

// carry keeps the crate it owns beside the avatar.
func (b *bot) carry() error {
	o, ok := b.c.Object(b.carrying)
	if !ok || o.Owner != b.c.ID() {
		return nil
	}
	pos := [3]float32{float32(b.x + math.Sin(b.yaw)), 0.5, float32(b.z + math.Cos(b.yaw))}
	return b.update(o.ID, transformDelta(pos, b.yaw, false, b.clock()))
}

func (b *bot) update(id netobj.ID, d netobj.Delta) error {
	b.totals.updatesSent.Add(1)
	return b.c.Update(id, 0, d, false)
}

func (b *bot) clock() float64 { return time.Since(b.start).Seconds() }

func (b *bot) transform(withScale bool) netobj.Delta {
	return transformDelta([3]float32{float32(b.x), 0, float32(b.z)}, b.yaw, withScale, b.clock())
}

// transformDelta encodes position, rotation (a yaw about +Y), the scale
// (1, 1, 1) when asked, and the time of the pose.
func transformDelta(pos [3]float32, yaw float64, withScale bool, clock float64) netobj.Delta {
	s, c := math.Sincos(yaw / 2)
	d := netobj.Delta{
		Mask: 1<<fieldPosition | 1<<fieldRotation | 1<<fieldTime,
		Fields: [][]byte{
			appendFloats(nil, pos[:]...),
			appendFloats(nil, 0, float32(s), 0, float32(c)),
		},
	}
	if withScale {
		d.Mask |= 1 << fieldScale
		d.Fields = append(d.Fields, appendFloats(nil, 1, 1, 1))
	}
	t := binary.BigEndian.AppendUint64([]byte{0xcb}, math.Float64bits(clock))
	d.Fields = append(d.Fields, t) // fields go in bit order: time is last
	return d
}

// appendFloats appends a MessagePack array (fewer than 16 elements) of
// float32.
func appendFloats(dst []byte, vs ...float32) []byte {
	dst = append(dst, 0x90|byte(len(vs)))
	for _, v := range vs {
		dst = binary.BigEndian.AppendUint32(append(dst, 0xca), math.Float32bits(v))
	}
	return dst
}
