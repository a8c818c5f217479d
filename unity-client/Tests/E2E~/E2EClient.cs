// Headless end-to-end client for Tandem, built from Tandem.Core only. It plays a scripted
// role against a live server and prints "E2E OK" (exit 0) or "E2E FAIL: reason" (exit 1).
//
//   mono E2EClient.exe [--tls CERT.pem] [--url URL [--polled]] HOST PORT ROLE USER ROOM
//
// --url: connect to this address instead of tcp://HOST:PORT (ws://..., wss://... for the
//   WebSocket transport; --tls then pins the wss certificate the same way).
// --polled: with a ws:// URL, use Core's PolledTransport, which WebGL builds use (see PolledSocket.cs).
// --tls: connect with TLS and trust exactly the certificate(s) in CERT.pem (pinning; the
//   host name must still match), not the system store.
//
// Role A: joins, instantiates a takeover object, sends 20 updates, syncs through the ordered
//   stream and prints READY; then waits for B to join and take the object, checks that its own
//   writes are refused after the hand-over, and that it receives B's updates at generation 2.
// Role B: joins late, checks the join snapshot holds exactly A's final state, takes ownership,
//   sends updates at the new generation, and waits for A to confirm it saw them.
// Roles MOVER and WATCHER: the Unity layer's logic (Tandem.Sync, see SyncRoles.cs) on two
//   clients: MOVER moves an object, WATCHER interpolates it, takes it over mid-motion and
//   moves on; neither may see it jump.
// Role RESUMER: reconnect and resume through a proxy the test cuts (see ResumeRole.cs).
// Role TOKENS: session tokens, the reconnect's token login and logout, through a proxy the
//   test cuts (see TokenRole.cs).
// Every wait is bounded; a watchdog ends the process after 28 s whatever happens.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Tandem;
using Tandem.MessagePack;

static partial class E2EClient
{
    const string Prefab = "Cube";
    static TandemClient client;
    static string phase = "start";
    static readonly List<TandemError> errors = new List<TandemError>();
    // How Main built and connected the client, for roles that open more clients the same way.
    static TandemClientOptions clientOptions;
    static Action<TandemClient> connectLikeMain;

    static int Main(string[] argv)
    {
        string tlsPem = null, url = null;
        bool polled = false;
        var args = new List<string>();
        for (int i = 0; i < argv.Length; i++)
        {
            if (argv[i] == "--tls" && i + 1 < argv.Length) tlsPem = argv[++i];
            else if (argv[i] == "--url" && i + 1 < argv.Length) url = argv[++i];
            else if (argv[i] == "--polled") polled = true;
            else args.Add(argv[i]);
        }
        if (args.Count != 5)
        {
            Console.WriteLine("usage: E2EClient.exe [--tls CERT.pem] [--url URL [--polled]] HOST PORT ROLE(A|B|MOVER|WATCHER|RESUMER|TOKENS) USER ROOM");
            return 2;
        }
        var watchdog = new Timer(_ => Abandon("watchdog: no result after 28 s (phase: " + phase + ")"), null, 28000, Timeout.Infinite);
        try
        {
            string host = args[0], role = args[2].ToUpperInvariant(), user = args[3], room = args[4];
            int port = int.Parse(args[1]);
            var options = new TandemClientOptions { Log = s => Console.Error.WriteLine("[" + role + "] " + s) };
            if (tlsPem != null)
            {
                phase = "load " + tlsPem;
                options.TrustedCertificates = TandemTls.LoadCertificates(tlsPem);
            }
            if (polled)
            {
                options.TransportFactory = (address, opts) => new Tandem.Transport.PolledTransport(address, new PolledSocket(opts), opts);
                Console.Error.WriteLine("[" + role + "] polled transport (as on WebGL)");
            }
            if (role == "RESUMER" || role == "TOKENS")
            {
                options.AutoReconnect = true;
                options.ReconnectMinDelay = TimeSpan.FromMilliseconds(100);
                options.ReconnectMaxDelay = TimeSpan.FromMilliseconds(400);
            }
            client = new TandemClient(options);
            client.Error += e => { lock (errors) errors.Add(e); Console.Error.WriteLine("[" + role + "] " + e); };

            clientOptions = options;
            connectLikeMain = c =>
            {
                if (url != null) c.Connect(url);
                else c.Connect(host, port, tlsPem != null);
            };

            phase = "login";
            connectLikeMain(client);
            Console.Error.WriteLine("[" + role + "] connecting to " + client.ServerAddress);
            client.Login(user, "pw-" + user);
            WaitFor(() => client.IsLoggedIn, 10000, "login");
            Console.Error.WriteLine("[" + role + "] logged in as " + client.ClientId);

            if (role == "A") RoleA(room);
            else if (role == "B") RoleB(room);
            else if (role == "MOVER") Mover(room);
            else if (role == "WATCHER") Watcher(room);
            else if (role == "RESUMER") Resumer(room);
            else if (role == "TOKENS") Tokens(user, room);
            else Finish(false, "unknown role " + role);
            Finish(true, null);
        }
        catch (Exception e)
        {
            Finish(false, e.GetType().Name + " in phase " + phase + ": " + e.Message);
        }
        watchdog.Dispose();
        return 0;
    }

