import * as api from "./api";
import { chart } from "./chart";
import { clear, fmtBytes, fmtDuration, fmtRate, fmtTime, h, since } from "./dom";

// The page polls the JSON API: every view re-renders from one GET every
// few seconds (see docs/ADMIN.md, "Live updating").
const POLL_MS = 2000;

const app = document.getElementById("app")!;
let me: api.SessionInfo | null = null;
let timer: number | undefined;
let flash = "";
let flashIsError = false;

function say(text: string, error = false): void {
  flash = text;
  flashIsError = error;
  const el = document.getElementById("flash");
  if (el) {
    el.textContent = text;
    el.className = error ? "flash error" : "flash";
  }
}

async function act(what: string, f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
    say(what);
    await render();
  } catch (e) {
    if (e instanceof api.ApiError && e.status === 401) return showLogin(e.message);
    say(`${what} failed: ${(e as Error).message}`, true);
  }
}

function route(): string[] {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  return parts[0] ? parts : ["overview"];
}

function nav(): HTMLElement {
  const cur = route()[0];
  const link = (to: string, label: string) =>
    h("a", { href: `#/${to}`, class: cur === to || (to === "rooms" && cur === "room") || (to === "players" && cur === "player") ? "on" : "" }, label);
  return h("nav", {},
    h("strong", {}, "Tandem admin"),
    link("overview", "Overview"), link("rooms", "Rooms"), link("players", "Players"), link("audit", "Audit"),
    h("span", { class: "grow" }),
    h("span", { class: "who" }, me ? me.admin : ""),
    h("button", { id: "logout", onclick: () => act("logged out", async () => { await api.post("/api/logout"); me = null; }) }, "Log out"),
  );
}

function showLogin(message = ""): void {
  me = null;
  window.clearTimeout(timer);
  clear(app);
  const name = h("input", { id: "login-name", name: "name", autocomplete: "username", required: true }) as HTMLInputElement;
  const pw = h("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true }) as HTMLInputElement;
  const err = h("p", { id: "login-error", class: "error" }, message);
  const form = h("form", { id: "login", class: "login" },
    h("h1", {}, "Tandem admin"),
    h("label", {}, "Admin name", name),
    h("label", {}, "Password", pw),
    h("button", { type: "submit" }, "Log in"),
    err,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      me = await api.post<api.SessionInfo>("/api/login", { name: name.value, password: pw.value });
      api.setCsrf(me.csrf);
      say("");
      await render();
    } catch (x) {
      err.textContent = (x as Error).message;
    }
  });
  app.appendChild(form);
  name.focus();
}

async function render(): Promise<void> {
  window.clearTimeout(timer);
  if (!me) {
    try {
      me = await api.get<api.SessionInfo>("/api/session");
      api.setCsrf(me.csrf);
    } catch {
      return showLogin();
    }
  }
  const [page, arg] = route();
  let body: HTMLElement;
  try {
    switch (page) {
      case "rooms": body = await roomsPage(); break;
      case "room": body = await roomPage(arg); break;
      case "players": body = await playersPage(); break;
      case "player": body = await playerPage(arg); break;
      case "audit": body = await auditPage(); break;
      default: body = await overviewPage();
    }
  } catch (e) {
    if (e instanceof api.ApiError && e.status === 401) return showLogin(e.message);
    body = h("p", { class: "error" }, (e as Error).message);
  }
  // Keep focus and typing in inputs across re-renders.
  const focused = document.activeElement as HTMLInputElement | null;
  const focusId = focused && focused.id;
  const kept: Record<string, string> = {};
  app.querySelectorAll("input").forEach((i) => { if (i.id) kept[i.id] = (i as HTMLInputElement).value; });
  clear(app);
  app.append(nav(), h("div", { id: "flash", class: flashIsError ? "flash error" : "flash" }, flash), body);
  for (const [id, v] of Object.entries(kept)) {
    const el = document.getElementById(id) as HTMLInputElement | null;
    if (el && el.type !== "password") el.value = v;
  }
  if (focusId) {
    const el = document.getElementById(focusId) as HTMLInputElement | null;
    if (el) el.focus();
  }
  timer = window.setTimeout(render, POLL_MS);
}

