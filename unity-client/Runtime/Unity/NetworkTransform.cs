using System;
using Tandem.MessagePack;
using UnityEngine;

namespace Tandem.Unity
{
    /// <summary>
    /// Replicates position, rotation and scale. The owner sends a part when it moved more
    /// than its threshold; remote copies buffer timestamped snapshots and show the pose
    /// <see cref="InterpolationDelay"/> seconds in the past, interpolating between the two
    /// snapshots around that time (smooth at 10–20 updates per second). When ownership moves,
    /// the new owner continues from the pose it was displaying, so nothing jumps.
    /// <para>Wire fields: 0 position [x,y,z], 1 rotation [x,y,z,w], 2 scale [x,y,z] (float32
    /// arrays, world position/rotation and local scale), 3 the sender's clock (float64 seconds).</para>
    /// </summary>
    [DisallowMultipleComponent]
    [AddComponentMenu("Tandem/Network Transform")]
    public sealed class NetworkTransform : NetworkBehaviour
    {
        public const int PositionField = 0;
        public const int RotationField = 1;
        public const int ScaleField = 2;
        public const int TimeField = 3;

        [Header("Parts to sync")]
        [SerializeField] bool syncPosition = true;
        [SerializeField] bool syncRotation = true;
        [SerializeField] bool syncScale = false;

        [Header("Owner: send when changed by more than")]
        [Tooltip("Metres.")]
        [Min(0f)] [SerializeField] float positionThreshold = 0.001f;
        [Tooltip("Degrees.")]
        [Min(0f)] [SerializeField] float rotationThreshold = 0.1f;
        [Min(0f)] [SerializeField] float scaleThreshold = 0.001f;

        [Header("Remote copies")]
        [Tooltip("How far in the past remote copies are shown. About two send intervals: 0.1 s at 20 updates/s.")]
        [Range(0f, 1f)] [SerializeField] float interpolationDelay = 0.1f;
        [Tooltip("Snap instead of interpolating when a snapshot is farther than this (metres, 0 = never).")]
        [Min(0f)] [SerializeField] float teleportDistance = 0f;

        struct Pose
        {
            public Vector3 Position;
            public Quaternion Rotation;
            public Vector3 Scale;
        }

        readonly InterpolationBuffer<Pose> buffer = new InterpolationBuffer<Pose>(64);
        readonly SenderClock senderClock = new SenderClock();
        Pose latest;              // merged latest received values (a delta may carry only some parts)
        bool hasLatest;

        Vector3 sentPosition;
        Quaternion sentRotation = Quaternion.identity;
        Vector3 sentScale = Vector3.one;

        public override int FieldCount { get { return 4; } }

        public float InterpolationDelay
        {
            get { return interpolationDelay; }
            set { interpolationDelay = Mathf.Max(0f, value); }
        }

        public bool SyncPosition { get { return syncPosition; } set { syncPosition = value; } }
        public bool SyncRotation { get { return syncRotation; } set { syncRotation = value; } }
        public bool SyncScale { get { return syncScale; } set { syncScale = value; } }

        /// <summary>Snapshots waiting to be shown (remote copies).</summary>
        public int BufferedSnapshots { get { return buffer.Count; } }

        double Now { get { return NetworkObject != null && NetworkObject.Manager != null ? NetworkObject.Manager.NetworkTime : Time.unscaledTime; } }

        // ---- owner -----------------------------------------------------------------------

        public override void OnBeforeSend()
        {
            Transform t = transform;
            bool moved = false;
            if (syncPosition && Vector3.Distance(t.position, sentPosition) > positionThreshold) { SetDirty(PositionField); moved = true; }
            if (syncRotation && Quaternion.Angle(t.rotation, sentRotation) > rotationThreshold) { SetDirty(RotationField); moved = true; }
            if (syncScale && Vector3.Distance(t.localScale, sentScale) > scaleThreshold) { SetDirty(ScaleField); moved = true; }
            if (moved) SetDirty(TimeField);
        }

