using System;
using System.Collections.Generic;
using System.Threading;
using NUnit.Framework;
using Tandem.Sync;
using Tandem.Transport;

namespace Tandem.Tests
{
    /// <summary>
    /// A transport the test scripts: every Open is one connection the test sees in
    /// <see cref="Connections"/>; lines the client sends are recorded, and the test feeds
    /// lines and the end of the connection.
    /// </summary>
    internal sealed class ScriptedTransport : ITransport
    {
        readonly Queue<TransportEvent> inbox = new Queue<TransportEvent>();
        public readonly List<string> Sent = new List<string>();
        public bool ClosedByClient;

        public string Address { get { return "scripted://"; } }
        public void Open() { inbox.Enqueue(new TransportEvent(TransportEventKind.Connected, null)); }
        public void Send(string line) { Sent.Add(line); }
        public void Poll() { }
        public bool TryReceive(out TransportEvent e)
        {
            if (inbox.Count == 0)
            {
                e = default(TransportEvent);
                return false;
            }
            e = inbox.Dequeue();
            return true;
        }
        public void Close(TimeSpan flushTimeout) { ClosedByClient = true; }

        public void Feed(params string[] lines)
        {
            foreach (var l in lines) inbox.Enqueue(new TransportEvent(TransportEventKind.Line, l));
        }

        public void Drop(string reason) { inbox.Enqueue(new TransportEvent(TransportEventKind.Closed, reason)); }
    }

    /// <summary>
    /// A TandemClient whose every connection is a <see cref="ScriptedTransport"/>, with short
    /// reconnect delays (10 to 40 ms), for the reconnect, resume and session token tests.
    /// </summary>
    public abstract class ScriptedClientFixture
    {
        internal List<ScriptedTransport> conns;
        internal TandemClient client;
        internal List<string> log;

        internal ScriptedTransport Current { get { return conns[conns.Count - 1]; } }

        internal void NewScriptedClient(bool refreshMembers)
        {
            conns = new List<ScriptedTransport>();
            log = new List<string>();
            client = new TandemClient(new TandemClientOptions
            {
                AutoReconnect = true,
                RefreshMembers = refreshMembers,
                ReconnectMinDelay = TimeSpan.FromMilliseconds(10),
                ReconnectMaxDelay = TimeSpan.FromMilliseconds(40),
                TransportFactory = (a, o) =>
                {
                    var t = new ScriptedTransport();
                    conns.Add(t);
                    return t;
                },
            });
        }

        internal void Pump(int times = 3)
        {
            for (int i = 0; i < times; i++) client.Update();
        }

        // Waits (pumping) for the next connection attempt after a drop.
        internal ScriptedTransport NextConnection(int before)
        {
            var until = DateTime.UtcNow.AddSeconds(5);
            while (conns.Count == before)
            {
                if (DateTime.UtcNow > until) Assert.Fail("no reconnect");
                Thread.Sleep(5);
                client.Update();
            }
            Pump();
            return Current;
        }
    }

    /// <summary>The reconnect and resume state machine of TandemClient, over a scripted transport.</summary>
    [TestFixture]
    public class ResumeTests : ScriptedClientFixture
    {
        [SetUp]
        public void SetUp()
        {
            NewScriptedClient(false);
            client.ConnectionLost += d => log.Add("lost " + d.Reason);
            client.Reconnecting += (n, d) => log.Add("reconnecting " + n);
            client.Resumed += id => log.Add("resumed " + id);
            client.ResumeFailed += why => log.Add("resume failed " + why.Split(':')[0]);
            client.LoggedIn += id => log.Add("loggedin " + id);
            client.RoomJoined += r => log.Add("joined " + r);
            client.RoomLeft += r => log.Add("left " + r);
            client.RoomReady += (r, n) => log.Add("ready " + r);
            client.MemberLeft += m => log.Add("member left " + m.ClientId);
            client.MemberJoined += m => log.Add("member joined " + m.ClientId);
            client.MemberActivity += (id, active) => log.Add("activity " + id + " " + active);
            client.Objects.Spawned += o => log.Add("spawned " + o.Id);
            client.Objects.Destroyed += o => log.Add("destroyed " + o.Id);
            client.Objects.OwnerChanged += (o, prev) => log.Add("owner " + o.Id + " " + prev + "->" + o.Owner);
        }