    // Final state A leaves before B joins: field 0 = 20, field 1 = "A", field 2 = 10.0f.
    static ObjectState ExpectedFinalStateOfA()
    {
        var w = new DeltaWriter();
        w.BeginField(0).Write(20);
        w.BeginField(1).Write("A");
        w.BeginField(2).Write(10.0f);
        var s = new ObjectState();
        s.Merge(Delta.Decode(w.MaskText, w.DataText));
        return s;
    }

    static void RoleA(string room)
    {
        phase = "join";
        int readyObjects = -1;
        client.RoomReady += (r, n) => readyObjects = n;
        client.JoinRoom(room);
        WaitFor(() => readyObjects >= 0, 10000, "room ready");
        Check(readyObjects == 0, "a fresh room must have no objects, snapshot had " + readyObjects);
        Check(client.MasterId == client.ClientId, "the creator of a room is its master");

        phase = "instantiate";
        var init = new DeltaWriter();
        init.BeginField(0).Write(0);
        init.BeginField(1).Write("A");
        init.BeginField(2).Write(0.0f);
        ObjectRecord obj = client.Objects.Instantiate(Prefab, OwnershipMode.Takeover, ObjectLifetime.Room, init);
        WaitFor(() => !obj.IsPending, 10000, "instantiate echo");
        Check(obj.Id == client.ClientId + ".1", "first object id must be <me>.1, got " + obj.Id);
        Check(obj.Owner == client.ClientId && obj.Generation == 1, "creator owns generation 1");
        Check(client.Objects.Get(obj.Id) == obj, "the echo binds the pending object");

        phase = "updates";
        var w = new DeltaWriter();
        for (int i = 1; i <= 20; i++)
        {
            w.Clear();
            w.BeginField(0).Write(i);
            w.BeginField(2).Write(i * 0.5f);
            Check(client.Objects.SendUpdate(obj, w, false), "update " + i + " not sent");
            Pump(5);
        }
        Check(obj.State.ContentEquals(ExpectedFinalStateOfA()), "own merged state differs from the expected final state");

        phase = "sync";
        // An ordered message to ourselves: once it is back, everything sent before is applied.
        string sync = null;
        long me = client.ClientId;
        client.MessageReceived += (s, m) => { if (s == me) sync = m; };
        client.Send("sync-A", SendTarget.AllOrdered);
        WaitFor(() => sync == "sync-A", 10000, "ordered sync echo");
        Console.WriteLine("READY");
        Console.Out.Flush();

        // Subscribed before waiting for B: B's join and its take can arrive in one batch.
        long previousOwner = 0;
        client.Objects.OwnerChanged += (o, prev) => { if (o == obj) previousOwner = prev; };
        phase = "wait for B";
        long b = 0;
        client.PlayerJoined += id => b = id;
        WaitFor(() => b != 0, 20000, "B to join");

        phase = "wait for takeover";
        WaitFor(() => obj.Owner == b, 10000, "B to take ownership");
        Check(previousOwner == me, "previous owner reported as " + previousOwner);
        Check(obj.Generation == 2, "generation after the takeover is " + obj.Generation + ", want 2");
        Check(!obj.IsMine, "A must no longer own the object");
        w.Clear();
        w.BeginField(0).Write(-1);
        Check(!client.Objects.SendUpdate(obj, w, false), "the client must refuse to send for an object it does not own");
        // Bypass the client check: the server must refuse a write from the old owner too.
        client.SendLine("11:" + obj.Id + ":1:0:1:AQ==");
        WaitFor(() => HasError(11), 10000, "server to refuse the old owner's update");
        Check(RefusedUpdate(11).ObjectId == obj.Id, "the refusal names the object: ObjectId " + RefusedUpdate(11).ObjectId + ", want " + obj.Id);

        phase = "wait for B's updates";
        WaitFor(() => obj.State.HasField(1) && ReadString(obj, 1) == "B" && ReadInt(obj, 0) >= 105, 10000, "B's updates at generation 2");
        Check(obj.Generation == 2, "B's updates changed the generation to " + obj.Generation);
        Check(ReadInt(obj, 0) != -1, "the refused write of A was applied");
        client.SendTo(new[] { b }, "seen", true);
        Pump(300); // let the ordered message leave before we close
    }

