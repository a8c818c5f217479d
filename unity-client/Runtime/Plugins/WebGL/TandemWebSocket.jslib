// The browser side of BrowserWebSocketTransport (Runtime/Unity): one WebSocket per id. The
// page's callbacks only queue; the C# side polls from Update (no threads on WebGL).
var TandemWebSocket = {
  $TandemWs: { next: 1, sockets: {} },

  TandemWs_Open: function (url) {
    var id = TandemWs.next++;
    var entry = { ws: null, inbox: [], closeReason: '', failed: false };
    try {
      entry.ws = new WebSocket(UTF8ToString(url));
    } catch (e) {
      return 0;
    }
    entry.ws.binaryType = 'arraybuffer';
    entry.ws.onmessage = function (ev) {
      if (typeof ev.data !== 'string') {
        entry.closeReason = 'the server sent a binary WebSocket message (the protocol uses text messages)';
        entry.ws.close();
        return;
      }
      entry.inbox.push(ev.data);
    };
    entry.ws.onclose = function (ev) {
      if (!entry.closeReason) entry.closeReason = 'connection closed by the server (' + ev.code + (ev.reason ? ': ' + ev.reason : '') + ')';
    };
    entry.ws.onerror = function () {
      // Browsers close the socket after an error; this reads as closed even where one does not.
      entry.failed = true;
      if (!entry.closeReason) entry.closeReason = 'WebSocket error (the browser gives no details; check the URL, --ws-listen and --ws-origins)';
    };
    TandemWs.sockets[id] = entry;
    return id;
  },

  TandemWs_State: function (id) {
    var e = TandemWs.sockets[id];
    if (!e || e.failed) return 3;
    return e.ws.readyState;
  },

  TandemWs_Send: function (id, text) {
    var e = TandemWs.sockets[id];
    if (!e || e.ws.readyState !== 1) return 0;
    e.ws.send(UTF8ToString(text));
    return 1;
  },

  // The UTF-8 length of the next queued message, or -1 when none.
  TandemWs_NextLength: function (id) {
    var e = TandemWs.sockets[id];
    if (!e || e.inbox.length === 0) return -1;
    return lengthBytesUTF8(e.inbox[0]);
  },

  TandemWs_Receive: function (id, buffer, length) {
    var e = TandemWs.sockets[id];
    if (!e || e.inbox.length === 0) return 0;
    var text = e.inbox.shift();
    // stringToUTF8 writes a terminating NUL: give it room, then copy what fits the buffer.
    var n = lengthBytesUTF8(text);
    var tmp = _malloc(n + 1);
    stringToUTF8(text, tmp, n + 1);
    HEAPU8.copyWithin(buffer, tmp, tmp + Math.min(n, length));
    _free(tmp);
    return Math.min(n, length);
  },

  TandemWs_CloseReasonLength: function (id) {
    var e = TandemWs.sockets[id];
    return e && e.closeReason ? lengthBytesUTF8(e.closeReason) : 0;
  },

  TandemWs_CloseReason: function (id, buffer, length) {
    var e = TandemWs.sockets[id];
    if (!e) return;
    var n = lengthBytesUTF8(e.closeReason);
    var tmp = _malloc(n + 1);
    stringToUTF8(e.closeReason, tmp, n + 1);
    HEAPU8.copyWithin(buffer, tmp, tmp + Math.min(n, length));
    _free(tmp);
  },

  TandemWs_Close: function (id) {
    var e = TandemWs.sockets[id];
    if (!e) return;
    try { e.ws.close(1000, 'bye'); } catch (err) { }
    delete TandemWs.sockets[id];
  }
};

autoAddDeps(TandemWebSocket, '$TandemWs');
mergeInto(LibraryManager.library, TandemWebSocket);
