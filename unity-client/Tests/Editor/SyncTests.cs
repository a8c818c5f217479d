using System;
using System.Collections.Generic;
using NUnit.Framework;
using Tandem.MessagePack;
using Tandem.Protocol;
using Tandem.Sync;

namespace Tandem.Tests
{
    /// <summary>
    /// The Unity layer's decisions, tested without Unity: two clients' worth of object logic
    /// (ObjectSync + TransformSync over an ObjectRegistry each), joined by a relay that turns
    /// the owner's client lines into the server lines the other side receives.
    /// </summary>
    public class SyncTests
    {
        sealed class Sink : ILineSink
        {
            public long LocalClientId { get; set; }
            public readonly List<string> Lines = new List<string>();
            public void SendLine(string line) { Lines.Add(line); }
        }

        sealed class View : ITransformView
        {
            public Pose P = new Pose(Vec3.Zero, Quat.Identity, Vec3.One);
            public int Writes;
            public Pose Read() { return P; }
            public void Write(Pose pose, bool position, bool rotation, bool scale)
            {
                Writes++;
                if (position) P.Position = pose.Position;
                if (rotation) P.Rotation = pose.Rotation;
                if (scale) P.Scale = pose.Scale;
            }
        }

        /// <summary>One client: registry, a transform, its object logic, its own clock.</summary>
        sealed class Side
        {
            public readonly Sink Sink = new Sink();
            public readonly ObjectRegistry Registry;
            public readonly View View = new View();
            public readonly TransformSync Transform;
            public readonly ObjectSync Object;
            public double Now;

            public Side(long id)
            {
                Sink.LocalClientId = id;
                Registry = new ObjectRegistry(Sink);
                Transform = new TransformSync(View, () => Now, () => Object.IsMine) { InterpolationDelay = 0.1f };
                Object = new ObjectSync(new IReplicated[] { Transform }) { SendRate = 20 };
                Registry.Spawned += r => { if (r.Tag == null) { Object.Bind(r); Object.ApplyState(r.State); } };
                Registry.Updated += (r, d) => { if (!r.IsMine) Object.ApplyDelta(d); };
                Registry.OwnerChanged += (r, previous) => Object.OwnerChanged();
            }

            public void Receive(string serverLine) { Registry.Handle(LineCodec.ParseServerLine(serverLine)); }
        }

        // Turns a client 11 line into the server's 11 line (drops the ordered flag).
        static string Relay(string clientLine)
        {
            int n;
            string[] f = LineCodec.SplitClientFields(clientLine, out n);
            Assert.AreEqual(MessageNumber.Update, n, clientLine);
            return MessageNumber.Update + ":" + f[0] + ":" + f[1] + ":" + f[3] + ":" + f[4];
        }

        // A spawns object 1.1 (owner 1), B receives it; returns the two sides.
        static void Spawn(out Side a, out Side b)
        {
            a = new Side(1);
            b = new Side(2);
            a.View.P.Position = new Vec3(0, 0, 0);
            var initial = new DeltaWriter();
            a.Object.WriteFullState(initial);
            ObjectRecord pending = a.Registry.Instantiate("Cube", OwnershipMode.Takeover, ObjectLifetime.Room, initial);
            a.Object.Bind(pending);
            Assert.IsTrue(pending.IsPending);
            Assert.IsFalse(a.Object.Tick(0), "nothing is sent while the instantiate is pending");
            string[] f = LineCodec.SplitClientFields(a.Sink.Lines[0], out int _);
            string spawn = "10:1.1:1:1:t:r:Cube:" + f[0] + ":" + f[4] + ":" + f[5];
            a.Receive(spawn); // our echo: binds the pending record by its token
            Assert.AreSame(pending, a.Registry.Get("1.1"), "the echo binds the local object by token");
            Assert.AreSame(a.Object, pending.Tag);
            b.Receive(spawn);
            a.Sink.Lines.Clear();
        }

        // A moves along x at 1 m/s for the given seconds at 60 frames/s, relaying its updates to B.
        static void Move(Side owner, Side remote, double seconds, List<float> remoteXs)
        {
            for (double t = 0; t < seconds; t += 1.0 / 60)
            {
                owner.Now += 1.0 / 60;
                remote.Now += 1.0 / 60;
                owner.View.P.Position.X += 1f / 60;
                owner.Object.Tick(owner.Now);
                foreach (string l in owner.Sink.Lines) remote.Receive(Relay(l));
                owner.Sink.Lines.Clear();
                remote.Transform.Interpolate();
                if (remoteXs != null) remoteXs.Add(remote.View.P.Position.X);
            }
        }

