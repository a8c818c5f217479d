// The page: log in, list and join rooms, chat, and watch the room's
// network objects move. All protocol work is in tandem.js.
import { decode } from "@msgpack/msgpack";
import { TandemClient, mergeDelta } from "./tandem.js";

const $ = (id) => document.getElementById(id);
const client = new TandemClient();

function status(text, ok) {
  $("status").textContent = text;
  $("status").className = ok ? "ok" : "bad";
}

const params = new URLSearchParams(location.search);
const scheme = location.protocol === "https:" ? "wss" : "ws";
$("url").value = params.get("ws") || (location.host ? `${scheme}://${location.host}/ws` : "ws://localhost:7780/ws");
$("user").value = params.get("user") || "";

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("connect").disabled = true;
  try {
    await client.connect($("url").value);
    const id = await client.login($("user").value, $("password").value);
    status(`logged in as ${$("user").value} (client ${id})`, true);
    $("login-panel").hidden = true;
    $("rooms-panel").hidden = false;
    await refreshRooms();
  } catch (err) {
    status(`login failed: ${err.message}`, false);
    client.close();
    $("connect").disabled = false;
  }
});

async function refreshRooms() {
  const rooms = await client.listRooms();
  const ul = $("rooms");
  ul.replaceChildren();
  for (const r of rooms) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.textContent = "Join";
    b.dataset.room = r.name;
    b.addEventListener("click", () => join(r.name));
    li.append(b, ` ${r.name} (${r.count})`);
    ul.append(li);
  }
  if (rooms.length === 0) ul.textContent = "no public rooms yet";
}
$("refresh").addEventListener("click", () => refreshRooms().catch((e) => status(e.message, false)));

async function join(room) {
  try {
    await client.join(room);
    $("room-title").textContent = room;
    $("room-panel").hidden = false;
    $("chat-log").replaceChildren();
    showMembers();
    drawObjects();
  } catch (err) {
    status(`join ${room}: ${err.message}`, false);
  }
}
$("join-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  join($("room-name").value);
});

$("chat-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  client.chat($("chat-input").value);
  $("chat-input").value = "";
});

client.addEventListener("chat", (ev) => {
  const li = document.createElement("li");
  const from = document.createElement("span");
  from.className = "from";
  from.textContent = ev.detail.from === client.id ? "me" : `#${ev.detail.from}`;
  li.append(from, `: ${ev.detail.text}`);
  $("chat-log").append(li);
  li.scrollIntoView({ block: "nearest" });
});

function showMembers() {
  $("members").textContent = `members ${client.members.map((m) => "#" + m + (m === client.master ? " (master)" : "")).join(", ")}`;
}
client.addEventListener("member", showMembers);
client.addEventListener("master", showMembers);

client.addEventListener("closed", (ev) => status(`disconnected: ${ev.detail.code} ${ev.detail.text}`, false));
client.addEventListener("error", (ev) => status(`error: ${ev.detail.message}`, false));

// Object updates can arrive hundreds of times a second: redraw once a frame.
let drawPending = false;
client.addEventListener("objects", () => {
  if (!drawPending) {
    drawPending = true;
    requestAnimationFrame(() => { drawPending = false; drawObjects(); });
  }
});

function fmt(v) {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (Array.isArray(v)) return "[" + v.map(fmt).join(", ") + "]";
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (typeof v === "bigint") return v.toString();
  return JSON.stringify(v);
}

let mapExtent = 10; // world units from the centre to the edge of the map

function drawObjects() {
  const body = $("objects").tBodies[0];
  const rows = [];
  const ids = [...client.objects.keys()].sort();
  for (const id of ids) {
    const o = client.objects.get(id);
    const tr = document.createElement("tr");
    tr.dataset.id = o.id;
    const fields = [...o.fields].map(([i, v]) => `${i}=${fmt(v)}`).join(" ");
    for (const text of [o.id, "#" + o.owner, o.gen, o.prefab, fields]) {
      const td = document.createElement("td");
      td.textContent = String(text);
      tr.append(td);
    }
    rows.push(tr);
  }
  body.replaceChildren(...rows);

  // Top view of objects whose field 0 is a position [x, y, z]: x right, z up.
  const c = $("map");
  const g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  // The view grows to hold every object seen; the origin is in the middle.
  for (const o of client.objects.values()) {
    const p = o.fields.get(0);
    if (Array.isArray(p) && p.length >= 3) mapExtent = Math.max(mapExtent, Math.abs(p[0]), Math.abs(p[2]));
  }
  const scale = (c.width / 2 - 12) / mapExtent; // pixels per unit
  for (const o of client.objects.values()) {
    const p = o.fields.get(0);
    if (!Array.isArray(p) || p.length < 3) continue;
    const x = c.width / 2 + p[0] * scale;
    const y = c.height / 2 - p[2] * scale;
    g.fillStyle = o.owner === client.id ? "#d9534f" : `hsl(${(o.owner * 67) % 360} 60% 45%)`;
    g.beginPath();
    g.arc(x, y, o.prefab === "Crate" ? 4 : 6, 0, 2 * Math.PI);
    g.fill();
    g.fillStyle = "#333";
    g.fillText(o.id, x + 7, y + 3);
  }
}

// For tests and the console: the client and its view, and the decoders.
window.tandem = client;
window.tandemLib = { mergeDelta, decode };