    static void RoleB(string room)
    {
        phase = "join";
        int readyObjects = -1;
        var snapshot = new List<ObjectRecord>();
        client.Objects.Spawned += o => { if (o.FromSnapshot) snapshot.Add(o); };
        client.RoomReady += (r, n) => readyObjects = n;
        // Subscribed before anything can arrive: A answers while B is still sending.
        var fromA = new List<string>();
        client.MessageReceived += (s, m) => { if (s == client.MasterId) fromA.Add(m); };
        client.JoinRoom(room);
        WaitFor(() => readyObjects >= 0, 10000, "room ready");

        phase = "check snapshot";
        Check(readyObjects == 1 && snapshot.Count == 1, "snapshot must hold A's one object: 17 said " + readyObjects + ", got " + snapshot.Count);
        ObjectRecord obj = snapshot[0];
        long a = client.MasterId;
        Check(a != 0 && a != client.ClientId, "A (the creator) must be master");
        Check(obj.Id == a + ".1" && obj.Owner == a && obj.Generation == 1, "snapshot object " + obj + " must be A's at generation 1");
        Check(obj.Prefab == Prefab && obj.Mode == OwnershipMode.Takeover && obj.Lifetime == ObjectLifetime.Room, "snapshot metadata " + obj);
        Check(obj.State.ContentEquals(ExpectedFinalStateOfA()),
              "snapshot state must equal A's final state (0=20, 1=\"A\", 2=10.0): got " + Describe(obj));

        phase = "takeover";
        client.Objects.TakeOwnership(obj);
        WaitFor(() => obj.Owner == client.ClientId, 10000, "ownership");
        Check(obj.Generation == 2 && obj.IsMine, "after the take B owns generation 2, got " + obj);

        phase = "updates";
        var w = new DeltaWriter();
        for (int i = 100; i <= 110; i++)
        {
            w.Clear();
            w.BeginField(0).Write(i);
            if (i == 100) w.BeginField(1).Write("B");
            Check(client.Objects.SendUpdate(obj, w, false), "update " + i + " not sent");
            Pump(10);
        }

        phase = "wait for A";
        WaitFor(() => fromA.Contains("seen"), 10000, "A to confirm it saw B's updates");
        Check(ReadInt(obj, 0) == 110 && ReadString(obj, 1) == "B", "B's own state: " + Describe(obj));
    }

    static bool HasError(int command)
    {
        return RefusedUpdate(command) != null;
    }

    static TandemError RefusedUpdate(int command)
    {
        lock (errors)
            foreach (TandemError e in errors)
                if (e.CommandNumber == command && (e.Code == Tandem.Protocol.ErrorCode.NotOwner || e.Code == Tandem.Protocol.ErrorCode.StaleGeneration)) return e;
        return null;
    }

    static long ReadInt(ObjectRecord o, int field)
    {
        return o.State.HasField(field) ? new MsgPackReader(o.State.GetField(field)).ReadInt64() : long.MinValue;
    }

    static string ReadString(ObjectRecord o, int field)
    {
        return o.State.HasField(field) ? new MsgPackReader(o.State.GetField(field)).ReadString() : null;
    }

    static string Describe(ObjectRecord o)
    {
        var parts = new List<string>();
        for (int i = 0; i < 64; i++)
            if (o.State.HasField(i)) parts.Add(i + "=" + MsgPackFormatter.ToDisplayString(o.State.GetField(i)));
        return o + " {" + string.Join(", ", parts.ToArray()) + "}";
    }

    static void Check(bool ok, string what)
    {
        if (!ok) throw new Exception("check failed: " + what);
    }

    static void Pump(int ms)
    {
        var sw = Stopwatch.StartNew();
        do
        {
            client.Update();
            Thread.Sleep(2);
        } while (sw.ElapsedMilliseconds < ms);
    }

    static void WaitFor(Func<bool> condition, int timeoutMs, string what)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            client.Update();
            if (condition()) return;
            if (client.State == ClientState.Disconnected) throw new Exception("disconnected while waiting for " + what);
            if (sw.ElapsedMilliseconds > timeoutMs) throw new TimeoutException("waiting for " + what + " for " + timeoutMs + " ms");
            Thread.Sleep(2);
        }
    }

    static readonly object finishLock = new object();

    static void Finish(bool ok, string reason)
    {
        lock (finishLock)
        {
            Console.WriteLine(ok ? "E2E OK" : "E2E FAIL: " + reason);
            Console.Out.Flush();
            // A clean disconnect must not take long: a hang here is a failure of its own.
            var disconnect = new Thread(() =>
            {
                try { if (client != null) client.Disconnect(); } catch (Exception) { }
            }) { IsBackground = true };
            disconnect.Start();
            if (!disconnect.Join(5000))
            {
                Console.WriteLine("E2E FAIL: Disconnect did not return within 5 s");
                Console.Out.Flush();
                Environment.Exit(1);
            }
            Environment.Exit(ok ? 0 : 1);
        }
    }

    // The watchdog: no lock (Finish may be the one that hangs), no disconnect.
    static void Abandon(string reason)
    {
        Console.WriteLine("E2E FAIL: " + reason);
        Console.Out.Flush();
        Environment.Exit(1);
    }
}
