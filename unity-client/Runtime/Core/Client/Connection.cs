using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using Tandem.Protocol;

namespace Tandem
{
    /// <summary>What the socket threads hand to the dispatching thread.</summary>
    internal sealed class InboxItem
    {
        public enum Kinds { Connected, Line, BadLine, Closed }

        public Kinds Kind;
        public Connection Connection;
        public ServerLine Line;
        public string Raw;
        public string Reason;
    }

    /// <summary>
    /// One TCP (or TLS) connection: a writer thread that connects, then coalesces queued
    /// lines into single writes and sends heartbeats, and a reader thread that splits and
    /// parses lines. Everything it learns goes into the shared inbox; it never calls user code.
    /// </summary>
    internal sealed class Connection
    {
        static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, false);

        readonly string host;
        readonly int port;
        readonly bool useTls;
        readonly TandemClientOptions options;
        readonly Action<InboxItem> post;
        readonly object gate = new object();
        readonly Queue<string> outbox = new Queue<string>();
        readonly Stopwatch clock = Stopwatch.StartNew();

        TcpClient tcp;
        Stream stream;
        Thread writer;
        Thread reader;
        bool stopping;     // Close requested: flush what is queued, then shut down
        int closed;        // 1 once the Closed item was posted
        long lastSendMs;
        long lastReceiveMs;

        public Connection(string host, int port, bool useTls, TandemClientOptions options, Action<InboxItem> post)
        {
            this.host = host;
            this.port = port;
            this.useTls = useTls;
            this.options = options;
            this.post = post;
        }

        public void Start()
        {
            writer = new Thread(WriterLoop) { IsBackground = true, Name = "Tandem writer" };
            writer.Start();
        }

        /// <summary>Queues a line (without newline); sent in order once connected.</summary>
        public void Enqueue(string line)
        {
            lock (gate)
            {
                if (stopping) return;
                outbox.Enqueue(line);
                Monitor.Pulse(gate);
            }
        }

        /// <summary>Flushes queued lines (waiting up to <paramref name="flushTimeout"/>), then closes.</summary>
        public void Close(string reason, TimeSpan flushTimeout)
        {
            lock (gate)
            {
                stopping = true;
                Monitor.Pulse(gate);
            }
            if (writer != null && Thread.CurrentThread != writer && !writer.Join(flushTimeout))
                Fail(reason);
            Fail(reason);
        }

        void Log(string s)
        {
            var log = options.Log;
            if (log != null) log(s);
        }

        // Ends the connection once; the first reason wins.
        void Fail(string reason)
        {
            if (Interlocked.Exchange(ref closed, 1) != 0) return;
            lock (gate)
            {
                stopping = true;
                Monitor.Pulse(gate);
            }
            try { if (stream != null) stream.Dispose(); } catch (Exception) { }
            try { if (tcp != null) tcp.Close(); } catch (Exception) { }
            post(new InboxItem { Kind = InboxItem.Kinds.Closed, Connection = this, Reason = reason });
        }