function table(head: string[], rows: HTMLElement[], id = ""): HTMLElement {
  return h("table", { id },
    h("thead", {}, h("tr", {}, ...head.map((x) => h("th", {}, x)))),
    h("tbody", {}, ...(rows.length ? rows : [h("tr", {}, h("td", { colspan: head.length, class: "empty" }, "none"))])),
  );
}

const td = (...c: (Node | string | number)[]) => h("td", {}, ...c);

// --- overview ---------------------------------------------------------

async function overviewPage(): Promise<HTMLElement> {
  const o = await api.get<api.Overview>("/api/overview");
  const c = o.counters;
  const last = o.samples.length ? o.samples[o.samples.length - 1] : null;
  const tile = (label: string, value: string, id: string) =>
    h("div", { class: "tile", id: `tile-${id}` }, h("span", {}, label), h("b", {}, value));
  const series = (k: keyof api.Sample) => o.samples.map((x) => Number(x[k]));
  return h("main", {},
    h("h1", {}, "Overview"),
    h("p", { class: "meta" }, `node ${o.node}`, o.nodes.length > 1 ? ` · nodes: ${o.nodes.join(", ")}` : "",
      ` · version ${o.version} · up ${fmtDuration(o.uptime_seconds)} (since ${fmtTime(o.started)})`),
    h("div", { class: "tiles" },
      tile("Connections", String(c.connections), "connections"),
      tile("Players", String(c.players), "players"),
      tile("Rooms", String(c.rooms), "rooms"),
      tile("Objects", String(c.objects), "objects"),
      tile("Messages in/s", last ? fmtRate(last.msgs_in_per_s) : "–", "msgs-in"),
      tile("Messages out/s", last ? fmtRate(last.msgs_out_per_s) : "–", "msgs-out"),
      tile("Bytes in/s", last ? fmtBytes(last.bytes_in_per_s) : "–", "bytes-in"),
      tile("Bytes out/s", last ? fmtBytes(last.bytes_out_per_s) : "–", "bytes-out"),
      tile("Slow consumers", `${c.slow_consumer_warnings_total} warned · ${c.slow_consumer_disconnects_total} cut`, "slow"),
      tile("Rate-limit cuts", String(c.rate_limited_total), "rate-limited"),
      tile("Logins", `${c.logins_total} ok · ${c.login_failures_total} failed`, "logins"),
    ),
    h("h2", {}, `Last ${fmtDuration(o.samples.length * o.sample_every_seconds)}`),
    h("div", { class: "charts" },
      chart("Connections", series("connections"), String),
      chart("Players", series("players"), String),
      chart("Rooms", series("rooms"), String),
      chart("Objects", series("objects"), String),
      chart("Messages in/s", series("msgs_in_per_s"), fmtRate),
      chart("Messages out/s", series("msgs_out_per_s"), fmtRate),
      chart("Bytes in/s", series("bytes_in_per_s"), fmtBytes),
      chart("Bytes out/s", series("bytes_out_per_s"), fmtBytes),
      chart("Slow consumers/s", series("slow_consumers_per_s"), fmtRate),
      chart("Rate-limited/s", series("rate_limited_per_s"), fmtRate),
    ),
    messageForm("Message to every player", "all", (text) => api.post("/api/message", { text })),
  );
}

function messageForm(label: string, id: string, send: (text: string) => Promise<unknown>): HTMLElement {
  const input = h("input", { id: `msg-${id}`, placeholder: "system message text", maxlength: 1000 }) as HTMLInputElement;
  const form = h("form", { class: "inline" }, h("span", {}, label), input, h("button", { type: "submit", id: `send-${id}` }, "Send"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value;
    act("message sent", async () => { await send(text); input.value = ""; });
  });
  return form;
}

// --- rooms ------------------------------------------------------------

