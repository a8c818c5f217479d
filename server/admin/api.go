package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/server/accounts"
	"github.com/tandemnet/tandem/server/store"
)

// Limits of the API's inputs.
const (
	maxBodyBytes  = 16 << 10
	maxTextBytes  = 1000
	maxBan        = 100 * 365 * 24 * time.Hour
	maxListed     = 200
	storeDeadline = 5 * time.Second
)

func (c *Console) routes() {
	m := c.mux
	m.Handle("/", c.static())
	m.HandleFunc("POST /api/login", c.login)
	m.HandleFunc("GET /api/session", c.authed(c.getSession))
	m.HandleFunc("POST /api/logout", c.authed(c.logout))
	m.HandleFunc("GET /api/overview", c.authed(c.overview))
	m.HandleFunc("GET /api/rooms", c.authed(c.listRooms))
	m.HandleFunc("GET /api/rooms/{name}", c.authed(c.getRoom))
	m.HandleFunc("POST /api/rooms/{name}/close", c.authed(c.closeRoom))
	m.HandleFunc("POST /api/rooms/{name}/message", c.authed(c.roomMessage))
	m.HandleFunc("POST /api/message", c.authed(c.broadcastMessage))
	m.HandleFunc("GET /api/players", c.authed(c.findPlayers))
	m.HandleFunc("POST /api/players", c.authed(c.createPlayer))
	m.HandleFunc("GET /api/players/{name}", c.authed(c.getPlayer))
	m.HandleFunc("DELETE /api/players/{name}", c.authed(c.deletePlayer))
	m.HandleFunc("POST /api/players/{name}/password", c.authed(c.resetPassword))
	m.HandleFunc("POST /api/players/{name}/kick", c.authed(c.kick))
	m.HandleFunc("POST /api/players/{name}/logout", c.authed(c.endSessions))
	m.HandleFunc("POST /api/players/{name}/ban", c.authed(c.ban))
	m.HandleFunc("DELETE /api/players/{name}/ban", c.authed(c.unban))
	m.HandleFunc("GET /api/bans", c.authed(c.listBans))
	m.HandleFunc("GET /api/throttle", c.authed(c.getThrottle))
	m.HandleFunc("POST /api/throttle/clear", c.authed(c.clearThrottle))
	m.HandleFunc("GET /api/audit", c.authed(c.listAudit))
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API endpoint: "+r.Method+" "+r.URL.Path)
	})
}

// --- plumbing ---------------------------------------------------------

type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	securityHeaders(w)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, text string) {
	writeJSON(w, status, apiError{Error: text})
}

// readJSON decodes a small JSON body into v; an empty body leaves v as is.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
		return false
	}
	return true
}

func (c *Console) storeCtx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), storeDeadline)
}

func (c *Console) storeFailed(w http.ResponseWriter, what string, err error) {
	c.log.Error("admin: store failed", "op", what, "err", err)
	writeError(w, http.StatusServiceUnavailable, what+": the database is not answering")
}

// sameOrigin refuses a request whose Origin header names another site: a
// second line behind SameSite=Strict cookies and the CSRF token.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true // not a browser, or a same-origin GET
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// authed requires a live session of an admin that still exists, and for
// any method but GET and HEAD the session's CSRF token in X-CSRF-Token.
func (c *Console) authed(h func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(CookieName)
		if err != nil {
			writeError(w, http.StatusUnauthorized, "log in first (POST /api/login)")
			return
		}
		sess, ok := c.sessions.get(ck.Value)
		if !ok {
			writeError(w, http.StatusUnauthorized, "session expired or unknown; log in again")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if !sameOrigin(r) {
				writeError(w, http.StatusForbidden, "cross-origin request refused")
				return
			}
			if !equalToken(r.Header.Get(CSRFHeader), sess.csrf) {
				writeError(w, http.StatusForbidden, "missing or wrong "+CSRFHeader+" header")
				return
			}
		}
		ctx, cancel := c.storeCtx(r)
		_, err = c.store.GetAdmin(ctx, sess.admin)
		cancel()
		if errors.Is(err, store.ErrNotFound) {
			c.sessions.removeAdmin(sess.admin)
			writeError(w, http.StatusUnauthorized, "admin account "+strconv.Quote(sess.admin)+" no longer exists")
			return
		}
		if err != nil {
			c.storeFailed(w, "check admin", err)
			return
		}
		h(w, r, sess)
	}
}

