using System;
using System.IO;
using System.Net.Security;
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
            string host = address.Host;
            tcp = new TcpClient();
            tcp.NoDelay = true;
            var ar = tcp.BeginConnect(host, address.Port, null, null);
            if (!ar.AsyncWaitHandle.WaitOne(Options.ConnectTimeout))
            {
                Fail("connect to " + host + ":" + address.Port + " timed out");
                return false;
            }
            tcp.EndConnect(ar);
            Stream s = tcp.GetStream();
            if (address.UseTls)
            {
                string targetHost = Options.TlsTargetHost ?? host;
                string rejected = null; // why the built-in check refused the certificate
                RemoteCertificateValidationCallback check = TandemTls.Validator(Options, targetHost, reason => rejected = reason);
                var ssl = new SslStream(s, false, check);
                stream = ssl; // so that Fail disposes it if the handshake hangs
                try
                {
                    var auth = ssl.BeginAuthenticateAsClient(targetHost, null, Options.TlsProtocols, false, null, null);
                    if (!auth.AsyncWaitHandle.WaitOne(Options.ConnectTimeout))
                    {
                        Fail("TLS handshake with " + host + " timed out");
                        return false;
                    }
                    ssl.EndAuthenticateAsClient(auth);
                }
                catch (Exception)
                {
                    if (rejected == null) throw;
                    Fail("TLS: server certificate of " + targetHost + " rejected: " + rejected);
                    return false;
                }
                Log("TLS established with " + targetHost + ": " + ssl.SslProtocol);
                s = ssl;
            }
            stream = s;
            return true;
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
            try { if (stream != null) stream.Dispose(); } catch (Exception) { }
            try { if (tcp != null) tcp.Close(); } catch (Exception) { }
        }
    }
}