async function roomsPage(): Promise<HTMLElement> {
  const q = (document.getElementById("room-q") as HTMLInputElement | null)?.value ?? "";
  const rooms = await api.get<api.RoomSummary[]>(`/api/rooms?q=${api.enc(q)}`);
  const search = h("input", { id: "room-q", placeholder: "search rooms", value: q, oninput: () => render() });
  const rows = rooms.map((r) => h("tr", { "data-room": r.name },
    td(h("a", { href: `#/room/${api.enc(r.name)}`, class: "room-link" }, r.name)),
    td(r.private ? "private" : "public"), td(r.members), td(r.objects),
    td(r.master ? `${r.master_name} (${r.master})` : "–"), td(fmtTime(r.created)), td(r.node)));
  return h("main", {}, h("h1", {}, "Rooms"), search,
    table(["Name", "Access", "Members", "Objects", "Master", "Created", "Node"], rows, "rooms"));
}

function showValue(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(3);
  if (typeof v === "string") return JSON.stringify(v);
  return JSON.stringify(v);
}

async function roomPage(name: string): Promise<HTMLElement> {
  const r = await api.get<api.RoomDetail>(`/api/rooms/${api.enc(name)}`);
  const members = r.members.map((m) => h("tr", { "data-member": m.name },
    td(m.id), td(h("a", { href: `#/player/${api.enc(m.name)}` }, m.name), m.id === r.master ? " (master)" : ""),
    td(m.address), td(since(m.connected_at)), td(m.transport), td(fmtBytes(m.queue_bytes)),
    td(h("button", { "data-kick": m.name, onclick: () => act(`kicked ${m.name}`, () => api.post(`/api/players/${api.enc(m.name)}/kick`, { text: "removed by an operator" })) }, "Kick"))));
  const objects = r.objects.map((o) => h("tr", { "data-object": o.id },
    td(o.id), td(o.prefab), td(o.owner), td(o.generation),
    td(({ t: "takeover", f: "fixed", r: "request" } as Record<string, string>)[o.mode] || o.mode),
    td(o.lifetime === "p" ? "player" : "room"),
    td(h("span", { class: "state" }, ...o.fields.map((f) =>
      h("span", { class: "field", title: `${f.type} 0x${f.hex}`, "data-field": f.field },
        h("i", {}, `${f.field}:`), " ", f.error ? `(bad: ${f.error})` : showValue(f.value)))))));
  const closeText = h("input", { id: "close-text", placeholder: "reason shown to members", maxlength: 1000 }) as HTMLInputElement;
  const confirm = h("button", { id: "close-room-confirm", class: "danger hidden", onclick: () =>
    act(`room ${r.name} closed`, async () => { await api.post(`/api/rooms/${api.enc(r.name)}/close`, { text: closeText.value }); location.hash = "#/rooms"; }) }, "Really close it");
  const close = h("button", { id: "close-room", class: "danger", onclick: () => confirm.classList.remove("hidden") }, "Close room");
  return h("main", {},
    h("h1", {}, `Room ${r.name}`),
    h("p", { class: "meta" }, `${r.private ? "private" : "public"} · node ${r.node} · created ${fmtTime(r.created)} · ${r.members.length} members · ${r.objects.length} objects`),
    h("h2", {}, "Members"),
    table(["Id", "Name", "Address", "Connected", "Transport", "Queued", ""], members, "members"),
    h("h2", {}, "Network objects"),
    table(["Id", "Prefab", "Owner", "Gen", "Mode", "Lifetime", "State"], objects, "objects"),
    h("h2", {}, "Act"),
    messageForm("Message to this room", "room", (text) => api.post(`/api/rooms/${api.enc(r.name)}/message`, { text })),
    h("div", { class: "inline" }, closeText, close, confirm),
  );
}

// --- players ----------------------------------------------------------