// audit records an admin action; a failure is logged, not fatal to it.
func (c *Console) audit(r *http.Request, admin, action, target, detail string) {
	ctx, cancel := c.storeCtx(r)
	defer cancel()
	c.log.Info("admin action", "admin", admin, "action", action, "target", target, "detail", detail)
	if err := c.store.AppendAudit(ctx, store.AuditEntry{Time: c.now(), Admin: admin, Action: action, Target: target, Detail: detail}); err != nil {
		c.log.Error("admin: write audit log", "action", action, "err", err)
	}
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func checkText(w http.ResponseWriter, text string, required bool) bool {
	switch {
	case required && strings.TrimSpace(text) == "":
		writeError(w, http.StatusBadRequest, "text is required")
		return false
	case len(text) > maxTextBytes:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("text over %d bytes", maxTextBytes))
		return false
	}
	return true
}

// --- session ----------------------------------------------------------

type loginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

type sessionInfo struct {
	Admin string `json:"admin"`
	CSRF  string `json:"csrf"`
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	// A JSON content type cannot be sent cross-site without a CORS
	// preflight (which this server never grants): no login CSRF.
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || !sameOrigin(r) {
		writeError(w, http.StatusForbidden, "log in with a same-origin JSON request")
		return
	}
	var req loginRequest
	if !readJSON(w, r, &req) {
		return
	}
	addr := clientAddr(r)
	if wait := c.throttle.blocked(req.Name, addr); wait > 0 {
		secs := int(wait.Round(time.Second) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("too many failed logins; try again in %s", wait.Round(time.Second)))
		return
	}
	ok, err := c.checkAdmin(r, req.Name, req.Password)
	if err != nil {
		c.storeFailed(w, "log in", err)
		return
	}
	if !ok {
		c.throttle.failed(req.Name, addr)
		c.log.Warn("admin login failed", "name", req.Name, "addr", addr)
		c.audit(r, "", "login_failed", req.Name, "from "+addr)
		writeError(w, http.StatusUnauthorized, "unknown admin or wrong password")
		return
	}
	c.throttle.succeeded(req.Name)
	id, sess := c.sessions.create(req.Name)
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: id, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: c.opt.SecureCookies || r.TLS != nil,
		MaxAge: int(sessionLifetime / time.Second),
	})
	c.audit(r, req.Name, "login", req.Name, "from "+addr)
	writeJSON(w, http.StatusOK, sessionInfo{Admin: sess.admin, CSRF: sess.csrf})
}

