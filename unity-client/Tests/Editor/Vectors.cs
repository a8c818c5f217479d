using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using NUnit.Framework;

namespace Tandem.Tests
{
    /// <summary>
    /// Reads protocol/testdata/vectors.txt, the vectors the Go side reads too. Found through
    /// TANDEM_VECTORS, else by walking up from the test assembly, the current directory and
    /// this source file (Unity compiles packages from their real path).
    /// </summary>
    internal static class Vectors
    {
        const string Relative = "protocol/testdata/vectors.txt";
        static List<string[]> all;

        public static List<string[]> Of(string kind)
        {
            var result = new List<string[]>();
            foreach (var v in Load())
                if (v[0] == kind) result.Add(v);
            // Guard against a renamed kind or an emptied file silently passing every test.
            Assert.IsTrue(result.Count > 0, "no '" + kind + "' vectors in " + Relative);
            return result;
        }

        static List<string[]> Load()
        {
            if (all != null) return all;
            string path = FindRepoFile(Relative, "TANDEM_VECTORS");
            var list = new List<string[]>();
            foreach (string raw in File.ReadAllLines(path, Encoding.UTF8))
            {
                string line = raw.TrimEnd('\r');
                if (line.Length == 0 || line[0] == '#') continue;
                list.Add(line.Split('\t'));
            }
            all = list;
            return all;
        }

        /// <summary>
        /// A file of the repository around the package (for example protocol/protocol.go): the
        /// environment variable's value if set, else found by walking up; the test is ignored
        /// when the package was installed without its repository.
        /// </summary>
        public static string FindRepoFile(string relative, string envVar, [CallerFilePath] string sourceFile = "")
        {
            string env = envVar == null ? null : Environment.GetEnvironmentVariable(envVar);
            if (!string.IsNullOrEmpty(env))
            {
                if (!File.Exists(env)) Assert.Fail(envVar + "=" + env + " does not exist");
                return env;
            }
            var starts = new List<string>();
            try { starts.Add(Path.GetDirectoryName(typeof(Vectors).Assembly.Location)); } catch (Exception) { }
            starts.Add(Environment.CurrentDirectory);
            if (!string.IsNullOrEmpty(sourceFile)) starts.Add(Path.GetDirectoryName(sourceFile));
            foreach (string start in starts)
            {
                string dir = start;
                while (!string.IsNullOrEmpty(dir))
                {
                    string candidate = Path.Combine(dir, relative.Replace('/', Path.DirectorySeparatorChar));
                    if (File.Exists(candidate)) return candidate;
                    dir = Path.GetDirectoryName(dir);
                }
            }
            // Installed from a git URL the package has no repository around it.
            Assert.Ignore(relative + " not found" + (envVar != null ? "; set " + envVar + " to its path" : ""));
            return null;
        }

        // Vectors that contradict PROTOCOL.md as of this writing (reported to the protocol owner).
        // Keyed by the exact vector line: once the vector is corrected it no longer matches and is
        // checked like any other. Each test checks the spec-conform result for these instead.
        static readonly Dictionary<string, string> KnownIssues = new Dictionary<string, string>
        {
            // "my-room-5" split at its last '-' is room "my-room" with 5 members; the entry as
            // written would need the list "lobby-2,my-room-5-5".
            { "rooms\tlobby-2,my-room-5\tlobby\t2\tmy-room-5\t5", "rooms entry NAME my-room-5 contradicts 'split at the last -' (should be my-room)" },
            // "2:lobby" has one field; the vector lists a trailing empty one (the password that
            // PROTOCOL.md says is implied). The client treats both forms as a public join.
            { "c2s\t2:lobby\t2\tlobby\t", "c2s 2:lobby lists an empty password field the line does not have" },
        };

        /// <summary>True (with the reason, also printed) if this vector is a known contradiction of PROTOCOL.md.</summary>
        public static bool IsKnownIssue(string[] v, out string reason)
        {
            if (KnownIssues.TryGetValue(string.Join("\t", v), out reason))
            {
                Console.WriteLine("known vector issue, checked against PROTOCOL.md instead: " + reason);
                return true;
            }
            return false;
        }

        public static byte[] Hex(string hex)
        {
            var b = new byte[hex.Length / 2];
            for (int i = 0; i < b.Length; i++) b[i] = Convert.ToByte(hex.Substring(2 * i, 2), 16);
            return b;
        }

        public static string Hex(byte[] data, int offset, int count)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < count; i++) sb.Append(data[offset + i].ToString("x2"));
            return sb.ToString();
        }

        public static string Hex(ArraySegment<byte> s) { return Hex(s.Array, s.Offset, s.Count); }

        /// <summary>Fails with every collected problem at once, so one run shows all broken vectors.</summary>
        public static void AssertNoFailures(List<string> failures, int checkedCount)
        {
            if (failures.Count > 0)
                Assert.Fail(failures.Count + " of " + checkedCount + " vector(s) failed:\n" + string.Join("\n", failures.ToArray()));
        }
    }
}
