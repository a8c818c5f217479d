using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using NUnit.Framework;
using Tandem.Protocol;
using Tandem.Sync;

namespace Tandem.Tests
{
    /// <summary>
    /// What NetworkManager decides about objects (Core's RoomSync), over a real socket against
    /// <see cref="FakeServer"/>: our instantiate bound to its id by the token, ownership events
    /// and request answers, despawn, and destroying our object when the game drops it.
    /// </summary>
    public class RoomSyncTests
    {
        sealed class NullView : ITransformView
        {
            public Pose P = new Pose(Vec3.Zero, Quat.Identity, Vec3.One);
            public Pose Read() { return P; }
            public void Write(Pose pose, bool position, bool rotation, bool scale) { P = pose; }
        }

        sealed class Factory : IObjectViewFactory
        {
            public readonly List<string> Destroyed = new List<string>();

            public ObjectSync Create(string prefab, ObjectRecord record, out string problem)
            {
                problem = null;
                return New();
            }

            public ObjectSync New()
            {
                ObjectSync sync = null;
                sync = new ObjectSync(new IReplicated[] { new TransformSync(new NullView(), () => 0, () => sync.IsMine) });
                return sync;
            }

            public void Destroy(ObjectSync sync) { Destroyed.Add(sync.Record == null ? "unbound" : sync.Record.Id); }
        }

        FakeServer server;
        TandemClient client;

        [SetUp]
        public void SetUp() { server = new FakeServer(); }

        [TearDown]
        public void TearDown()
        {
            if (client != null) client.Disconnect();
            server.Dispose();
        }

        void PumpUntil(Func<bool> condition, string what)
        {
            var sw = Stopwatch.StartNew();
            while (!condition())
            {
                if (sw.ElapsedMilliseconds > 5000) Assert.Fail("timed out waiting for " + what);
                client.Update();
                Thread.Sleep(2);
            }
        }

        [Test]
        public void InstantiateBindsByTokenAndOwnershipAndDespawnReachTheObjectLogic()
        {
            client = new TandemClient();
            var factory = new Factory();
            var room = new RoomSync(client, factory);
            var events = new List<string>();
            room.Spawned += s => events.Add("spawned " + s.Record.Id);
            room.OwnerChanged += (s, previous, owner) => events.Add("owner " + s.Record.Id + " " + previous + "->" + owner + (s.IsMine ? " mine" : ""));
            room.OwnershipDenied += (s, owner) => events.Add("denied " + s.Record.Id + " by " + owner);
            room.MessageReceived += (s, sender, text) => events.Add("message " + s.Record.Id + " " + sender + " " + text);
            room.Despawned += s => events.Add("despawned " + s.Record.Id);

            client.Connect("127.0.0.1", server.Port);
            client.Login("alice", "pw");
            FakeConnection c = server.Accept();
            Assert.AreEqual("0:alice:pw", c.Expect());
            c.SendLine("0:5");
            c.SendLine("2:5:arena");
            c.SendLine("17:arena:0");
            PumpUntil(() => client.IsRoomReady, "room ready");
            Assert.AreEqual("5", c.Expect(), "the member refresh");

            // Our instantiate: the full state goes out, the echo binds it by its token.
            ObjectSync mine = factory.New();
            room.Instantiate("Ball", OwnershipMode.Request, ObjectLifetime.Room, mine);
            Assert.IsTrue(mine.Record.IsPending);
            int n;
            string[] f = LineCodec.SplitClientFields(c.Expect(), out n);
            Assert.AreEqual(MessageNumber.Instantiate, n);
            Assert.AreEqual("f", f[4], "position, rotation, scale and time");
            c.SendLine("10:5.1:5:1:r:r:Ball:" + f[0] + ":" + f[4] + ":" + f[5]);
            PumpUntil(() => !mine.Record.IsPending, "the spawn echo");
            Assert.AreEqual("5.1", mine.Record.Id);
            Assert.AreSame(mine, room.Find("5.1"));
            Assert.AreEqual(1, room.Objects.Count, "bound, not created a second time");

            // A request nobody answers is approved (the default), after the object's own handlers.
            var asked = new List<long>();
            room.ObjectRequestHandlers = s => (requester => asked.Add(requester));
            c.SendLine("13:5.1:9");
            PumpUntil(() => asked.Count == 1, "the request");
            Assert.AreEqual("12:5.1:approve:9", c.Expect());
            CollectionAssert.AreEqual(new[] { 9L }, asked);

            // With automatic approval off and a handler that waits, nothing is sent.
            room.AutoApproveOwnershipRequests = false;
            c.SendLine("13:5.1:9");
            c.SendLine("16:5.1:9:hello");
            PumpUntil(() => events.Contains("message 5.1 9 hello"), "the object message");
            string line;
            Assert.IsFalse(c.TryTake(out line, 200), "no answer yet, got " + line);

            c.SendLine("12:5.1:9:2");
            c.SendLine("10:9.1:9:1:t:p:Ball:x:0:");
            c.SendLine("14:9.1:9");
            c.SendLine("15:9.1");
            PumpUntil(() => events.Contains("despawned 9.1"), "the despawn");
            CollectionAssert.AreEqual(new[]
            {
                "spawned 5.1", "message 5.1 9 hello", "owner 5.1 5->9", "spawned 9.1", "denied 9.1 by 9", "despawned 9.1",
            }, events);
            CollectionAssert.AreEqual(new[] { "unbound" }, factory.Destroyed, "unbound before its view goes, so the view sends no 15");

            // The game drops an object it owns: destroyed on the network too.
            c.SendLine("12:5.1:5:3");
            PumpUntil(() => mine.IsMine, "ownership back");
            room.Forget(mine);
            Assert.AreEqual("15:5.1", c.Expect());
            Assert.IsNull(room.Find("5.1"));
        }
    }
}
