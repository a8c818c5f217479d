using System;
using System.Collections.Generic;
using System.Threading;
using NUnit.Framework;
using Tandem.Protocol;

namespace Tandem.Tests
{
    /// <summary>
    /// Session tokens (<c>18</c>), logout (<c>21</c>) and the reconnect's order of logins: resume,
    /// session token, password. Over the scripted transport of <see cref="ResumeTests"/>.
    /// </summary>
    [TestFixture]
    public class SessionTokenTests : ScriptedClientFixture
    {
        List<TandemError> errors;
        List<TimeSpan> delays;

        [SetUp]
        public void SetUp() { NewClient(false); }

        void NewClient(bool refreshMembers)
        {
            NewScriptedClient(refreshMembers);
            errors = new List<TandemError>();
            delays = new List<TimeSpan>();
            client.ConnectionLost += d => log.Add("lost");
            client.Resumed += id => log.Add("resumed " + id);
            client.ResumeFailed += why => log.Add("resume failed " + why.Split(':')[0]);
            client.LoggedIn += id => log.Add("loggedin " + id);
            client.RoomJoined += r => log.Add("joined " + r);
            client.RoomLeft += r => log.Add("left " + r);
            client.Closing += (code, text) => log.Add("closing " + code);
            client.Disconnected += d => log.Add("disconnected" + (d.ClosingCode != null ? " " + d.ClosingCode : "") + (d.WillReconnect ? " reconnect" : ""));
            client.Reconnecting += (n, d) => delays.Add(d);
            client.Error += e => errors.Add(e);
        }

        // Pumps well past the longest reconnect delay (40 ms): a reconnect would have opened by then.
        void PumpPastReconnectDelay()
        {
            var until = DateTime.UtcNow.AddMilliseconds(200);
            while (DateTime.UtcNow < until)
            {
                client.Update();
                Thread.Sleep(5);
            }
        }

        // Logged in with the password as 5 (session token s1, resume token tok1), in arena with member 3.
        void InRoomWithPassword()
        {
            client.Connect("tcp://127.0.0.1:1");
            client.Login("alice", "pw");
            Pump();
            Current.Feed("0:5:s1:tok1");
            Pump();
            Assert.AreEqual("s1", client.SessionToken);
            client.JoinRoom("arena");
            Current.Feed("2:5:arena", "2:3:arena", "4:3", "17:arena:0");
            Pump();
            Assert.IsTrue(client.IsRoomReady);
            log.Clear();
        }

        [Test]
        public void TheLoginAnswerGivesBothTokensInAnyForm()
        {
            var full = (SessionStartedLine)LineCodec.ParseServerLine("0:17:eyJ1.c2ln-_x:q3dV_x-1");
            Assert.AreEqual(17L, full.ClientId);
            Assert.AreEqual("eyJ1.c2ln-_x", full.SessionToken);
            Assert.AreEqual("q3dV_x-1", full.ResumeToken);
            Assert.AreEqual("0:17:eyJ1.c2ln-_x:q3dV_x-1", full.ToLine());
            var noResume = (SessionStartedLine)LineCodec.ParseServerLine("0:17:s.t:");
            Assert.AreEqual("s.t", noResume.SessionToken);
            Assert.AreEqual("", noResume.ResumeToken);

            client.Connect("tcp://127.0.0.1:1");
            client.Login("alice", "pw");
            Current.Feed("0:5:s1:tok1");
            Pump();
            Assert.AreEqual("s1", client.SessionToken);
            Assert.AreEqual("tok1", client.ResumeToken);
        }

        [TestCase("0:5::tok1", null, "tok1")]
        [TestCase("0:5:s1:", "s1", null)]
        [TestCase("0:5", null, null)]
        public void EitherTokenMayBeMissing(string answer, string session, string resume)
        {
            client.Connect("tcp://127.0.0.1:1");
            client.Login("alice", "pw");
            Current.Feed(answer);
            Pump();
            Assert.IsTrue(client.IsLoggedIn);
            Assert.AreEqual(5L, client.ClientId);
            Assert.AreEqual(session, client.SessionToken);
            Assert.AreEqual(resume, client.ResumeToken);
        }