        // Logged in as 5 with resume token tok1, in arena with member 3 (master), objects 3.1 (3's) and 5.1 (ours).
        void InRoom()
        {
            client.Connect("tcp://127.0.0.1:1");
            client.Login("alice", "pw");
            Pump();
            Assert.AreEqual("0:alice:pw", Current.Sent[0]);
            Current.Feed("0:5::tok1");
            Pump();
            client.JoinRoom("arena");
            Current.Feed("2:5:arena", "2:3:arena", "4:3", "10:3.1:3:1:t:r:Ball::1:AQ==", "10:5.1:5:1:t:p:Avatar::1:AQ==", "17:arena:2");
            Pump();
            Assert.IsTrue(client.IsRoomReady);
            log.Clear();
        }

        [Test]
        public void ADropResumesWithTheTokenAndAppliesTheSnapshotOntoTheSameObjects()
        {
            InRoom();
            ObjectRecord ball = client.Objects.Get("3.1"), avatar = client.Objects.Get("5.1");
            client.Objects.Spawned += o => { };
            Current.Drop("connection reset");
            Pump();
            Assert.IsTrue(client.IsResuming);
            Assert.AreEqual("arena", client.CurrentRoom, "the room stays while resuming");
            Assert.AreEqual(5L, client.ClientId);
            Assert.AreEqual(2, client.Objects.Count, "the objects stay while resuming");
            Assert.IsTrue(client.Objects.Suspended);
            var w = new DeltaWriter();
            w.Writer.Write(7);
            w.AddWrittenFields(1);
            Assert.IsFalse(client.Objects.SendUpdate(avatar, w, false), "nothing is sent while the connection is down");

            var c2 = NextConnection(1);
            Assert.AreEqual("19:alice:tok1", c2.Sent[0], "the reconnect resumes with the token, not the password");
            c2.Feed("0:5::tok2", "2:5:arena", "2:3:arena", "2:8:arena", "20:8:inactive", "4:3",
                    "10:3.1:5:2:t:r:Ball::1:Ag==", "10:8.1:8:1:t:p:Hat::1:Aw==", "17:arena:2");
            Pump();
            Assert.AreEqual("tok2", client.ResumeToken);
            Assert.AreEqual(5L, client.ClientId);
            Assert.IsFalse(client.IsResuming);
            Assert.IsFalse(client.Objects.Suspended);
            Assert.AreSame(ball, client.Objects.Get("3.1"), "the same record, updated in place");
            Assert.AreEqual(5L, ball.Owner);
            Assert.AreEqual(2L, ball.Generation);
            Assert.AreEqual((byte)2, ball.State.GetField(0).Array[ball.State.GetField(0).Offset]);
            Assert.IsTrue(avatar.IsDestroyed, "an object the snapshot does not name is gone");
            Assert.IsNull(client.Objects.Get("5.1"));
            Assert.IsNotNull(client.Objects.Get("8.1"));
            Assert.IsTrue(client.IsMemberInactive(8));
            CollectionAssert.AreEqual(new long[] { 3, 5, 8 }, client.MemberIds);
            CollectionAssert.AreEqual(new[]
            {
                "lost connection reset", "reconnecting 1",
                "member joined 8", "activity 8 False", "owner 3.1 3->5", "spawned 8.1", "destroyed 5.1", "resumed 5",
            }, log, "no login, join, leave or ready events: the session went on");
        }

        [Test]
        public void MembersWhoLeftOrCameBackDuringTheDropAreReportedAtTheEndOfTheResume()
        {
            InRoom();
            Current.Feed("2:9:arena", "20:9:inactive");
            Pump();
            Assert.IsTrue(client.IsMemberInactive(9));
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            log.Clear();
            // 3 left meanwhile (9 is master now), 9 is active again.
            c2.Feed("0:5::tok2", "2:5:arena", "2:9:arena", "4:9", "10:3.1:9:2:t:r:Ball::1:AQ==", "10:5.1:5:1:t:p:Avatar::1:AQ==", "17:arena:2");
            Pump();
            Assert.IsFalse(client.IsMemberInactive(9));
            Assert.AreEqual(9L, client.MasterId);
            CollectionAssert.AreEqual(new long[] { 5, 9 }, client.MemberIds);
            CollectionAssert.AreEqual(new[] { "owner 3.1 3->9", "member left 3", "activity 9 True", "resumed 5" }, log);
        }

