using System;
using System.Collections.Generic;
using NUnit.Framework;
using Tandem.Transport;

namespace Tandem.Tests
{
    public class ServerAddressTests
    {
        [TestCase("tcp://example.com:7777", TransportKind.Tcp, "example.com", 7777, false, "", "tcp://example.com:7777")]
        [TestCase("tls://127.0.0.1:7778", TransportKind.Tcp, "127.0.0.1", 7778, true, "", "tls://127.0.0.1:7778")]
        [TestCase("ws://host:7780/ws", TransportKind.WebSocket, "host", 7780, false, "/ws", "ws://host:7780/ws")]
        [TestCase("wss://host/game/ws?x=1", TransportKind.WebSocket, "host", 443, true, "/game/ws?x=1", "wss://host:443/game/ws?x=1")]
        [TestCase("ws://host", TransportKind.WebSocket, "host", 80, false, "/ws", "ws://host:80/ws")]
        [TestCase("WS://[::1]:7780/ws", TransportKind.WebSocket, "::1", 7780, false, "/ws", "ws://[::1]:7780/ws")]
        public void ParsesTheFourSchemes(string url, TransportKind kind, string host, int port, bool tls, string path, string back)
        {
            var a = ServerAddress.Parse(url);
            Assert.AreEqual(kind, a.Kind);
            Assert.AreEqual(host, a.Host);
            Assert.AreEqual(port, a.Port);
            Assert.AreEqual(tls, a.UseTls);
            Assert.AreEqual(path, a.Path);
            Assert.AreEqual(back, a.ToString());
        }

        [TestCase("")]
        [TestCase("example.com:7777")]
        [TestCase("http://example.com:80")]
        [TestCase("tcp://example.com")]
        [TestCase("tcp://example.com:7777/path")]
        [TestCase("tcp://example.com:99999")]
        public void RefusesOtherForms(string url)
        {
            Assert.Catch(() => ServerAddress.Parse(url));
        }
    }

    /// <summary>The polled transport WebGL uses, against a scripted socket and clock.</summary>
    public class PolledTransportTests
    {
        sealed class FakeSocket : IPolledSocket
        {
            public int State = 0;
            public bool Refuse;
            public string OpenedUrl;
            public string Reason;
            public bool Closed;
            public readonly List<string> Sent = new List<string>();
            public readonly Queue<string> Incoming = new Queue<string>();

            public bool Open(string url)
            {
                OpenedUrl = url;
                return !Refuse;
            }

            public int ReadyState { get { return State; } }
            public void Send(string text) { Sent.Add(text); }
            public string Receive() { return Incoming.Count > 0 ? Incoming.Dequeue() : null; }
            public string CloseReason { get { return Reason; } }
            public void Close() { Closed = true; }
        }

        FakeSocket socket;
        long now;
        ITransport transport;
        TandemClientOptions options;

        void Start(string url = "ws://127.0.0.1:7780/ws")
        {
            socket = new FakeSocket();
            options = new TandemClientOptions
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                HeartbeatInterval = TimeSpan.FromSeconds(15),
                ReceiveTimeout = TimeSpan.FromSeconds(45),
            };
            transport = new PolledTransport(ServerAddress.Parse(url), socket, options, () => now);
            transport.Open();
        }

        List<TransportEvent> Drain()
        {
            transport.Poll();
            var list = new List<TransportEvent>();
            TransportEvent e;
            while (transport.TryReceive(out e)) list.Add(e);
            return list;
        }

        [Test]
        public void RefusesATcpAddress()
        {
            Assert.Throws<NotSupportedException>(() => new PolledTransport(ServerAddress.Parse("tcp://h:1"), new FakeSocket(), null));
        }

