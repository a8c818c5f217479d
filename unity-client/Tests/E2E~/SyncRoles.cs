// The MOVER and WATCHER roles of E2EClient: two clients' worth of the Unity layer's logic
// (Tandem.Sync: RoomSync, ObjectSync, TransformSync, what NetworkManager, NetworkObject and
// NetworkTransform run on) against the real server, with a plain pose in place of a Transform.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Tandem;
using Tandem.Sync;

static partial class E2EClient
{
    const string BallPrefab = "Ball";
    const float Speed = 2f;          // metres per second along x
    const double Frame = 1.0 / 60;
    // A frame moves about 0.033 m; a jump at the hand-over would be the interpolation lag
    // (0.1 s at 2 m/s plus latency: 0.2 m and more), so the bound sits between the two. A
    // frame that a busy machine stretched may also show the motion of its extra time
    // (Allowed).
    const float MaxStep = 0.15f;

    static readonly Stopwatch networkClock = Stopwatch.StartNew();
    static double NetworkTime { get { return networkClock.Elapsed.TotalSeconds; } }

    sealed class PoseView : ITransformView
    {
        public Pose Pose = new Pose(Vec3.Zero, Quat.Identity, Vec3.One);
        public Pose Read() { return Pose; }
        public void Write(Pose p, bool position, bool rotation, bool scale)
        {
            if (position) Pose.Position = p.Position;
            if (rotation) Pose.Rotation = p.Rotation;
            if (scale) Pose.Scale = p.Scale;
        }
    }

    // What the Unity prefab registry does here: a ball is a transform and nothing else.
    sealed class BallFactory : IObjectViewFactory
    {
        public readonly Dictionary<ObjectSync, PoseView> Views = new Dictionary<ObjectSync, PoseView>();
        public readonly Dictionary<ObjectSync, TransformSync> Transforms = new Dictionary<ObjectSync, TransformSync>();

        public ObjectSync New()
        {
            var view = new PoseView();
            ObjectSync sync = null;
            var transform = new TransformSync(view, () => NetworkTime, () => sync.IsMine);
            sync = new ObjectSync(new IReplicated[] { transform }) { SendRate = 20 };
            Views[sync] = view;
            Transforms[sync] = transform;
            return sync;
        }

        public ObjectSync Create(string prefab, ObjectRecord record, out string problem)
        {
            problem = prefab == BallPrefab ? null : "unknown prefab " + prefab;
            return problem == null ? New() : null;
        }

        public void Destroy(ObjectSync sync) { }
    }

    // One frame of a game loop: events, then the object's motion or interpolation, then sends.
    static void RunFrame(RoomSync room, ObjectSync ball, BallFactory factory)
    {
        client.Update();
        if (ball.IsMine) factory.Views[ball].Pose.Position.X += Speed * (float)Frame;
        else factory.Transforms[ball].Interpolate();
        room.Tick(NetworkTime);
        Thread.Sleep((int)(Frame * 1000));
    }

    // Positions shown frame by frame, with the network time of each frame.
    sealed class Track
    {
        public readonly List<float> X = new List<float>();
        public readonly List<double> T = new List<double>();
        public void Add(float x) { X.Add(x); T.Add(NetworkTime); }
        public int Count { get { return X.Count; } }
        public float Last { get { return X[X.Count - 1]; } }
    }

    // A frame may move the ball MaxStep, plus what it covers in the time by which a busy
    // machine stretched that frame beyond two: interpolation follows the clock, so a late
    // frame legitimately shows a longer step. A jump at the hand-over exceeds that.
    static float Allowed(double dt)
    {
        return MaxStep + Speed * (float)Math.Max(0, dt - 2 * Frame);
    }

