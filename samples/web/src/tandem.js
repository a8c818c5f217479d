// A browser client of the Tandem protocol (protocol/PROTOCOL.md) over
// WebSocket. One TandemClient is one connection: it logs in, lists and
// joins rooms, sends chat, and keeps a view of the room (members, master,
// network objects with their state decoded from MessagePack).
//
// Framing (PROTOCOL.md, "WebSocket framing"): every message the client
// sends is one text message holding one line; the server's text messages
// hold one or more whole '\n'-terminated lines.
//
// Events (addEventListener): "line" (every server line, detail: the line),
// "member", "master", "chat", "objects" (the object view changed),
// "error" (a 9: line no call was waiting for), "closed" (detail:
// {code, text} from an 8: line or the WebSocket close).

import { decodeMulti } from "@msgpack/msgpack";

const KEEPALIVE_MS = 15000; // the server's idle timeout is 60 s by default

export class TandemError extends Error {
  constructor(command, code, text) {
    super(`${code}: ${text}`);
    this.command = command;
    this.code = code;
    this.text = text;
  }
}

export class TandemClient extends EventTarget {
  constructor() {
    super();
    this.ws = null;
    this.id = 0;
    this.room = "";
    this.master = 0;
    this.members = [];
    this.objects = new Map(); // network id -> {id, owner, gen, prefab, mode, life, fields: Map}
    this.waiters = new Map(); // message number -> [{resolve, reject, collect}]
    this.keepAlive = 0;
    this.joining = false; // between our own join line and its "17"
  }

