using System;
using System.Net.Security;

namespace Tandem
{
    /// <summary>Settings of a <see cref="TandemClient"/>. Defaults follow PROTOCOL.md.</summary>
    public sealed class TandemClientOptions
    {
        /// <summary>Send <c>7</c> after this long without sending anything (PROTOCOL.md: every 15 s).</summary>
        public TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

        /// <summary>Drop the connection when nothing was received for this long.</summary>
        public TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(45);

        /// <summary>Give up a TCP connect (and TLS handshake) after this long.</summary>
        public TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

        /// <summary>After an unexpected disconnect, connect again, log in again and rejoin the last room.</summary>
        public bool AutoReconnect = false;

        /// <summary>First reconnect delay; doubled after every failed attempt up to <see cref="ReconnectMaxDelay"/>.</summary>
        public TimeSpan ReconnectMinDelay = TimeSpan.FromSeconds(0.5);

        public TimeSpan ReconnectMaxDelay = TimeSpan.FromSeconds(30);

        /// <summary>Stop after this many failed attempts in a row (0: never stop).</summary>
        public int MaxReconnectAttempts = 0;

        /// <summary>Refresh member names with <c>5</c> after every join (the <c>2</c> lines carry ids only).</summary>
        public bool RefreshMembers = true;

        /// <summary>Longest server line accepted; a longer one drops the connection.</summary>
        public int MaxLineBytes = 16 * 1024 * 1024;

        /// <summary>Most inbox items one <see cref="TandemClient.DispatchEvents"/> call handles (the rest wait for the next call).</summary>
        public int MaxEventsPerDispatch = 100000;

        /// <summary>TLS: the name the server certificate must carry (default: the host passed to Connect).</summary>
        public string TlsTargetHost;

        /// <summary>TLS: custom certificate check (for example to pin a self-signed dev certificate). Null: the system's check.</summary>
        public RemoteCertificateValidationCallback CertificateValidation;

        /// <summary>Diagnostics (called on the dispatching thread or a socket thread; keep it thread safe). Null: silent.</summary>
        public Action<string> Log;
    }
}