        [Test]
        public void TheNewestTokenIsKeptAndALoginWithAPasswordForgetsTheOldOne()
        {
            client.Connect("tcp://127.0.0.1:1");
            client.LoginWithToken("old.token", "alice");
            Pump();
            Assert.AreEqual("18:old.token", Current.Sent[0]);
            Assert.AreEqual("old.token", client.SessionToken, "the token presented is the one held until the answer");
            Current.Feed("0:5:re-signed.token:tok1");
            Pump();
            Assert.AreEqual("re-signed.token", client.SessionToken, "the server's newer token replaces it");

            client.Login("bob", "pw"); // another account on purpose: alice's token must not stay
            Assert.IsNull(client.SessionToken);
        }

        [Test]
        public void AResumeAnswerWithoutASessionTokenKeepsTheOneWeHave()
        {
            InRoomWithPassword();
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            Assert.AreEqual("19:alice:tok1", c2.Sent[0]);
            c2.Feed("0:5::tok2", "2:5:arena", "2:3:arena", "4:3", "17:arena:0");
            Pump();
            CollectionAssert.Contains(log, "resumed 5");
            Assert.AreEqual("s1", client.SessionToken);
            Assert.AreEqual("tok2", client.ResumeToken);
        }

        [Test]
        public void AResumeAnswerWithASessionTokenReplacesOurs()
        {
            InRoomWithPassword();
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            c2.Feed("0:5:s2:tok2", "2:5:arena", "2:3:arena", "4:3", "17:arena:0");
            Pump();
            CollectionAssert.Contains(log, "resumed 5");
            Assert.AreEqual("s2", client.SessionToken);
        }

        [Test]
        public void TokenLoginLinesAndTheirChecks()
        {
            Assert.AreEqual("18:abc.DEF-_9", ClientLines.TokenLogin("abc.DEF-_9"));
            Assert.AreEqual("21", ClientLines.Logout());
            string longest = new string('a', 512);
            Assert.AreEqual("18:" + longest, ClientLines.TokenLogin(longest));
            foreach (string bad in new[] { "", "a:b", "a b", "a\nb", "ü", new string('a', 513) })
                Assert.Throws<ArgumentException>(() => ClientLines.TokenLogin(bad), "'" + bad + "'");
            Assert.Throws<ArgumentNullException>(() => ClientLines.TokenLogin(null));

            int n;
            CollectionAssert.AreEqual(new[] { "abc.DEF-_9" }, LineCodec.SplitClientFields("18:abc.DEF-_9", out n));
            Assert.AreEqual(MessageNumber.TokenLogin, n);
            CollectionAssert.IsEmpty(LineCodec.SplitClientFields("21", out n));
            Assert.AreEqual(MessageNumber.Logout, n);
            Assert.Throws<ProtocolException>(() => LineCodec.SplitClientFields("21:x", out n));
            Assert.Throws<ProtocolException>(() => LineCodec.ParseServerLine("18:abc"), "18 is client to server only");

            var closing = (ClosingLine)LineCodec.ParseServerLine("8:logged_out:you logged out: bye");
            Assert.AreEqual(CloseCode.LoggedOut, closing.Code);
            Assert.AreEqual("you logged out: bye", closing.Text);
            var refused = (ErrorLine)LineCodec.ParseServerLine("9:18:bad_token:expired");
            Assert.AreEqual(MessageNumber.TokenLogin, refused.CommandNumber);
            Assert.AreEqual(ErrorCode.BadToken, refused.Code);

            client.Connect("tcp://127.0.0.1:1");
            Assert.Throws<ArgumentException>(() => client.LoginWithToken("a:b"));
            Assert.Throws<ArgumentException>(() => client.LoginWithToken("tok", "al:ice"));
            Assert.Throws<ArgumentException>(() => client.LoginWithToken("tok", ""));
            Assert.Throws<ArgumentException>(() => client.LoginWithToken("tok", null, "pw"), "a password without its user");
            Pump();
            CollectionAssert.IsEmpty(Current.Sent, "nothing sent for a refused argument");
        }

