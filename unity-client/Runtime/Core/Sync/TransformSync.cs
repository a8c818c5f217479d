using System;
using Tandem.MessagePack;

namespace Tandem.Sync
{
    /// <summary>
    /// What NetworkTransform decides. The owner sends a part when it moved more than its
    /// threshold, at the object's send rate; remote copies buffer timestamped snapshots and
    /// show the pose <see cref="InterpolationDelay"/> seconds in the past, interpolating between
    /// the two around that time. When ownership moves, the new owner continues from the pose it
    /// was displaying, and the old owner interpolates from its last pose, so nothing jumps.
    /// <para>Wire fields: 0 position [x,y,z], 1 rotation [x,y,z,w], 2 scale [x,y,z] (float32
    /// arrays), 3 the sender's clock (float64 seconds).</para>
    /// </summary>
    public sealed class TransformSync : IReplicated
    {
        public const int PositionField = 0;
        public const int RotationField = 1;
        public const int ScaleField = 2;
        public const int TimeField = 3;

        readonly ITransformView view;
        readonly Func<double> clock;
        readonly Func<bool> isMine;
        readonly Func<bool> isActive;
        readonly ReplicatedFields fields;
        readonly InterpolationBuffer<Pose> buffer = new InterpolationBuffer<Pose>(64);
        readonly SenderClock senderClock = new SenderClock();
        Pose latest;              // merged latest received values (a delta may carry only some parts)
        bool hasLatest;
        Pose sent = new Pose(Vec3.Zero, Quat.Identity, Vec3.One);

        public bool SyncPosition = true;
        public bool SyncRotation = true;
        public bool SyncScale = false;
        /// <summary>Metres.</summary>
        public float PositionThreshold = 0.001f;
        /// <summary>Degrees.</summary>
        public float RotationThreshold = 0.1f;
        public float ScaleThreshold = 0.001f;
        /// <summary>How far in the past remote copies are shown (about two send intervals).</summary>
        public float InterpolationDelay = 0.1f;
        /// <summary>Snap instead of interpolating when a snapshot is farther than this (metres, 0 = never).</summary>
        public float TeleportDistance = 0f;

        /// <param name="view">the transform it reads and writes.</param>
        /// <param name="clock">seconds on a steady clock (the manager's network time).</param>
        /// <param name="isMine">whether this client owns the object now.</param>
        /// <param name="isActive">whether the part is enabled (null: always).</param>
        /// <param name="fields">the dirty flags to use (a component's own); null: new ones.</param>
        public TransformSync(ITransformView view, Func<double> clock, Func<bool> isMine, Func<bool> isActive = null, ReplicatedFields fields = null)
        {
            if (fields != null && fields.Count != 4) throw new ArgumentException("a transform has 4 fields", "fields");
            this.fields = fields ?? new ReplicatedFields(4);
            if (view == null) throw new ArgumentNullException("view");
            if (clock == null) throw new ArgumentNullException("clock");
            if (isMine == null) throw new ArgumentNullException("isMine");
            this.view = view;
            this.clock = clock;
            this.isMine = isMine;
            this.isActive = isActive;
        }

        public ReplicatedFields Fields { get { return fields; } }

        public bool IsActive { get { return isActive == null || isActive(); } }

        /// <summary>Snapshots waiting to be shown (remote copies).</summary>
        public int BufferedSnapshots { get { return buffer.Count; } }

        // ---- owner -----------------------------------------------------------------------

        public void OnBeforeSend()
        {
            Pose p = view.Read();
            bool moved = false;
            if (SyncPosition && Vec3.Distance(p.Position, sent.Position) > PositionThreshold) { fields.SetDirty(PositionField); moved = true; }
            if (SyncRotation && Quat.Angle(p.Rotation, sent.Rotation) > RotationThreshold) { fields.SetDirty(RotationField); moved = true; }
            if (SyncScale && Vec3.Distance(p.Scale, sent.Scale) > ScaleThreshold) { fields.SetDirty(ScaleField); moved = true; }
            if (moved) fields.SetDirty(TimeField);
        }