        public override void Serialize(MsgPackWriter writer, ulong mask)
        {
            Transform t = transform;
            if ((mask & (1UL << PositionField)) != 0)
            {
                sentPosition = t.position;
                WriteVector(writer, sentPosition);
            }
            if ((mask & (1UL << RotationField)) != 0)
            {
                sentRotation = t.rotation;
                writer.WriteArrayHeader(4);
                writer.Write(sentRotation.x);
                writer.Write(sentRotation.y);
                writer.Write(sentRotation.z);
                writer.Write(sentRotation.w);
            }
            if ((mask & (1UL << ScaleField)) != 0)
            {
                sentScale = t.localScale;
                WriteVector(writer, sentScale);
            }
            if ((mask & (1UL << TimeField)) != 0) writer.Write(Now);
        }

        static void WriteVector(MsgPackWriter writer, Vector3 v)
        {
            writer.WriteArrayHeader(3);
            writer.Write(v.x);
            writer.Write(v.y);
            writer.Write(v.z);
        }

        // ---- remote ------------------------------------------------------------------------

        public override void Deserialize(MsgPackReader reader, ulong mask)
        {
            Transform t = transform;
            Pose p = hasLatest ? latest : new Pose { Position = t.position, Rotation = t.rotation, Scale = t.localScale };
            if ((mask & (1UL << PositionField)) != 0) p.Position = ReadVector(reader);
            if ((mask & (1UL << RotationField)) != 0)
            {
                if (reader.ReadArrayHeader() != 4) throw new MsgPackException("rotation is not [x,y,z,w]");
                p.Rotation = new Quaternion(reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle());
            }
            if ((mask & (1UL << ScaleField)) != 0) p.Scale = ReadVector(reader);
            double now = Now;
            double time = now;
            if ((mask & (1UL << TimeField)) != 0) time = senderClock.ToLocal(reader.ReadDouble(), now);
            bool first = !hasLatest;
            latest = p;
            hasLatest = true;
            if (IsMine) return; // an owner keeps its own pose
            if (first || (teleportDistance > 0f && Vector3.Distance(p.Position, t.position) > teleportDistance))
            {
                // The first state (spawn or join snapshot) or a teleport: show it at once.
                buffer.Clear();
                Apply(p);
                time = now - interpolationDelay;
            }
            buffer.Add(time, p);
        }

        static Vector3 ReadVector(MsgPackReader reader)
        {
            if (reader.ReadArrayHeader() != 3) throw new MsgPackException("vector is not [x,y,z]");
            return new Vector3(reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle());
        }

        void Update()
        {
            if (NetworkObject == null || IsMine || buffer.Count == 0) return;
            Pose from, to;
            float k;
            if (!buffer.Sample(Now - interpolationDelay, out from, out to, out k)) return;
            Apply(new Pose
            {
                Position = Vector3.Lerp(from.Position, to.Position, k),
                Rotation = Quaternion.Slerp(from.Rotation, to.Rotation, k),
                Scale = Vector3.Lerp(from.Scale, to.Scale, k),
            });
        }

        void Apply(Pose s)
        {
            Transform t = transform;
            if (syncPosition && syncRotation) t.SetPositionAndRotation(s.Position, s.Rotation);
            else if (syncPosition) t.position = s.Position;
            else if (syncRotation) t.rotation = s.Rotation;
            if (syncScale) t.localScale = s.Scale;
        }

        public override void OnOwnershipChanged(bool isMine)
        {
            Transform t = transform;
            buffer.Clear();
            senderClock.Reset(); // the next sender has its own clock
            if (isMine)
            {
                // Continue from what was on screen: it becomes the pose we send (with the new
                // generation) and the game moves on from it.
                SetAllDirty();
                return;
            }
            // Someone else now drives it: start interpolating from the displayed pose.
            latest = new Pose { Position = t.position, Rotation = t.rotation, Scale = t.localScale };
            hasLatest = true;
            buffer.Add(Now - interpolationDelay, latest);
        }
    }
}
