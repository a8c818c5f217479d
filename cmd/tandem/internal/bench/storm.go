package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/protocol/client"
)

// Storm mode (--storm N): N logged-in players, each in a room, lose their
// connections at once (as at a proxy or network cut: the server sees N
// drops) and all come back at once. It reports how long until every one
// is logged in and back in its room, with the way back --storm-login
// chooses: a session token (18), the password (0), or a resume (19).
//
// Setup logs each player in once with the password, which costs the
// server a hash each; --storm-tokens keeps the session tokens in a file so
// later runs set up with tokens, and a server restart can be measured: run
// once, restart the server, run again with --storm-cut none (no set-up: all
// players connect at once with their kept tokens).

// stormPlayer is one player of the storm.
type stormPlayer struct {
	user, room string
	local      net.Addr // source address, nil for the default
	token      string   // session token of the last login
	resume     string   // resume token of the last login
	c          *client.Client
	back       time.Duration // from the cut until back in the room
	retries    int
	way        string // how it got back: resume, token or password
	err        error
}

// stormResult is what one storm measured.
type stormResult struct {
	players, failed int
	login           string
	total           time.Duration // until the last player was back
	p50, p99        time.Duration
	retries         int64
	ways            map[string]int // players back by resume, token, password
	serverCPU       float64        // seconds, while coming back
	firstErr        error
}

func runStormBench(ctx context.Context, cfg *benchConfig, stdout io.Writer, live *liveFigures, logf func(string, ...any)) error {
	players, err := stormPlayers(cfg)
	if err != nil {
		return err
	}
	tokens := readTokenFile(cfg.stormTokens)
	for _, p := range players {
		p.token = tokens[p.user]
	}
	if cfg.stormCut == "none" {
		// After a server restart: nobody is connected, all come at once.
		logf("%d players (%d with a kept session token) all connecting now", len(players), len(tokens))
	} else {
		live.connecting("tandem", "set up", len(players))
		if err := forEachLimited(ctx, len(players), cfg.setupConcurrency, func(ctx context.Context, i int) error {
			p := players[i]
			if err := p.connect(ctx, cfg, "setup"); err != nil {
				return fmt.Errorf("set up %s: %w", p.user, err)
			}
			live.connected.Add(1)
			return nil
		}); err != nil {
			closeAll(players)
			return err
		}
		if err := writeTokenFile(cfg.stormTokens, players); err != nil {
			logf("keep tokens: %v", err)
		}
		logf("%d players in %d rooms; cutting every connection", len(players), (len(players)+cfg.players-1)/cfg.players)
	}
	watch := procWatch{pid: cfg.serverPID}
	if watch.pid == 0 {
		watch.pid, _ = findListenerPID(cfg.addr)
	}

	live.connecting("tandem", "storm", len(players))
	var retries atomic.Int64
	start := time.Now()
	watch.begin()
	if cfg.stormCut != "none" {
		closeAll(players) // the server sees N drops at once
	}
	var wg sync.WaitGroup
	for _, p := range players {
		wg.Go(func() {
			p.err = p.connect(ctx, cfg, cfg.stormLogin)
			p.back = time.Since(start)
			retries.Add(int64(p.retries))
			if p.err == nil {
				live.connected.Add(1)
			}
		})
	}
	wg.Wait()
	watch.finish()
	res := &stormResult{players: len(players), login: cfg.stormLogin, retries: retries.Load(), ways: map[string]int{}}
	var backs []time.Duration
	for _, p := range players {
		if p.err != nil {
			res.failed++
			if res.firstErr == nil {
				res.firstErr = fmt.Errorf("%s: %w", p.user, p.err)
			}
			continue
		}
		backs = append(backs, p.back)
		res.ways[p.way]++
	}
	slices.Sort(backs)
	if len(backs) > 0 {
		res.total = backs[len(backs)-1]
		res.p50 = backs[len(backs)/2]
		res.p99 = backs[min(len(backs)-1, len(backs)*99/100)]
	}
	if watch.ok() {
		res.serverCPU = watch.cpuSeconds(clockTicks())
	}
	if err := writeTokenFile(cfg.stormTokens, players); err != nil {
		logf("keep tokens: %v", err)
	}
	closeAll(players)
	res.print(stdout)
	if res.failed > 0 {
		return fmt.Errorf("%d of %d players did not come back; first: %w", res.failed, res.players, res.firstErr)
	}
	return nil
}

func (r *stormResult) print(w io.Writer) {
	fmt.Fprintf(w, "storm: %d players back with %s logins: all in %.2f s (p50 %.2f s, p99 %.2f s), %d retries on server_busy/login_throttled, %d failed",
		r.players-r.failed, r.login, r.total.Seconds(), r.p50.Seconds(), r.p99.Seconds(), r.retries, r.failed)
	if r.serverCPU > 0 {
		fmt.Fprintf(w, ", server CPU %.2f s", r.serverCPU)
	}
	fmt.Fprintf(w, "; came back by resume %d, session token %d, password %d\n", r.ways["resume"], r.ways["token"], r.ways["password"])
	fmt.Fprintf(w, "BENCH system=tandem mode=storm login=%s players=%d failed=%d all_s=%.3f p50_s=%.3f p99_s=%.3f retries=%d server_cpu_s=%.2f by_resume=%d by_token=%d by_password=%d\n",
		r.login, r.players, r.failed, r.total.Seconds(), r.p50.Seconds(), r.p99.Seconds(), r.retries, r.serverCPU,
		r.ways["resume"], r.ways["token"], r.ways["password"])
}

