using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using NUnit.Framework;
using Tandem.Protocol;

namespace Tandem.Tests
{
    /// <summary>Client mechanics over a real socket against <see cref="FakeServer"/>.</summary>
    [TestFixture]
    public class LoopbackTests
    {
        FakeServer server;
        TandemClient client;
        List<string> log;

        [SetUp]
        public void SetUp()
        {
            server = new FakeServer();
            log = new List<string>();
        }

        [TearDown]
        public void TearDown()
        {
            if (client != null) client.Disconnect();
            server.Dispose();
        }

        TandemClient NewClient(TandemClientOptions options)
        {
            client = new TandemClient(options);
            client.Connected += () => log.Add("connected");
            client.LoggedIn += id => log.Add("loggedin " + id);
            client.RoomJoined += r => log.Add("joined " + r);
            client.Disconnected += d => log.Add("disconnected" + (d.WillReconnect ? " reconnect" : "") + (d.ClosingCode != null ? " " + d.ClosingCode : ""));
            client.Reconnecting += (n, delay) => log.Add("reconnecting " + n);
            return client;
        }

        // Pumps the client like a game loop until the condition holds.
        void PumpUntil(Func<bool> condition, int timeoutMs, string what)
        {
            var sw = Stopwatch.StartNew();
            while (!condition())
            {
                if (sw.ElapsedMilliseconds > timeoutMs) Assert.Fail("timed out waiting for " + what + "; events: " + string.Join(", ", log.ToArray()));
                client.Update();
                Thread.Sleep(5);
            }
        }

        FakeConnection ConnectAndLogin(long id)
        {
            client.Connect("127.0.0.1", server.Port);
            client.Login("alice", "pw");
            FakeConnection c = server.Accept();
            Assert.AreEqual("0:alice:pw", c.Expect());
            c.SendLine("0:" + id);
            PumpUntil(() => client.IsLoggedIn, 5000, "login");
            return c;
        }

        [Test]
        public void LinesQueuedBeforeTheSocketIsUpArriveInOrderAndCrLfIsAccepted()
        {
            NewClient(null);
            client.Connect("127.0.0.1", server.Port);
            client.Login("alice", "pw");
            for (int i = 0; i < 200; i++) client.Send("m" + i, SendTarget.AllOrdered);
            FakeConnection c = server.Accept();
            Assert.AreEqual("0:alice:pw", c.Expect());
            for (int i = 0; i < 200; i++) Assert.AreEqual("3:3:m" + i, c.Expect());
            c.Send("0:5\r\n3:5:hi\r\n");
            string got = null;
            client.MessageReceived += (s, m) => got = m;
            PumpUntil(() => got != null, 5000, "message");
            Assert.AreEqual("hi", got, "the CR before LF must not reach the message");
            Assert.AreEqual(5L, client.ClientId);
        }

        [Test]
        public void RoomListRepliesArePairedWithTheirRequests()
        {
            NewClient(new TandemClientOptions { RefreshMembers = false });
            FakeConnection c = ConnectAndLogin(5);
            var replies = new List<string>();
            var lists = new List<RoomLists>();
            var plain = new List<int>();
            client.RoomListReceived += rooms => plain.Add(rooms.Count);
            client.RoomListReplied += r => replies.Add((r.Password ?? "-") + ":" + LineCodec.FormatRoomList(r.Rooms));
            client.RoomListsReceived += l => lists.Add(l);

            client.ListRooms();
            client.ListRooms("pw");
            client.ListPublicAndPrivateRooms("pw");   // fails half way: no combined answer
            client.ListPublicAndPrivateRooms("pw");
            client.ListPublicAndPrivateRooms(null);
            foreach (string want in new[] { "1", "1:pw", "1:pw", "1", "1:pw", "1", "1" }) Assert.AreEqual(want, c.Expect());
            c.SendLine("1:lobby-2");
            c.SendLine("1:lobby-2,den-1");
            c.SendLine("9:1:store_unavailable:the database does not answer");
            c.SendLine("1:lobby-2");
            c.SendLine("1:lobby-2,den-1,new-room-1");
            c.SendLine("1:lobby-2,new-room-1");
            c.SendLine("1:lobby-2");
            PumpUntil(() => lists.Count == 2 && replies.Count == 6, 5000, "six replies and two combined lists");

            CollectionAssert.AreEqual(new[]
            {
                "-:lobby-2", "pw:lobby-2,den-1", "-:lobby-2", "pw:lobby-2,den-1,new-room-1", "-:lobby-2,new-room-1", "-:lobby-2",
            }, replies);
            Assert.AreEqual(6, plain.Count, "RoomListReceived still fires for every reply");
            Assert.AreEqual("pw", lists[0].Password);
            Assert.AreEqual("lobby-2,new-room-1", LineCodec.FormatRoomList(lists[0].Public));
            Assert.AreEqual("den-1", LineCodec.FormatRoomList(lists[0].Private), "a room in both lists is public");
            Assert.IsNull(lists[1].Password);
            Assert.AreEqual("lobby-2", LineCodec.FormatRoomList(lists[1].Public));
            Assert.AreEqual(0, lists[1].Private.Count);
        }

