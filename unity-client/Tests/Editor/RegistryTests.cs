using System;
using System.Collections.Generic;
using NUnit.Framework;
using Tandem.MessagePack;
using Tandem.Protocol;

namespace Tandem.Tests
{
    /// <summary>Records the lines the registry sends.</summary>
    internal sealed class RecordingSink : ILineSink
    {
        public readonly List<string> Lines = new List<string>();
        public long Id;
        public void SendLine(string line) { Lines.Add(line); }
        public long LocalClientId { get { return Id; } }
        public string Last { get { return Lines.Count == 0 ? null : Lines[Lines.Count - 1]; } }
    }

    [TestFixture]
    public class RegistryTests
    {
        RecordingSink sink;
        ObjectRegistry reg;
        List<string> events;

        [SetUp]
        public void SetUp()
        {
            sink = new RecordingSink { Id = 17 };
            reg = new ObjectRegistry(sink);
            events = new List<string>();
            reg.Spawned += o => events.Add("spawned " + o.Id);
            reg.Updated += (o, d) => events.Add("updated " + o.Id + " " + d.MaskText);
            reg.UpdateDropped += (o, g) => events.Add("dropped " + o.Id + " gen " + g);
            reg.OwnerChanged += (o, prev) => events.Add("owner " + o.Id + " " + prev + "->" + o.Owner + " gen " + o.Generation);
            reg.OwnershipRequested += (o, r) => events.Add("requested " + o.Id + " by " + r);
            reg.OwnershipDenied += (o, r) => events.Add("denied " + o.Id + " by " + r);
            reg.Destroyed += o => events.Add("destroyed " + (o.Id ?? o.Token));
            reg.MessageReceived += (o, s, m) => events.Add("message " + o.Id + " from " + s + ": " + m);
        }

        void Feed(string line) { reg.Handle(LineCodec.ParseServerLine(line)); }

        static DeltaWriter State(long a, string b)
        {
            var w = new DeltaWriter();
            w.BeginField(0).Write(a);
            w.BeginField(1).Write(b);
            return w;
        }

        [Test]
        public void InstantiateSendsTheLineAndBindsTheEchoByToken()
        {
            ObjectRecord obj = reg.Instantiate("Avatar", OwnershipMode.Takeover, ObjectLifetime.Player, State(1, "x"));
            Assert.AreEqual("10:t1:Avatar:t:p:3:AaF4", sink.Last); // the PROTOCOL.md example, token t1
            Assert.IsTrue(obj.IsPending);
            Assert.IsTrue(obj.IsMine);
            Assert.IsNull(obj.Id);
            Assert.AreEqual(1, reg.PendingCount);

            Feed("10:17.1:17:1:t:p:Avatar:t1:3:AaF4");
            Assert.AreSame(obj, reg.Get("17.1"), "the echo must bind the pending instance, not create another");
            Assert.IsFalse(obj.IsPending);
            Assert.IsTrue(obj.IsLocalSpawn);
            Assert.AreEqual("17.1", obj.Id);
            Assert.AreEqual(17L, obj.CreatorId);
            Assert.AreEqual(1L, obj.Generation);
            Assert.AreEqual(0, reg.PendingCount);
            Assert.AreEqual("01", Vectors.Hex(obj.State.GetField(0)));
            CollectionAssert.AreEqual(new[] { "spawned 17.1" }, events);
        }

        [Test]
        public void ARefusedInstantiateDropsThePendingObject()
        {
            ObjectRecord obj = reg.Instantiate("Avatar", OwnershipMode.Takeover, ObjectLifetime.Player, State(1, "x"));
            ObjectRecord found;
            Assert.IsTrue(reg.TryGetPending("t1", out found));
            Assert.AreSame(obj, found);
            Assert.IsFalse(reg.DropPending("t2"), "unknown token");
            Assert.IsTrue(reg.DropPending("t1"));
            Assert.IsTrue(obj.IsDestroyed);
            Assert.IsFalse(obj.IsPending);
            Assert.IsFalse(obj.IsMine);
            Assert.AreEqual(0, reg.PendingCount);
            Assert.IsFalse(reg.TryGetPending("t1", out found));
            CollectionAssert.AreEqual(new[] { "destroyed t1" }, events);
            // A late echo (should not happen) is then just another object, not ours to bind.
            Feed("10:17.1:17:1:t:p:Avatar:t1:3:AaF4");
            Assert.AreNotSame(obj, reg.Get("17.1"));
        }

