using System;
using System.IO;
using System.Net.Sockets;

namespace Tandem.Transport
{
    /// <summary>Protocol lines over TCP, optionally in TLS (SslStream). Uses two threads; not for WebGL.</summary>
    public sealed class TcpTransport : ThreadedTransport
    {
        readonly ServerAddress address;
        TcpClient tcp;
        Stream stream;

        public TcpTransport(ServerAddress address, TandemClientOptions options) : base(options)
        {
            if (address == null) throw new ArgumentNullException("address");
            if (address.Kind != TransportKind.Tcp) throw new ArgumentException("not a TCP address: " + address, "address");
            this.address = address;
        }

        public override string Address { get { return address.ToString(); } }

        protected override bool Connect()
        {
            stream = OpenStream(address.Host, address.Port, address.UseTls, out tcp);
            return stream != null;
        }

        protected override void Write(byte[] bytes, int count)
        {
            stream.Write(bytes, 0, count);
            stream.Flush();
        }

        protected override int Read(byte[] buffer) { return stream.Read(buffer, 0, buffer.Length); }

        protected override void ShutdownSend() { tcp.Client.Shutdown(SocketShutdown.Send); }

        protected override void Release()
        {
            CloseSocket(); // ends a blocked read or a hanging handshake
            DisposeLater(stream);
        }
    }
}
