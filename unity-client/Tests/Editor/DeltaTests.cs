using System;
using System.Collections.Generic;
using NUnit.Framework;
using Tandem.MessagePack;

namespace Tandem.Tests
{
    [TestFixture]
    public class DeltaTests
    {
        static string[] ExpectedFields(string[] v)
        {
            string list = v.Length > 4 ? v[4] : "";
            return list.Length == 0 ? new string[0] : list.Split(',');
        }

        [Test]
        public void EveryDeltaVectorDecodesToExactlyItsFields()
        {
            var failures = new List<string>();
            var vectors = Vectors.Of("delta");
            var reused = new Delta();
            foreach (var v in vectors)
            {
                try
                {
                    string[] want = ExpectedFields(v);
                    reused.DecodeFrom(v[2], v[3]);
                    if (reused.FieldCount != want.Length) failures.Add(v[1] + ": " + reused.FieldCount + " fields, want " + want.Length);
                    if (reused.Mask != Convert.ToUInt64(v[2], 16)) failures.Add(v[1] + ": mask " + reused.MaskText);
                    int k = 0;
                    for (int bit = 0; bit < 64; bit++)
                    {
                        if (!reused.HasField(bit)) continue;
                        string got = Vectors.Hex(reused.GetField(bit));
                        if (k >= want.Length || got != want[k]) failures.Add(v[1] + ": field " + bit + " = " + got);
                        k++;
                    }
                }
                catch (Exception e)
                {
                    failures.Add(v[1] + ": " + e.GetType().Name + " " + e.Message);
                }
            }
            Vectors.AssertNoFailures(failures, vectors.Count);
        }

        [Test]
        public void EveryDeltaVectorIsReencodedByTheWriter()
        {
            var failures = new List<string>();
            var vectors = Vectors.Of("delta");
            var w = new DeltaWriter();
            foreach (var v in vectors)
            {
                try
                {
                    ulong mask = Convert.ToUInt64(v[2], 16);
                    string[] fields = ExpectedFields(v);
                    w.Clear();
                    int k = 0;
                    for (int bit = 0; bit < 64; bit++)
                        if ((mask & (1UL << bit)) != 0) w.WriteRawField(bit, new ArraySegment<byte>(Vectors.Hex(fields[k++])));
                    w.Validate();
                    if (w.MaskText != v[2]) failures.Add(v[1] + ": mask text " + w.MaskText + ", want " + v[2]);
                    if (w.DataText != v[3]) failures.Add(v[1] + ": data " + w.DataText + ", want " + v[3]);
                }
                catch (Exception e)
                {
                    failures.Add(v[1] + ": " + e.GetType().Name + " " + e.Message);
                }
            }
            Vectors.AssertNoFailures(failures, vectors.Count);
        }

        [Test]
        public void EveryBadDeltaVectorIsRejectedWithBadDeltaException()
        {
            var failures = new List<string>();
            var vectors = Vectors.Of("baddelta");
            var reused = new Delta();
            foreach (var v in vectors)
            {
                string data = v.Length > 3 ? v[3] : "";
                try
                {
                    reused.DecodeFrom(v[2], data);
                    failures.Add(v[1] + ": accepted (" + reused.FieldCount + " fields)");
                }
                catch (BadDeltaException) { }
                catch (Exception e)
                {
                    failures.Add(v[1] + ": " + e.GetType().Name + " instead of BadDeltaException: " + e.Message);
                }
                // A failed decode must leave the instance usable and empty.
                if (reused.Mask != 0) failures.Add(v[1] + ": mask left at " + reused.MaskText + " after rejection");
            }
            reused.DecodeFrom("1", "ww==");
            Assert.IsTrue(reused.HasField(0));
            Vectors.AssertNoFailures(failures, vectors.Count);
        }

        [Test]
        public void WriterBuildsTheProtocolDocExample()
        {
            var w = new DeltaWriter();
            w.BeginField(0).Write(1.5f);
            w.BeginField(3).Write("hi");
            w.Validate();
            Assert.AreEqual("9", w.MaskText);
            Assert.AreEqual("yj/AAACiaGk=", w.DataText);

            var d = Delta.Decode(w.MaskText, w.DataText);
            Assert.AreEqual(1.5f, new MsgPackReader(d.GetField(0)).ReadSingle());
            Assert.AreEqual("hi", new MsgPackReader(d.GetField(3)).ReadString());
            Assert.AreEqual(Vectors.Hex("ca3fc00000a26869").Length, d.GetFieldRange(0, 3).Count);
            Assert.AreEqual(3, d.GetFieldRange(1, 63).Count);
        }

        [Test]
        public void WriterRefusesMisorderedOrMismatchedFields()
        {
            var w = new DeltaWriter();
            w.BeginField(5).Write(1);
            Assert.Throws<InvalidOperationException>(delegate { w.BeginField(5); });
            Assert.Throws<InvalidOperationException>(delegate { w.BeginField(2); });
            Assert.Throws<ArgumentOutOfRangeException>(delegate { w.BeginField(64); });
            w.BeginField(6); // flagged, no value written
            Assert.Throws<BadDeltaException>(delegate { w.Validate(); });
            w.Clear();
            w.BeginField(0).Write(1);
            w.Writer.Write(2); // a second value for one field
            Assert.Throws<BadDeltaException>(delegate { w.Validate(); });
        }

        [Test]
        public void MaskParsingFollowsTheServerRules()
        {
            Assert.AreEqual(10UL, Delta.ParseMask("00A"));
            Assert.AreEqual(0x8000000000000101UL, Delta.ParseMask("8000000000000101"));
            Assert.AreEqual(ulong.MaxValue, Delta.ParseMask("FFFFFFFFFFFFFFFF"));
            Assert.AreEqual("8000000000000101", Delta.FormatMask(0x8000000000000101UL));
            Assert.AreEqual("0", Delta.FormatMask(0));
            Assert.Throws<BadDeltaException>(delegate { Delta.ParseMask("0x1"); });
            Assert.Throws<BadDeltaException>(delegate { Delta.ParseMask("-1"); });
            Assert.Throws<BadDeltaException>(delegate { Delta.ParseMask(" 1"); });
        }

        [Test]
        public void MergeReplacesOnlyFlaggedFields()
        {
            var state = new ObjectState();
            state.Merge(Delta.Decode("8000000000000101", "oWHAxAIBAg=="));
            state.Merge(Delta.Decode("1", "Kg==")); // field 0 := 42
            Assert.AreEqual(0x8000000000000101UL, state.Mask);
            Assert.AreEqual("2a", Vectors.Hex(state.GetField(0)));
            Assert.AreEqual("c0", Vectors.Hex(state.GetField(8)));
            Assert.AreEqual("c4020102", Vectors.Hex(state.GetField(63)));
            // A longer value replaces a shorter one in place.
            state.Merge(Delta.Decode("100", "pWhlbGxv"));
            Assert.AreEqual("a568656c6c6f", Vectors.Hex(state.GetField(8)));
            var w = new DeltaWriter();
            state.WriteTo(w);
            Assert.AreEqual("8000000000000101", w.MaskText);
            var copy = new ObjectState();
            copy.Merge(Delta.Decode(w.MaskText, w.DataText));
            Assert.IsTrue(copy.ContentEquals(state));
        }
    }
}
