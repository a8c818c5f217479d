using System;
using System.Collections.Generic;
using NUnit.Framework;
using Tandem.Protocol;

namespace Tandem.Tests
{
    [TestFixture]
    public class CodecTests
    {
        static string Join(string[] a) { return "[" + string.Join("|", a) + "]"; }

        static string[] Tail(string[] v, int from)
        {
            var r = new string[v.Length - from];
            Array.Copy(v, from, r, 0, r.Length);
            return r;
        }

        [Test]
        public void EveryServerVectorSplitsIntoItsFields()
        {
            var failures = new List<string>();
            var vectors = Vectors.Of("s2c");
            foreach (var v in vectors)
            {
                string line = v[1];
                string[] want = Tail(v, 3);
                try
                {
                    int number;
                    string[] got = LineCodec.SplitServerFields(line, out number);
                    if (number.ToString() != v[2]) failures.Add(line + ": number " + number + ", want " + v[2]);
                    if (Join(got) != Join(want)) failures.Add(line + ": fields " + Join(got) + ", want " + Join(want));
                }
                catch (Exception e)
                {
                    failures.Add(line + ": " + e.GetType().Name + " " + e.Message);
                }
            }
            Vectors.AssertNoFailures(failures, vectors.Count);
        }

        [Test]
        public void EveryServerVectorParsesToItsTypedMessageAndBack()
        {
            var failures = new List<string>();
            var vectors = Vectors.Of("s2c");
            foreach (var v in vectors)
            {
                try
                {
                    ServerLine m = LineCodec.ParseServerLine(v[1]);
                    if (m.Number.ToString() != v[2]) failures.Add(v[1] + ": typed number " + m.Number);
                    // The typed message must hold every field: formatting it again gives the same line.
                    if (m.ToLine() != v[1]) failures.Add(v[1] + ": round trip gave '" + m.ToLine() + "'");
                }
                catch (Exception e)
                {
                    failures.Add(v[1] + ": " + e.GetType().Name + " " + e.Message);
                }
            }
            Vectors.AssertNoFailures(failures, vectors.Count);
        }

        [Test]
        public void TypedMessagesExposeTheFields()
        {
            var spawn = (SpawnLine)LineCodec.ParseServerLine("10:17.1:17:1:t:p:Avatar:a1:3:AaF4");
            Assert.AreEqual("17.1", spawn.ObjectId);
            Assert.AreEqual(17L, spawn.Owner);
            Assert.AreEqual(1L, spawn.Generation);
            Assert.AreEqual(OwnershipMode.Takeover, spawn.Mode);
            Assert.AreEqual(ObjectLifetime.Player, spawn.Lifetime);
            Assert.AreEqual("Avatar", spawn.Prefab);
            Assert.AreEqual("a1", spawn.Token);
            Assert.AreEqual("3", spawn.Mask);
            Assert.AreEqual("AaF4", spawn.Data);

            var err = (ErrorLine)LineCodec.ParseServerLine("9:2:wrong_password:room \"x\": wrong password");
            Assert.AreEqual(2, err.CommandNumber);
            Assert.AreEqual("wrong_password", err.Code);
            Assert.AreEqual("room \"x\": wrong password", err.Text);
            Assert.AreEqual(-1, ((ErrorLine)LineCodec.ParseServerLine("9:-:slow_consumer:x")).CommandNumber);

            var leave = (MemberLine)LineCodec.ParseServerLine("2:17:");
            Assert.IsTrue(leave.IsLeave);
            Assert.IsFalse(((MemberLine)LineCodec.ParseServerLine("2:17:lobby")).IsLeave);

            var who = (WhoLine)LineCodec.ParseServerLine("5:lobby:3=alice,9=bob");
            Assert.AreEqual(2, who.Members.Count);
            Assert.AreEqual(3L, who.Members[0].ClientId);
            Assert.AreEqual("alice", who.Members[0].Name);
            Assert.AreEqual("bob", who.Members[1].Name);

            Assert.IsNull(((PongLine)LineCodec.ParseServerLine("7")).Token);
            Assert.AreEqual("abc", ((PongLine)LineCodec.ParseServerLine("7:abc")).Token);
            Assert.AreEqual("jump:high", ((ObjectMessageLine)LineCodec.ParseServerLine("16:3.1:9:jump:high")).Text);
            Assert.AreEqual(1, ((RoomReadyLine)LineCodec.ParseServerLine("17:lobby:1")).ObjectCount);
            Assert.AreEqual(0, ((RoomListLine)LineCodec.ParseServerLine("1:")).Rooms.Count);
        }

