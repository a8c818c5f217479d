using System.Runtime.InteropServices;
using System.Text;
using Tandem.Transport;

namespace Tandem.Unity
{
    /// <summary>
    /// The browser's WebSocket for WebGL builds, through TandemWebSocket.jslib
    /// (Runtime/Plugins/WebGL). The page's callbacks only queue; Core's
    /// <see cref="PolledTransport"/> polls this from the manager's Update, so nothing runs on
    /// another thread. NetworkManager uses it on WebGL only.
    /// </summary>
    public sealed class BrowserWebSocket : IPolledSocket
    {
        [DllImport("__Internal")] static extern int TandemWs_Open(string url);
        [DllImport("__Internal")] static extern int TandemWs_State(int id);
        [DllImport("__Internal")] static extern int TandemWs_Send(int id, string text);
        [DllImport("__Internal")] static extern int TandemWs_NextLength(int id);
        [DllImport("__Internal")] static extern int TandemWs_Receive(int id, byte[] buffer, int length);
        [DllImport("__Internal")] static extern int TandemWs_CloseReasonLength(int id);
        [DllImport("__Internal")] static extern void TandemWs_CloseReason(int id, byte[] buffer, int length);
        [DllImport("__Internal")] static extern void TandemWs_Close(int id);

        int id;
        byte[] buffer = new byte[4096];

        /// <summary>A polled transport over the browser's WebSocket (what NetworkManager installs on WebGL).</summary>
        public static ITransport CreateTransport(ServerAddress address, TandemClientOptions options)
        {
            return new PolledTransport(address, new BrowserWebSocket(), options);
        }

        public bool Open(string url)
        {
            // wss:// certificates are the browser's business; TrustedCertificates does not apply.
            id = TandemWs_Open(url);
            return id > 0;
        }

        public int ReadyState { get { return id > 0 ? TandemWs_State(id) : 3; } }

        public void Send(string text)
        {
            if (id > 0) TandemWs_Send(id, text);
        }

        public string Receive()
        {
            if (id <= 0) return null;
            int n = TandemWs_NextLength(id);
            if (n < 0) return null;
            if (n > buffer.Length) buffer = new byte[System.Math.Max(n, buffer.Length * 2)];
            TandemWs_Receive(id, buffer, n);
            return Encoding.UTF8.GetString(buffer, 0, n);
        }

        public string CloseReason
        {
            get
            {
                if (id <= 0) return null;
                int n = TandemWs_CloseReasonLength(id);
                if (n <= 0) return null;
                var b = new byte[n];
                TandemWs_CloseReason(id, b, n);
                return Encoding.UTF8.GetString(b, 0, n);
            }
        }

        public void Close()
        {
            if (id > 0) TandemWs_Close(id);
            id = 0;
        }
    }
}