        static float LargestStep(List<float> xs)
        {
            float max = 0;
            for (int i = 1; i < xs.Count; i++) max = Math.Max(max, Math.Abs(xs[i] - xs[i - 1]));
            return max;
        }

        [Test]
        public void FieldsOutsideThePartAreRefusedAndMasksMapToWireFields()
        {
            var f = new ReplicatedFields(3) { Offset = 4 };
            Assert.Throws<ArgumentOutOfRangeException>(() => f.SetDirty(3));
            f.SetDirty(2);
            Assert.AreEqual(4UL, f.DirtyMask);
            Assert.AreEqual(0x40UL, f.ObjectOf(f.DirtyMask));
            Assert.AreEqual(5UL, f.LocalOf(0x50UL | 0x1UL));
            f.ClearDirty(4);
            Assert.AreEqual(0UL, f.DirtyMask);
        }

        [Test]
        public void PartsGetConsecutiveFieldRangesAndAtMost64Fields()
        {
            var side = new Side(1);
            var second = new TransformSync(new View(), () => 0, () => true);
            var sync = new ObjectSync(new IReplicated[] { side.Transform, second });
            Assert.AreEqual(0, side.Transform.Fields.Offset);
            Assert.AreEqual(4, second.Fields.Offset);
            Assert.AreSame(second, sync.PartForField(5));
            var many = new List<IReplicated>();
            for (int i = 0; i < 17; i++) many.Add(new TransformSync(new View(), () => 0, () => true));
            Assert.Throws<InvalidOperationException>(() => new ObjectSync(many));
        }

        [Test]
        public void TheOwnerSendsOnlyChangedPartsAtItsSendRate()
        {
            Side a, b;
            Spawn(out a, out b);
            a.Now = 1;
            Assert.IsFalse(a.Object.Tick(a.Now), "nothing moved: nothing to send");
            a.Now += 0.05;
            a.View.P.Position.X = 1;
            Assert.IsTrue(a.Object.Tick(a.Now));
            int n;
            string[] f = LineCodec.SplitClientFields(a.Sink.Lines[0], out n);
            Assert.AreEqual("9", f[3], "position and time only (fields 0 and 3)");
            a.View.P.Position.X = 2;
            Assert.IsFalse(a.Object.Tick(a.Now + 0.02), "20 per second: not again after 20 ms");
            Assert.IsTrue(a.Object.Tick(a.Now + 0.05));
            Assert.AreEqual(2, a.Sink.Lines.Count);
            a.View.P.Position.X = 2.0005f;
            Assert.IsFalse(a.Object.Tick(a.Now + 0.2), "below the 1 mm threshold");
        }

        [Test]
        public void ARemoteCopyInterpolatesSmoothlyBehindTheOwner()
        {
            Side a, b;
            Spawn(out a, out b);
            var xs = new List<float>();
            Move(a, b, 2.0, xs);
            // 1 m/s shown 0.1 s in the past: about 1.9 m after 2 s, never more than a frame's worth of a jump.
            float last = xs[xs.Count - 1];
            Assert.That(last, Is.InRange(1.8f, 1.95f), "B shows A's pose about 0.1 s late");
            Assert.Less(LargestStep(xs), 2.5f / 60, "no step larger than the owner moves in 2.5 frames");
            for (int i = 1; i < xs.Count; i++) Assert.GreaterOrEqual(xs[i], xs[i - 1], "never backwards");
        }

        [Test]
        public void OwnershipHandOverMidMotionDoesNotJump()
        {
            Side a, b;
            Spawn(out a, out b);
            var bxs = new List<float>();
            Move(a, b, 1.0, bxs);
            float bShown = b.View.P.Position.X;
            float aAtHandOver = a.View.P.Position.X;
            Assert.Greater(aAtHandOver - bShown, 0.05f, "B trails A while interpolating");

            // B takes the object: the server's 12 reaches both.
            a.Receive("12:1.1:2:2");
            b.Sink.LocalClientId = 2;
            b.Receive("12:1.1:2:2");
            Assert.IsTrue(b.Object.IsMine);
            Assert.AreEqual(bShown, b.View.P.Position.X, "the new owner continues from what it showed");

            // B moves on from there; A, now remote, interpolates B's updates.
            var axs = new List<float> { a.View.P.Position.X };
            Move(b, a, 1.0, axs);
            Assert.Less(LargestStep(axs), 2.5f / 60, "the old owner glides onto the new owner's path, no jump");
            Assert.Less(Math.Abs(axs[axs.Count - 1] - (b.View.P.Position.X - 0.1f)), 0.1f, "and then trails B by the delay");
            foreach (string l in b.Sink.Lines) StringAssert.StartsWith("11:1.1:2:", l, "B writes at generation 2");
        }

