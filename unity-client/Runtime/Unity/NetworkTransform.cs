using Tandem.MessagePack;
using Tandem.Sync;
using UnityEngine;

namespace Tandem.Unity
{
    /// <summary>
    /// Replicates position, rotation and scale. The owner sends a part when it moved more
    /// than its threshold; remote copies show the pose <see cref="InterpolationDelay"/> seconds
    /// in the past, interpolating between snapshots; when ownership moves nothing jumps. The
    /// decisions are Core's <see cref="TransformSync"/> (tested under Mono); this component
    /// reads and writes the Transform for it.
    /// <para>Wire fields: 0 position [x,y,z], 1 rotation [x,y,z,w], 2 scale [x,y,z] (float32
    /// arrays, world position/rotation and local scale), 3 the sender's clock (float64 seconds).</para>
    /// </summary>
    [DisallowMultipleComponent]
    [AddComponentMenu("Tandem/Network Transform")]
    public sealed class NetworkTransform : NetworkBehaviour, ITransformView
    {
        public const int PositionField = TransformSync.PositionField;
        public const int RotationField = TransformSync.RotationField;
        public const int ScaleField = TransformSync.ScaleField;
        public const int TimeField = TransformSync.TimeField;

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

        TransformSync sync;

        TransformSync Sync
        {
            get
            {
                if (sync == null) sync = new TransformSync(this, () => Now, () => IsMine, () => isActiveAndEnabled, Fields);
                // Inspector values win; they may change in play mode.
                sync.SyncPosition = syncPosition;
                sync.SyncRotation = syncRotation;
                sync.SyncScale = syncScale;
                sync.PositionThreshold = positionThreshold;
                sync.RotationThreshold = rotationThreshold;
                sync.ScaleThreshold = scaleThreshold;
                sync.InterpolationDelay = interpolationDelay;
                sync.TeleportDistance = teleportDistance;
                return sync;
            }
        }

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
        public int BufferedSnapshots { get { return sync != null ? sync.BufferedSnapshots : 0; } }

        double Now { get { return NetworkObject != null && NetworkObject.Manager != null ? NetworkObject.Manager.NetworkTime : Time.unscaledTime; } }

        public override void OnBeforeSend() { Sync.OnBeforeSend(); }

        public override void Serialize(MsgPackWriter writer, ulong mask) { Sync.Serialize(writer, mask); }

        public override void Deserialize(MsgPackReader reader, ulong mask) { Sync.Deserialize(reader, mask); }

        public override void OnOwnershipChanged(bool isMine) { Sync.OnOwnershipChanged(isMine); }

        void Update()
        {
            if (NetworkObject == null) return;
            Sync.Interpolate();
        }

        Pose ITransformView.Read()
        {
            Transform t = transform;
            Vector3 p = t.position, s = t.localScale;
            Quaternion r = t.rotation;
            return new Pose(new Vec3(p.x, p.y, p.z), new Quat(r.x, r.y, r.z, r.w), new Vec3(s.x, s.y, s.z));
        }

        void ITransformView.Write(Pose pose, bool position, bool rotation, bool scale)
        {
            Transform t = transform;
            var p = new Vector3(pose.Position.X, pose.Position.Y, pose.Position.Z);
            var r = new Quaternion(pose.Rotation.X, pose.Rotation.Y, pose.Rotation.Z, pose.Rotation.W);
            if (position && rotation) t.SetPositionAndRotation(p, r);
            else if (position) t.position = p;
            else if (rotation) t.rotation = r;
            if (scale) t.localScale = new Vector3(pose.Scale.X, pose.Scale.Y, pose.Scale.Z);
        }
    }
}