        [TestCase("")]
        [TestCase("x:1")]
        [TestCase("0")]
        [TestCase("0:0")]
        [TestCase("0:-3")]
        [TestCase("0:+3")]
        [TestCase("4:abc")]
        [TestCase("2:17")]
        [TestCase("6:x")]
        [TestCase("18:x")]
        [TestCase("99")]
        [TestCase("12:3.1:17")]
        [TestCase("12:3.1:17:x")]
        [TestCase("12:31:17:2")]
        [TestCase("10:17.1:17:1:t:p:Avatar:a1:3")]
        [TestCase("10:17.1:17:1:q:p:Avatar:a1:3:AaF4")]
        [TestCase("10:17.1:17:1:t:z:Avatar:a1:3:AaF4")]
        [TestCase("17:lobby:many")]
        [TestCase("1:lobby")]
        [TestCase("5:lobby:alice")]
        public void MalformedServerLinesAreProtocolErrors(string line)
        {
            Assert.Throws<ProtocolException>(delegate { LineCodec.ParseServerLine(line); });
        }

        [Test]
        public void EveryClientVectorSplitsIntoItsFields()
        {
            var failures = new List<string>();
            var vectors = Vectors.Of("c2s");
            foreach (var v in vectors)
            {
                string issue;
                if (Vectors.IsKnownIssue(v, out issue))
                {
                    int num;
                    Assert.AreEqual("[lobby]", Join(LineCodec.SplitClientFields(v[1], out num)));
                    continue;
                }
                try
                {
                    int number;
                    string[] got = LineCodec.SplitClientFields(v[1], out number);
                    if (number.ToString() != v[2]) failures.Add(v[1] + ": number " + number);
                    if (Join(got) != Join(Tail(v, 3))) failures.Add(v[1] + ": fields " + Join(got) + ", want " + Join(Tail(v, 3)));
                }
                catch (Exception e)
                {
                    failures.Add(v[1] + ": " + e.GetType().Name + " " + e.Message);
                }
            }
            Vectors.AssertNoFailures(failures, vectors.Count);
        }

        // Builds the line of a c2s vector from its fields with the ClientLines builders.
        static string Build(int number, string[] f)
        {
            switch (number)
            {
                case 0: return ClientLines.Login(f[0], f[1]);
                case 1: return ClientLines.ListRooms(f.Length == 0 ? null : f[0]);
                case 2:
                    if (f[0] == "-1") return ClientLines.Leave();
                    if (f.Length > 2) return ClientLines.Join(f[0], f[1], int.Parse(f[2]));
                    return ClientLines.Join(f[0], f.Length > 1 ? f[1] : null);
                case 3:
                {
                    int target = int.Parse(f[0]);
                    if (target == 4 || target == 5)
                    {
                        var ids = new List<long>();
                        for (int i = 1; i < f.Length - 1; i++) ids.Add(long.Parse(f[i]));
                        return ClientLines.SendTo(ids, f[f.Length - 1], target == 5);
                    }
                    return ClientLines.Send((SendTarget)target, f[1]);
                }
                case 5: return ClientLines.Who(f.Length > 0 ? f[0] : null, f.Length > 1 ? f[1] : null);
                case 7: return ClientLines.Ping(f.Length > 0 ? f[0] : null);
                case 10:
                    return ClientLines.Instantiate(f[0], f[1], ProtocolCodes.ParseMode(f[2]), ProtocolCodes.ParseLifetime(f[3]), f[4], f[5]);
                case 11: return ClientLines.Update(f[0], long.Parse(f[1]), f[2] == "1", f[3], f[4]);
                case 12:
                    switch (f[1])
                    {
                        case "take": return f.Length == 3 ? ClientLines.TakeIf(f[0], long.Parse(f[2])) : ClientLines.Take(f[0]);
                        case "give": return ClientLines.Give(f[0], long.Parse(f[2]));
                        case "approve": return ClientLines.Approve(f[0], long.Parse(f[2]));
                        case "deny": return ClientLines.Deny(f[0], long.Parse(f[2]));
                    }
                    break;
                case 15: return ClientLines.Destroy(f[0]);
                case 16: return ClientLines.ObjectMessage(f[0], (ObjectMessageTarget)int.Parse(f[1]), f[2]);
                case 18: return ClientLines.TokenLogin(f[0]);
                case 19: return ClientLines.Resume(f[0], f[1]);
                case 21: return ClientLines.Logout();
            }
            throw new ArgumentException("no builder for " + number);
        }

        [Test]
        public void ClientLineBuildersProduceEveryClientVector()
        {
            var failures = new List<string>();
            var vectors = Vectors.Of("c2s");
            foreach (var v in vectors)
            {
                string issue;
                if (Vectors.IsKnownIssue(v, out issue))
                {
                    Assert.AreEqual("2:lobby", ClientLines.Join("lobby", null));
                    continue;
                }
                try
                {
                    string got = Build(int.Parse(v[2]), Tail(v, 3));
                    if (got != v[1]) failures.Add(v[1] + ": built '" + got + "'");
                }
                catch (Exception e)
                {
                    failures.Add(v[1] + ": " + e.GetType().Name + " " + e.Message);
                }
            }
            Vectors.AssertNoFailures(failures, vectors.Count);
        }

