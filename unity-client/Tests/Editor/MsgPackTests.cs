using System;
using System.Collections.Generic;
using System.Globalization;
using NUnit.Framework;
using Tandem.MessagePack;

namespace Tandem.Tests
{
    [TestFixture]
    public class MsgPackTests
    {
        static void WriteValue(MsgPackWriter w, string type, string value)
        {
            switch (type)
            {
                case "nil": w.WriteNil(); break;
                case "bool": w.Write(value == "true"); break;
                case "int": w.Write(long.Parse(value, CultureInfo.InvariantCulture)); break;
                case "float32": w.Write(float.Parse(value, CultureInfo.InvariantCulture)); break;
                case "float64": w.Write(double.Parse(value, CultureInfo.InvariantCulture)); break;
                case "str": w.Write(value); break;
                case "bin": w.WriteBin(Vectors.Hex(value)); break;
                default: throw new ArgumentException("unknown vector type " + type);
            }
        }

        // Reads one value of the vector's type and returns it formatted like the vector's VALUE.
        static string ReadValue(MsgPackReader r, string type)
        {
            switch (type)
            {
                case "nil": r.ReadNil(); return "";
                case "bool": return r.ReadBool() ? "true" : "false";
                case "int": return r.ReadInt64().ToString(CultureInfo.InvariantCulture);
                case "float32": return r.ReadSingle().ToString("R", CultureInfo.InvariantCulture);
                case "float64": return r.ReadDouble().ToString("R", CultureInfo.InvariantCulture);
                case "str": return r.ReadString();
                case "bin": return Vectors.Hex(r.ReadBin());
            }
            throw new ArgumentException("unknown vector type " + type);
        }

        static string Canonical(string type, string value)
        {
            if (type == "float32") return float.Parse(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture);
            if (type == "float64") return double.Parse(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture);
            return value;
        }

        [Test]
        public void WriterProducesEveryVectorExactly()
        {
            var failures = new List<string>();
            var vectors = Vectors.Of("msgpack");
            var w = new MsgPackWriter(4); // tiny: every vector also exercises buffer growth
            foreach (var v in vectors)
            {
                w.Clear();
                try
                {
                    WriteValue(w, v[2], v[3]);
                    string got = Vectors.Hex(w.Buffer, 0, w.Length);
                    if (got != v[4]) failures.Add(v[1] + ": wrote " + got + ", want " + v[4]);
                }
                catch (Exception e)
                {
                    failures.Add(v[1] + ": " + e.GetType().Name + " " + e.Message);
                }
            }
            Vectors.AssertNoFailures(failures, vectors.Count);
        }

        [Test]
        public void ReaderReadsEveryVectorBack()
        {
            var failures = new List<string>();
            var vectors = Vectors.Of("msgpack");
            var r = new MsgPackReader();
            foreach (var v in vectors)
            {
                try
                {
                    // Read from the middle of a larger array: offsets must be honoured.
                    byte[] inner = Vectors.Hex(v[4]);
                    var padded = new byte[inner.Length + 6];
                    Array.Copy(inner, 0, padded, 3, inner.Length);
                    padded[0] = padded[padded.Length - 1] = 0xc1;
                    r.Reset(padded, 3, inner.Length);
                    string got = ReadValue(r, v[2]);
                    if (got != Canonical(v[2], v[3])) failures.Add(v[1] + ": read '" + got + "', want '" + v[3] + "'");
                    if (!r.IsAtEnd) failures.Add(v[1] + ": " + r.Remaining + " byte(s) left after reading");
                    r.Reset(padded, 3, inner.Length);
                    r.Skip();
                    if (!r.IsAtEnd) failures.Add(v[1] + ": Skip left " + r.Remaining + " byte(s)");
                }
                catch (Exception e)
                {
                    failures.Add(v[1] + ": " + e.GetType().Name + " " + e.Message);
                }
            }
            Vectors.AssertNoFailures(failures, vectors.Count);
        }