        [Test]
        public void ALoginWithATokenSucceedsAsAPasswordLoginDoes()
        {
            client.Connect("tcp://127.0.0.1:1");
            client.LoginWithToken("s1");
            Pump();
            CollectionAssert.AreEqual(new[] { "18:s1" }, Current.Sent);
            Current.Feed("0:7:s2:tok1");
            Pump();
            Assert.IsTrue(client.IsLoggedIn);
            Assert.AreEqual(7L, client.ClientId);
            Assert.AreEqual("s2", client.SessionToken);
            Assert.IsNull(client.UserName, "not known yet: the answer carries no name");
            CollectionAssert.AreEqual(new[] { "loggedin 7" }, log);
        }

        [Test]
        public void ARefusedTokenRaisesTheErrorAndIsForgotten()
        {
            client.Connect("tcp://127.0.0.1:1");
            client.LoginWithToken("s1");
            Pump();
            Current.Feed("9:18:bad_token:the session ended");
            Pump();
            Assert.AreEqual(1, errors.Count);
            Assert.AreEqual(MessageNumber.TokenLogin, errors[0].CommandNumber);
            Assert.AreEqual(ErrorCode.BadToken, errors[0].Code);
            Assert.IsFalse(client.IsLoggedIn);
            Assert.IsNull(client.SessionToken);
            CollectionAssert.AreEqual(new[] { "18:s1" }, Current.Sent, "no other login on its own: the game decides");

            // The game logs in with the password on the same connection; reconnecting works again.
            client.Login("alice", "pw");
            Current.Feed("0:5:s9:tok9");
            Pump();
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            Assert.AreEqual("18:s9", c2.Sent[0]);
        }

        [Test]
        public void ARefusedTokenGivenWithAPasswordLogsInWithThePasswordAtOnce()
        {
            client.Connect("tcp://127.0.0.1:1");
            client.LoginWithToken("s1", "alice", "pw");
            Pump();
            Current.Feed("9:18:bad_token:expired");
            Pump();
            CollectionAssert.AreEqual(new[] { "18:s1", "0:alice:pw" }, Current.Sent);
            Assert.AreEqual(ErrorCode.BadToken, errors[0].Code, "the game still hears of the refusal");
            Current.Feed("0:5:s2:tok1");
            Pump();
            Assert.IsTrue(client.IsLoggedIn);
            Assert.AreEqual("s2", client.SessionToken);
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            Assert.AreEqual("18:s2", c2.Sent[0], "the new token first on the reconnect");
        }

        [Test]
        public void AReconnectOutsideARoomLogsInWithTheTokenNotThePassword()
        {
            client.Connect("tcp://127.0.0.1:1");
            client.Login("alice", "pw");
            Current.Feed("0:5:s1:tok1");
            Pump();
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            CollectionAssert.AreEqual(new[] { "18:s1" }, c2.Sent, "nothing to resume: the token, not the password");
            c2.Feed("0:6:s2:tok2");
            Pump();
            Assert.AreEqual(6L, client.ClientId);
            Assert.AreEqual("s2", client.SessionToken);
        }

        [Test]
        public void ARefusedResumeFallsBackToTheTokenThenToThePasswordAndRejoins()
        {
            InRoomWithPassword();
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            Assert.AreEqual("19:alice:tok1", c2.Sent[0], "the resume first");
            c2.Feed("9:19:bad_token:the grace is over");
            Pump();
            CollectionAssert.AreEqual(new[] { "19:alice:tok1", "18:s1" }, c2.Sent, "then the session token");
            Assert.IsNull(client.CurrentRoom);
            c2.Feed("9:18:bad_token:logged out elsewhere");
            Pump();
            CollectionAssert.AreEqual(new[] { "19:alice:tok1", "18:s1", "0:alice:pw" }, c2.Sent, "then the password");
            Assert.IsNull(client.SessionToken);
            c2.Feed("0:6:s2:tok9");
            Pump();
            Assert.AreEqual("2:arena", c2.Sent[3], "the room is joined again");
            Assert.AreEqual("s2", client.SessionToken);
            Assert.AreEqual("tok9", client.ResumeToken);
            CollectionAssert.AreEqual(new[] { "bad_token 19", "bad_token 18" }, errors.ConvertAll(e => e.Code + " " + e.Command));
            CollectionAssert.AreEqual(new[]
            {
                "lost", "disconnected reconnect", "left arena", "resume failed bad_token", "loggedin 6",
            }, log);
        }

