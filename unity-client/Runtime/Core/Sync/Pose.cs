using System;

namespace Tandem.Sync
{
    /// <summary>A position or scale (engine neutral; the Unity layer converts to and from Vector3).</summary>
    public struct Vec3
    {
        public float X, Y, Z;

        public Vec3(float x, float y, float z) { X = x; Y = y; Z = z; }

        public static readonly Vec3 Zero = new Vec3(0, 0, 0);
        public static readonly Vec3 One = new Vec3(1, 1, 1);

        public static float Distance(Vec3 a, Vec3 b)
        {
            float dx = a.X - b.X, dy = a.Y - b.Y, dz = a.Z - b.Z;
            return (float)Math.Sqrt(dx * dx + dy * dy + dz * dz);
        }

        public static Vec3 Lerp(Vec3 a, Vec3 b, float t)
        {
            return new Vec3(a.X + (b.X - a.X) * t, a.Y + (b.Y - a.Y) * t, a.Z + (b.Z - a.Z) * t);
        }

        public override string ToString() { return "(" + X + ", " + Y + ", " + Z + ")"; }
    }

    /// <summary>A rotation as a unit quaternion (x, y, z, w), as Unity's Quaternion.</summary>
    public struct Quat
    {
        public float X, Y, Z, W;

        public Quat(float x, float y, float z, float w) { X = x; Y = y; Z = z; W = w; }

        public static readonly Quat Identity = new Quat(0, 0, 0, 1);

        static float Dot(Quat a, Quat b) { return a.X * b.X + a.Y * b.Y + a.Z * b.Z + a.W * b.W; }

        /// <summary>The angle between two rotations in degrees (as Quaternion.Angle).</summary>
        public static float Angle(Quat a, Quat b)
        {
            float d = Math.Min(Math.Abs(Dot(a, b)), 1f);
            return d > 0.999999f ? 0f : (float)(Math.Acos(d) * 2.0 * 180.0 / Math.PI);
        }

        /// <summary>Spherical interpolation along the shorter arc, t clamped to 0..1.</summary>
        public static Quat Slerp(Quat a, Quat b, float t)
        {
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            float d = Dot(a, b);
            if (d < 0)
            {
                b = new Quat(-b.X, -b.Y, -b.Z, -b.W);
                d = -d;
            }
            float ka, kb;
            if (d > 0.9995f)
            {
                ka = 1 - t;
                kb = t;
            }
            else
            {
                double theta = Math.Acos(d), s = Math.Sin(theta);
                ka = (float)(Math.Sin((1 - t) * theta) / s);
                kb = (float)(Math.Sin(t * theta) / s);
            }
            var q = new Quat(a.X * ka + b.X * kb, a.Y * ka + b.Y * kb, a.Z * ka + b.Z * kb, a.W * ka + b.W * kb);
            float n = (float)Math.Sqrt(Dot(q, q));
            return n > 0 ? new Quat(q.X / n, q.Y / n, q.Z / n, q.W / n) : Identity;
        }

        public override string ToString() { return "(" + X + ", " + Y + ", " + Z + ", " + W + ")"; }
    }

    /// <summary>Position, rotation and scale of a replicated transform.</summary>
    public struct Pose
    {
        public Vec3 Position;
        public Quat Rotation;
        public Vec3 Scale;

        public Pose(Vec3 position, Quat rotation, Vec3 scale)
        {
            Position = position;
            Rotation = rotation;
            Scale = scale;
        }

        public static Pose Lerp(Pose a, Pose b, float t)
        {
            return new Pose(Vec3.Lerp(a.Position, b.Position, t), Quat.Slerp(a.Rotation, b.Rotation, t), Vec3.Lerp(a.Scale, b.Scale, t));
        }
    }

    /// <summary>Where a <see cref="TransformSync"/> reads the pose on the owner and shows it on remote copies (a Unity Transform).</summary>
    public interface ITransformView
    {
        /// <summary>World position and rotation, local scale.</summary>
        Pose Read();

        /// <summary>Shows a pose; only the synced parts are written.</summary>
        void Write(Pose pose, bool position, bool rotation, bool scale);
    }
}
