using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;

namespace Tandem.Transport
{
    /// <summary>
    /// A WebSocket the page (or another host environment) owns, seen through polling: no
    /// callbacks into C#, no threads. The WebGL build's implementation calls the package's
    /// .jslib plugin.
    /// </summary>
    public interface IPolledSocket
    {
        /// <summary>Starts connecting; false when the environment refused at once.</summary>
        bool Open(string url);

        /// <summary>The WebSocket readyState: 0 connecting, 1 open, 2 closing, 3 closed.</summary>
        int ReadyState { get; }

        /// <summary>Sends one text message.</summary>
        void Send(string text);

        /// <summary>The next received text message, or null when none is waiting.</summary>
        string Receive();

        /// <summary>Why the socket closed, or null/empty when not known.</summary>
        string CloseReason { get; }

        void Close();
    }

    /// <summary>
    /// A transport that does all its work in <see cref="Poll"/>, on the client's thread: what
    /// WebGL needs, where Core must not start threads. Poll sends everything queued since the
    /// last poll as one text message of whole lines, sends heartbeats (<c>7</c>), splits the
    /// received messages into lines, and ends the connection on connect or receive timeouts.
    /// </summary>
    public sealed class PolledTransport : ITransport
    {
        const int Connecting = 0, Open = 1;

        readonly ServerAddress address;
        readonly IPolledSocket socket;
        readonly TandemClientOptions options;
        readonly Func<long> clockMs;
        readonly Queue<TransportEvent> events = new Queue<TransportEvent>();
        readonly StringBuilder outbox = new StringBuilder();
        readonly StringBuilder partial = new StringBuilder();
        bool opened, connected, ended;
        long startMs, lastSendMs, lastReceiveMs;

        /// <param name="clockMs">milliseconds on a steady clock (null: a Stopwatch).</param>
        public PolledTransport(ServerAddress address, IPolledSocket socket, TandemClientOptions options, Func<long> clockMs = null)
        {
            if (address == null) throw new ArgumentNullException("address");
            if (socket == null) throw new ArgumentNullException("socket");
            if (address.Kind != TransportKind.WebSocket)
                throw new NotSupportedException("this platform connects with WebSocket only: use a ws:// or wss:// address (the server's --ws-listen), not " + address);
            this.address = address;
            this.socket = socket;
            this.options = options ?? new TandemClientOptions();
            if (clockMs == null)
            {
                var sw = Stopwatch.StartNew();
                clockMs = () => sw.ElapsedMilliseconds;
            }
            this.clockMs = clockMs;
        }

        public string Address { get { return address.ToString(); } }

        void ITransport.Open()
        {
            if (opened) throw new InvalidOperationException("a transport opens once");
            opened = true;
            startMs = clockMs();
            if (!socket.Open(address.ToString())) End("could not open a WebSocket to " + address);
        }

        public void Send(string line)
        {
            if (ended) return;
            outbox.Append(line).Append('\n');
        }

        public void Poll()
        {
            if (ended || !opened) return;
            long now = clockMs();
            int state = socket.ReadyState;
            if (!connected)
            {
                if (state == Connecting)
                {
                    if (now - startMs >= (long)options.ConnectTimeout.TotalMilliseconds) End("WebSocket connect to " + address + " timed out");
                    return;
                }
                if (state != Open)
                {
                    End(Reason("could not connect to " + address));
                    return;
                }
                connected = true;
                lastSendMs = lastReceiveMs = now;
                events.Enqueue(new TransportEvent(TransportEventKind.Connected, null));
            }
            string message;
            while ((message = socket.Receive()) != null)
            {
                lastReceiveMs = now;
                if (!Split(message)) return;
            }
            if (state != Open)
            {
                End(Reason("connection closed by the server"));
                return;
            }
            if (outbox.Length == 0 && now - lastSendMs >= (long)options.HeartbeatInterval.TotalMilliseconds)
                outbox.Append(Protocol.MessageNumber.Ping).Append('\n'); // heartbeat: keep the server's idle timeout away
            if (outbox.Length > 0)
            {
                socket.Send(outbox.ToString()); // everything queued since the last poll: one message
                outbox.Length = 0;
                lastSendMs = now;
            }
            if (now - lastReceiveMs >= (long)options.ReceiveTimeout.TotalMilliseconds)
                End("receive timeout: nothing from the server for " + options.ReceiveTimeout.TotalSeconds + " s");
        }

        // Adds a message to the partial line and reports each completed line; false when it ended the connection.
        bool Split(string message)
        {
            int start = 0;
            for (int i = 0; i < message.Length; i++)
            {
                if (message[i] != '\n') continue;
                partial.Append(message, start, i - start);
                int len = partial.Length;
                if (len > 0 && partial[len - 1] == '\r') len--; // CR before LF is ignored
                events.Enqueue(new TransportEvent(TransportEventKind.Line, partial.ToString(0, len)));
                partial.Length = 0;
                start = i + 1;
            }
            partial.Append(message, start, message.Length - start);
            if (partial.Length > options.MaxLineBytes)
            {
                End("server line longer than " + options.MaxLineBytes + " bytes");
                return false;
            }
            return true;
        }

        string Reason(string fallback)
        {
            string r = socket.CloseReason;
            return string.IsNullOrEmpty(r) ? fallback : r;
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
            try { socket.Close(); } catch (Exception) { }
            events.Enqueue(new TransportEvent(TransportEventKind.Closed, reason));
        }

        public void Close(TimeSpan flushTimeout)
        {
            if (ended) return;
            // The environment sends what it was handed before closing: hand over the rest now.
            if (connected && outbox.Length > 0 && socket.ReadyState == Open) socket.Send(outbox.ToString());
            outbox.Length = 0;
            ended = true;
            events.Clear();
            try { socket.Close(); } catch (Exception) { }
        }
    }
}
