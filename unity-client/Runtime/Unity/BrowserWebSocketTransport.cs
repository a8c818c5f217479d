using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Tandem.Transport;

namespace Tandem.Unity
{
    /// <summary>
    /// The transport of WebGL builds: the browser's WebSocket, through TandemWebSocket.jslib
    /// (Runtime/Plugins/WebGL). No threads: the page's WebSocket callbacks queue what arrives,
    /// and <see cref="Poll"/> (called from the manager's Update) takes it out, sends the queued
    /// lines as one text message, and sends heartbeats. NetworkManager uses it on WebGL only.
    /// </summary>
    public sealed class BrowserWebSocketTransport : ITransport
    {
        [DllImport("__Internal")] static extern int TandemWs_Open(string url);
        [DllImport("__Internal")] static extern int TandemWs_State(int id);
        [DllImport("__Internal")] static extern int TandemWs_Send(int id, string text);
        [DllImport("__Internal")] static extern int TandemWs_NextLength(int id);
        [DllImport("__Internal")] static extern int TandemWs_Receive(int id, byte[] buffer, int length);
        [DllImport("__Internal")] static extern int TandemWs_CloseReasonLength(int id);
        [DllImport("__Internal")] static extern void TandemWs_CloseReason(int id, byte[] buffer, int length);
        [DllImport("__Internal")] static extern void TandemWs_Close(int id);

        // TandemWs_State: the browser's WebSocket.readyState.
        const int Connecting = 0, Open = 1;

        readonly ServerAddress address;
        readonly TandemClientOptions options;
        readonly Queue<TransportEvent> events = new Queue<TransportEvent>();
        readonly StringBuilder outbox = new StringBuilder();
        readonly Stopwatch clock = Stopwatch.StartNew();
        readonly StringBuilder partial = new StringBuilder();
        byte[] buffer = new byte[4096];
        int id;
        bool open, ended;
        long startMs, lastSendMs, lastReceiveMs;

        public BrowserWebSocketTransport(ServerAddress address, TandemClientOptions options)
        {
            if (address == null) throw new ArgumentNullException("address");
            if (address.Kind != TransportKind.WebSocket)
                throw new NotSupportedException("a WebGL build connects with WebSocket only: use a ws:// or wss:// address (the server's --ws-listen), not " + address);
            this.address = address;
            this.options = options ?? new TandemClientOptions();
        }

        public string Address { get { return address.ToString(); } }

        void ITransport.Open()
        {
            // Certificates of wss:// are checked by the browser; TrustedCertificates does not apply here.
            id = TandemWs_Open(address.ToString());
            startMs = clock.ElapsedMilliseconds;
            if (id <= 0) End("the browser refused to open a WebSocket to " + address);
        }

        public void Send(string line)
        {
            if (ended) return;
            outbox.Append(line).Append('\n');
        }

        public void Poll()
        {
            if (ended || id <= 0) return;
            long now = clock.ElapsedMilliseconds;
            int state = TandemWs_State(id);
            if (!open)
            {
                if (state == Open)
                {
                    open = true;
                    lastSendMs = lastReceiveMs = now;
                    events.Enqueue(new TransportEvent(TransportEventKind.Connected, null));
                }
                else if (state == Connecting)
                {
                    if (now - startMs > (long)options.ConnectTimeout.TotalMilliseconds) End("WebSocket connect to " + address + " timed out");
                    return;
                }
            }
            Drain(now);
            if (ended) return;
            if (state != Open)
            {
                End(CloseReason());
                return;
            }
            if (outbox.Length == 0 && now - lastSendMs >= (long)options.HeartbeatInterval.TotalMilliseconds)
                outbox.Append(Protocol.MessageNumber.Ping).Append('\n'); // heartbeat
            if (outbox.Length > 0)
            {
                TandemWs_Send(id, outbox.ToString()); // everything queued this frame: one message
                outbox.Length = 0;
                lastSendMs = now;
            }
            if (now - lastReceiveMs >= (long)options.ReceiveTimeout.TotalMilliseconds)
                End("receive timeout: nothing from the server for " + options.ReceiveTimeout.TotalSeconds + " s");
        }

        // Takes every message the page queued and splits it into lines.
        void Drain(long now)
        {
            int n;
            while ((n = TandemWs_NextLength(id)) >= 0)
            {
                if (n > buffer.Length) buffer = new byte[Math.Max(n, buffer.Length * 2)];
                TandemWs_Receive(id, buffer, n);
                lastReceiveMs = now;
                partial.Append(Encoding.UTF8.GetString(buffer, 0, n));
                int start = 0;
                string text = partial.ToString();
                for (int i = 0; i < text.Length; i++)
                {
                    if (text[i] != '\n') continue;
                    int end = i > start && text[i - 1] == '\r' ? i - 1 : i;
                    events.Enqueue(new TransportEvent(TransportEventKind.Line, text.Substring(start, end - start)));
                    start = i + 1;
                }
                partial.Length = 0;
                partial.Append(text, start, text.Length - start);
                if (partial.Length > options.MaxLineBytes)
                {
                    End("server line longer than " + options.MaxLineBytes + " bytes");
                    return;
                }
            }
        }

        string CloseReason()
        {
            int n = TandemWs_CloseReasonLength(id);
            if (n <= 0) return "connection closed by the server";
            var b = new byte[n];
            TandemWs_CloseReason(id, b, n);
            return Encoding.UTF8.GetString(b, 0, n);
        }

        public bool TryReceive(out TransportEvent e)
        {
            if (events.Count > 0)
            {
                e = events.Dequeue();
                return true;
            }
            e = default(TransportEvent);
            return false;
        }

        void End(string reason)
        {
            if (ended) return;
            ended = true;
            if (id > 0) TandemWs_Close(id);
            events.Enqueue(new TransportEvent(TransportEventKind.Closed, reason));
        }

        public void Close(TimeSpan flushTimeout)
        {
            if (ended) return;
            // The browser sends what was handed to it before closing; send the rest now.
            if (open && outbox.Length > 0) TandemWs_Send(id, outbox.ToString());
            outbox.Length = 0;
            ended = true;
            events.Clear();
            if (id > 0) TandemWs_Close(id);
        }
    }
}
