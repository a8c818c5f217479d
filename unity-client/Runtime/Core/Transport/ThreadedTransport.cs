using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace Tandem.Transport
{
    /// <summary>
    /// The part TCP and the .NET WebSocket share: a writer thread that connects, then coalesces
    /// queued lines into single writes and sends heartbeats (<c>7</c>) and ends the connection
    /// when the server has been silent too long; a reader thread that splits what arrives into
    /// lines. Reports go into a queue the client drains on its own thread. Not for WebGL (threads).
    /// </summary>
    public abstract class ThreadedTransport : ITransport
    {
        protected static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, false);

        protected readonly TandemClientOptions Options;
        readonly ConcurrentQueue<TransportEvent> events = new ConcurrentQueue<TransportEvent>();
        readonly object gate = new object();
        readonly Queue<string> outbox = new Queue<string>();
        readonly Stopwatch clock = Stopwatch.StartNew();
        readonly MemoryStream partial = new MemoryStream();

        Thread writer;
        Thread reader;
        bool stopping;     // Close requested: flush what is queued, then shut down
        int closed;        // 1 once the transport ended
        int silent;        // 1: Close was called, so the end is not reported
        long lastSendMs;
        long lastReceiveMs;

        protected ThreadedTransport(TandemClientOptions options)
        {
            Options = options ?? new TandemClientOptions();
        }

        public abstract string Address { get; }

        /// <summary>Connects (TCP, TLS, WebSocket handshake) on the writer thread. False when it failed and <see cref="Fail"/> was called.</summary>
        protected abstract bool Connect();

        /// <summary>Writes bytes[0..count) holding whole lines, in one write or message.</summary>
        protected abstract void Write(byte[] bytes, int count);

        /// <summary>Reads the next chunk into buffer; 0 when the server closed the connection.</summary>
        protected abstract int Read(byte[] buffer);

        /// <summary>Half-closes after the last write, where the transport can.</summary>
        protected virtual void ShutdownSend() { }

        /// <summary>Releases sockets and streams; may be called from any thread, more than once.</summary>
        protected abstract void Release();

        public void Open()
        {
            if (writer != null) throw new InvalidOperationException("a transport opens once");
            writer = new Thread(WriterLoop) { IsBackground = true, Name = "Tandem writer" };
            writer.Start();
        }

        public void Send(string line)
        {
            lock (gate)
            {
                if (stopping) return;
                outbox.Enqueue(line);
                Monitor.Pulse(gate);
            }
        }

        public void Poll() { }

        public bool TryReceive(out TransportEvent e) { return events.TryDequeue(out e); }

        public void Close(TimeSpan flushTimeout)
        {
            Interlocked.Exchange(ref silent, 1);
            lock (gate)
            {
                stopping = true;
                Monitor.Pulse(gate);
            }
            if (writer != null && Thread.CurrentThread != writer) writer.Join(flushTimeout);
            Fail("closed by client");
            // The socket is closed now, so the reader ends at once: wait for it, so that no
            // thread of this connection outlives Close (Mono can hang at exit on one still
            // finishing a read).
            Thread r = Volatile.Read(ref reader);
            if (r != null && Thread.CurrentThread != r) r.Join(flushTimeout);
        }

        protected void Log(string s)
        {
            var log = Options.Log;
            if (log != null) log(s);
        }

        /// <summary>Ends the connection once; the first reason wins.</summary>
        protected void Fail(string reason)
        {
            if (Interlocked.Exchange(ref closed, 1) != 0) return;
            lock (gate)
            {
                stopping = true;
                Monitor.Pulse(gate);
            }
            try { Release(); } catch (Exception) { }
            if (Volatile.Read(ref silent) == 0) events.Enqueue(new TransportEvent(TransportEventKind.Closed, reason));
        }

        protected bool IsClosed { get { return Volatile.Read(ref closed) != 0; } }

        void WriterLoop()
        {
            try
            {
                if (!Connect()) return;
            }
            catch (Exception e)
            {
                Fail("connect to " + Address + " failed: " + Describe(e));
                return;
            }
            long now0 = clock.ElapsedMilliseconds;
            Interlocked.Exchange(ref lastSendMs, now0);
            Interlocked.Exchange(ref lastReceiveMs, now0);
            if (IsClosed) return;
            events.Enqueue(new TransportEvent(TransportEventKind.Connected, null));
            var r = new Thread(ReaderLoop) { IsBackground = true, Name = "Tandem reader" };
            Volatile.Write(ref reader, r);
            r.Start();

            var buffer = new byte[4096];
            var batch = new List<string>();
            try
            {
                while (true)
                {
                    bool stop;
                    lock (gate)
                    {
                        if (outbox.Count == 0 && !stopping)
                            Monitor.Wait(gate, WakeInterval());
                        while (outbox.Count > 0) batch.Add(outbox.Dequeue());
                        stop = stopping;
                    }
                    long now = clock.ElapsedMilliseconds;
                    if (batch.Count == 0 && !stop && now - Interlocked.Read(ref lastSendMs) >= (long)Options.HeartbeatInterval.TotalMilliseconds)
                        batch.Add(Protocol.MessageNumber.Ping.ToString()); // heartbeat: keep the server's idle timeout away
                    if (batch.Count > 0 && !IsClosed)
                    {
                        int n = 0;
                        foreach (string line in batch)
                        {
                            int need = n + Utf8.GetMaxByteCount(line.Length) + 1;
                            if (need > buffer.Length) Array.Resize(ref buffer, Math.Max(need, buffer.Length * 2));
                            n += Utf8.GetBytes(line, 0, line.Length, buffer, n);
                            buffer[n++] = (byte)'\n';
                        }
                        batch.Clear();
                        Write(buffer, n); // one write for everything queued: coalescing
                        Interlocked.Exchange(ref lastSendMs, clock.ElapsedMilliseconds);
                    }
                    if (stop)
                    {
                        try { ShutdownSend(); } catch (Exception) { }
                        Fail("closed by client");
                        return;
                    }
                    if (clock.ElapsedMilliseconds - Interlocked.Read(ref lastReceiveMs) >= (long)Options.ReceiveTimeout.TotalMilliseconds)
                    {
                        Fail("receive timeout: nothing from the server for " + Options.ReceiveTimeout.TotalSeconds + " s");
                        return;
                    }
                }
            }
            catch (Exception e)
            {
                Fail("write failed: " + Describe(e));
            }
        }

        int WakeInterval()
        {
            long hb = (long)Options.HeartbeatInterval.TotalMilliseconds - (clock.ElapsedMilliseconds - Interlocked.Read(ref lastSendMs));
            long wait = Math.Min(Math.Max(hb, 1), 1000);
            long rt = (long)Options.ReceiveTimeout.TotalMilliseconds / 4;
            return (int)Math.Max(1, Math.Min(wait, Math.Max(rt, 1)));
        }

        void ReaderLoop()
        {
            var buf = new byte[16384];
            try
            {
                while (true)
                {
                    int n = Read(buf);
                    if (n <= 0)
                    {
                        Fail("connection closed by the server");
                        return;
                    }
                    Interlocked.Exchange(ref lastReceiveMs, clock.ElapsedMilliseconds);
                    string error = SplitLines(buf, n);
                    if (error != null)
                    {
                        Fail(error);
                        return;
                    }
                }
            }
            catch (Exception e)
            {
                Fail("read failed: " + Describe(e));
            }
        }

        // Appends bytes to the partial line and reports every completed line. Returns an error
        // when a line grows past the limit.
        string SplitLines(byte[] buf, int n)
        {
            int from = 0;
            for (int i = 0; i < n; i++)
            {
                if (buf[i] != (byte)'\n') continue;
                partial.Write(buf, from, i - from);
                Deliver();
                partial.SetLength(0);
                from = i + 1;
            }
            partial.Write(buf, from, n - from);
            if (partial.Length > Options.MaxLineBytes) return "server line longer than " + Options.MaxLineBytes + " bytes";
            return null;
        }

        void Deliver()
        {
            int len = (int)partial.Length;
            byte[] b = partial.GetBuffer();
            if (len > 0 && b[len - 1] == (byte)'\r') len--; // CR before LF is ignored
            events.Enqueue(new TransportEvent(TransportEventKind.Line, Utf8.GetString(b, 0, len)));
        }

        /// <summary>
        /// Opens TCP to host:port and, with <paramref name="useTls"/>, TLS over it, checking the
        /// certificate with <see cref="TandemTls.Validator"/>. Returns null after reporting why
        /// (timeout, refused certificate); throws for other failures.
        /// </summary>
        protected Stream OpenStream(string host, int port, bool useTls, out TcpClient tcp)
        {
            tcp = new TcpClient();
            tcp.NoDelay = true;
            tcpForRelease = tcp;
            var ar = tcp.BeginConnect(host, port, null, null);
            if (!ar.AsyncWaitHandle.WaitOne(Options.ConnectTimeout))
            {
                Fail("connect to " + host + ":" + port + " timed out");
                return null;
            }
            tcp.EndConnect(ar);
            Stream s = tcp.GetStream();
            if (!useTls) return s;
            string targetHost = Options.TlsTargetHost ?? host;
            string rejected = null; // why the built-in check refused the certificate
            var ssl = new SslStream(s, false, TandemTls.Validator(Options, targetHost, reason => rejected = reason));
            try
            {
                var auth = ssl.BeginAuthenticateAsClient(targetHost, null, Options.TlsProtocols, false, null, null);
                if (!auth.AsyncWaitHandle.WaitOne(Options.ConnectTimeout))
                {
                    Fail("TLS handshake with " + host + " timed out");
                    return null;
                }
                ssl.EndAuthenticateAsClient(auth);
            }
            catch (Exception)
            {
                if (rejected == null) throw;
                Fail("TLS: server certificate of " + targetHost + " rejected: " + rejected);
                return null;
            }
            Log("TLS established with " + targetHost + ": " + ssl.SslProtocol);
            return ssl;
        }

        TcpClient tcpForRelease;

        /// <summary>Closes the socket <see cref="OpenStream"/> opened (so a hanging handshake ends too).</summary>
        protected void CloseSocket()
        {
            try { if (tcpForRelease != null) tcpForRelease.Close(); } catch (Exception) { }
        }

        /// <summary>
        /// Disposes on a pool thread, after the socket is closed: disposing a TLS stream while the
        /// reader thread is inside a read can wait on that read (seen with Mono), and Close must
        /// not wait.
        /// </summary>
        protected static void DisposeLater(IDisposable d)
        {
            if (d == null) return;
            ThreadPool.QueueUserWorkItem(_ =>
            {
                try { d.Dispose(); } catch (Exception) { }
            });
        }

        protected static string Describe(Exception e)
        {
            var inner = e is AggregateException && e.InnerException != null ? e.InnerException : e;
            string s = inner.Message;
            if (inner.InnerException != null && inner.InnerException.Message != s) s += " (" + inner.InnerException.Message + ")";
            return s;
        }
    }
}