        void WriterLoop()
        {
            try
            {
                if (!Open()) return;
            }
            catch (Exception e)
            {
                Fail("connect to " + host + ":" + port + " failed: " + e.Message);
                return;
            }
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
                    if (batch.Count == 0 && !stop && now - Interlocked.Read(ref lastSendMs) >= (long)options.HeartbeatInterval.TotalMilliseconds)
                        batch.Add("7"); // heartbeat: keep the server's idle timeout away
                    if (batch.Count > 0)
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
                        stream.Write(buffer, 0, n); // one write for everything queued: coalescing
                        stream.Flush();
                        Interlocked.Exchange(ref lastSendMs, clock.ElapsedMilliseconds);
                    }
                    if (stop)
                    {
                        try { tcp.Client.Shutdown(SocketShutdown.Send); } catch (Exception) { }
                        Fail("closed by client");
                        return;
                    }
                    if (clock.ElapsedMilliseconds - Interlocked.Read(ref lastReceiveMs) >= (long)options.ReceiveTimeout.TotalMilliseconds)
                    {
                        Fail("receive timeout: nothing from the server for " + options.ReceiveTimeout.TotalSeconds + " s");
                        return;
                    }
                }
            }
            catch (Exception e)
            {
                Fail("write failed: " + e.Message);
            }
        }

        int WakeInterval()
        {
            long hb = (long)options.HeartbeatInterval.TotalMilliseconds - (clock.ElapsedMilliseconds - Interlocked.Read(ref lastSendMs));
            long wait = Math.Min(Math.Max(hb, 1), 1000);
            long rt = (long)options.ReceiveTimeout.TotalMilliseconds / 4;
            return (int)Math.Max(1, Math.Min(wait, Math.Max(rt, 1)));
        }

        bool Open()
        {
            tcp = new TcpClient();
            tcp.NoDelay = true;
            var ar = tcp.BeginConnect(host, port, null, null);
            if (!ar.AsyncWaitHandle.WaitOne(options.ConnectTimeout))
            {
                Fail("connect to " + host + ":" + port + " timed out");
                return false;
            }
            tcp.EndConnect(ar);
            Stream s = tcp.GetStream();
            if (useTls)
            {
                string targetHost = options.TlsTargetHost ?? host;
                string rejected = null; // why the built-in check refused the certificate
                RemoteCertificateValidationCallback check = options.CertificateValidation;
                if (check == null)
                {
                    var trusted = options.TrustedCertificates;
                    check = (sender, certificate, chain, errors) =>
                    {
                        string reason;
                        if (TandemTls.Check(certificate, chain, errors, targetHost, trusted, out reason)) return true;
                        rejected = reason;
                        return false;
                    };
                }
                var ssl = new SslStream(s, false, check);
                stream = ssl; // so that Fail disposes it if the handshake hangs
                try
                {
                    var auth = ssl.BeginAuthenticateAsClient(targetHost, null, options.TlsProtocols, false, null, null);
                    if (!auth.AsyncWaitHandle.WaitOne(options.ConnectTimeout))
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
            long now = clock.ElapsedMilliseconds;
            Interlocked.Exchange(ref lastSendMs, now);
            Interlocked.Exchange(ref lastReceiveMs, now);
            if (Volatile.Read(ref closed) != 0) return false;
            post(new InboxItem { Kind = InboxItem.Kinds.Connected, Connection = this });
            reader = new Thread(ReaderLoop) { IsBackground = true, Name = "Tandem reader" };
            reader.Start();
            return true;
        }

        void ReaderLoop()
        {
            var buf = new byte[16384];
            var line = new MemoryStream();
            try
            {
                while (true)
                {
                    int n = stream.Read(buf, 0, buf.Length);
                    if (n <= 0)
                    {
                        Fail("connection closed by the server");
                        return;
                    }
                    Interlocked.Exchange(ref lastReceiveMs, clock.ElapsedMilliseconds);
                    int from = 0;
                    for (int i = 0; i < n; i++)
                    {
                        if (buf[i] != (byte)'\n') continue;
                        line.Write(buf, from, i - from);
                        Deliver(line);
                        line.SetLength(0);
                        from = i + 1;
                    }
                    line.Write(buf, from, n - from);
                    if (line.Length > options.MaxLineBytes)
                    {
                        Fail("server line longer than " + options.MaxLineBytes + " bytes");
                        return;
                    }
                }
            }
            catch (Exception e)
            {
                Fail("read failed: " + e.Message);
            }
        }

        void Deliver(MemoryStream bytes)
        {
            int len = (int)bytes.Length;
            byte[] b = bytes.GetBuffer();
            if (len > 0 && b[len - 1] == (byte)'\r') len--; // CR before LF is ignored
            string text = Utf8.GetString(b, 0, len);
            ServerLine parsed;
            try
            {
                parsed = LineCodec.ParseServerLine(text); // parse here, off the game thread
            }
            catch (ProtocolException e)
            {
                post(new InboxItem { Kind = InboxItem.Kinds.BadLine, Connection = this, Raw = text, Reason = e.Message });
                return;
            }
            post(new InboxItem { Kind = InboxItem.Kinds.Line, Connection = this, Line = parsed, Raw = text });
        }
    }
}