        [Test]
        public void ARefusedResumeFallsBackToTheTokenAndRejoinsWithoutThePassword()
        {
            InRoomWithPassword();
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            c2.Feed("9:19:bad_token:the grace is over", "0:6:s1b:tok9");
            Pump();
            CollectionAssert.AreEqual(new[] { "19:alice:tok1", "18:s1", "2:arena" }, c2.Sent);
            Assert.AreEqual(6L, client.ClientId);
            Assert.AreEqual("s1b", client.SessionToken);
        }

        [Test]
        public void ATokenOnlyClientReconnectsWithTheTokenAndRejoins()
        {
            client.Connect("tcp://127.0.0.1:1");
            client.LoginWithToken("s1");
            Current.Feed("0:5:s1:tok1");
            Pump();
            client.JoinRoom("arena");
            Current.Feed("2:5:arena", "17:arena:0");
            Pump();
            Current.Drop("reset");
            Pump();
            Assert.IsFalse(client.IsResuming, "without its user name the client cannot resume");
            var c2 = NextConnection(1);
            CollectionAssert.AreEqual(new[] { "18:s1" }, c2.Sent);
            c2.Feed("0:6:s2:tok2");
            Pump();
            CollectionAssert.AreEqual(new[] { "18:s1", "2:arena" }, c2.Sent);
        }

        [Test]
        public void ATokenOnlyClientLearnsItsNameFromTheMemberListAndResumes()
        {
            NewClient(true);
            client.Connect("tcp://127.0.0.1:1");
            client.LoginWithToken("s1");
            Current.Feed("0:5:s1:tok1");
            Pump();
            client.JoinRoom("arena");
            Current.Feed("2:5:arena", "2:3:arena", "4:3", "17:arena:0");
            Pump();
            Assert.AreEqual("5", Current.Sent[Current.Sent.Count - 1]);
            Current.Feed("5:arena:3=bob,5=alice");
            Pump();
            Assert.AreEqual("alice", client.UserName);
            Current.Drop("reset");
            Pump();
            Assert.IsTrue(client.IsResuming);
            var c2 = NextConnection(1);
            Assert.AreEqual("19:alice:tok1", c2.Sent[0]);
        }

        [Test]
        public void ATokenOnlyClientWhoseTokenIsRefusedStopsReconnecting()
        {
            client.Connect("tcp://127.0.0.1:1");
            client.LoginWithToken("s1");
            Current.Feed("0:5:s1:tok1");
            Pump();
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            c2.Feed("9:18:bad_token:expired");
            Pump();
            CollectionAssert.AreEqual(new[] { "18:s1" }, c2.Sent, "no password to fall back to");
            Assert.IsNull(client.SessionToken);
            c2.Drop("login timeout");
            PumpPastReconnectDelay();
            Assert.AreEqual(2, conns.Count, "no further attempt");
            Assert.AreEqual(ClientState.Disconnected, client.State);
            Assert.AreEqual("disconnected", log[log.Count - 1]);
        }

        [Test]
        public void ServerBusyForTheTokenLoginDelaysTheNextAttemptByItsHint()
        {
            client.Connect("tcp://127.0.0.1:1");
            client.Login("alice", "pw");
            Current.Feed("0:5:s1:tok1");
            Pump();
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            Assert.AreEqual("18:s1", c2.Sent[0]);
            c2.Feed("9:18:server_busy:300 too many logins");
            Pump();
            Assert.IsTrue(c2.ClosedByClient);
            Assert.AreEqual("s1", client.SessionToken, "a busy server spent nothing");
            Assert.AreEqual(2, delays.Count);
            Assert.AreEqual(300.0, delays[1].TotalMilliseconds, 0.5, "the server's delay, not the 20 ms back-off");
            var c3 = NextConnection(2);
            CollectionAssert.AreEqual(new[] { "18:s1" }, c3.Sent);
        }