        [Test]
        public void AnotherClientsObjectWithTheSameTokenDoesNotBindOurs()
        {
            ObjectRecord mine = reg.Instantiate("Avatar", OwnershipMode.Takeover, ObjectLifetime.Player, null);
            Assert.AreEqual("10:t1:Avatar:t:p:0:", sink.Last);
            Feed("10:9.1:9:1:t:p:Avatar:t1:0:");
            Assert.IsTrue(mine.IsPending);
            ObjectRecord theirs = reg.Get("9.1");
            Assert.IsNotNull(theirs);
            Assert.AreNotSame(mine, theirs);
            Assert.IsFalse(theirs.IsMine);
            Assert.IsFalse(theirs.IsLocalSpawn);
        }

        [Test]
        public void UpdatesMergeAndOlderGenerationsAreDropped()
        {
            Feed("10:9.1:9:1:t:r:Chest::3:AaF4");
            Feed("11:9.1:1:2:wg=="); // field 1 := false
            Assert.AreEqual("01", Vectors.Hex(reg.Get("9.1").State.GetField(0)));
            Assert.AreEqual("c2", Vectors.Hex(reg.Get("9.1").State.GetField(1)));

            Feed("12:9.1:17:2");
            ObjectRecord o = reg.Get("9.1");
            Assert.IsTrue(o.IsMine);
            Assert.AreEqual(2L, o.Generation);

            // The previous owner's update written before the hand-over arrives late: dropped.
            Feed("11:9.1:1:1:Kg==");
            Assert.AreEqual("01", Vectors.Hex(o.State.GetField(0)));
            Assert.AreEqual(1, o.DroppedUpdates);

            // An unordered update of a newer owner overtaking the ordered 12 line: applied.
            Feed("11:9.1:3:1:Kw==");
            Assert.AreEqual("2b", Vectors.Hex(o.State.GetField(0)));
            Assert.AreEqual(3L, o.Generation);
            Feed("12:9.1:3:3");
            Assert.AreEqual(3L, o.Owner);
            Assert.IsFalse(o.IsMine);
            // A stale owner line never rolls the owner back.
            Feed("12:9.1:17:2");
            Assert.AreEqual(3L, o.Owner);

            CollectionAssert.AreEqual(new[]
            {
                "spawned 9.1", "updated 9.1 2", "owner 9.1 9->17 gen 2", "dropped 9.1 gen 1",
                "updated 9.1 1", "owner 9.1 17->3 gen 3",
            }, events);
        }

        [Test]
        public void SendUpdateOnlyForOwnedLiveObjectsAndMergesLocally()
        {
            Feed("10:9.1:9:1:t:r:Chest::3:AaF4");
            ObjectRecord o = reg.Get("9.1");
            var w = new DeltaWriter();
            w.BeginField(0).Write(42);
            Assert.IsFalse(reg.SendUpdate(o, w, false), "not ours: nothing may be sent");
            Assert.AreEqual(0, sink.Lines.Count);

            Feed("12:9.1:17:2");
            Assert.IsTrue(reg.SendUpdate(o, w, true));
            Assert.AreEqual("11:9.1:2:1:1:Kg==", sink.Last);
            Assert.AreEqual("2a", Vectors.Hex(o.State.GetField(0)));
            Assert.AreEqual("a178", Vectors.Hex(o.State.GetField(1)));

            ObjectRecord pending = reg.Instantiate("Avatar", OwnershipMode.Fixed, ObjectLifetime.Room, null);
            Assert.IsFalse(reg.SendUpdate(pending, w, false), "no id yet");
            Assert.IsFalse(reg.SendUpdate(o, new DeltaWriter(), false), "empty delta");
        }