        public void Serialize(MsgPackWriter writer, ulong mask)
        {
            Pose p = view.Read();
            if ((mask & (1UL << PositionField)) != 0)
            {
                sent.Position = p.Position;
                WriteVector(writer, p.Position);
            }
            if ((mask & (1UL << RotationField)) != 0)
            {
                sent.Rotation = p.Rotation;
                writer.WriteArrayHeader(4);
                writer.Write(p.Rotation.X);
                writer.Write(p.Rotation.Y);
                writer.Write(p.Rotation.Z);
                writer.Write(p.Rotation.W);
            }
            if ((mask & (1UL << ScaleField)) != 0)
            {
                sent.Scale = p.Scale;
                WriteVector(writer, p.Scale);
            }
            if ((mask & (1UL << TimeField)) != 0) writer.Write(clock());
        }

        static void WriteVector(MsgPackWriter writer, Vec3 v)
        {
            writer.WriteArrayHeader(3);
            writer.Write(v.X);
            writer.Write(v.Y);
            writer.Write(v.Z);
        }

        // ---- remote ------------------------------------------------------------------------

        public void Deserialize(MsgPackReader reader, ulong mask)
        {
            Pose p = hasLatest ? latest : view.Read();
            if ((mask & (1UL << PositionField)) != 0) p.Position = ReadVector(reader);
            if ((mask & (1UL << RotationField)) != 0)
            {
                if (reader.ReadArrayHeader() != 4) throw new MsgPackException("rotation is not [x,y,z,w]");
                p.Rotation = new Quat(reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle());
            }
            if ((mask & (1UL << ScaleField)) != 0) p.Scale = ReadVector(reader);
            double now = clock();
            double time = now;
            if ((mask & (1UL << TimeField)) != 0) time = senderClock.ToLocal(reader.ReadDouble(), now);
            bool first = !hasLatest;
            latest = p;
            hasLatest = true;
            if (isMine()) return; // an owner keeps its own pose
            double render = now - InterpolationDelay;
            if (first || (TeleportDistance > 0f && Vec3.Distance(p.Position, view.Read().Position) > TeleportDistance))
            {
                // The first state (spawn or join snapshot) or a teleport: show it at once.
                buffer.Clear();
                Show(p);
                time = render;
            }
            else if (buffer.Count > 0 && buffer.NewestTime < render)
            {
                // The buffer ran dry and the newest pose has been held since: move on from it
                // now, instead of catching up on the time it was held in one step.
                Pose held = buffer.ValueAt(buffer.Count - 1);
                buffer.Clear();
                buffer.Add(render, held);
            }
            buffer.Add(time, p);
        }

        static Vec3 ReadVector(MsgPackReader reader)
        {
            if (reader.ReadArrayHeader() != 3) throw new MsgPackException("vector is not [x,y,z]");
            return new Vec3(reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle());
        }

        /// <summary>Remote copies: shows the interpolated pose for now (call every frame). False when nothing was shown.</summary>
        public bool Interpolate()
        {
            if (isMine() || buffer.Count == 0) return false;
            Pose from, to;
            float k;
            if (!buffer.Sample(clock() - InterpolationDelay, out from, out to, out k)) return false;
            Show(Pose.Lerp(from, to, k));
            return true;
        }

        void Show(Pose p) { view.Write(p, SyncPosition, SyncRotation, SyncScale); }

        public void OnNetworkSpawn() { }

        public void OnOwnershipChanged(bool mine)
        {
            buffer.Clear();
            senderClock.Reset(); // the next sender has its own clock
            if (mine)
            {
                // Continue from what was on screen: it becomes the pose we send (with the new
                // generation) and the game moves on from it.
                fields.SetAllDirty();
                return;
            }
            // Someone else now drives it: start interpolating from the displayed pose.
            latest = view.Read();
            hasLatest = true;
            buffer.Add(clock() - InterpolationDelay, latest);
        }
    }
}
