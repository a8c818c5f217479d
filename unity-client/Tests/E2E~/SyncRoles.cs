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
    // (0.1 s at 2 m/s plus latency: 0.2 m and more). Scheduling jitter on a busy machine
    // stretches single frames, so the bound sits between the two.
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

    static float LargestStep(List<float> xs, out int at)
    {
        float max = 0;
        at = 0;
        for (int i = 1; i < xs.Count; i++)
        {
            float step = Math.Abs(xs[i] - xs[i - 1]);
            if (step > max)
            {
                max = step;
                at = i;
            }
        }
        return max;
    }

    static void CheckSmooth(List<float> xs, string what)
    {
        int at;
        float step = LargestStep(xs, out at);
        Check(step < MaxStep, what + ": a step of " + step.ToString("0.000") + " m at frame " + at + " of " + xs.Count +
                              " (" + xs[Math.Max(0, at - 1)].ToString("0.000") + " -> " + xs[at].ToString("0.000") + ")");
        Console.Error.WriteLine("[sync] " + what + ": largest step " + step.ToString("0.000") + " m over " + xs.Count + " frames");
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
        var xs = new List<float> { mine };
        sw.Restart();
        while (!done)
        {
            RunFrame(sync, ball, factory);
            xs.Add(factory.Views[ball].Pose.Position.X);
            Check(sw.ElapsedMilliseconds < 10000, "no 'done' from WATCHER");
        }
        CheckSmooth(xs, "MOVER watching after the hand-over");
        Check(xs[xs.Count - 1] > mine + 1f, "MOVER must see the new owner carry the ball on: from " + mine + " to " + xs[xs.Count - 1]);
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
        var xs = new List<float>();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < 1.5)
        {
            RunFrame(sync, ball, factory);
            xs.Add(factory.Views[ball].Pose.Position.X);
        }
        // The first frames show the snapshot pose, then the glide starts.
        CheckSmooth(xs.GetRange(1, xs.Count - 1), "WATCHER interpolating");
        Check(xs[xs.Count - 1] - xs[1] > Speed * 1.0f, "WATCHER must see the ball move: " + xs[1] + " -> " + xs[xs.Count - 1]);

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
        CheckSmooth(xs.GetRange(1, xs.Count - 1), "WATCHER across the hand-over");
        Check(factory.Views[ball].Pose.Position.X > shown + 1f, "WATCHER moves the ball on from " + shown);
        client.Send("done", SendTarget.AllOrdered);
        Pump(300);
    }
}