        [Test]
        public void SnapshotObjectsAreFlagged()
        {
            reg.BeginSnapshot();
            Feed("10:3.1:3:4:r:r:Chest:c1:1:wg==");
            reg.EndSnapshot();
            Feed("10:3.2:3:1:f:p:Coin::0:");
            Assert.IsTrue(reg.Get("3.1").FromSnapshot);
            Assert.AreEqual(4L, reg.Get("3.1").Generation);
            Assert.AreEqual(OwnershipMode.Request, reg.Get("3.1").Mode);
            Assert.AreEqual(ObjectLifetime.Room, reg.Get("3.1").Lifetime);
            Assert.IsFalse(reg.Get("3.2").FromSnapshot);
            Assert.AreEqual(0UL, reg.Get("3.2").State.Mask);
            Assert.AreEqual(2, reg.Count);
        }

        [Test]
        public void OwnershipCommandsAndEvents()
        {
            Feed("10:3.1:3:1:r:r:Chest::0:");
            ObjectRecord o = reg.Get("3.1");
            reg.TakeOwnership(o);
            reg.TakeOwnershipIf(o, 3);
            reg.GiveOwnership(o, 9);
            reg.ApproveOwnership(o, 9);
            reg.DenyOwnership(o, 9);
            reg.SendObjectMessage(o, ObjectMessageTarget.Owner, "open:door");
            reg.Destroy(o);
            CollectionAssert.AreEqual(new[]
            {
                "12:3.1:take", "12:3.1:take:3", "12:3.1:give:9", "12:3.1:approve:9", "12:3.1:deny:9",
                "16:3.1:4:open:door", "15:3.1",
            }, sink.Lines);
            Assert.IsFalse(o.IsDestroyed, "destroy waits for the server's 15");

            Feed("13:3.1:9");
            Feed("14:3.1:3");
            Feed("16:3.1:9:jump:high");
            Feed("13:77.1:9"); // unknown objects are ignored
            Feed("15:3.1");
            Assert.IsTrue(o.IsDestroyed);
            Assert.IsNull(reg.Get("3.1"));
            Feed("11:3.1:1:1:Kg=="); // update after destroy: ignored
            CollectionAssert.AreEqual(new[]
            {
                "spawned 3.1", "requested 3.1 by 9", "denied 3.1 by 3", "message 3.1 from 9: jump:high", "destroyed 3.1",
            }, events);
            Assert.Throws<InvalidOperationException>(delegate { reg.TakeOwnership(o); });
            ObjectRecord pending = reg.Instantiate("X", OwnershipMode.Takeover, ObjectLifetime.Player, null);
            Assert.Throws<InvalidOperationException>(delegate { reg.Destroy(pending); });
        }

        [Test]
        public void BadDeltasChangeNothing()
        {
            Assert.Throws<BadDeltaException>(delegate { Feed("10:3.1:3:1:t:p:X::1:"); });
            Assert.AreEqual(0, reg.Count);
            Feed("10:3.1:3:1:t:p:X::1:AQ==");
            Assert.Throws<BadDeltaException>(delegate { Feed("11:3.1:1:3:AQ=="); });
            Assert.AreEqual("01", Vectors.Hex(reg.Get("3.1").State.GetField(0)));
            Assert.IsFalse(reg.Get("3.1").State.HasField(1));
        }

        [Test]
        public void ClearDestroysEverythingIncludingPending()
        {
            Feed("10:3.1:3:1:t:p:X::0:");
            ObjectRecord pending = reg.Instantiate("Y", OwnershipMode.Takeover, ObjectLifetime.Player, null);
            reg.BeginSnapshot();
            reg.Clear();
            Assert.AreEqual(0, reg.Count);
            Assert.AreEqual(0, reg.PendingCount);
            Assert.IsFalse(reg.InSnapshot);
            Assert.IsTrue(pending.IsDestroyed);
            Assert.IsFalse(pending.IsMine);
            CollectionAssert.AreEqual(new[] { "spawned 3.1", "destroyed 3.1", "destroyed t1" }, events);
            // A late echo of the cleared instantiate is a plain new object, not a resurrection.
            Feed("10:17.1:17:1:t:p:Y:t1:0:");
            Assert.IsTrue(pending.IsDestroyed);
            Assert.AreNotSame(pending, reg.Get("17.1"));
        }
    }
}
