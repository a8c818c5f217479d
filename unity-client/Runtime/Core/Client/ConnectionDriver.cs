using System;
using System.Diagnostics;
using Tandem.Transport;

namespace Tandem
{
    /// <summary>
    /// The connection side of <see cref="TandemClient"/>: opens the transport the address asks
    /// for, pumps its reports, and schedules automatic reconnects with exponential backoff.
    /// Knows nothing of rooms or events; the client tells it when reconnecting is pointless.
    /// </summary>
    internal sealed class ConnectionDriver
    {
        readonly TandemClientOptions options;
        readonly Stopwatch clock = Stopwatch.StartNew();
        ITransport transport;
        bool reconnectAllowed;
        int attempt;
        long nextReconnectMs;
        TimeSpan retryHint;   // a server_busy answer's delay: the next attempt waits at least this long

        public ConnectionDriver(TandemClientOptions options) { this.options = options; }

        public ClientState State { get; set; }

        /// <summary>Where we connect, or null before the first Connect.</summary>
        public ServerAddress Address { get; private set; }

        /// <summary>The transport in use, or null.</summary>
        public ITransport Transport { get { return transport; } }

        /// <summary>True while the current connection is an automatic reconnect (until logged in).</summary>
        public bool IsReconnect { get; set; }

        /// <summary>The <c>8</c> code the server sent on this connection, or null.</summary>
        public string ClosingCode { get; set; }

        /// <summary>Connect: a fresh start, reconnects allowed.</summary>
        public void Start(ServerAddress address)
        {
            if (transport != null) throw new InvalidOperationException("already connected or connecting; call Disconnect first");
            Address = address;
            reconnectAllowed = true;
            IsReconnect = false;
            attempt = 0;
            Open();
        }

        void Open()
        {
            ClosingCode = null;
            State = ClientState.Connecting;
            var factory = options.TransportFactory;
            transport = factory != null ? factory(Address, options) : CreateTransport(Address, options);
            transport.Open();
        }

        /// <summary>The built-in transport for an address: TCP (TLS) or .NET's WebSocket.</summary>
        public static ITransport CreateTransport(ServerAddress address, TandemClientOptions options)
        {
            if (address.Kind == TransportKind.WebSocket) return new WebSocketTransport(address, options);
            return new TcpTransport(address, options);
        }

        /// <summary>No automatic reconnect after this connection (bad credentials, replaced session, ...).</summary>
        public void ForbidReconnect() { reconnectAllowed = false; }

        /// <summary>A login succeeded on this connection: a refusal before it (a wrong password the player then corrected) no longer forbids reconnecting.</summary>
        public void AllowReconnect() { reconnectAllowed = true; }

        /// <summary>
        /// Ends the current connection at once (nothing flushed, no report follows) so that the
        /// next attempt, scheduled by the caller, waits at least <paramref name="retryAfter"/>
        /// (a <c>server_busy</c> answer's delay). Reconnecting stays allowed.
        /// </summary>
        public void Abort(TimeSpan retryAfter)
        {
            retryHint = retryAfter;
            var t = transport;
            transport = null;
            if (t != null) t.Close(TimeSpan.Zero);
        }

        /// <summary>Logged in: the backoff starts over.</summary>
        public void ResetBackoff() { attempt = 0; }

        public void Send(string line)
        {
            var t = transport;
            if (t == null) throw new InvalidOperationException("not connected");
            t.Send(line);
        }

        /// <summary>Polls the transport once and hands out its reports; false when there are none (left).</summary>
        public bool TryReceive(out TransportEvent e)
        {
            var t = transport;
            if (t == null)
            {
                e = default(TransportEvent);
                return false;
            }
            if (!t.TryReceive(out e)) return false;
            if (e.Kind == TransportEventKind.Closed) transport = null;
            return true;
        }

        /// <summary>Lets a polled transport do its I/O (once per frame).</summary>
        public void Poll()
        {
            var t = transport;
            if (t != null) t.Poll();
        }

        /// <summary>Closes on purpose (flushing up to 1 s); no reconnect follows. True if something was active.</summary>
        public bool Close()
        {
            reconnectAllowed = false;
            var t = transport;
            bool wasActive = t != null || State == ClientState.WaitingToReconnect;
            transport = null;
            if (t != null) t.Close(TimeSpan.FromSeconds(1));
            return wasActive;
        }

        /// <summary>
        /// The connection ended: schedules the next attempt when reconnecting is on and allowed
        /// and the client has something to log in with. Returns whether it did, with the delay.
        /// </summary>
        public bool ScheduleReconnect(bool canLogIn, out int attemptNumber, out TimeSpan delay)
        {
            bool will = options.AutoReconnect && reconnectAllowed && Address != null && canLogIn &&
                        (options.MaxReconnectAttempts == 0 || attempt < options.MaxReconnectAttempts);
            delay = TimeSpan.Zero;
            if (!will)
            {
                State = ClientState.Disconnected;
                IsReconnect = false;
                retryHint = TimeSpan.Zero;
                attemptNumber = attempt;
                return false;
            }
            double ms = options.ReconnectMinDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20));
            ms = Math.Min(ms, options.ReconnectMaxDelay.TotalMilliseconds);
            // The server asked for a pause: never come back sooner than it said.
            ms = Math.Max(ms, retryHint.TotalMilliseconds);
            retryHint = TimeSpan.Zero;
            delay = TimeSpan.FromMilliseconds(ms);
            attempt++;
            attemptNumber = attempt;
            nextReconnectMs = clock.ElapsedMilliseconds + (long)ms;
            State = ClientState.WaitingToReconnect;
            return true;
        }

        /// <summary>Opens the next automatic attempt when its time has come. True if it did.</summary>
        public bool ReconnectIfDue()
        {
            if (State != ClientState.WaitingToReconnect || clock.ElapsedMilliseconds < nextReconnectMs) return false;
            IsReconnect = true;
            Open();
            return true;
        }
    }
}
