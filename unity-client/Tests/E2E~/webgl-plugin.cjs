// Runs the WebGL plugin (Runtime/Plugins/WebGL/TandemWebSocket.jslib) outside a Unity build:
// loads it the way Emscripten links a .jslib (mergeInto into LibraryManager.library, with
// the runtime helpers it uses over a byte heap), then drives it as BrowserWebSocket does
// (open, poll readyState, send a text message, take messages, close) against a live server.
// Node's WebSocket plays the browser's.
//
//   node [--experimental-websocket] webgl-plugin.cjs PLUGIN.jslib WS_URL USER ROOM BAD_URL
//
// Prints "PLUGIN OK <client id>" (exit 0) after logging in, joining ROOM, receiving 17 and a
// message from the room, and seeing BAD_URL fail with a close reason; "PLUGIN FAIL: why" (exit 1).
'use strict';
const fs = require('fs');

const [pluginPath, url, user, room, badUrl] = process.argv.slice(2);
if (typeof WebSocket !== 'function') {
  console.log('PLUGIN FAIL: this Node has no WebSocket (Node 22+, or 20 with --experimental-websocket)');
  process.exit(1);
}

// The Emscripten runtime the plugin uses.
const HEAPU8 = new Uint8Array(1 << 20);
let brk = 16;
function _malloc(n) { const p = brk; brk += n + 8; if (brk > HEAPU8.length) throw new Error('heap full'); return p; }
function _free() {}
function lengthBytesUTF8(s) { return Buffer.byteLength(s, 'utf8'); }
function stringToUTF8(s, ptr, max) {
  const b = Buffer.from(s, 'utf8');
  const n = Math.min(b.length, max - 1);
  HEAPU8.set(b.subarray(0, n), ptr);
  HEAPU8[ptr + n] = 0;
  return n;
}
function UTF8ToString(ptr) { let e = ptr; while (HEAPU8[e]) e++; return Buffer.from(HEAPU8.subarray(ptr, e)).toString('utf8'); }
const LibraryManager = { library: {} };
function mergeInto(target, source) { Object.assign(target, source); }
function autoAddDeps() {}
eval(fs.readFileSync(pluginPath, 'utf8'));
const lib = LibraryManager.library;
globalThis.TandemWs = lib.$TandemWs; // Emscripten exposes $X to the library as X

// What C# does through [DllImport("__Internal")].
function str(s) { const n = lengthBytesUTF8(s) + 1; const p = _malloc(n); stringToUTF8(s, p, n); return p; }
function receive(id) {
  const n = lib.TandemWs_NextLength(id);
  if (n < 0) return null;
  const p = _malloc(n);
  const got = lib.TandemWs_Receive(id, p, n);
  return Buffer.from(HEAPU8.subarray(p, p + got)).toString('utf8');
}
function closeReason(id) {
  const n = lib.TandemWs_CloseReasonLength(id);
  if (n <= 0) return '';
  const p = _malloc(n);
  lib.TandemWs_CloseReason(id, p, n);
  return Buffer.from(HEAPU8.subarray(p, p + n)).toString('utf8');
}
function fail(why) { console.log('PLUGIN FAIL: ' + why); process.exit(1); }
setTimeout(() => fail('no result after 20 s'), 20000);

const id = lib.TandemWs_Open(str(url));
if (id <= 0) fail('TandemWs_Open refused ' + url);
let sent = false, me = 0, ready = false, partial = '';
const poll = setInterval(() => {
  const state = lib.TandemWs_State(id);
  if (state === 3) fail('closed: ' + closeReason(id));
  if (state !== 1) return;
  if (!sent) {
    lib.TandemWs_Send(id, str('0:' + user + ':pw-' + user + '\n2:' + room + '\n')); // two lines, one message
    sent = true;
  }
  let m;
  while ((m = receive(id)) !== null) {
    if (!m.endsWith('\n')) fail('a server message that does not end a line: ' + JSON.stringify(m));
    for (const line of (partial + m).split('\n').slice(0, -1)) {
      console.error('[plugin] ' + line);
      if (line.startsWith('0:')) me = Number(line.split(':')[1]);
      if (line.startsWith('17:' + room + ':')) ready = true;
      if (ready && line.startsWith('3:') && line.endsWith(':hello plugin')) {
        console.log('ME ' + me);
        lib.TandemWs_Send(id, str('3:0:hello tcp\n'));
        clearInterval(poll);
        setTimeout(() => { lib.TandemWs_Close(id); checkBadUrl(); }, 200);
        return;
      }
      if (ready && !sentReady) { console.log('READY ' + me); sentReady = true; }
    }
  }
}, 10);
let sentReady = false;

// A socket that cannot connect reports its end through readyState and a reason.
function checkBadUrl() {
  const bad = lib.TandemWs_Open(str(badUrl));
  const started = Date.now();
  const t = setInterval(() => {
    if (lib.TandemWs_State(bad) !== 3) {
      if (Date.now() - started > 10000) fail('a connect to ' + badUrl + ' did not fail');
      return;
    }
    clearInterval(t);
    const reason = closeReason(bad);
    if (!reason) fail('no close reason for ' + badUrl);
    lib.TandemWs_Close(bad);
    if (lib.TandemWs_State(bad) !== 3) fail('a closed id must read as closed');
    console.log('BAD ' + reason);
    console.log('PLUGIN OK ' + me);
    process.exit(0);
  }, 10);
}
