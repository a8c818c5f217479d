// --polled: E2EClient drives Core's PolledTransport (what WebGL builds use) instead of the
// threaded WebSocket transport. The browser's WebSocket is played by the package's own
// WebSocket client, whose threads only queue messages here; everything the PolledTransport
// does (batching, heartbeats, splitting, timeouts) runs in the client's Update.
using System.Collections.Concurrent;
using Tandem;
using Tandem.Transport;

sealed class PolledSocket : IPolledSocket
{
    readonly TandemClientOptions options;
    readonly ConcurrentQueue<string> inbox = new ConcurrentQueue<string>();
    ITransport socket;
    int state = 0;
    string reason;

    public PolledSocket(TandemClientOptions options) { this.options = options; }

    public bool Open(string url)
    {
        socket = new WebSocketTransport(ServerAddress.Parse(url), options);
        socket.Open();
        return true;
    }

    // Like the page's event handlers: take what the socket reported.
    void Pump()
    {
        if (socket == null) return;
        TransportEvent e;
        while (socket.TryReceive(out e))
        {
            if (e.Kind == TransportEventKind.Connected) state = 1;
            else if (e.Kind == TransportEventKind.Line) inbox.Enqueue(e.Text + "\n");
            else
            {
                reason = e.Text;
                state = 3;
            }
        }
    }

    public int ReadyState
    {
        get
        {
            Pump();
            return state;
        }
    }

    public void Send(string text)
    {
        foreach (string line in text.TrimEnd('\n').Split('\n')) socket.Send(line);
    }

    public string Receive()
    {
        Pump();
        string m;
        return inbox.TryDequeue(out m) ? m : null;
    }

    public string CloseReason { get { return reason; } }

    public void Close()
    {
        if (socket != null) socket.Close(System.TimeSpan.FromSeconds(1));
        state = 3;
    }
}
