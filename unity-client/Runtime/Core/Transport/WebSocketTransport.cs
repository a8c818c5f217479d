using System;
using System.IO;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace Tandem.Transport
{
    /// <summary>
    /// Protocol lines over WebSocket, for every platform but WebGL (where the package uses the
    /// browser's WebSocket instead). The connection is TCP, or TLS with the same certificate
    /// check as TLS over TCP (<see cref="TandemClientOptions.TrustedCertificates"/> pins a
    /// self-signed certificate); the upgrade request is written here and the frames are .NET's
    /// (<see cref="WebSocket.CreateFromStream"/>). ClientWebSocket is not used: Mono's ignores
    /// certificate callbacks, so wss with a pinned certificate could not work there. Each text
    /// message sent holds one or more whole lines, each ending in <c>\n</c>; the server's
    /// messages do the same, and lines are split out of them as out of a TCP stream.
    /// </summary>
    public sealed class WebSocketTransport : ThreadedTransport
    {
        // RFC 6455, 1.3: the server proves it read our key by hashing it with this.
        const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
        const int MaxHandshakeBytes = 16 * 1024;

        readonly ServerAddress address;
        TcpClient tcp;
        Stream stream;
        WebSocket socket;

        public WebSocketTransport(ServerAddress address, TandemClientOptions options) : base(options)
        {
            if (address == null) throw new ArgumentNullException("address");
            if (address.Kind != TransportKind.WebSocket) throw new ArgumentException("not a WebSocket address: " + address, "address");
            this.address = address;
        }

        public override string Address { get { return address.ToString(); } }

        protected override bool Connect()
        {
            stream = OpenStream(address.Host, address.Port, address.UseTls, out tcp);
            if (stream == null) return false;
            tcp.ReceiveTimeout = (int)Options.ConnectTimeout.TotalMilliseconds; // bounds the upgrade answer
            string problem = Upgrade();
            if (problem != null)
            {
                Fail("WebSocket upgrade at " + address + " refused: " + problem);
                return false;
            }
            tcp.ReceiveTimeout = 0;
            // Liveness is the protocol's business (7 heartbeats, receive timeout), as over TCP.
            socket = WebSocket.CreateFromStream(stream, false, null, Timeout.InfiniteTimeSpan);
            Log("WebSocket connected to " + address);
            return true;
        }

        // Sends the upgrade request and checks the answer; returns why it failed, or null.
        string Upgrade()
        {
            var nonce = new byte[16];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(nonce);
            string key = Convert.ToBase64String(nonce);
            string host = address.Host.IndexOf(':') >= 0 ? "[" + address.Host + "]" : address.Host;
            bool defaultPort = address.Port == (address.UseTls ? 443 : 80);
            string request = "GET " + address.Path + " HTTP/1.1\r\n" +
                             "Host: " + host + (defaultPort ? "" : ":" + address.Port) + "\r\n" +
                             "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
                             "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
            byte[] req = Encoding.ASCII.GetBytes(request);
            stream.Write(req, 0, req.Length);
            stream.Flush();

            // Byte by byte up to the blank line: nothing of the first frame may be consumed here.
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (stream.Read(one, 0, 1) <= 0) return "the server closed the connection during the upgrade";
                head.Append((char)one[0]);
                if (head.Length > MaxHandshakeBytes) return "the upgrade answer is longer than " + MaxHandshakeBytes + " bytes";
            }
            string[] lines = head.ToString().Split(new[] { "\r\n" }, StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length == 0 || !lines[0].StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
                return "'" + (lines.Length > 0 ? lines[0] : "") + "' (want 101 Switching Protocols; check the URL path and --ws-listen)";
            string accept = null;
            for (int i = 1; i < lines.Length; i++)
            {
                int colon = lines[i].IndexOf(':');
                if (colon > 0 && string.Equals(lines[i].Substring(0, colon).Trim(), "Sec-WebSocket-Accept", StringComparison.OrdinalIgnoreCase))
                    accept = lines[i].Substring(colon + 1).Trim();
            }
            string want;
            using (var sha1 = SHA1.Create())
                want = Convert.ToBase64String(sha1.ComputeHash(Encoding.ASCII.GetBytes(key + AcceptGuid)));
            if (accept != want) return "Sec-WebSocket-Accept does not match the key";
            return null;
        }

        protected override void Write(byte[] bytes, int count)
        {
            socket.SendAsync(new ArraySegment<byte>(bytes, 0, count), WebSocketMessageType.Text, true, CancellationToken.None).Wait();
        }

        protected override int Read(byte[] buffer)
        {
            while (true)
            {
                var result = socket.ReceiveAsync(new ArraySegment<byte>(buffer), CancellationToken.None).Result;
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
            CloseSocket(); // ends a blocked read (the WebSocket's and the TLS stream's) first
            var ws = socket;
            if (ws != null)
                ThreadPool.QueueUserWorkItem(_ =>
                {
                    try { ws.Abort(); } catch (Exception) { }
                    try { ws.Dispose(); } catch (Exception) { }
                });
            DisposeLater(stream);
        }
    }
}