        [Test]
        public void AnUpdateOfAnOlderGenerationIsNotApplied()
        {
            Side a, b;
            Spawn(out a, out b);
            b.Receive("12:1.1:2:2");
            a.Now = 1;
            a.View.P.Position.X = 5;
            a.Object.OwnerChanged();
            var w = new DeltaWriter();
            w.BeginField(0).WriteArrayHeader(3);
            w.Writer.Write(5f);
            w.Writer.Write(0f);
            w.Writer.Write(0f);
            b.Receive("11:1.1:1:" + w.MaskText + ":" + w.DataText);
            Assert.AreEqual(1, b.Registry.Get("1.1").DroppedUpdates);
            b.Transform.Interpolate();
            Assert.AreEqual(0f, b.View.P.Position.X, "the stale write never shows");
        }

        [Test]
        public void RequestsAreAnsweredByHandlersOrAutomatically()
        {
            Side a, b;
            Spawn(out a, out b);
            // A handler that answers: nothing automatic follows.
            a.Object.HandleRequest(2, true, () => a.Object.Deny(2), true);
            CollectionAssert.AreEqual(new[] { "12:1.1:deny:2" }, a.Sink.Lines);
            a.Sink.Lines.Clear();
            // No handler answered, auto approval on: approved.
            a.Object.HandleRequest(2, true, () => { }, true);
            CollectionAssert.AreEqual(new[] { "12:1.1:approve:2" }, a.Sink.Lines);
            a.Sink.Lines.Clear();
            // Auto approval off and nobody listening: denied, so the requester is not left waiting.
            a.Object.HandleRequest(2, false, null, false);
            CollectionAssert.AreEqual(new[] { "12:1.1:deny:2" }, a.Sink.Lines);
            a.Sink.Lines.Clear();
            // Auto approval off with a handler that decides later: nothing yet.
            a.Object.HandleRequest(2, true, () => { }, false);
            Assert.AreEqual(0, a.Sink.Lines.Count);
        }

        sealed class Factory : IObjectViewFactory
        {
            public readonly List<string> Log = new List<string>();
            public readonly Dictionary<ObjectSync, View> Views = new Dictionary<ObjectSync, View>();
            public double Now = 0;

            public ObjectSync Create(string prefab, ObjectRecord record, out string problem)
            {
                problem = null;
                if (prefab != "Cube")
                {
                    problem = "no prefab " + prefab;
                    return null;
                }
                var view = new View();
                ObjectSync sync = null;
                var t = new TransformSync(view, () => Now, () => sync.IsMine);
                sync = new ObjectSync(new IReplicated[] { t });
                Views[sync] = view;
                Log.Add("create " + record.Id);
                return sync;
            }

            public void Destroy(ObjectSync sync) { Log.Add("destroy " + sync.Record); }
        }

        [Test]
        public void RoomSyncCreatesSnapshotObjectsThroughTheFactoryAndDespawnsThem()
        {
            var client = new TandemClient();
            var factory = new Factory();
            var room = new RoomSync(client, factory);
            var events = new List<string>();
            room.Spawned += s => events.Add("spawned " + s.Record.Id + (s.Record.FromSnapshot ? " snapshot" : ""));
            room.Despawned += s => events.Add("despawned " + s.Record.Id);
            room.Problem += p => events.Add("problem " + p);

            var w = new DeltaWriter();
            w.BeginField(0).WriteArrayHeader(3);
            w.Writer.Write(3f);
            w.Writer.Write(4f);
            w.Writer.Write(5f);
            foreach (string l in new[]
            {
                "0:7", "2:7:r", "2:3:r", "10:3.1:3:1:t:r:Cube:c1:" + w.MaskText + ":" + w.DataText,
                "10:3.2:3:1:t:r:Sphere:c2:0:", "17:r:2", "15:3.1",
            })
                client.InjectServerLine(l);
            client.DispatchEvents();

            CollectionAssert.AreEqual(new[]
            {
                "spawned 3.1 snapshot", "problem no prefab Sphere", "despawned 3.1",
            }, events);
            Assert.AreEqual(2, factory.Log.Count);
            Assert.AreEqual("create 3.1", factory.Log[0]);
            StringAssert.StartsWith("destroy", factory.Log[1]);
            foreach (var v in factory.Views.Values)
                Assert.AreEqual(new Vec3(3, 4, 5).ToString(), v.P.Position.ToString(), "the snapshot state was applied at spawn");
            Assert.AreEqual(0, room.Objects.Count, "despawned objects are forgotten");
        }
    }
}