// checkAdmin verifies a password on a bounded pool; an unknown admin costs
// the same hash as a wrong password.
func (c *Console) checkAdmin(r *http.Request, name, password string) (bool, error) {
	select {
	case c.hashing <- struct{}{}:
	case <-r.Context().Done():
		return false, r.Context().Err()
	}
	defer func() { <-c.hashing }()
	ctx, cancel := c.storeCtx(r)
	defer cancel()
	a, err := c.store.GetAdmin(ctx, name)
	if errors.Is(err, store.ErrNotFound) || name == "" || password == "" {
		accounts.VerifyDummy(password)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ok, err := accounts.Verify(password, a.PasswordHash)
	if err != nil {
		return false, fmt.Errorf("verify admin %q: %w", name, err)
	}
	return ok, nil
}

func (c *Console) getSession(w http.ResponseWriter, _ *http.Request, s session) {
	writeJSON(w, http.StatusOK, sessionInfo{Admin: s.admin, CSRF: s.csrf})
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, s session) {
	if ck, err := r.Cookie(CookieName); err == nil {
		c.sessions.remove(ck.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	c.audit(r, s.admin, "logout", s.admin, "")
	writeJSON(w, http.StatusOK, struct{}{})
}

// --- overview ---------------------------------------------------------

type overview struct {
	Node          string    `json:"node"`
	Nodes         []string  `json:"nodes"`
	Version       string    `json:"version"`
	Started       time.Time `json:"started"`
	UptimeSeconds float64   `json:"uptime_seconds"`
	Counters      Counters  `json:"counters"`
	Samples       []Sample  `json:"samples"`
	SampleEvery   float64   `json:"sample_every_seconds"`
}

func (c *Console) overview(w http.ResponseWriter, r *http.Request, _ session) {
	node := c.backend.Node()
	nodes := map[string]bool{node: true}
	ctx, cancel := c.storeCtx(r)
	defer cancel()
	if listed, err := c.store.ListRooms(ctx); err == nil {
		for _, l := range listed {
			nodes[l.Node] = true
		}
	}
	o := overview{
		Node: node, Version: c.opt.Version, Started: c.opt.Started,
		UptimeSeconds: c.now().Sub(c.opt.Started).Seconds(),
		Counters:      c.backend.Counters(),
		Samples:       c.samples.all(),
		SampleEvery:   c.opt.SampleEvery.Seconds(),
	}
	for n := range nodes {
		o.Nodes = append(o.Nodes, n)
	}
	sort.Strings(o.Nodes)
	writeJSON(w, http.StatusOK, o)
}

// --- rooms ------------------------------------------------------------

// listRooms lists this node's rooms from memory and the other nodes' rooms
// from the store's room list.
func (c *Console) listRooms(w http.ResponseWriter, r *http.Request, _ session) {
	q := strings.ToLower(r.URL.Query().Get("q"))
	node := c.backend.Node()
	rooms := c.backend.Rooms()
	ctx, cancel := c.storeCtx(r)
	defer cancel()
	if listed, err := c.store.ListRooms(ctx); err == nil {
		for _, l := range listed {
			if l.Node == node {
				continue
			}
			sum := RoomSummary{Name: l.Name, Private: l.PasswordHash != "", Members: len(l.Members), Node: l.Node}
			if len(l.Members) > 0 {
				sum.Master, sum.MasterName = l.Members[0].ClientID, l.Members[0].UserName
			}
			rooms = append(rooms, sum)
		}
	}
	out := []RoomSummary{}
	for _, rm := range rooms {
		if q == "" || strings.Contains(strings.ToLower(rm.Name), q) {
			out = append(out, rm)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Node < out[j].Node
	})
	writeJSON(w, http.StatusOK, out)
}

func (c *Console) getRoom(w http.ResponseWriter, r *http.Request, _ session) {
	name := r.PathValue("name")
	d, ok := c.backend.Room(name)
	if !ok {
		writeError(w, http.StatusNotFound, "no room "+strconv.Quote(name)+" on this node")
		return
	}
	if d.Members == nil {
		d.Members = []Session{}
	}
	if d.Objects == nil {
		d.Objects = []ObjectDetail{}
	}
	for i := range d.Objects {
		d.Objects[i].Fields = DecodeFields(d.Objects[i].Raw)
	}
	writeJSON(w, http.StatusOK, d)
}

type textRequest struct {
	Text string `json:"text"`
}

type countReply struct {
	Recipients int `json:"recipients"`
}

func (c *Console) closeRoom(w http.ResponseWriter, r *http.Request, s session) {
	var req textRequest
	if !readJSON(w, r, &req) || !checkText(w, req.Text, false) {
		return
	}
	name := r.PathValue("name")
	text := req.Text
	if text == "" {
		text = "closed by an operator"
	}
	n, ok := c.backend.CloseRoom(name, text)
	if !ok {
		writeError(w, http.StatusNotFound, "no room "+strconv.Quote(name)+" on this node")
		return
	}
	c.audit(r, s.admin, "close_room", name, fmt.Sprintf("%d members; %s", n, text))
	writeJSON(w, http.StatusOK, countReply{n})
}

func (c *Console) roomMessage(w http.ResponseWriter, r *http.Request, s session) {
	var req textRequest
	if !readJSON(w, r, &req) || !checkText(w, req.Text, true) {
		return
	}
	name := r.PathValue("name")
	n, ok := c.backend.SystemMessage(name, req.Text)
	if !ok {
		writeError(w, http.StatusNotFound, "no room "+strconv.Quote(name)+" on this node")
		return
	}
	c.audit(r, s.admin, "system_message", "room "+name, req.Text)
	writeJSON(w, http.StatusOK, countReply{n})
}

func (c *Console) broadcastMessage(w http.ResponseWriter, r *http.Request, s session) {
	var req textRequest
	if !readJSON(w, r, &req) || !checkText(w, req.Text, true) {
		return
	}
	n, _ := c.backend.SystemMessage("", req.Text)
	c.audit(r, s.admin, "system_message", "all", req.Text)
	writeJSON(w, http.StatusOK, countReply{n})
}

// --- players and accounts ---------------------------------------------

type banInfo struct {
	User   string    `json:"user"`
	Until  time.Time `json:"until"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	Set    time.Time `json:"set"`
	Active bool      `json:"active"`
}

func (c *Console) banInfo(b store.Ban) *banInfo {
	return &banInfo{User: b.User, Until: b.Until, Reason: b.Reason, By: b.By, Set: b.CreatedAt, Active: b.Until.After(c.now())}
}

type accountRow struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	Online    bool      `json:"online"`
	Ban       *banInfo  `json:"ban"`
}

type playersReply struct {
	Sessions []Session    `json:"sessions"`
	Accounts []accountRow `json:"accounts"`
}

// findPlayers matches live sessions and accounts by name (substring, case
// folded) or by client id.
func (c *Console) findPlayers(w http.ResponseWriter, r *http.Request, _ session) {
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	id, _ := strconv.ParseInt(q, 10, 64)
	match := func(name string) bool { return q == "" || strings.Contains(strings.ToLower(name), q) }
	reply := playersReply{Sessions: []Session{}, Accounts: []accountRow{}}
	online := map[string]bool{}
	for _, p := range c.backend.Players() {
		online[p.Name] = true
		if (match(p.Name) || (id > 0 && p.ID == id)) && len(reply.Sessions) < maxListed {
			reply.Sessions = append(reply.Sessions, p)
		}
	}
	sort.Slice(reply.Sessions, func(i, j int) bool { return reply.Sessions[i].Name < reply.Sessions[j].Name })
	ctx, cancel := c.storeCtx(r)
	defer cancel()
	users, err := c.store.ListUsers(ctx)
	if err != nil {
		c.storeFailed(w, "list accounts", err)
		return
	}
	bans, err := c.store.ListBans(ctx)
	if err != nil {
		c.storeFailed(w, "list bans", err)
		return
	}
	banned := map[string]store.Ban{}
	for _, b := range bans {
		banned[b.User] = b
	}
	for _, u := range users {
		if !match(u.Name) || len(reply.Accounts) >= maxListed {
			continue
		}
		row := accountRow{Name: u.Name, CreatedAt: u.CreatedAt, Online: online[u.Name]}
		if b, ok := banned[u.Name]; ok {
			row.Ban = c.banInfo(b)
		}
		reply.Accounts = append(reply.Accounts, row)
	}
	writeJSON(w, http.StatusOK, reply)
}

type throttleReply struct {
	Account ThrottleState `json:"account"`
	Address ThrottleState `json:"address"`
}

type playerReply struct {
	Name     string        `json:"name"`
	Account  *accountRow   `json:"account"`
	Session  *Session      `json:"session"`
	Ban      *banInfo      `json:"ban"`
	Throttle throttleReply `json:"throttle"`
}

func (c *Console) getPlayer(w http.ResponseWriter, r *http.Request, _ session) {
	name := r.PathValue("name")
	reply := playerReply{Name: name}
	for _, p := range c.backend.Players() {
		if p.Name == name {
			reply.Session = &p
			break
		}
	}
	ctx, cancel := c.storeCtx(r)
	defer cancel()
	u, err := c.store.GetUser(ctx, name)
	switch {
	case err == nil:
		reply.Account = &accountRow{Name: u.Name, CreatedAt: u.CreatedAt, Online: reply.Session != nil}
	case !errors.Is(err, store.ErrNotFound):
		c.storeFailed(w, "get account", err)
		return
	}
	b, err := c.store.GetBan(ctx, name)
	switch {
	case err == nil:
		reply.Ban = c.banInfo(b)
	case !errors.Is(err, store.ErrNotFound):
		c.storeFailed(w, "get ban", err)
		return
	}
	addr := ""
	if reply.Session != nil {
		addr, _, _ = net.SplitHostPort(reply.Session.Address)
	}
	reply.Throttle.Account, reply.Throttle.Address = c.backend.Throttle(name, addr)
	if reply.Account == nil && reply.Session == nil && reply.Ban == nil {
		writeError(w, http.StatusNotFound, "no player "+strconv.Quote(name))
		return
	}
	writeJSON(w, http.StatusOK, reply)
}

type createRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

func (c *Console) createPlayer(w http.ResponseWriter, r *http.Request, s session) {
	var req createRequest
	if !readJSON(w, r, &req) {
		return
	}
	if err := accounts.ValidateUserName(req.Name); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := accounts.ValidatePassword(req.Password); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	hash, err := accounts.Hash(req.Password)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "hash password: "+err.Error())
		return
	}
	ctx, cancel := c.storeCtx(r)
	defer cancel()
	err = c.store.CreateUser(ctx, req.Name, hash)
	if errors.Is(err, store.ErrUserExists) {
		writeError(w, http.StatusConflict, "player "+strconv.Quote(req.Name)+" already exists")
		return
	}
	if err != nil {
		c.storeFailed(w, "create account", err)
		return
	}
	c.audit(r, s.admin, "create_player", req.Name, "")
	writeJSON(w, http.StatusCreated, accountRow{Name: req.Name, CreatedAt: c.now().UTC()})
}

type passwordRequest struct {
	Password string `json:"password"`
}

func (c *Console) resetPassword(w http.ResponseWriter, r *http.Request, s session) {
	var req passwordRequest
	if !readJSON(w, r, &req) {
		return
	}
	if err := accounts.ValidatePassword(req.Password); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	hash, err := accounts.Hash(req.Password)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "hash password: "+err.Error())
		return
	}
	name := r.PathValue("name")
	ctx, cancel := c.storeCtx(r)
	defer cancel()
	err = c.store.SetPasswordHash(ctx, name, hash)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no account "+strconv.Quote(name))
		return
	}
	if err != nil {
		c.storeFailed(w, "set password", err)
		return
	}
	c.audit(r, s.admin, "reset_password", name, "")
	writeJSON(w, http.StatusOK, struct{}{})
}

type disconnectReply struct {
	Disconnected bool `json:"disconnected"` // a live session was closed
}

func (c *Console) deletePlayer(w http.ResponseWriter, r *http.Request, s session) {
	name := r.PathValue("name")
	ctx, cancel := c.storeCtx(r)
	defer cancel()
	err := c.store.DeleteUser(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no account "+strconv.Quote(name))
		return
	}
	if err != nil {
		c.storeFailed(w, "delete account", err)
		return
	}
	gone := c.backend.Disconnect(name, protocol.CloseKicked, "your account was deleted by an operator")
	c.audit(r, s.admin, "delete_player", name, "")
	writeJSON(w, http.StatusOK, disconnectReply{gone})
}

// endSessions logs a player out everywhere: every session token of the
// account dies (a stolen token, a shared device) and a live session is
// closed.
func (c *Console) endSessions(w http.ResponseWriter, r *http.Request, s session) {
	name := r.PathValue("name")
	ctx, cancel := c.storeCtx(r)
	defer cancel()
	err := c.store.EndSessions(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no account "+strconv.Quote(name))
		return
	}
	if err != nil {
		c.storeFailed(w, "end sessions", err)
		return
	}
	gone := c.backend.Disconnect(name, protocol.CloseKicked, "an operator ended your sessions; log in again")
	c.audit(r, s.admin, "end_sessions", name, "")
	writeJSON(w, http.StatusOK, disconnectReply{gone})
}

func (c *Console) kick(w http.ResponseWriter, r *http.Request, s session) {
	var req textRequest
	if !readJSON(w, r, &req) || !checkText(w, req.Text, false) {
		return
	}
	name := r.PathValue("name")
	text := req.Text
	if text == "" {
		text = "removed by an operator"
	}
	if !c.backend.Disconnect(name, protocol.CloseKicked, text) {
		writeError(w, http.StatusNotFound, strconv.Quote(name)+" is not logged in")
		return
	}
	c.audit(r, s.admin, "kick", name, text)
	writeJSON(w, http.StatusOK, disconnectReply{true})
}

type banRequest struct {
	Duration string `json:"duration"` // Go duration: "30m", "24h", "720h"
	Reason   string `json:"reason"`
}

type banReply struct {
	Ban          *banInfo `json:"ban"`
	Disconnected bool     `json:"disconnected"`
}

func (c *Console) ban(w http.ResponseWriter, r *http.Request, s session) {
	var req banRequest
	if !readJSON(w, r, &req) || !checkText(w, req.Reason, false) {
		return
	}
	d, err := time.ParseDuration(req.Duration)
	if err != nil || d <= 0 || d > maxBan {
		writeError(w, http.StatusBadRequest, "duration must be a positive Go duration up to 876000h, like \"30m\" or \"72h\"")
		return
	}
	name := r.PathValue("name")
	if err := accounts.ValidateUserName(name); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	now := c.now()
	b := store.Ban{User: name, Until: now.Add(d).UTC().Truncate(time.Second), Reason: req.Reason, By: s.admin, CreatedAt: now}
	ctx, cancel := c.storeCtx(r)
	defer cancel()
	if err := c.store.SetBan(ctx, b); err != nil {
		c.storeFailed(w, "ban", err)
		return
	}
	gone := c.backend.Disconnect(name, protocol.CloseBanned, BanText(b))
	c.audit(r, s.admin, "ban", name, BanText(b))
	writeJSON(w, http.StatusOK, banReply{Ban: c.banInfo(b), Disconnected: gone})
}

func (c *Console) unban(w http.ResponseWriter, r *http.Request, s session) {
	name := r.PathValue("name")
	ctx, cancel := c.storeCtx(r)
	defer cancel()
	err := c.store.DeleteBan(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, strconv.Quote(name)+" is not banned")
		return
	}
	if err != nil {
		c.storeFailed(w, "lift ban", err)
		return
	}
	c.audit(r, s.admin, "unban", name, "")
	writeJSON(w, http.StatusOK, struct{}{})
}

func (c *Console) listBans(w http.ResponseWriter, r *http.Request, _ session) {
	ctx, cancel := c.storeCtx(r)
	defer cancel()
	bans, err := c.store.ListBans(ctx)
	if err != nil {
		c.storeFailed(w, "list bans", err)
		return
	}
	out := make([]*banInfo, 0, len(bans))
	for _, b := range bans {
		out = append(out, c.banInfo(b))
	}
	writeJSON(w, http.StatusOK, out)
}

func (c *Console) getThrottle(w http.ResponseWriter, r *http.Request, _ session) {
	q := r.URL.Query()
	var reply throttleReply
	reply.Account, reply.Address = c.backend.Throttle(q.Get("user"), q.Get("address"))
	writeJSON(w, http.StatusOK, reply)
}

type clearRequest struct {
	User    string `json:"user"`
	Address string `json:"address"`
}

func (c *Console) clearThrottle(w http.ResponseWriter, r *http.Request, s session) {
	var req clearRequest
	if !readJSON(w, r, &req) {
		return
	}
	if req.User == "" && req.Address == "" {
		writeError(w, http.StatusBadRequest, "name a user, an address or both")
		return
	}
	c.backend.ClearThrottle(req.User, req.Address)
	c.audit(r, s.admin, "clear_throttle", strings.Trim(req.User+" "+req.Address, " "), "")
	writeJSON(w, http.StatusOK, struct{}{})
}

// --- audit ------------------------------------------------------------

func (c *Console) listAudit(w http.ResponseWriter, r *http.Request, _ session) {
	q := r.URL.Query()
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 || limit > 500 {
		limit = 100
	}
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	ctx, cancel := c.storeCtx(r)
	defer cancel()
	entries, err := c.store.ListAudit(ctx, limit, before)
	if err != nil {
		c.storeFailed(w, "read audit log", err)
		return
	}
	out := make([]auditRow, len(entries))
	for i, e := range entries {
		out[i] = auditRow{ID: e.ID, Time: e.Time, Admin: e.Admin, Action: e.Action, Target: e.Target, Detail: e.Detail}
	}
	writeJSON(w, http.StatusOK, out)
}

type auditRow struct {
	ID     int64     `json:"id"`
	Time   time.Time `json:"time"`
	Admin  string    `json:"admin"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Detail string    `json:"detail"`
}