        [Test]
        public void BuildersRefuseLineInjection()
        {
            Assert.Throws<ArgumentException>(delegate { ClientLines.Send(SendTarget.All, "hi\n2:-1"); });
            Assert.Throws<ArgumentException>(delegate { ClientLines.Send(SendTarget.All, "hi\r"); });
            Assert.Throws<ArgumentException>(delegate { ClientLines.SendTo(new long[] { 3 }, "a:b", false); });
            Assert.Throws<ArgumentException>(delegate { ClientLines.SendTo(new long[0], "ab", false); });
            Assert.Throws<ArgumentException>(delegate { ClientLines.Login("al:ice", "pw"); });
            Assert.Throws<ArgumentException>(delegate { ClientLines.Join("lob:by", null); });
            Assert.Throws<ArgumentException>(delegate { ClientLines.ObjectMessage("3.1", ObjectMessageTarget.Owner, "x\ny"); });
            // ':' is fine where the message is the rest of the line.
            Assert.AreEqual("3:1:a:b", ClientLines.Send(SendTarget.All, "a:b"));
            Assert.AreEqual("16:3.1:4:a:b", ClientLines.ObjectMessage("3.1", ObjectMessageTarget.Owner, "a:b"));
        }

        [Test]
        public void EveryRoomListVectorSplitsAtTheLastDash()
        {
            var failures = new List<string>();
            var vectors = Vectors.Of("rooms");
            foreach (var v in vectors)
            {
                string issue;
                if (Vectors.IsKnownIssue(v, out issue))
                {
                    var r = LineCodec.ParseRoomList(v[1]);
                    Assert.AreEqual("my-room", r[1].Name);
                    Assert.AreEqual(5, r[1].MemberCount);
                    continue;
                }
                try
                {
                    List<RoomInfo> rooms = LineCodec.ParseRoomList(v[1]);
                    var want = new List<string>();
                    for (int i = 2; i + 1 < v.Length; i += 2) want.Add(v[i] + "=" + v[i + 1]);
                    var got = new List<string>();
                    foreach (var r in rooms) got.Add(r.Name + "=" + r.MemberCount);
                    if (string.Join(",", got.ToArray()) != string.Join(",", want.ToArray()))
                        failures.Add("'" + v[1] + "': got " + string.Join(",", got.ToArray()));
                    if (LineCodec.FormatRoomList(rooms) != v[1]) failures.Add("'" + v[1] + "': formats as " + LineCodec.FormatRoomList(rooms));
                }
                catch (Exception e)
                {
                    failures.Add("'" + v[1] + "': " + e.GetType().Name + " " + e.Message);
                }
            }
            Vectors.AssertNoFailures(failures, vectors.Count);
        }

        [Test]
        public void WhoListParsesIdsAndNames()
        {
            var m = LineCodec.ParseWhoList("3=alice,9=bob.b-2");
            Assert.AreEqual(2, m.Count);
            Assert.AreEqual(9L, m[1].ClientId);
            Assert.AreEqual("bob.b-2", m[1].Name);
            Assert.AreEqual(0, LineCodec.ParseWhoList("").Count);
            Assert.Throws<ProtocolException>(delegate { LineCodec.ParseWhoList("x=alice"); });
        }

        [Test]
        public void Base64PayloadsRoundTripAndDecodeStrictly()
        {
            string text = "héllo: wörld\n";
            string b64 = Payload.EncodeText(text);
            Assert.IsTrue(b64.IndexOf(':') < 0 && b64.IndexOf('\n') < 0);
            Assert.AreEqual(text, Payload.DecodeText(b64));
            var bytes = new byte[256];
            for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)i;
            for (int n = 0; n <= 5; n++)
            {
                var part = new byte[n];
                Array.Copy(bytes, 250, part, 0, n);
                Assert.AreEqual(Vectors.Hex(part, 0, n), Vectors.Hex(Payload.FromBase64(Convert.ToBase64String(part)), 0, n));
            }
            Assert.AreEqual(Vectors.Hex(bytes, 0, 256), Vectors.Hex(Payload.FromBase64(Payload.ToBase64(bytes)), 0, 256));
            foreach (string bad in new[] { "ww", " ww==", "ww= ", "w===", "====", "ww=a", "w-_=", "wé==", "wx==", "AAB=" })
                Assert.Throws<FormatException>(delegate { Payload.FromBase64(bad); }, bad);
        }
    }
}
