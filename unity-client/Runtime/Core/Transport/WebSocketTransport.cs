using System;
using System.Net.WebSockets;
using System.Threading;

namespace Tandem.Transport
{
    /// <summary>
    /// Protocol lines over WebSocket with .NET's ClientWebSocket (Mono, Unity on every platform
    /// but WebGL, where the package uses the browser's WebSocket instead). Each text message it
    /// sends holds one or more whole lines, each ending in <c>\n</c>; the server's messages do the
    /// same, and lines are split out of them as out of a TCP stream. <c>wss://</c> checks the
    /// server certificate as TLS over TCP does (<see cref="TandemClientOptions.TrustedCertificates"/>).
    /// </summary>
    public sealed class WebSocketTransport : ThreadedTransport
    {
        readonly ServerAddress address;
        readonly CancellationTokenSource cancel = new CancellationTokenSource();
        ClientWebSocket socket;

        public WebSocketTransport(ServerAddress address, TandemClientOptions options) : base(options)
        {
            if (address == null) throw new ArgumentNullException("address");
            if (address.Kind != TransportKind.WebSocket) throw new ArgumentException("not a WebSocket address: " + address, "address");
            this.address = address;
        }

        public override string Address { get { return address.ToString(); } }

        protected override bool Connect()
        {
            socket = new ClientWebSocket();
            // Liveness is the protocol's business (7 heartbeats, receive timeout), as over TCP.
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            string targetHost = Options.TlsTargetHost ?? address.Host;
            string rejected = null;
            if (address.UseTls)
                socket.Options.RemoteCertificateValidationCallback = TandemTls.Validator(Options, targetHost, reason => rejected = reason);
            var connect = socket.ConnectAsync(new Uri(address.ToString()), cancel.Token);
            try
            {
                if (!connect.Wait(Options.ConnectTimeout))
                {
                    Fail("WebSocket connect to " + address + " timed out");
                    return false;
                }
            }
            catch (Exception)
            {
                if (rejected == null) throw;
                Fail("TLS: server certificate of " + targetHost + " rejected: " + rejected);
                return false;
            }
            if (address.UseTls) Log("TLS established with " + targetHost + " (wss)");
            Log("WebSocket connected to " + address);
            return true;
        }

        protected override void Write(byte[] bytes, int count)
        {
            socket.SendAsync(new ArraySegment<byte>(bytes, 0, count), WebSocketMessageType.Text, true, cancel.Token).Wait();
        }

        protected override int Read(byte[] buffer)
        {
            while (true)
            {
                var result = socket.ReceiveAsync(new ArraySegment<byte>(buffer), cancel.Token).Result;
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    string why = result.CloseStatusDescription;
                    Fail("connection closed by the server" + (string.IsNullOrEmpty(why) ? "" : ": " + why));
                    return 0;
                }
                if (result.MessageType != WebSocketMessageType.Text)
                {
                    Fail("the server sent a binary WebSocket message (the protocol uses text messages)");
                    return 0;
                }
                if (result.Count > 0) return result.Count;
            }
        }

        protected override void ShutdownSend()
        {
            var s = socket;
            if (s == null || s.State != WebSocketState.Open) return;
            try { s.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).Wait(1000); }
            catch (Exception) { }
        }

        protected override void Release()
        {
            try { cancel.Cancel(); } catch (Exception) { }
            try { if (socket != null) socket.Abort(); } catch (Exception) { }
            try { if (socket != null) socket.Dispose(); } catch (Exception) { }
        }
    }
}