        [Test]
        public void AMemberListRequestLostWithTheConnectionIsAskedAgainAfterTheResume()
        {
            client = new TandemClient(new TandemClientOptions
            {
                AutoReconnect = true,
                ReconnectMinDelay = TimeSpan.FromMilliseconds(10),
                TransportFactory = (a, o) =>
                {
                    var t = new ScriptedTransport();
                    conns.Add(t);
                    return t;
                },
            });
            client.Connect("tcp://127.0.0.1:1");
            client.Login("alice", "pw");
            Pump();
            Current.Feed("0:5::tok1");
            Pump();
            client.JoinRoom("arena");
            Current.Feed("2:5:arena", "2:3:arena", "4:3", "17:arena:0");
            Pump();
            Assert.AreEqual("5", Current.Sent[Current.Sent.Count - 1], "names asked for after the join");
            Current.Drop("reset"); // before the answer
            Pump();
            var c2 = NextConnection(1);
            c2.Feed("0:5::tok2", "2:5:arena", "2:3:arena", "4:3", "17:arena:0");
            Pump();
            CollectionAssert.AreEqual(new[] { "19:alice:tok1", "5" }, c2.Sent, "asked again on the new connection");
            c2.Feed("5:arena:3=bob,5=alice");
            Pump();
            Assert.AreEqual("bob", client.GetMemberName(3));
        }

        [Test]
        public void AJoinDoneJustBeforeTheDropIsTheRoomResumedInto()
        {
            InRoom();
            client.JoinRoom("hall");
            Current.Drop("reset"); // the server did the join, we never heard
            Pump();
            var c2 = NextConnection(1);
            c2.Feed("0:5::tok2", "2:5:hall", "4:5", "17:hall:0");
            Pump();
            Assert.IsFalse(client.IsResuming);
            Assert.IsFalse(client.Objects.Suspended);
            Assert.AreEqual("hall", client.CurrentRoom);
            Assert.IsTrue(client.IsRoomReady);
            Assert.AreEqual(0, client.Objects.Count);
            CollectionAssert.AreEqual(new[]
            {
                "lost reset", "reconnecting 1", "resumed 5", "destroyed 3.1", "destroyed 5.1", "left arena", "joined hall", "ready hall",
            }, log);
        }

        [Test]
        public void ALeaveLostWithTheConnectionIsSentAgainAfterTheResume()
        {
            InRoom();
            client.LeaveRoom();
            Current.Drop("reset"); // the server never got the leave
            Pump();
            var c2 = NextConnection(1);
            c2.Feed("0:5::tok2", "2:5:arena", "2:3:arena", "4:3", "10:3.1:3:1:t:r:Ball::1:AQ==", "10:5.1:5:1:t:p:Avatar::1:AQ==", "17:arena:2");
            Pump();
            CollectionAssert.AreEqual(new[] { "19:alice:tok1", "2:-1" }, c2.Sent);
            c2.Feed("2:5:");
            Pump();
            Assert.IsNull(client.CurrentRoom);
        }

        [Test]
        public void ARefusedResumeLeavesTheRoomLogsInWithThePasswordAndRejoins()
        {
            InRoom();
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            Assert.AreEqual("19:alice:tok1", c2.Sent[0]);
            c2.Feed("9:19:bad_token:the grace is over");
            Pump();
            Assert.AreEqual(new[] { "19:alice:tok1", "0:alice:pw" }, c2.Sent.ToArray());
            Assert.IsFalse(client.IsResuming);
            Assert.IsNull(client.CurrentRoom);
            Assert.AreEqual(0, client.Objects.Count);
            c2.Feed("0:6::tok9");
            Pump();
            Assert.AreEqual("2:arena", c2.Sent[2], "the room is joined again");
            CollectionAssert.AreEqual(new[]
            {
                "lost reset", "reconnecting 1", "destroyed 3.1", "destroyed 5.1", "left arena", "resume failed bad_token", "loggedin 6",
            }, log);
        }

        [Test]
        public void AResumeAnsweredWithAnotherIdIsANewSession()
        {
            InRoom();
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            c2.Feed("0:6::tok2");
            Pump();
            Assert.AreEqual(6L, client.ClientId);
            Assert.IsFalse(client.IsResuming);
            Assert.AreEqual("2:arena", c2.Sent[1], "joined again as the new player");
            Assert.Contains("resume failed the server answered the resume with client id 6, not 5", log);
        }

        [Test]
        public void ADropDuringTheResumeResumesAgainWithTheSameToken()
        {
            InRoom();
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            c2.Drop("reset again");
            Pump();
            Assert.IsTrue(client.IsResuming);
            var c3 = NextConnection(2);
            Assert.AreEqual("19:alice:tok1", c3.Sent[0]);
            Assert.AreEqual(1, log.FindAll(l => l.StartsWith("lost")).Count, "ConnectionLost once per drop");
        }