    static void CheckSmooth(Track xs, int from, string what)
    {
        float worst = 0, worstStep = 0;
        int at = from;
        for (int i = from + 1; i < xs.Count; i++)
        {
            float step = Math.Abs(xs.X[i] - xs.X[i - 1]);
            float over = step - Allowed(xs.T[i] - xs.T[i - 1]);
            if (i == from + 1 || over > worst)
            {
                worst = over;
                worstStep = step;
                at = i;
            }
        }
        double dt = at > from ? xs.T[at] - xs.T[at - 1] : 0;
        Check(worst <= 0, what + ": a step of " + worstStep.ToString("0.000") + " m in " + (dt * 1000).ToString("0") +
                          " ms at frame " + at + " of " + xs.Count + " (" + xs.X[Math.Max(0, at - 1)].ToString("0.000") +
                          " -> " + xs.X[at].ToString("0.000") + "; allowed " + Allowed(dt).ToString("0.000") + ")");
        Console.Error.WriteLine("[sync] " + what + ": largest step " + worstStep.ToString("0.000") + " m in " +
                                (dt * 1000).ToString("0") + " ms over " + xs.Count + " frames");
    }

    static void Mover(string room)
    {
        phase = "join";
        var factory = new BallFactory();
        var sync = new RoomSync(client, factory);
        bool ready = false, done = false;
        client.RoomReady += (r, n) => ready = true;
        client.MessageReceived += (s, m) => { if (m == "done") done = true; };
        client.JoinRoom(room);
        WaitFor(() => ready, 10000, "room ready");

        phase = "spawn";
        ObjectSync ball = factory.New();
        sync.Instantiate(BallPrefab, OwnershipMode.Takeover, ObjectLifetime.Room, ball);
        WaitFor(() => !ball.Record.IsPending, 10000, "the spawn echo");
        Console.WriteLine("READY");
        Console.Out.Flush();

        phase = "move until taken";
        var sw = Stopwatch.StartNew();
        while (ball.IsMine)
        {
            RunFrame(sync, ball, factory);
            Check(sw.ElapsedMilliseconds < 20000, "WATCHER did not take the ball");
        }
        float mine = factory.Views[ball].Pose.Position.X;
        Check(ball.Record.Generation == 2, "generation after the take: " + ball.Record.Generation);

        phase = "watch the new owner";
        var xs = new Track();
        xs.Add(mine);
        sw.Restart();
        while (!done)
        {
            RunFrame(sync, ball, factory);
            xs.Add(factory.Views[ball].Pose.Position.X);
            Check(sw.ElapsedMilliseconds < 10000, "no 'done' from WATCHER");
        }
        CheckSmooth(xs, 0, "MOVER watching after the hand-over");
        Check(xs.Last > mine + 1f, "MOVER must see the new owner carry the ball on: from " + mine + " to " + xs.Last);
    }

    static void Watcher(string room)
    {
        phase = "join";
        var factory = new BallFactory();
        var sync = new RoomSync(client, factory);
        bool ready = false;
        client.RoomReady += (r, n) => ready = true;
        client.JoinRoom(room);
        WaitFor(() => ready, 10000, "room ready");
        Check(sync.Objects.Count == 1, "the join snapshot must bring the ball through the factory, got " + sync.Objects.Count);
        ObjectSync ball = sync.Objects[0];
        Check(!ball.IsMine, "the ball is MOVER's");

        phase = "interpolate";
        var xs = new Track();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < 1.5)
        {
            RunFrame(sync, ball, factory);
            xs.Add(factory.Views[ball].Pose.Position.X);
        }
        // The first frames show the snapshot pose, then the glide starts.
        CheckSmooth(xs, 1, "WATCHER interpolating");
        Check(xs.Last - xs.X[1] > Speed * 1.0f, "WATCHER must see the ball move: " + xs.X[1] + " -> " + xs.Last);

        phase = "take mid-motion";
        client.Objects.TakeOwnership(ball.Record);
        sw.Restart();
        while (!ball.IsMine)
        {
            RunFrame(sync, ball, factory);
            xs.Add(factory.Views[ball].Pose.Position.X);
            Check(sw.ElapsedMilliseconds < 10000, "the take was not confirmed");
        }
        float shown = factory.Views[ball].Pose.Position.X;

        phase = "move on";
        sw.Restart();
        while (sw.Elapsed.TotalSeconds < 1.5)
        {
            RunFrame(sync, ball, factory);
            xs.Add(factory.Views[ball].Pose.Position.X);
        }
        CheckSmooth(xs, 1, "WATCHER across the hand-over");
        Check(factory.Views[ball].Pose.Position.X > shown + 1f, "WATCHER moves the ball on from " + shown);
        client.Send("done", SendTarget.AllOrdered);
        Pump(300);
    }
}