async function playersPage(): Promise<HTMLElement> {
  const q = (document.getElementById("player-q") as HTMLInputElement | null)?.value ?? "";
  const p = await api.get<api.Players>(`/api/players?q=${api.enc(q)}`);
  const search = h("input", { id: "player-q", placeholder: "name or client id", value: q, oninput: () => render() });
  const sessions = p.sessions.map((s) => h("tr", {},
    td(s.id), td(h("a", { href: `#/player/${api.enc(s.name)}` }, s.name)), td(s.room || "–"),
    td(s.address), td(since(s.connected_at)), td(s.transport), td(fmtBytes(s.queue_bytes))));
  const accounts = p.accounts.map((a) => h("tr", {},
    td(h("a", { href: `#/player/${api.enc(a.name)}` }, a.name)), td(fmtTime(a.created_at)),
    td(a.online ? "online" : ""), td(a.ban && a.ban.active ? `banned until ${fmtTime(a.ban.until)}` : "")));
  const name = h("input", { id: "new-name", placeholder: "name" }) as HTMLInputElement;
  const pw = h("input", { id: "new-password", placeholder: "password", type: "password" }) as HTMLInputElement;
  const create = h("form", { class: "inline" }, h("span", {}, "Create account"), name, pw, h("button", { type: "submit" }, "Create"));
  create.addEventListener("submit", (e) => {
    e.preventDefault();
    act(`account ${name.value} created`, () => api.post("/api/players", { name: name.value, password: pw.value }));
  });
  const bans = await api.get<api.Ban[]>("/api/bans");
  const banRows = bans.map((b) => h("tr", {},
    td(h("a", { href: `#/player/${api.enc(b.user)}` }, b.user)), td(fmtTime(b.until)), td(b.active ? "active" : "expired"),
    td(b.reason), td(b.by),
    td(h("button", { onclick: () => act(`ban of ${b.user} lifted`, () => api.del(`/api/players/${api.enc(b.user)}/ban`)) }, "Lift"))));
  return h("main", {}, h("h1", {}, "Players"), search,
    h("h2", {}, "Online on this node"),
    table(["Id", "Name", "Room", "Address", "Connected", "Transport", "Queued"], sessions, "sessions"),
    h("h2", {}, "Accounts"),
    table(["Name", "Created", "", "Ban"], accounts, "accounts"),
    create,
    h("h2", {}, "Bans"),
    table(["Player", "Until", "", "Reason", "By", ""], banRows, "bans"),
    h("h2", {}, "Login back-off"),
    await throttleBox());
}

// throttleBox looks up the login back-off of any account and address.
async function throttleBox(): Promise<HTMLElement> {
  const user = (document.getElementById("th-user") as HTMLInputElement | null)?.value ?? "";
  const address = (document.getElementById("th-address") as HTMLInputElement | null)?.value ?? "";
  const u = h("input", { id: "th-user", placeholder: "account name", value: user, oninput: () => render() });
  const a = h("input", { id: "th-address", placeholder: "address, e.g. 203.0.113.7", value: address, oninput: () => render() });
  let state = "";
  if (user || address) {
    const t = await api.get<{ account: api.Throttle; address: api.Throttle }>(`/api/throttle?user=${api.enc(user)}&address=${api.enc(address)}`);
    state = `account ${throttleText(t.account)}; address ${throttleText(t.address)}`;
  }
  return h("div", {},
    h("div", { class: "inline" }, u, a,
      h("button", { id: "th-clear", onclick: () => act("login back-off cleared", () => api.post("/api/throttle/clear", { user, address })) }, "Clear")),
    h("p", { id: "th-state", class: "meta" }, state || "type an account or an address to see its failed logins"));
}

function throttleText(t: api.Throttle): string {
  if (!t.key) return "–";
  const blocked = t.blocked_until && !t.blocked_until.startsWith("0001-") ? `, blocked until ${fmtTime(t.blocked_until)}` : "";
  return `${t.key}: ${t.failures} failures${blocked}`;
}