        [Test]
        public void EveryTruncatedVectorIsAMsgPackException()
        {
            var failures = new List<string>();
            var vectors = Vectors.Of("msgpack");
            int checkedCount = 0;
            foreach (var v in vectors)
            {
                byte[] full = Vectors.Hex(v[4]);
                for (int n = 0; n < full.Length; n++)
                {
                    checkedCount++;
                    var r = new MsgPackReader(full, 0, n);
                    try
                    {
                        ReadValue(r, v[2]);
                        failures.Add(v[1] + ": prefix of " + n + " byte(s) read without error");
                    }
                    catch (MsgPackException) { }
                    catch (Exception e) { failures.Add(v[1] + " prefix " + n + ": " + e.GetType().Name); }
                    try
                    {
                        new MsgPackReader(full, 0, n).Skip();
                        failures.Add(v[1] + ": Skip of a " + n + "-byte prefix succeeded");
                    }
                    catch (MsgPackException) { }
                    catch (Exception e) { failures.Add(v[1] + " skip prefix " + n + ": " + e.GetType().Name); }
                }
            }
            Vectors.AssertNoFailures(failures, checkedCount);
        }

        [Test]
        public void IntegersRoundTripAtEveryFormatBoundary()
        {
            var w = new MsgPackWriter();
            long[] values =
            {
                0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295L, 4294967296L, long.MaxValue,
                -1, -32, -33, -128, -129, -32768, -32769, int.MinValue, (long)int.MinValue - 1, long.MinValue,
            };
            foreach (long v in values)
            {
                w.Clear();
                w.Write(v);
                var r = new MsgPackReader(w.Buffer, 0, w.Length);
                Assert.AreEqual(v, r.ReadInt64(), "value " + v);
                Assert.IsTrue(r.IsAtEnd);
            }
            w.Clear();
            w.Write(ulong.MaxValue);
            Assert.AreEqual("cfffffffffffffffff", Vectors.Hex(w.Buffer, 0, w.Length));
            Assert.AreEqual(ulong.MaxValue, new MsgPackReader(w.Buffer, 0, w.Length).ReadUInt64());
            Assert.Throws<MsgPackException>(delegate { new MsgPackReader(w.Buffer, 0, w.Length).ReadInt64(); });
            Assert.Throws<MsgPackException>(delegate { new MsgPackReader(new byte[] { 0xff }).ReadUInt64(); });
            Assert.Throws<MsgPackException>(delegate { new MsgPackReader(new byte[] { 0xce, 0xff, 0xff, 0xff, 0xff }).ReadInt32(); });
        }

        [Test]
        public void ReaderAcceptsNonCanonicalEncodingsFromOtherWriters()
        {
            Assert.AreEqual(5L, new MsgPackReader(Vectors.Hex("d005")).ReadInt64());
            Assert.AreEqual(1L, new MsgPackReader(Vectors.Hex("cd0001")).ReadInt64());
            Assert.AreEqual(7L, new MsgPackReader(Vectors.Hex("d30000000000000007")).ReadInt64());
            Assert.AreEqual("hi", new MsgPackReader(Vectors.Hex("da00026869")).ReadString());
            Assert.AreEqual(3f, new MsgPackReader(Vectors.Hex("03")).ReadSingle());
            Assert.AreEqual(1.5, new MsgPackReader(Vectors.Hex("ca3fc00000")).ReadDouble());
            Assert.AreEqual(2.5f, new MsgPackReader(Vectors.Hex("cb4004000000000000")).ReadSingle());
        }

