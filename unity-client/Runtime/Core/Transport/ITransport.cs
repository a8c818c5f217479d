using System;

namespace Tandem.Transport
{
    /// <summary>What a transport reports: it is up, a whole server line arrived, or it ended.</summary>
    public enum TransportEventKind
    {
        /// <summary>The connection is up (TCP, TLS or the WebSocket handshake done).</summary>
        Connected,
        /// <summary>One server line, without its newline.</summary>
        Line,
        /// <summary>The connection ended; <see cref="TransportEvent.Text"/> says why. Nothing follows.</summary>
        Closed,
    }

    /// <summary>One report of a transport.</summary>
    public struct TransportEvent
    {
        public TransportEventKind Kind;
        /// <summary>The line for <see cref="TransportEventKind.Line"/>, the reason for <see cref="TransportEventKind.Closed"/>.</summary>
        public string Text;

        public TransportEvent(TransportEventKind kind, string text)
        {
            Kind = kind;
            Text = text;
        }
    }

    /// <summary>
    /// Carries protocol lines to and from a server. The client drives it from one thread (the
    /// game's main thread): <see cref="Open"/>, <see cref="Send"/>, and every frame
    /// <see cref="Poll"/> followed by <see cref="TryReceive"/> until it returns false. A transport
    /// may use threads of its own (TCP, .NET WebSocket) or do all its work inside Poll (the
    /// browser's WebSocket on WebGL, where there are no threads). Nothing else in the package
    /// knows which transport is in use.
    /// </summary>
    public interface ITransport
    {
        /// <summary>The address, for logs (for example <c>ws://host:7780/ws</c>).</summary>
        string Address { get; }

        /// <summary>Starts connecting and returns at once; <see cref="TransportEventKind.Connected"/> or <see cref="TransportEventKind.Closed"/> follows.</summary>
        void Open();

        /// <summary>Queues a line (without newline); lines are sent in order once connected.</summary>
        void Send(string line);

        /// <summary>Called once per frame on the client's thread: a polled transport does its I/O and heartbeats here.</summary>
        void Poll();

        /// <summary>The next report, if any. Called on the client's thread.</summary>
        bool TryReceive(out TransportEvent e);

        /// <summary>Sends what is queued (waiting up to <paramref name="flushTimeout"/> where the transport can), then closes. No report follows.</summary>
        void Close(TimeSpan flushTimeout);
    }
}
