using System;

namespace Tandem.Transport
{
    /// <summary>Which transport a server address asks for.</summary>
    public enum TransportKind
    {
        /// <summary>Protocol lines over TCP (<c>tcp://</c>), or TLS over TCP (<c>tls://</c>).</summary>
        Tcp,
        /// <summary>Protocol lines in WebSocket text messages (<c>ws://</c>), or over TLS (<c>wss://</c>).</summary>
        WebSocket,
    }

    /// <summary>
    /// A parsed server address: <c>tcp://host:7777</c>, <c>tls://host:7777</c> (TCP with TLS),
    /// <c>ws://host:7780/ws</c> or <c>wss://host:7780/ws</c>. TCP addresses need a port; a
    /// WebSocket address without one uses 80 or 443, and without a path uses <c>/ws</c>.
    /// </summary>
    public sealed class ServerAddress
    {
        public readonly TransportKind Kind;
        public readonly string Host;
        public readonly int Port;
        public readonly bool UseTls;
        /// <summary>The WebSocket path with any query (<c>/ws</c>); "" for TCP.</summary>
        public readonly string Path;

        public ServerAddress(TransportKind kind, string host, int port, bool useTls, string path)
        {
            if (string.IsNullOrEmpty(host)) throw new ArgumentException("host is empty", "host");
            if (port <= 0 || port > 65535) throw new ArgumentOutOfRangeException("port", "port must be 1..65535");
            Kind = kind;
            Host = host;
            Port = port;
            UseTls = useTls;
            Path = kind == TransportKind.WebSocket ? (string.IsNullOrEmpty(path) ? "/ws" : path) : "";
        }

        /// <summary>A TCP address (TLS when <paramref name="useTls"/>).</summary>
        public static ServerAddress Tcp(string host, int port, bool useTls)
        {
            return new ServerAddress(TransportKind.Tcp, host, port, useTls, null);
        }

        /// <summary>Parses <c>tcp://</c>, <c>tls://</c>, <c>ws://</c> and <c>wss://</c> URLs.</summary>
        /// <exception cref="FormatException">another scheme, no host, or a TCP address without a port.</exception>
        public static ServerAddress Parse(string url)
        {
            if (string.IsNullOrEmpty(url)) throw new FormatException("server address is empty");
            int sep = url.IndexOf("://", StringComparison.Ordinal);
            if (sep <= 0) throw new FormatException("server address '" + url + "' has no scheme (tcp://, tls://, ws:// or wss://)");
            string scheme = url.Substring(0, sep).ToLowerInvariant();
            TransportKind kind;
            bool tls;
            switch (scheme)
            {
                case "tcp": kind = TransportKind.Tcp; tls = false; break;
                case "tls": kind = TransportKind.Tcp; tls = true; break;
                case "ws": kind = TransportKind.WebSocket; tls = false; break;
                case "wss": kind = TransportKind.WebSocket; tls = true; break;
                default: throw new FormatException("server address '" + url + "': unknown scheme '" + scheme + "' (tcp, tls, ws or wss)");
            }
            Uri uri;
            // Uri knows ws/wss; for tcp/tls parse the same text as http to get host and port.
            string forUri = (kind == TransportKind.WebSocket ? scheme : "http") + url.Substring(sep);
            if (!Uri.TryCreate(forUri, UriKind.Absolute, out uri) || string.IsNullOrEmpty(uri.Host))
                throw new FormatException("server address '" + url + "' is not host:port");
            int port = uri.Port;
            bool explicitPort = HasExplicitPort(url.Substring(sep + 3));
            if (kind == TransportKind.Tcp)
            {
                if (!explicitPort) throw new FormatException("server address '" + url + "' needs a port (tcp://host:7777)");
                if (uri.AbsolutePath != "/" && uri.AbsolutePath != "") throw new FormatException("server address '" + url + "': a TCP address has no path");
            }
            else if (!explicitPort)
            {
                port = tls ? 443 : 80;
            }
            string host = uri.Host.Trim('[', ']');
            bool hasPath = url.IndexOf('/', sep + 3) >= 0;
            return new ServerAddress(kind, host, port, tls, kind == TransportKind.WebSocket && hasPath ? uri.PathAndQuery : null);
        }

        static bool HasExplicitPort(string authorityAndPath)
        {
            int slash = authorityAndPath.IndexOf('/');
            string authority = slash < 0 ? authorityAndPath : authorityAndPath.Substring(0, slash);
            int close = authority.LastIndexOf(']');
            return authority.IndexOf(':', close + 1) >= 0;
        }

        public override string ToString()
        {
            string host = Host.IndexOf(':') >= 0 ? "[" + Host + "]" : Host;
            if (Kind == TransportKind.Tcp) return (UseTls ? "tls://" : "tcp://") + host + ":" + Port;
            return (UseTls ? "wss://" : "ws://") + host + ":" + Port + Path;
        }
    }
}
