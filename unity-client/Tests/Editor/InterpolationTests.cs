using NUnit.Framework;

namespace Tandem.Tests
{
    [TestFixture]
    public class InterpolationTests
    {
        [Test]
        public void SamplesBetweenTheSnapshotsAroundRenderTime()
        {
            var b = new InterpolationBuffer<double>(8);
            double from, to;
            float t;
            Assert.IsFalse(b.Sample(0, out from, out to, out t));
            b.Add(1.0, 10);
            b.Add(1.1, 20);
            b.Add(1.2, 40);

            Assert.IsTrue(b.Sample(0.5, out from, out to, out t)); // before the first: hold it
            Assert.AreEqual(10.0, from);
            Assert.AreEqual(10.0, to);

            b.Sample(1.05, out from, out to, out t);
            Assert.AreEqual(10.0, from);
            Assert.AreEqual(20.0, to);
            Assert.AreEqual(0.5f, t, 1e-4);

            b.Sample(1.15, out from, out to, out t); // 1.0 is now entirely in the past
            Assert.AreEqual(20.0, from);
            Assert.AreEqual(40.0, to);
            Assert.AreEqual(0.5f, t, 1e-4);
            Assert.AreEqual(2, b.Count);

            b.Sample(5, out from, out to, out t); // after the last: hold it
            Assert.AreEqual(40.0, from);
            Assert.AreEqual(40.0, to);
            Assert.AreEqual(1, b.Count);
        }

        [Test]
        public void TimesAlwaysGrowAndTheOldestIsDroppedWhenFull()
        {
            var b = new InterpolationBuffer<int>(3);
            b.Add(1, 1);
            b.Add(1, 2); // same time: moved just after
            Assert.IsTrue(b.TimeAt(1) > b.TimeAt(0));
            b.Add(0.5, 3); // earlier: moved after too
            Assert.IsTrue(b.TimeAt(2) > b.TimeAt(1));
            b.Add(2, 4);
            Assert.AreEqual(3, b.Count);
            Assert.AreEqual(2, b.ValueAt(0));
            Assert.AreEqual(4, b.ValueAt(2));
        }

        [Test]
        public void SenderClockFollowsTheFastestDeliveryAndIgnoresJitter()
        {
            var c = new SenderClock();
            // Sender sends every 50 ms from its time 100; the network adds 20..60 ms.
            double[] latency = { 0.06, 0.02, 0.05, 0.03, 0.06, 0.02, 0.04 };
            double previous = double.NegativeInfinity;
            for (int i = 0; i < latency.Length; i++)
            {
                double sent = 100 + 0.05 * i;
                double local = c.ToLocal(sent, 5 + sent - 100 + latency[i]); // local clock = sender - 95
                if (i >= 1)
                {
                    // Once the fastest delivery (20 ms) was seen, snapshot spacing is the send spacing.
                    Assert.Greater(local, previous);
                }
                previous = local;
            }
            Assert.AreEqual(-95 + 0.02, c.Offset, 0.002);
            c.Reset();
            Assert.IsFalse(c.HasOffset);
            Assert.AreEqual(7.0, c.ToLocal(3, 7));
        }
    }
}
