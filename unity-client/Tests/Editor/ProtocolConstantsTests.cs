using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Tandem.Protocol;

namespace Tandem.Tests
{
    /// <summary>
    /// The C# protocol constants mirror Go's protocol package name for name. The Go sources are
    /// read here, so a message number or code added in Go and not in C# fails this test.
    /// </summary>
    public class ProtocolConstantsTests
    {
        // Go prefix -> the C# class holding the same constants.
        static readonly Dictionary<string, Type> Mirrors = new Dictionary<string, Type>
        {
            { "Num", typeof(MessageNumber) },
            { "Code", typeof(ErrorCode) },
            { "Close", typeof(CloseCode) },
            { "Target", typeof(Target) },
            { "ObjTarget", typeof(ObjTarget) },
        };

        // NumLogin = 0 / CodeBadCommand Code = "bad_command" (inside const blocks).
        static readonly Regex GoConst = new Regex(
            @"^\s*(ObjTarget|Target|Num|Code|Close)([A-Z][A-Za-z0-9]*)\s+(?:[A-Za-z.]+\s+)?=\s+(?:""([^""]*)""|(\d+))\s*(?://.*)?$");

        struct GoConstant
        {
            public string Prefix, Name, Value, File;
        }

        static List<GoConstant> ReadGoConstants()
        {
            string protocolGo = Vectors.FindRepoFile("protocol/protocol.go", "TANDEM_PROTOCOL_GO");
            var list = new List<GoConstant>();
            foreach (string file in Directory.GetFiles(Path.GetDirectoryName(protocolGo), "*.go"))
            {
                if (file.EndsWith("_test.go", StringComparison.Ordinal)) continue;
                foreach (string line in File.ReadAllLines(file))
                {
                    var m = GoConst.Match(line);
                    if (!m.Success) continue;
                    list.Add(new GoConstant
                    {
                        Prefix = m.Groups[1].Value,
                        Name = m.Groups[2].Value,
                        Value = m.Groups[3].Success ? m.Groups[3].Value : m.Groups[4].Value,
                        File = Path.GetFileName(file),
                    });
                }
            }
            return list;
        }

        static string CSharpValue(Type type, string name)
        {
            FieldInfo f = type.GetField(name, BindingFlags.Public | BindingFlags.Static);
            if (f == null || !f.IsLiteral) return null;
            return Convert.ToString(f.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture);
        }

        [Test]
        public void EveryGoConstantHasItsCSharpTwin()
        {
            List<GoConstant> go = ReadGoConstants();
            int numbers = 0, codes = 0;
            foreach (var c in go)
            {
                if (c.Prefix == "Num") numbers++;
                if (c.Prefix == "Code" || c.Prefix == "Close") codes++;
            }
            // Guard against a reformatted protocol.go making this test vacuous.
            Assert.GreaterOrEqual(numbers, 17, "message numbers found in protocol/*.go");
            Assert.GreaterOrEqual(codes, 20, "error and closing codes found in protocol/*.go");

            var missing = new List<string>();
            foreach (var c in go)
            {
                Type mirror = Mirrors[c.Prefix];
                string value = CSharpValue(mirror, c.Name);
                if (value == null)
                    missing.Add(c.Prefix + c.Name + " = " + c.Value + " (" + c.File + ") has no C# " + mirror.Name + "." + c.Name);
                else if (value != c.Value)
                    missing.Add(c.Prefix + c.Name + " = " + c.Value + " but C# " + mirror.Name + "." + c.Name + " = " + value);
            }
            if (missing.Count > 0)
                Assert.Fail("Go protocol constants without a matching C# constant (unity-client/Runtime/Core/Protocol/Constants.cs):\n" +
                            string.Join("\n", missing.ToArray()));
        }

        [Test]
        public void EveryServerMessageNumberHasAShapeAndAParser()
        {
            foreach (var c in ReadGoConstants())
            {
                if (c.Prefix != "Num") continue;
                int n = int.Parse(c.Value);
                Assert.IsTrue(LineCodec.IsServerMessage(n) || LineCodec.IsClientMessage(n),
                              "message " + n + " (Num" + c.Name + ") has no row in LineCodec's shape table");
            }
        }

        static HashSet<string> Values(Type t)
        {
            var set = new HashSet<string>();
            foreach (var f in t.GetFields(BindingFlags.Public | BindingFlags.Static))
                if (f.IsLiteral) set.Add(Convert.ToString(f.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture));
            return set;
        }

