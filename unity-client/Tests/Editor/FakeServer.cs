using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using NUnit.Framework;

namespace Tandem.Tests
{
    /// <summary>
    /// A tiny line server on 127.0.0.1 for client mechanics (heartbeat, timeouts, reconnect).
    /// It knows nothing of the protocol: each test scripts what it answers.
    /// </summary>
    internal sealed class FakeServer : IDisposable
    {
        readonly TcpListener listener;
        readonly BlockingCollection<FakeConnection> accepted = new BlockingCollection<FakeConnection>();
        readonly List<FakeConnection> all = new List<FakeConnection>();
        readonly Thread acceptThread;
        volatile bool stopped;

        public FakeServer()
        {
            listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = "FakeServer accept" };
            acceptThread.Start();
        }

        public int Port { get { return ((IPEndPoint)listener.LocalEndpoint).Port; } }

        void AcceptLoop()
        {
            try
            {
                while (!stopped)
                {
                    TcpClient c = listener.AcceptTcpClient();
                    var conn = new FakeConnection(c);
                    lock (all) all.Add(conn);
                    accepted.Add(conn);
                }
            }
            catch (Exception) { }
        }

        public FakeConnection Accept(int timeoutMs = 5000)
        {
            FakeConnection c;
            if (!TryAccept(timeoutMs, out c)) Assert.Fail("no client connected within " + timeoutMs + " ms");
            return c;
        }

        // Polling without an assertion: NUnit 3 records a failed Assert even when it is caught.
        public bool TryAccept(int timeoutMs, out FakeConnection connection)
        {
            return accepted.TryTake(out connection, timeoutMs);
        }

        public void Dispose()
        {
            stopped = true;
            try { listener.Stop(); } catch (Exception) { }
            lock (all)
                foreach (var c in all) c.Dispose();
        }
    }

    internal sealed class FakeConnection : IDisposable
    {
        readonly TcpClient client;
        readonly NetworkStream stream;
        readonly BlockingCollection<string> lines = new BlockingCollection<string>();
        readonly Thread readThread;
        public volatile bool SawEof;

        public FakeConnection(TcpClient client)
        {
            this.client = client;
            stream = client.GetStream();
            readThread = new Thread(ReadLoop) { IsBackground = true, Name = "FakeServer read" };
            readThread.Start();
        }

        void ReadLoop()
        {
            try
            {
                var reader = new StreamReader(stream, new UTF8Encoding(false));
                string line;
                while ((line = reader.ReadLine()) != null) lines.Add(line);
                SawEof = true;
            }
            catch (Exception) { }
            lines.CompleteAdding();
        }

        /// <summary>The next line from the client, failing the test after the timeout.</summary>
        public string Expect(int timeoutMs = 5000)
        {
            string line;
            try
            {
                if (lines.TryTake(out line, timeoutMs)) return line;
            }
            catch (InvalidOperationException) { }
            Assert.Fail("no line from the client within " + timeoutMs + " ms");
            return null;
        }

        public bool TryTake(out string line, int timeoutMs)
        {
            line = null;
            try { return lines.TryTake(out line, timeoutMs); }
            catch (InvalidOperationException) { return false; }
        }

        public void Send(string raw)
        {
            byte[] b = Encoding.UTF8.GetBytes(raw);
            stream.Write(b, 0, b.Length);
            stream.Flush();
        }

        public void SendLine(string line) { Send(line + "\n"); }

        public void Dispose()
        {
            try { client.Close(); } catch (Exception) { }
        }
    }
}