        [Test]
        public void ARefusedInstantiateRaisesErrorThenDropsThePendingObject()
        {
            NewClient(new TandemClientOptions { RefreshMembers = false });
            FakeConnection c = ConnectAndLogin(5);
            client.JoinRoom("arena");
            Assert.AreEqual("2:arena", c.Expect());
            c.SendLine("2:5:arena");
            c.SendLine("4:5");
            c.SendLine("17:arena:0");
            PumpUntil(() => client.IsRoomReady, 5000, "room ready");

            ObjectRecord obj = client.Objects.Instantiate("Big", OwnershipMode.Takeover, ObjectLifetime.Player, null);
            StringAssert.StartsWith("10:" + obj.Token + ":Big:", c.Expect());
            var order = new List<string>();
            client.Error += e =>
            {
                ObjectRecord pending;
                order.Add("error " + e.Code + " token " + e.Token + " pending " + client.Objects.TryGetPending(e.Token, out pending));
            };
            client.Objects.Destroyed += o => order.Add("destroyed " + o.Token);
            c.SendLine("9:10:too_many_objects:" + obj.Token + " over --max-objects-per-client (1)");
            PumpUntil(() => order.Count == 2, 5000, "error and drop");
            CollectionAssert.AreEqual(new[] { "error too_many_objects token " + obj.Token + " pending True", "destroyed " + obj.Token }, order);
            Assert.IsTrue(obj.IsDestroyed);
            Assert.AreEqual(0, client.Objects.PendingCount);
        }

        [Test]
        public void HeartbeatIsSentWhenQuiet()
        {
            NewClient(new TandemClientOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(300), RefreshMembers = false });
            FakeConnection c = ConnectAndLogin(5);
            var sw = Stopwatch.StartNew();
            Assert.AreEqual("7", c.Expect(3000));
            Assert.IsTrue(sw.ElapsedMilliseconds >= 100, "heartbeat came too early: " + sw.ElapsedMilliseconds + " ms");
            // Sending resets the quiet time: a stream of messages every 30 ms carries no heartbeat.
            for (int i = 0; i < 15; i++)
            {
                client.Send("x" + i);
                Assert.AreEqual("3:0:x" + i, c.Expect(1000));
                Thread.Sleep(30);
            }
        }

        [Test]
        public void SilenceFromTheServerTimesOut()
        {
            NewClient(new TandemClientOptions { ReceiveTimeout = TimeSpan.FromMilliseconds(400), HeartbeatInterval = TimeSpan.FromSeconds(10) });
            DisconnectInfo info = null;
            client.Disconnected += d => info = d;
            ConnectAndLogin(5);
            PumpUntil(() => info != null, 5000, "receive timeout");
            StringAssert.Contains("receive timeout", info.Reason);
            Assert.IsFalse(info.WillReconnect);
            Assert.AreEqual(ClientState.Disconnected, client.State);
        }