// stormPlayers names the players and their rooms (--players per room) and
// spreads them over --storm-sources loopback source addresses, as players
// come from many addresses (the server bounds logins per address).
func stormPlayers(cfg *benchConfig) ([]*stormPlayer, error) {
	host, _, err := net.SplitHostPort(cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("--addr: %w", err)
	}
	loopback := false
	if ip := net.ParseIP(host); ip != nil && ip.To4() != nil && ip.IsLoopback() {
		loopback = true
	}
	if cfg.stormSources > 1 && !loopback {
		return nil, errors.New("--storm-sources spreads over 127.0.0.x and needs an IPv4 loopback --addr")
	}
	players := make([]*stormPlayer, cfg.storm)
	for i := range players {
		p := &stormPlayer{
			user: fmt.Sprintf("%ss%d", cfg.userPrefix, i+1),
			room: fmt.Sprintf("%sstorm%d", cfg.roomPrefix, i/cfg.players+1),
		}
		if cfg.stormSources > 1 {
			n := i%cfg.stormSources + 1
			p.local = &net.TCPAddr{IP: net.IPv4(127, 0, byte(n/250), byte(n%250+1))}
		}
		players[i] = p
	}
	return players, nil
}

// connect dials, logs in (with the way asked, falling back as a player's
// client does: resume, then token, then password) and gets the player into
// its room. Busy answers are retried after the delay they ask for.
func (p *stormPlayer) connect(ctx context.Context, cfg *benchConfig, way string) error {
	return client.Retry(ctx, func(attempt int) error {
		p.retries = attempt - 1
		return p.tryConnect(ctx, cfg, way)
	}, nil)
}

func (p *stormPlayer) tryConnect(ctx context.Context, cfg *benchConfig, way string) error {
	if p.c != nil {
		_ = p.c.Close()
	}
	opts := []client.Option{client.WithEventBuffer(0), client.WithKeepAlive(15 * time.Second)}
	if p.local != nil {
		opts = append(opts, client.WithLocalAddr(p.local))
	}
	c, err := client.Dial(ctx, cfg.addr, opts...)
	if err != nil {
		return err
	}
	p.c = c
	if way == "resume" && p.resume != "" {
		if _, err := c.Resume(ctx, p.user, p.resume); err == nil {
			p.resume, p.way = c.ResumeToken(), "resume"
			return nil
		} else if !isBadToken(err) {
			return err
		}
	}
	loggedIn := false
	if (way == "token" || way == "resume" || way == "setup") && p.token != "" {
		_, err := c.LoginToken(ctx, p.token)
		if err != nil && !isBadToken(err) {
			return err
		}
		loggedIn = err == nil
		p.way = "token"
	}
	if !loggedIn {
		if _, err := c.Login(ctx, p.user, cfg.password); err != nil {
			return err
		}
		p.way = "password"
	}
	if tok := c.SessionToken(); tok != "" {
		p.token = tok
	}
	if _, err := c.Join(ctx, p.room, ""); err != nil {
		return err
	}
	p.resume = c.ResumeToken()
	return nil
}

func isBadToken(err error) bool {
	var se *client.ServerError
	return errors.As(err, &se) && se.Code == protocol.CodeBadToken
}

func closeAll(players []*stormPlayer) {
	for _, p := range players {
		if p.c != nil {
			_ = p.c.Close()
		}
	}
}

// readTokenFile reads "user token" lines; a missing file is no tokens.
func readTokenFile(path string) map[string]string {
	tokens := map[string]string{}
	if path == "" {
		return tokens
	}
	f, err := os.Open(path)
	if err != nil {
		return tokens
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if user, tok, ok := strings.Cut(sc.Text(), " "); ok {
			tokens[user] = tok
		}
	}
	return tokens
}

// writeTokenFile keeps the players' session tokens for the next run,
// beside those of players this run did not have. The file holds
// credentials: it is written for the owner only.
func writeTokenFile(path string, players []*stormPlayer) error {
	if path == "" {
		return nil
	}
	tokens := readTokenFile(path)
	for _, p := range players {
		if p.token != "" {
			tokens[p.user] = p.token
		}
	}
	users := slices.Sorted(maps.Keys(tokens))
	var b strings.Builder
	for _, u := range users {
		fmt.Fprintf(&b, "%s %s\n", u, tokens[u])
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// checkStorm validates the storm flags and fills the defaults.
func (cfg *benchConfig) checkStorm() error {
	switch cfg.stormLogin {
	case "token", "password", "resume":
	default:
		return fmt.Errorf("--storm-login %q: want token, password or resume", cfg.stormLogin)
	}
	switch cfg.stormCut {
	case "all", "none":
	default:
		return fmt.Errorf("--storm-cut %q: want all or none", cfg.stormCut)
	}
	if cfg.players < 1 {
		return errors.New("--players must be at least 1")
	}
	if cfg.stormSources < 0 || cfg.stormSources > 60000 {
		return errors.New("--storm-sources must be 0 to 60000")
	}
	if cfg.stormSources == 0 {
		cfg.stormSources = 1
		if host, _, err := net.SplitHostPort(cfg.addr); err == nil {
			if ip := net.ParseIP(host); ip != nil && ip.To4() != nil && ip.IsLoopback() {
				cfg.stormSources = 100
			}
		}
	}
	return nil
}
