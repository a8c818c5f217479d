using System;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Tandem
{
    /// <summary>Settings of a <see cref="TandemClient"/>. Defaults follow PROTOCOL.md.</summary>
    public sealed class TandemClientOptions
    {
        /// <summary>Send <c>7</c> after this long without sending anything (PROTOCOL.md: every 15 s).</summary>
        public TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

        /// <summary>Drop the connection when nothing was received for this long.</summary>
        public TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(45);

        /// <summary>Give up a connect (TCP and TLS handshake, or WebSocket handshake) after this long.</summary>
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

        /// <summary>
        /// TLS: trust exactly these certificates instead of the system store: the server
        /// certificate must be one of them (pinning a self-signed certificate) or be issued by one
        /// of them (a private CA); the host name must still match. Load them with
        /// <see cref="TandemTls.LoadCertificates"/> or <see cref="TandemTls.ParsePem"/>.
        /// Null or empty: the system store decides (the default).
        /// </summary>
        public X509Certificate2Collection TrustedCertificates;

        /// <summary>
        /// TLS: a check of your own; when set it replaces both the system's verdict and
        /// <see cref="TrustedCertificates"/> (see <see cref="TandemTls.Check"/> for a building block).
        /// Null: the built-in check.
        /// </summary>
        public RemoteCertificateValidationCallback CertificateValidation;

        /// <summary>TLS versions offered (default: 1.2 and, where the runtime has it, 1.3; never older).</summary>
        public SslProtocols TlsProtocols = TandemTls.DefaultProtocols;

        /// <summary>
        /// Creates the transport for an address; null: the built-in ones (TCP, TLS, .NET WebSocket).
        /// The Unity layer sets this on WebGL, where the browser's WebSocket is the only way out
        /// and no thread may be started.
        /// </summary>
        public Func<Transport.ServerAddress, TandemClientOptions, Transport.ITransport> TransportFactory;

        /// <summary>Diagnostics (called on the dispatching thread or a socket thread; keep it thread safe). Null: silent.</summary>
        public Action<string> Log;
    }
}