async function playerPage(name: string): Promise<HTMLElement> {
  const p = await api.get<api.Player>(`/api/players/${api.enc(name)}`);
  const path = `/api/players/${api.enc(name)}`;
  const s = p.session;
  const dur = h("input", { id: "ban-duration", placeholder: "duration, e.g. 30m, 24h", value: "1h" }) as HTMLInputElement;
  const reason = h("input", { id: "ban-reason", placeholder: "reason" }) as HTMLInputElement;
  const banForm = h("form", { class: "inline" }, h("span", {}, "Ban for"), dur, reason, h("button", { type: "submit", id: "ban" }, "Ban"));
  banForm.addEventListener("submit", (e) => {
    e.preventDefault();
    act(`${name} banned`, () => api.post(`${path}/ban`, { duration: dur.value, reason: reason.value }));
  });
  const pw = h("input", { id: "reset-password", type: "password", placeholder: "new password" }) as HTMLInputElement;
  const pwForm = h("form", { class: "inline" }, h("span", {}, "Reset password"), pw, h("button", { type: "submit" }, "Set"));
  pwForm.addEventListener("submit", (e) => {
    e.preventDefault();
    act(`password of ${name} reset`, () => api.post(`${path}/password`, { password: pw.value }));
  });
  const confirmDelete = h("button", { class: "danger hidden", id: "delete-confirm", onclick: () =>
    act(`account ${name} deleted`, async () => { await api.del(path); location.hash = "#/players"; }) }, "Really delete");
  const addr = s ? s.address.replace(/:\d+$/, "").replace(/^\[|\]$/g, "") : "";
  return h("main", {},
    h("h1", {}, `Player ${name}`),
    h("dl", {},
      h("dt", {}, "Account"), h("dd", {}, p.account ? `created ${fmtTime(p.account.created_at)}` : "no account"),
      h("dt", {}, "Session"), h("dd", {}, s ? `client ${s.id} from ${s.address} (${s.transport}), ${since(s.connected_at)}, room ${s.room || "–"}, ${fmtBytes(s.queue_bytes)} queued` : "offline"),
      h("dt", {}, "Ban"), h("dd", {}, p.ban ? `${p.ban.active ? "until" : "expired"} ${fmtTime(p.ban.until)} by ${p.ban.by}${p.ban.reason ? `: ${p.ban.reason}` : ""}` : "none"),
      h("dt", {}, "Login back-off"), h("dd", {}, `account ${throttleText(p.throttle.account)}; address ${throttleText(p.throttle.address)}`),
    ),
    h("div", { class: "inline" },
      s ? h("button", { id: "kick", onclick: () => act(`${name} kicked`, () => api.post(`${path}/kick`, { text: "removed by an operator" })) }, "Kick") : "",
      p.account ? h("button", { id: "end-sessions", title: "End every session token of the account (and a live session): the player logs in with the password next time",
        onclick: () => act(`${name} logged out everywhere`, () => api.post(`${path}/logout`, {})) }, "Log out everywhere") : "",
      p.ban ? h("button", { id: "unban", onclick: () => act(`ban of ${name} lifted`, () => api.del(`${path}/ban`)) }, "Lift ban") : "",
      h("button", { id: "clear-throttle", onclick: () => act("login back-off cleared", () => api.post("/api/throttle/clear", { user: name, address: addr })) }, "Clear login back-off"),
      p.account ? h("button", { class: "danger", id: "delete", onclick: () => confirmDelete.classList.remove("hidden") }, "Delete account") : "",
      confirmDelete,
    ),
    banForm,
    p.account ? pwForm : "",
  );
}

// --- audit ------------------------------------------------------------

async function auditPage(): Promise<HTMLElement> {
  const rows = await api.get<api.AuditRow[]>("/api/audit?limit=200");
  return h("main", {}, h("h1", {}, "Audit log"),
    table(["Time", "Admin", "Action", "Target", "Detail"],
      rows.map((a) => h("tr", {}, td(fmtTime(a.time)), td(a.admin || "–"), td(a.action), td(a.target), td(a.detail))), "audit"));
}

window.addEventListener("hashchange", () => { say(""); render(); });
render();
