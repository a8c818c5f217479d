using System;

namespace Tandem
{
    /// <summary>
    /// Maps a remote sender's clock onto the local clock. Tracks the smallest observed
    /// (local arrival - sender time), i.e. the fastest delivery, so network jitter does not
    /// move snapshot times; drifts upward slowly so a lasting latency increase is followed.
    /// </summary>
    public sealed class SenderClock
    {
        /// <summary>Fraction of a later-than-best sample the offset moves towards.</summary>
        public double UpwardDrift = 0.01;

        public bool HasOffset { get; private set; }

        /// <summary>Local time minus sender time.</summary>
        public double Offset { get; private set; }

        /// <summary>Feeds a sample and returns the sender time mapped to local time.</summary>
        public double ToLocal(double senderTime, double localArrival)
        {
            double sample = localArrival - senderTime;
            if (!HasOffset || sample < Offset) Offset = sample;
            else Offset += (sample - Offset) * UpwardDrift;
            HasOffset = true;
            return senderTime + Offset;
        }

        /// <summary>Forgets the offset (a new sender, for example after an ownership change).</summary>
        public void Reset()
        {
            HasOffset = false;
            Offset = 0;
        }
    }

    /// <summary>
    /// Timestamped snapshots for interpolation: add them as they arrive, then sample at
    /// "now - delay" to get the two snapshots around that time and the blend factor. Engine
    /// neutral (the Unity NetworkTransform keeps poses in it). Allocation free after warm-up.
    /// </summary>
    public sealed class InterpolationBuffer<T> where T : struct
    {
        readonly double[] times;
        readonly T[] values;
        int start;
        int count;

        public InterpolationBuffer(int capacity = 64)
        {
            if (capacity < 2) throw new ArgumentOutOfRangeException("capacity");
            times = new double[capacity];
            values = new T[capacity];
        }

        public int Count { get { return count; } }

        public int Capacity { get { return times.Length; } }

        public void Clear()
        {
            start = 0;
            count = 0;
        }

        int Index(int i) { return (start + i) % times.Length; }

        public double TimeAt(int i) { return times[Index(i)]; }

        public T ValueAt(int i) { return values[Index(i)]; }

        /// <summary>The newest snapshot's time, or negative infinity when empty.</summary>
        public double NewestTime { get { return count == 0 ? double.NegativeInfinity : TimeAt(count - 1); } }

        /// <summary>
        /// Adds a snapshot. Times must grow: a time not after the newest is moved just after it
        /// (snapshots arrive in send order). When full the oldest is dropped.
        /// </summary>
        public void Add(double time, T value)
        {
            if (count > 0 && time <= NewestTime) time = NewestTime + 1e-6;
            if (count == times.Length)
            {
                start = Index(1);
                count--;
            }
            int i = Index(count);
            times[i] = time;
            values[i] = value;
            count++;
        }

        /// <summary>
        /// The snapshots around <paramref name="renderTime"/>: <paramref name="from"/> at or
        /// before it, <paramref name="to"/> after it, and <paramref name="t"/> in 0..1 between
        /// them. Before the first snapshot or after the last, both are that snapshot (hold).
        /// Snapshots entirely in the past are dropped, keeping one before renderTime.
        /// Returns false when empty.
        /// </summary>
        public bool Sample(double renderTime, out T from, out T to, out float t)
        {
            while (count >= 2 && TimeAt(1) <= renderTime)
            {
                start = Index(1);
                count--;
            }
            if (count == 0)
            {
                from = to = default(T);
                t = 0;
                return false;
            }
            from = ValueAt(0);
            if (count == 1 || renderTime <= TimeAt(0))
            {
                to = from;
                t = 0;
                return true;
            }
            to = ValueAt(1);
            double span = TimeAt(1) - TimeAt(0);
            double k = span <= 0 ? 1 : (renderTime - TimeAt(0)) / span;
            t = (float)(k < 0 ? 0 : k > 1 ? 1 : k);
            return true;
        }
    }
}
