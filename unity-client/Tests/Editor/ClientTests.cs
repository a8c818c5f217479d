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
            // Join order, as 5 lists them: 3 (left) and 9 were there before us, 20 came after.
            CollectionAssert.AreEqual(new long[] { 9, 17, 20 }, client.MemberIds);
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
        public void MemberIdsAreInJoinOrderAndJoinEventsTellSnapshotFromArrivals()
        {
            var client = new TandemClient();
            var log = new List<string>();
            client.PlayerJoined += id => log.Add("player+ " + id + (client.IsRoomReady ? "" : " (joining)"));
            client.MemberJoined += e => log.Add("member+ " + e.ClientId + " new=" + e.IsNewArrival + " snapshot=" + e.FromJoinSnapshot + " name=" + (e.Name ?? "?"));
            client.MemberNamed += e => log.Add("named " + e.ClientId + " " + e.Name + " new=" + e.IsNewArrival);
            client.MembersChanged += () => log.Add("names");
            foreach (string l in new[] { "0:17", "2:17:lobby", "2:3:lobby", "2:9:lobby", "4:3", "17:lobby:0" })
                client.InjectServerLine(l);
            client.DispatchEvents();
            CollectionAssert.AreEqual(new long[] { 3, 9, 17 }, client.MemberIds, "the players who were there come first, longest present first");

            client.InjectServerLine("2:20:lobby");
            client.InjectServerLine("5:lobby:3=alice,9=bob,17=me,20=carol");
            client.DispatchEvents();
            CollectionAssert.AreEqual(new long[] { 3, 9, 17, 20 }, client.MemberIds);
            CollectionAssert.AreEqual(new[]
            {
                "player+ 3 (joining)", "member+ 3 new=False snapshot=True name=?",
                "player+ 9 (joining)", "member+ 9 new=False snapshot=True name=?",
                "player+ 20", "member+ 20 new=True snapshot=False name=?",
                "named 3 alice new=False", "named 9 bob new=False", "named 20 carol new=True", "names",
            }, log, "no MemberNamed for ourselves");
            Assert.IsTrue(client.IsMember(17));
            Assert.IsFalse(client.IsMember(42));
        }

        [Test]
        public void PlayerLeftHandlersStillKnowTheLeaversName()
        {
            var client = new TandemClient();
            foreach (string l in new[] { "0:17", "2:17:lobby", "2:9:lobby", "4:9", "17:lobby:0", "5:lobby:9=bob,17=me" })
                client.InjectServerLine(l);
            client.DispatchEvents();
            string seenName = null, argsName = null;
            bool stillMember = false, argsNew = true;
            client.PlayerLeft += id => { seenName = client.GetMemberName(id); stillMember = client.MemberIds.Contains(id); };
            client.MemberLeft += e => { argsName = e.Name; argsNew = e.IsNewArrival; };
            client.InjectServerLine("2:9:");
            client.DispatchEvents();
            Assert.AreEqual("bob", seenName, "GetMemberName inside PlayerLeft");
            Assert.IsTrue(stillMember, "the leaver is removed after the handlers ran");
            Assert.AreEqual("bob", argsName);
            Assert.IsFalse(argsNew, "bob was there before us");
            Assert.IsNull(client.GetMemberName(9));
            CollectionAssert.AreEqual(new long[] { 17 }, client.MemberIds);
        }

        [Test]
        public void ObjectErrorsNameTheirObjectOrToken()
        {
            var client = new TandemClient();
            var errors = new List<TandemError>();
            client.Error += e => errors.Add(e);
            foreach (string l in new[]
            {
                "9:12:owner_changed:3.1 conditional take: the owner is 9 now",
                "9:15:no_such_object:42.7 no object 42.7 in this room",
                "9:10:bad_delta:tok9 mask 1 has 1 field, data has 0",
                "9:10:too_many_objects: over --max-objects-per-client",
                "9:11:line_too_long:line over 65536 bytes",
                "9:2:wrong_password:3.1 is not an object command",
                "9:-:slow_consumer:queue backing up",
                "9:16:not_in_room:nospace",
            })
                client.InjectServerLine(l);
            client.DispatchEvents();
            Assert.AreEqual(8, errors.Count);
            Assert.AreEqual("3.1", errors[0].ObjectId);
            Assert.IsNull(errors[0].Token);
            Assert.IsTrue(errors[0].IsObjectError);
            Assert.AreEqual("3.1 conditional take: the owner is 9 now", errors[0].Text, "the text is kept whole");
            Assert.AreEqual("42.7", errors[1].ObjectId);
            Assert.IsNull(errors[2].ObjectId, "10 names a token, not an id");
            Assert.AreEqual("tok9", errors[2].Token);
            Assert.AreEqual("", errors[3].Token, "an instantiate without a token");
            Assert.IsNull(errors[4].ObjectId, "not every text of an object command starts with an id");
            Assert.IsNull(errors[5].ObjectId);
            Assert.IsFalse(errors[5].IsObjectError);
            Assert.IsNull(errors[6].ObjectId);
            Assert.AreEqual(-1, errors[6].CommandNumber);
            Assert.IsNull(errors[7].ObjectId);
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