        [Test]
        public void ServerBusyDelaysTheNextAttemptByItsHint()
        {
            InRoom();
            var delays = new List<TimeSpan>();
            client.Reconnecting += (n, d) => delays.Add(d);
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            c2.Feed("9:19:server_busy:300 too many resumes");
            Pump();
            Assert.IsTrue(c2.ClosedByClient);
            Assert.IsTrue(client.IsResuming, "still resuming: the token was not spent");
            Assert.AreEqual(2, delays.Count);
            Assert.AreEqual(300.0, delays[1].TotalMilliseconds, 0.5, "the server's delay, not the 20 ms back-off");
            var c3 = NextConnection(2);
            Assert.AreEqual("19:alice:tok1", c3.Sent[0]);
        }

        [TestCase("session_replaced", false)]
        [TestCase("kicked", false)]
        [TestCase("logged_out", false)]
        [TestCase("server_shutdown", true)]
        [TestCase("rate_limited", true)]
        public void ClosingCodesThatEndTheMembershipDoNotResume(string code, bool relogin)
        {
            InRoom();
            Current.Feed("8:" + code + ":bye");
            Current.Drop("closed");
            Pump();
            Assert.IsFalse(client.IsResuming);
            Assert.IsNull(client.CurrentRoom);
            Assert.IsFalse(log.Contains("lost closed"));
            if (!relogin)
            {
                Assert.AreEqual(ClientState.Disconnected, client.State);
                return;
            }
            var c2 = NextConnection(1);
            Assert.AreEqual("0:alice:pw", c2.Sent[0], "a plain login: the server ended the membership");
        }

        [Test]
        public void OtherMembersInactiveStateFollowsTheActivityLines()
        {
            InRoom();
            Assert.IsFalse(client.IsMemberInactive(3));
            Current.Feed("20:3:inactive");
            Pump();
            Assert.IsTrue(client.IsMemberInactive(3));
            Assert.IsTrue(client.IsMember(3), "an inactive member stays a member");
            Current.Feed("20:3:inactive", "20:3:active", "20:42:inactive");
            Pump();
            Assert.IsFalse(client.IsMemberInactive(3));
            Assert.IsFalse(client.IsMemberInactive(42), "not a member: ignored");
            Current.Feed("20:3:inactive", "2:3:");
            Pump();
            Assert.IsFalse(client.IsMemberInactive(3), "gone with its leave");
            CollectionAssert.AreEqual(new[] { "activity 3 False", "activity 3 True", "activity 3 False", "member left 3" }, log,
                                      "one event per change");
        }

        [Test]
        public void GivingUpReconnectingEndsTheResume()
        {
            client = new TandemClient(new TandemClientOptions
            {
                AutoReconnect = true, RefreshMembers = false, MaxReconnectAttempts = 1,
                ReconnectMinDelay = TimeSpan.FromMilliseconds(10),
                TransportFactory = (a, o) =>
                {
                    var t = new ScriptedTransport();
                    conns.Add(t);
                    return t;
                },
            });
            client.ResumeFailed += why => log.Add("resume failed");
            client.RoomLeft += r => log.Add("left " + r);
            InRoom();
            Current.Drop("reset");
            Pump();
            Assert.IsTrue(client.IsResuming);
            var c2 = NextConnection(1);
            c2.Drop("refused");
            Pump();
            Assert.IsFalse(client.IsResuming);
            Assert.AreEqual(ClientState.Disconnected, client.State);
            Assert.IsNull(client.CurrentRoom);
            CollectionAssert.AreEqual(new[] { "left arena", "resume failed" }, log);
        }

        [Test]
        public void DisconnectAndLeaveDoNotResume()
        {
            InRoom();
            client.LeaveRoom();
            Current.Feed("2:5:");
            Pump();
            Current.Drop("reset");
            Pump();
            Assert.IsFalse(client.IsResuming, "outside a room there is nothing to resume");
            var c2 = NextConnection(1);
            Assert.AreEqual("0:alice:pw", c2.Sent[0]);
            c2.Feed("0:6::tok3");
            Pump();
            client.Disconnect();
            Assert.IsFalse(client.IsResuming);
            Assert.AreEqual(ClientState.Disconnected, client.State);
        }

        sealed class View : ITransformView
        {
            public Pose P = new Pose(Vec3.Zero, Quat.Identity, Vec3.One);
            public Pose Read() { return P; }
            public void Write(Pose pose, bool position, bool rotation, bool scale) { P = pose; }
        }

        sealed class Factory : IObjectViewFactory
        {
            public readonly Func<double> Clock;
            public int Created;
            public readonly List<string> Destroyed = new List<string>();
            public readonly Dictionary<ObjectSync, View> Views = new Dictionary<ObjectSync, View>();