        [Test]
        public void EveryCodeInTheServerVectorsIsAConstant()
        {
            var errors = Values(typeof(ErrorCode));
            var closing = Values(typeof(CloseCode));
            closing.UnionWith(errors); // rate_limited and slow_consumer close connections too
            var roomClosed = Values(typeof(RoomClosedCode));
            var failures = new List<string>();
            int n = 0;
            foreach (var v in Vectors.Of("s2c"))
            {
                n++;
                ServerLine line;
                try { line = LineCodec.ParseServerLine(v[1]); }
                catch (ProtocolException e)
                {
                    failures.Add(v[1] + ": " + e.Message);
                    continue;
                }
                var err = line as ErrorLine;
                if (err != null && !errors.Contains(err.Code)) failures.Add(v[1] + ": error code " + err.Code + " is not in ErrorCode");
                var closingLine = line as ClosingLine;
                if (closingLine != null && !closing.Contains(closingLine.Code)) failures.Add(v[1] + ": closing code " + closingLine.Code + " is not in CloseCode");
                var rc = line as RoomClosedLine;
                if (rc != null && !roomClosed.Contains(rc.Code)) failures.Add(v[1] + ": room-closed code " + rc.Code + " is not in RoomClosedCode");
            }
            Vectors.AssertNoFailures(failures, n);
        }

        [Test]
        public void NewLinesParse()
        {
            var sys = (SystemMessageLine)LineCodec.ParseServerLine("22:maintenance at 10:00 UTC");
            Assert.AreEqual("maintenance at 10:00 UTC", sys.Text);
            Assert.AreEqual("22:maintenance at 10:00 UTC", sys.ToLine());
            var rc = (RoomClosedLine)LineCodec.ParseServerLine("23:lobby:closed:bye: for now");
            Assert.AreEqual("lobby", rc.Room);
            Assert.AreEqual(RoomClosedCode.Closed, rc.Code);
            Assert.AreEqual("bye: for now", rc.Text);
            Assert.Throws<ProtocolException>(() => LineCodec.ParseServerLine("23:lobby"));
        }

        [Test]
        public void ResumeFormsAreAcceptedByAClientThatDoesNotResume()
        {
            var login = (SessionStartedLine)LineCodec.ParseServerLine("0:17::q3dV_x-1");
            Assert.AreEqual(17L, login.ClientId);
            Assert.AreEqual("", login.SessionToken);
            Assert.AreEqual("q3dV_x-1", login.ResumeToken);
            Assert.AreEqual("0:17::q3dV_x-1", login.ToLine());
            Assert.AreEqual("0:17", LineCodec.ParseServerLine("0:17").ToLine());

            var who = (WhoLine)LineCodec.ParseServerLine("5:lobby:3=alice=inactive,9=bob");
            Assert.AreEqual("alice", who.Members[0].Name);
            Assert.IsTrue(who.Members[0].Inactive);
            Assert.IsFalse(who.Members[1].Inactive);
            Assert.AreEqual("5:lobby:3=alice=inactive,9=bob", who.ToLine());
            Assert.Throws<ProtocolException>(() => LineCodec.ParseServerLine("5:lobby:3=alice=away"));
            Assert.Throws<ProtocolException>(() => LineCodec.ParseServerLine("20:3:sleeping"));

            var client = new TandemClient();
            var seen = new List<string>();
            client.MemberActivity += (id, active) => seen.Add(id + (active ? " back" : " away"));
            foreach (string l in new[] { "0:17::tok", "2:17:lobby", "2:3:lobby", "17:lobby:0", "20:3:inactive", "20:3:active", "20:99:inactive" })
                client.InjectServerLine(l);
            client.DispatchEvents();
            Assert.AreEqual(17L, client.ClientId);
            Assert.AreEqual("tok", client.ResumeToken);
            CollectionAssert.AreEqual(new[] { "3 away", "3 back" }, seen, "only members of our room");
            Assert.IsTrue(client.IsMember(3), "an inactive member stays a member");
            Assert.AreEqual("2:arena::30", ClientLines.Join("arena", null, 30));
            Assert.AreEqual("19:alice:tok", ClientLines.Resume("alice", "tok"));
        }

        [Test]
        public void ServerBusyCarriesItsRetryDelay()
        {
            var e = new TandemError("0", 0, ErrorCode.ServerBusy, "1250 too many logins, try again");
            Assert.AreEqual(TimeSpan.FromMilliseconds(1250), e.RetryAfter);
            Assert.AreEqual(TimeSpan.Zero, new TandemError("0", 0, ErrorCode.BadCredentials, "1250 x").RetryAfter);
        }
    }
}