        [Test]
        public void LongStringsBinariesArraysAndMapsRoundTrip()
        {
            var w = new MsgPackWriter(8);
            string s300 = new string('x', 300), s70k = new string('y', 70000);
            var bin300 = new byte[300];
            bin300[299] = 9;
            w.Write(s300);
            w.Write(s70k);
            w.WriteBin(bin300);
            w.WriteArrayHeader(20);
            for (int i = 0; i < 20; i++) w.Write(i);
            w.WriteMapHeader(2);
            w.Write("a"); w.Write(true);
            w.Write("b"); w.WriteNil();
            w.Write((string)null);

            Assert.AreEqual(0xda, w.Buffer[0]); // str16 for 300 bytes
            var r = new MsgPackReader(w.Buffer, 0, w.Length);
            Assert.AreEqual(s300, r.ReadString());
            Assert.AreEqual(MsgPackType.String, r.PeekType());
            Assert.AreEqual(s70k, r.ReadString());
            var b = r.ReadBin();
            Assert.AreEqual(300, b.Count);
            Assert.AreEqual(9, b.Array[b.Offset + 299]);
            Assert.AreEqual(20, r.ReadArrayHeader());
            for (int i = 0; i < 20; i++) Assert.AreEqual(i, r.ReadInt32());
            Assert.AreEqual(2, r.ReadMapHeader());
            Assert.AreEqual("a", r.ReadString());
            Assert.IsTrue(r.ReadBool());
            Assert.AreEqual("b", r.ReadString());
            Assert.IsTrue(r.TryReadNil());
            Assert.IsNull(r.ReadString());
            Assert.IsTrue(r.IsAtEnd);
            Assert.AreEqual(MsgPackType.End, r.PeekType());

            // Skip walks the same data one top-level value at a time: 2 str, bin, array, map, nil.
            var s = new MsgPackReader(w.Buffer, 0, w.Length);
            int count = 0;
            while (!s.IsAtEnd) { s.Skip(); count++; }
            Assert.AreEqual(6, count);
        }

        [Test]
        public void WrongTypesAndInvalidBytesAreMsgPackExceptions()
        {
            Assert.Throws<MsgPackException>(delegate { new MsgPackReader(Vectors.Hex("a26869")).ReadInt64(); });
            Assert.Throws<MsgPackException>(delegate { new MsgPackReader(Vectors.Hex("01")).ReadString(); });
            Assert.Throws<MsgPackException>(delegate { new MsgPackReader(Vectors.Hex("c3")).ReadSingle(); });
            Assert.Throws<MsgPackException>(delegate { new MsgPackReader(Vectors.Hex("c1")).Skip(); });
            Assert.Throws<MsgPackException>(delegate { new MsgPackReader(Vectors.Hex("dc0005")).Skip(); });
            Assert.Throws<MsgPackException>(delegate { new MsgPackReader(Vectors.Hex("dfffffffff")).Skip(); });
            // 300 nested one-element arrays: deeper than MaxDepth, refused without a stack overflow.
            var deep = new byte[300 + 1];
            for (int i = 0; i < 300; i++) deep[i] = 0x91;
            deep[300] = 0x00;
            Assert.Throws<MsgPackException>(delegate { new MsgPackReader(deep).Skip(); });
        }

        [Test]
        public void ExtensionValuesAreSkippedWhole()
        {
            // fixext1, ext8 with 2 bytes, fixext16
            var r = new MsgPackReader(Vectors.Hex("d40105" + "c70201aabb" + "d801" + "00112233445566778899aabbccddeeff"));
            Assert.AreEqual(MsgPackType.Extension, r.PeekType());
            r.Skip();
            Assert.AreEqual(3, r.ReadRaw().Count - 2);
            r.Skip();
            Assert.IsTrue(r.IsAtEnd);
        }

        [Test]
        public void FormatterRendersValues()
        {
            Assert.AreEqual("[1, \"x\", true]", MsgPackFormatter.ToDisplayString(new ArraySegment<byte>(Vectors.Hex("9301a178c3"))));
            Assert.AreEqual("{\"hpd\": nil}", MsgPackFormatter.ToDisplayString(new ArraySegment<byte>(Vectors.Hex("81a3687064c0"))));
            Assert.AreEqual("1.5", MsgPackFormatter.ToDisplayString(new ArraySegment<byte>(Vectors.Hex("ca3fc00000"))));
        }
    }
}