        [Test]
        public void SendsWhatWasQueuedAsOneMessageOnceOpenAndSplitsReceivedLines()
        {
            Start();
            Assert.AreEqual("ws://127.0.0.1:7780/ws", socket.OpenedUrl);
            transport.Send("0:alice:pw");
            transport.Send("2:lobby");
            Assert.AreEqual(0, Drain().Count, "nothing while connecting");
            Assert.AreEqual(0, socket.Sent.Count);

            socket.State = 1;
            socket.Incoming.Enqueue("0:7\n2:7:lob");
            socket.Incoming.Enqueue("by\r\n3:7:a:b\n");
            var events = Drain();
            Assert.AreEqual(TransportEventKind.Connected, events[0].Kind);
            CollectionAssert.AreEqual(new[] { "0:7", "2:7:lobby", "3:7:a:b" }, events.GetRange(1, 3).ConvertAll(e => e.Text));
            CollectionAssert.AreEqual(new[] { "0:alice:pw\n2:lobby\n" }, socket.Sent, "both lines in one message");
        }

        [Test]
        public void SendsHeartbeatsAndEndsWhenTheServerIsSilent()
        {
            Start();
            socket.State = 1;
            Drain();
            now += 15000;
            Drain();
            CollectionAssert.AreEqual(new[] { "7\n" }, socket.Sent, "a heartbeat after 15 s without sending");
            now += 30000;
            var events = Drain();
            Assert.AreEqual(1, events.Count);
            Assert.AreEqual(TransportEventKind.Closed, events[0].Kind);
            StringAssert.StartsWith("receive timeout", events[0].Text);
            Assert.IsTrue(socket.Closed);
            Assert.AreEqual(0, Drain().Count, "nothing after the end");
        }

        [Test]
        public void AConnectThatNeverOpensTimesOut()
        {
            Start();
            now += 4999;
            Assert.AreEqual(0, Drain().Count);
            now += 1;
            var events = Drain();
            Assert.AreEqual(TransportEventKind.Closed, events[0].Kind);
            StringAssert.Contains("timed out", events[0].Text);
        }

        [Test]
        public void AServerCloseReportsTheBrowsersReasonAfterTheLastLines()
        {
            Start();
            socket.State = 1;
            Drain();
            socket.Incoming.Enqueue("8:server_shutdown:bye\n");
            socket.State = 3;
            socket.Reason = "connection closed by the server (1001)";
            var events = Drain();
            Assert.AreEqual("8:server_shutdown:bye", events[0].Text, "lines that arrived before the close still count");
            Assert.AreEqual(TransportEventKind.Closed, events[1].Kind);
            Assert.AreEqual("connection closed by the server (1001)", events[1].Text);
        }

        [Test]
        public void ARefusedOpenEndsAtOnceAndCloseIsSilent()
        {
            socket = new FakeSocket { Refuse = true };
            transport = new PolledTransport(ServerAddress.Parse("ws://h/ws"), socket, null, () => now);
            transport.Open();
            var events = Drain();
            Assert.AreEqual(TransportEventKind.Closed, events[0].Kind);

            Start();
            socket.State = 1;
            Drain();
            transport.Send("15:1.1");
            transport.Close(TimeSpan.FromSeconds(1));
            CollectionAssert.AreEqual(new[] { "15:1.1\n" }, socket.Sent, "queued lines are handed over before closing");
            Assert.IsTrue(socket.Closed);
            Assert.AreEqual(0, Drain().Count, "a close on purpose reports nothing");
        }

        [Test]
        public void TheClientRunsOnAPolledTransportWithoutThreads()
        {
            var fake = new FakeSocket();
            var client = new TandemClient(new TandemClientOptions
            {
                TransportFactory = (address, opts) => new PolledTransport(address, fake, opts, () => now),
            });
            client.Connect("ws://127.0.0.1:7780/ws");
            client.Login("alice", "pw");
            client.JoinRoom("lobby");
            client.Update();
            Assert.AreEqual(ClientState.Connecting, client.State);
            fake.State = 1;
            fake.Incoming.Enqueue("0:4\n2:4:lobby\n4:4\n17:lobby:0\n");
            string ready = null;
            client.RoomReady += (room, n) => ready = room;
            client.Update();
            Assert.AreEqual(ClientState.LoggedIn, client.State);
            Assert.AreEqual("lobby", ready);
            Assert.IsTrue(client.IsMaster);
            Assert.AreEqual("0:alice:pw\n2:lobby\n", fake.Sent[0]);
            client.Update();
            Assert.AreEqual("5\n", fake.Sent[1], "the member refresh after the join goes out at the next poll");
        }
    }
}