  // connect opens the WebSocket at url (ws:// or wss://, e.g.
  // ws://localhost:7780/ws) and resolves when it is open.
  connect(url) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      this.ws = ws;
      ws.onopen = () => {
        // Browsers cannot send WebSocket pings: "7" keeps the connection.
        this.keepAlive = setInterval(() => {
          if (ws.readyState === WebSocket.OPEN) ws.send("7");
        }, KEEPALIVE_MS);
        resolve();
      };
      ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
      ws.onmessage = (ev) => {
        for (const line of String(ev.data).split("\n")) {
          if (line !== "") this.handle(line);
        }
      };
      ws.onclose = (ev) => {
        clearInterval(this.keepAlive);
        const err = new Error(`connection closed (${ev.code}${ev.reason ? ": " + ev.reason : ""})`);
        for (const list of this.waiters.values()) for (const w of list) w.reject(err);
        this.waiters.clear();
        this.emit("closed", { code: String(ev.code), text: ev.reason || "connection closed" });
      };
    });
  }

  close() {
    if (this.ws) this.ws.close(1000);
  }

  send(line) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) throw new Error("not connected");
    this.ws.send(line);
  }

  // request sends line and waits for the answer numbered num.
  request(num, line) {
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(num) || [];
      list.push({ resolve, reject });
      this.waiters.set(num, list);
      this.send(line);
    });
  }

  async login(user, password) {
    // "0:<id>" or "0:<id>:<session token>:<resume token>" (PROTOCOL.md).
    const answer = await this.request(0, `0:${user}:${password}`);
    const [id, , resumeToken = ""] = answer.split(":");
    this.id = Number(id);
    this.resumeToken = resumeToken;
    return this.id;
  }

  // listRooms resolves to [{name, count}] of the public rooms.
  async listRooms() {
    const rest = await this.request(1, "1");
    if (rest === "") return [];
    return rest.split(",").map((entry) => {
      const i = entry.lastIndexOf("-");
      return { name: entry.slice(0, i), count: Number(entry.slice(i + 1)) };
    });
  }

  // join joins (or creates) room and resolves when its snapshot is in.
  join(room, password = "") {
    return this.request(17, password ? `2:${room}:${password}` : `2:${room}`);
  }

  leave() {
    this.send("2:-1");
  }

  // chat sends text to everyone in the room, this client included.
  chat(text) {
    this.send(`3:1:${text.replace(/[\r\n]/g, " ")}`);
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  answer(num, value) {
    const list = this.waiters.get(num);
    if (!list || list.length === 0) return false;
    list.shift().resolve(value);
    return true;
  }

  handle(line) {
    this.emit("line", line);
    const colon = line.indexOf(":");
    const num = Number(colon < 0 ? line : line.slice(0, colon));
    const rest = colon < 0 ? "" : line.slice(colon + 1);
    const f = rest.split(":");
    switch (num) {
      case 0:
      case 1:
      case 5:
        this.answer(num, rest);
        break;
      case 2: {
        const id = Number(f[0]);
        const room = f.slice(1).join(":");
        if (room === "") {
          if (id === this.id) this.resetRoom("");
          else this.members = this.members.filter((m) => m !== id);
        } else if (id === this.id) {
          this.resetRoom(room);
          this.members = [id];
          this.joining = true;
        } else if (this.joining) {
          // Members already there come after our own line: keep join order.
          this.members.splice(this.members.length - 1, 0, id);
        } else if (!this.members.includes(id)) {
          this.members.push(id);
        }
        this.emit("member", { id, room });
        break;
      }
      case 3: {
        const from = Number(f[0]);
        this.emit("chat", { from, text: f.slice(1).join(":") });
        break;
      }
      case 4:
        this.master = Number(f[0]);
        this.emit("master", this.master);
        break;
      case 7:
        break;
      case 8:
        this.emit("closed", { code: f[0], text: f.slice(1).join(":") });
        break;
      case 9: {
        const cmd = f[0] === "-" ? -1 : Number(f[0]);
        const err = new TandemError(cmd, f[1], f.slice(2).join(":"));
        const waitFor = cmd === 2 ? 17 : cmd;
        const list = this.waiters.get(waitFor);
        if (list && list.length > 0) list.shift().reject(err);
        else this.emit("error", err);
        break;
      }
      case 10: {
        // 10:<id>:<owner>:<gen>:<mode>:<life>:<prefab>:<token>:<mask>:<data>
        const o = {
          id: f[0], owner: Number(f[1]), gen: Number(f[2]), mode: f[3], life: f[4],
          prefab: f[5], fields: new Map(),
        };
        mergeDelta(o.fields, f[7], f[8]);
        this.objects.set(o.id, o);
        this.emit("objects", o);
        break;
      }
      case 11: {
        // 11:<id>:<gen>:<mask>:<data>
        const o = this.objects.get(f[0]);
        const gen = Number(f[1]);
        if (!o || gen < o.gen) break; // an older generation: dropped
        o.gen = gen;
        mergeDelta(o.fields, f[2], f[3]);
        this.emit("objects", o);
        break;
      }
      case 12: {
        const o = this.objects.get(f[0]);
        if (o && Number(f[2]) >= o.gen) {
          o.owner = Number(f[1]);
          o.gen = Number(f[2]);
          this.emit("objects", o);
        }
        break;
      }
      case 15:
        this.objects.delete(f[0]);
        this.emit("objects", null);
        break;
      case 17:
        this.joining = false;
        this.answer(17, { room: f[0], objects: Number(f[1]) });
        break;
      default:
        break; // 13, 14, 16 and newer messages: not used by this page
    }
  }

  resetRoom(room) {
    this.room = room;
    this.master = 0;
    this.members = [];
    this.objects.clear();
    this.emit("objects", null);
  }
}

// mergeDelta decodes a delta (hex mask, base64 of concatenated MessagePack
// values, one per set bit in ascending order) into fields.
export function mergeDelta(fields, maskHex, data) {
  let mask = BigInt("0x" + (maskHex || "0"));
  if (mask === 0n) return;
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const values = decodeMulti(bytes);
  for (let bit = 0; mask !== 0n; bit++, mask >>= 1n) {
    if (mask & 1n) {
      const v = values.next();
      if (v.done) throw new Error("delta has fewer values than its mask");
      fields.set(bit, v.value);
    }
  }
}
