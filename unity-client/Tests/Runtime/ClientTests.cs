using System;
using System.Collections.Generic;
using System.Threading;
using NUnit.Framework;

namespace Tandem.Tests
{
    /// <summary>Client state and the inbox, with lines injected (no socket).</summary>
    [TestFixture]
    public class ClientInboxTests
    {
        [Test]
        public void EventsAreRaisedOnlyInsideDispatchOnTheDispatchingThread()
        {
            var client = new TandemClient();
            var threads = new List<int>();
            long loggedIn = 0;
            client.LoggedIn += id => { loggedIn = id; threads.Add(Thread.CurrentThread.ManagedThreadId); };
            client.MessageReceived += (s, m) => threads.Add(Thread.CurrentThread.ManagedThreadId);

            // Lines arrive on another thread, as from the socket reader.
            var feeder = new Thread(() =>
            {
                client.InjectServerLine("0:17");
                for (int i = 0; i < 100; i++) client.InjectServerLine("3:9:msg " + i);
            });
            feeder.Start();
            Assert.IsTrue(feeder.Join(5000));

            Assert.AreEqual(0, threads.Count, "no event may fire before DispatchEvents");
            Assert.AreEqual(0L, client.ClientId, "state changes only on dispatch too");
            Assert.AreEqual(101, client.DispatchEvents());
            Assert.AreEqual(17L, loggedIn);
            Assert.AreEqual(17L, client.ClientId);
            Assert.AreEqual(101, threads.Count);
            foreach (int t in threads) Assert.AreEqual(Thread.CurrentThread.ManagedThreadId, t);
            Assert.AreEqual(0, client.DispatchEvents());
        }

        [Test]
        public void JoinSnapshotMembersMasterAndLeave()
        {
            var client = new TandemClient();
            var log = new List<string>();
            client.RoomJoined += r => log.Add("joined " + r + " ready=" + client.IsRoomReady);
            client.PlayerJoined += id => log.Add("player+ " + id);
            client.PlayerLeft += id => log.Add("player- " + id);
            client.MasterChanged += id => log.Add("master " + id);
            client.RoomReady += (r, n) => log.Add("ready " + r + " " + n);
            client.RoomLeft += r => log.Add("left " + r);
            client.MembersChanged += () => log.Add("names");
            client.Objects.Spawned += o => log.Add("spawn " + o.Id + (o.FromSnapshot ? " snapshot" : ""));
            client.Objects.Destroyed += o => log.Add("destroy " + o.Id);

            foreach (string l in new[]
            {
                "0:17", "2:17:lobby", "2:3:lobby", "2:9:lobby", "4:3", "10:3.1:3:1:r:r:Chest:c1:1:wg==", "17:lobby:1",
                "2:20:lobby", "5:lobby:3=alice,9=bob,17=me,20=carol", "10:20.1:20:1:t:p:Avatar:a1:0:", "2:3:", "4:9",
            })
                client.InjectServerLine(l);
            client.DispatchEvents();

            Assert.AreEqual("lobby", client.CurrentRoom);
            Assert.IsTrue(client.IsRoomReady);
            Assert.AreEqual(9L, client.MasterId);
            CollectionAssert.AreEqual(new long[] { 17, 9, 20 }, client.MemberIds);
            Assert.AreEqual("bob", client.GetMemberName(9));
            Assert.AreEqual("carol", client.GetMemberName(20));
            Assert.IsNull(client.GetMemberName(3));
            Assert.AreEqual(2, client.Objects.Count);
            CollectionAssert.AreEqual(new[]
            {
                "joined lobby ready=False", "player+ 3", "player+ 9", "master 3", "spawn 3.1 snapshot", "ready lobby 1",
                "player+ 20", "names", "spawn 20.1", "player- 3", "master 9",
            }, log);

            log.Clear();
            client.InjectServerLine("2:17:");
            client.DispatchEvents();
            Assert.IsNull(client.CurrentRoom);
            Assert.AreEqual(0, client.MemberIds.Count);
            Assert.AreEqual(0, client.Objects.Count);
            Assert.AreEqual(0L, client.MasterId);
            log.Sort(StringComparer.Ordinal);
            CollectionAssert.AreEqual(new[] { "destroy 20.1", "destroy 3.1", "left lobby" }, log);
        }

        [Test]
        public void ErrorsClosingPongsAndViolationsAreReported()
        {
            var client = new TandemClient();
            TandemError error = null;
            string closing = null, pong = "unset", violation = null;
            client.Error += e => error = e;
            client.Closing += (c, t) => closing = c + "/" + t;
            client.Pong += t => pong = t;
            client.ProtocolViolation += (l, r) => violation = l;
            client.InjectServerLine("9:2:wrong_password:room \"x\": wrong password");
            client.InjectServerLine("8:idle_timeout:bye: now");
            client.InjectServerLine("7");
            client.InjectServerLine("12:nonsense");
            client.DispatchEvents();
            Assert.AreEqual("wrong_password", error.Code);
            Assert.AreEqual(2, error.CommandNumber);
            Assert.AreEqual("idle_timeout/bye: now", closing);
            Assert.IsNull(pong);
            Assert.AreEqual("12:nonsense", violation);

            client.InjectServerLine("0:5");
            client.InjectServerLine("2:5:r");
            client.InjectServerLine("11:5.1:1:1:"); // bad delta for an unknown object: ignored
            client.InjectServerLine("10:5.1:5:1:t:p:X::1:"); // bad delta: a violation, not a crash
            violation = null;
            client.DispatchEvents();
            Assert.AreEqual("10:5.1:5:1:t:p:X::1:", violation);
            Assert.AreEqual(0, client.Objects.Count);
        }

        [Test]
        public void AThrowingHandlerDoesNotLoseLaterEvents()
        {
            var client = new TandemClient();
            int messages = 0;
            client.MessageReceived += (s, m) =>
            {
                messages++;
                if (m == "boom") throw new InvalidOperationException("handler bug");
            };
            client.InjectServerLine("3:9:boom");
            client.InjectServerLine("3:9:after");
            client.InjectServerLine("0:4");
            var e = Assert.Throws<TandemException>(delegate { client.DispatchEvents(); });
            Assert.IsInstanceOf<InvalidOperationException>(e.InnerException);
            Assert.AreEqual(2, messages);
            Assert.AreEqual(4L, client.ClientId);
        }

        [Test]
        public void CommandsNeedAConnection()
        {
            var client = new TandemClient();
            Assert.Throws<InvalidOperationException>(delegate { client.Send("hi"); });
            Assert.Throws<ArgumentOutOfRangeException>(delegate { client.Connect("127.0.0.1", 0); });
        }
    }
}