        [Test]
        public void ReconnectLogsInAgainAndRejoinsTheLastRoom()
        {
            NewClient(new TandemClientOptions { AutoReconnect = true, ReconnectMinDelay = TimeSpan.FromMilliseconds(50), RefreshMembers = false });
            FakeConnection c1 = ConnectAndLogin(5);
            client.JoinRoom("arena", "secret");
            Assert.AreEqual("2:arena:secret", c1.Expect());
            c1.SendLine("2:5:arena");
            c1.SendLine("4:5");
            c1.SendLine("17:arena:0");
            PumpUntil(() => client.IsRoomReady, 5000, "room ready");

            c1.Dispose(); // the server side drops the connection
            PumpUntil(() => client.State == ClientState.WaitingToReconnect || client.State == ClientState.Connecting, 5000, "reconnect scheduled");
            Assert.IsNull(client.CurrentRoom, "room state is cleared while disconnected");

            var sw = Stopwatch.StartNew();
            FakeConnection c2 = null;
            while (c2 == null)
            {
                client.Update();
                server.TryAccept(10, out c2);
                if (sw.ElapsedMilliseconds > 5000) Assert.Fail("no reconnect");
            }
            Assert.AreEqual("0:alice:pw", c2.Expect());
            c2.SendLine("0:6");
            PumpUntil(() => client.ClientId == 6, 5000, "second login");
            Assert.AreEqual("2:arena:secret", c2.Expect(), "the last room is rejoined with its password");
            c2.SendLine("2:6:arena");
            PumpUntil(() => client.CurrentRoom == "arena", 5000, "rejoin");
            CollectionAssert.AreEqual(new[]
            {
                "connected", "loggedin 5", "joined arena", "disconnected reconnect", "reconnecting 1", "connected", "loggedin 6", "joined arena",
            }, log);
        }

        [Test]
        public void ReconnectBacksOffWhileTheServerIsDown()
        {
            NewClient(new TandemClientOptions { AutoReconnect = true, ReconnectMinDelay = TimeSpan.FromMilliseconds(20), ReconnectMaxDelay = TimeSpan.FromMilliseconds(80) });
            var delays = new List<TimeSpan>();
            client.Reconnecting += (n, d) => delays.Add(d);
            FakeConnection c = ConnectAndLogin(5);
            server.Dispose(); // listener gone: every attempt is refused
            c.Dispose();
            PumpUntil(() => delays.Count >= 4, 10000, "four reconnect attempts");
            Assert.AreEqual(20.0, delays[0].TotalMilliseconds, 0.5);
            Assert.AreEqual(40.0, delays[1].TotalMilliseconds, 0.5);
            Assert.AreEqual(80.0, delays[2].TotalMilliseconds, 0.5);
            Assert.AreEqual(80.0, delays[3].TotalMilliseconds, 0.5, "capped at ReconnectMaxDelay");
            client.Disconnect();
            Assert.AreEqual(ClientState.Disconnected, client.State, "Disconnect stops the reconnect loop");
            int before = delays.Count;
            Thread.Sleep(150);
            client.Update();
            Assert.AreEqual(before, delays.Count);
        }

        [Test]
        public void SessionReplacedDoesNotReconnect()
        {
            NewClient(new TandemClientOptions { AutoReconnect = true, ReconnectMinDelay = TimeSpan.FromMilliseconds(10) });
            string closing = null;
            client.Closing += (code, text) => closing = code;
            FakeConnection c = ConnectAndLogin(5);
            c.SendLine("8:session_replaced:logged in from another connection");
            c.Dispose();
            PumpUntil(() => client.State == ClientState.Disconnected, 5000, "disconnect");
            Assert.AreEqual("session_replaced", closing);
            Assert.Contains("disconnected session_replaced", log);
        }

        [Test]
        public void DisconnectFlushesQueuedLinesThenCloses()
        {
            NewClient(new TandemClientOptions { RefreshMembers = false });
            FakeConnection c = ConnectAndLogin(5);
            for (int i = 0; i < 50; i++) client.Send("bye" + i);
            client.Disconnect();
            for (int i = 0; i < 50; i++) Assert.AreEqual("3:0:bye" + i, c.Expect());
            string extra;
            Assert.IsFalse(c.TryTake(out extra, 500), "nothing after the queued lines");
            Assert.IsTrue(c.SawEof, "the client closed its side");
            Assert.AreEqual(ClientState.Disconnected, client.State);
            Assert.AreEqual("disconnected", log[log.Count - 1]);
        }

        [Test]
        public void ConnectFailureIsADisconnectEvent()
        {
            int port = server.Port;
            server.Dispose();
            NewClient(null);
            DisconnectInfo info = null;
            client.Disconnected += d => info = d;
            client.Connect("127.0.0.1", port);
            PumpUntil(() => info != null, 5000, "connect failure");
            StringAssert.Contains("connect", info.Reason);
            Assert.AreEqual(ClientState.Disconnected, client.State);
        }
    }
}