            public Factory(Func<double> clock) { Clock = clock; }

            public ObjectSync Create(string prefab, ObjectRecord record, out string problem)
            {
                problem = null;
                Created++;
                return New();
            }

            public ObjectSync New()
            {
                ObjectSync sync = null;
                var view = new View();
                sync = new ObjectSync(new IReplicated[] { new TransformSync(view, Clock, () => sync.IsMine) });
                Views[sync] = view;
                return sync;
            }

            public void Destroy(ObjectSync sync) { Destroyed.Add(sync.Record == null ? "unbound" : sync.Record.Id); }
        }

        // The full state of a transform at x (as its owner would send it), as "mask:data".
        static string PoseAt(float x, double senderTime)
        {
            var view = new View { P = new Pose(new Vec3(x, 0, 0), Quat.Identity, Vec3.One) };
            var sync = new ObjectSync(new IReplicated[] { new TransformSync(view, () => senderTime, () => true) });
            var w = new DeltaWriter();
            sync.WriteFullState(w);
            return w.MaskText + ":" + w.DataText;
        }

        [Test]
        public void RoomSyncKeepsTheSameObjectsAcrossAResumeAndInterpolatesOnWithoutAJump()
        {
            double now = 100;
            var factory = new Factory(() => now);
            var room = new RoomSync(client, factory);
            client.Connect("tcp://127.0.0.1:1");
            client.Login("alice", "pw");
            Pump();
            Current.Feed("0:5::tok1");
            Pump();
            client.JoinRoom("arena");
            Current.Feed("2:5:arena", "2:3:arena", "4:3", "10:3.1:3:1:t:r:Ball::" + PoseAt(0, 50), "17:arena:1");
            Pump();
            ObjectSync ball = room.Find("3.1");
            View ballView = factory.Views[ball];
            Assert.AreEqual(1, factory.Created);
            Assert.AreEqual(0f, ballView.P.Position.X);

            ObjectSync mine = factory.New();
            room.Instantiate("Avatar", OwnershipMode.Takeover, ObjectLifetime.Player, mine);
            string sent = Current.Sent[Current.Sent.Count - 1];
            StringAssert.StartsWith("10:t1:Avatar:", sent);
            Current.Feed("10:5.1:5:1:t:p:Avatar:t1:" + PoseAt(0, now));
            Pump();
            Assert.AreEqual("5.1", mine.Record.Id);

            int sentBefore = Current.Sent.Count;
            Current.Drop("reset");
            Pump();
            factory.Views[mine].P = new Pose(new Vec3(9, 0, 0), Quat.Identity, Vec3.One);
            room.Tick(now += 1);
            Assert.AreEqual(sentBefore, conns[0].Sent.Count, "our moved object sends nothing while the connection is down");
            var c2 = NextConnection(1);
            Assert.AreEqual(new[] { "19:alice:tok1" }, c2.Sent.ToArray(), "nothing but the resume is sent");

            // The Ball moved to x=1 while we were away.
            c2.Feed("0:5::tok2", "2:5:arena", "2:3:arena", "4:3", "10:3.1:3:1:t:r:Ball::" + PoseAt(1, 52),
                    "10:5.1:5:1:t:p:Avatar::" + PoseAt(0, now), "17:arena:2");
            Pump();
            Assert.AreSame(ball, room.Find("3.1"), "the same object logic, not re-created");
            Assert.AreSame(mine, room.Find("5.1"));
            Assert.AreEqual(1, factory.Created, "nothing created again");
            CollectionAssert.IsEmpty(factory.Destroyed, "nothing destroyed");

            // Interpolation moves on from the displayed pose: no step to the new one.
            float last = ballView.P.Position.X;
            Assert.AreEqual(0f, last, 1e-4, "still showing the old pose right after the resume");
            for (int i = 0; i < 30; i++)
            {
                now += 0.01;
                ((TransformSync)ball.Parts[0]).Interpolate();
                float x = ballView.P.Position.X;
                Assert.LessOrEqual(x - last, 0.25f, "a step of " + (x - last) + " at frame " + i);
                last = x;
            }
            Assert.AreEqual(1f, last, 1e-4, "arrived at the resumed pose");

            // Ours sends its full state at once: what moved while away reaches the others.
            room.Tick(now += 1);
            string update = c2.Sent[c2.Sent.Count - 1];
            StringAssert.StartsWith("11:5.1:1:0:f:", update, "all four transform fields");
        }
    }
}