        [Test]
        public void ServerBusyForTheTokenLoginAfterARefusedResumeRetriesWithTheTokenAndRejoins()
        {
            InRoomWithPassword();
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            c2.Feed("9:19:bad_token:the grace is over", "9:18:server_busy:250 busy");
            Pump();
            Assert.IsTrue(c2.ClosedByClient);
            Assert.AreEqual(250.0, delays[delays.Count - 1].TotalMilliseconds, 0.5);
            var c3 = NextConnection(2);
            CollectionAssert.AreEqual(new[] { "18:s1" }, c3.Sent);
            c3.Feed("0:6:s2:tok2");
            Pump();
            CollectionAssert.AreEqual(new[] { "18:s1", "2:arena" }, c3.Sent, "the room is still the one to join again");
        }

        [Test]
        public void LogoutForgetsTheTokensAndDoesNotReconnect()
        {
            InRoomWithPassword();
            Assert.IsTrue(client.Logout());
            Assert.AreEqual("21", Current.Sent[Current.Sent.Count - 1]);
            Assert.IsNull(client.SessionToken);
            Assert.IsNull(client.ResumeToken);
            Current.Feed("8:logged_out:you logged out");
            Current.Drop("closed by server");
            Pump();
            PumpPastReconnectDelay();
            Assert.AreEqual(1, conns.Count, "no reconnect after a logout");
            Assert.AreEqual(ClientState.Disconnected, client.State);
            Assert.IsFalse(client.IsResuming);
            Assert.IsNull(client.CurrentRoom);
            CollectionAssert.AreEqual(new[] { "closing logged_out", "left arena", "disconnected logged_out" }, log);
        }

        [Test]
        public void LoggedOutFromTheServerAloneAlsoEndsIt()
        {
            // The 21 was sent by other means (a raw line): the closing code alone is enough.
            InRoomWithPassword();
            client.SendLine("21");
            Current.Feed("8:logged_out:you logged out");
            Current.Drop("closed by server");
            Pump();
            PumpPastReconnectDelay();
            Assert.AreEqual(1, conns.Count);
            Assert.IsNull(client.SessionToken);
            Assert.IsFalse(client.IsResuming, "a logout is not a drop");
            CollectionAssert.AreEqual(new[] { "closing logged_out", "left arena", "disconnected logged_out" }, log);
        }

        [Test]
        public void LogoutWhileWaitingToReconnectStopsIt()
        {
            InRoomWithPassword();
            Current.Drop("reset");
            Pump();
            Assert.IsTrue(client.IsResuming);
            Assert.AreEqual(ClientState.WaitingToReconnect, client.State);
            Assert.IsFalse(client.Logout(), "nothing to send it on");
            Assert.AreEqual(ClientState.Disconnected, client.State);
            Assert.IsFalse(client.IsResuming);
            Assert.IsNull(client.CurrentRoom);
            PumpPastReconnectDelay();
            Assert.AreEqual(1, conns.Count);
        }

        [Test]
        public void ATokenForAnotherUserDropsTheRememberedPassword()
        {
            client.Connect("tcp://127.0.0.1:1");
            client.Login("alice", "pw");
            Current.Feed("9:0:bad_credentials:no");
            Pump();
            client.LoginWithToken("bobs.token", "bob");
            Current.Feed("0:8:bobs.token:tok1");
            Pump();
            // Logged in as bob; a refused token on a reconnect must never fall back to alice's password.
            Current.Drop("reset");
            Pump();
            var c2 = NextConnection(1);
            Assert.AreEqual("18:bobs.token", c2.Sent[0]);
            c2.Feed("9:18:bad_token:expired");
            Pump();
            CollectionAssert.AreEqual(new[] { "18:bobs.token" }, c2.Sent);
        }

        [Test]
        public void ATokenForTheSameUserKeepsThePasswordAsTheLastResort()
        {
            client.Connect("tcp://127.0.0.1:1");
            client.Login("alice", "pw");
            Current.Feed("0:5:s1:tok1");
            Pump();
            client.Disconnect();
            client.Connect("tcp://127.0.0.1:1");
            client.LoginWithToken(client.SessionToken, "Alice");
            Current.Feed("0:6:s2:tok2");
            Pump();
            Current.Drop("reset");
            Pump();
            var c3 = NextConnection(2);
            c3.Feed("9:18:bad_token:password changed");
            Pump();
            CollectionAssert.AreEqual(new[] { "18:s2", "0:Alice:pw" }, c3.Sent);
        }
    }
}
