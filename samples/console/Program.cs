// Tandem console client: a headless second reference client, built from the Unity package's
// Core (no UnityEngine) with Mono. It logs in, joins a room and prints everything that
// happens there in a readable form; optionally it says something once the room is ready.
//
//   mono Console.exe HOST PORT USER PASSWORD ROOM [--say TEXT] [--seconds N]
//                    [--room-password PW] [--all-updates]
//   mono Console.exe URL USER PASSWORD ROOM [...]
//     URL: tcp://host:7777, tls://host:7777, ws://host:7780/ws or wss://host:7780/ws
//
// It runs until --seconds have passed (from the start) or Ctrl-C, then disconnects.
// Exit status: 0 after a normal run, 1 when logging in or joining failed or the server
// dropped the connection, 2 for bad arguments.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading;
using Tandem;
using Tandem.MessagePack;

static class TandemConsole
{
    const int JoinTimeoutSeconds = 10;

    static readonly Stopwatch clock = Stopwatch.StartNew();
    static readonly Dictionary<long, string> names = new Dictionary<long, string>();
    static readonly Dictionary<string, UpdateTally> tallies = new Dictionary<string, UpdateTally>();
    static TandemClient client;
    static Options opt;
    static volatile bool interrupted;
    static bool stopping;
    static string failure;

    sealed class Options
    {
        public string Host, Url, User, Password, Room, RoomPassword, Say;
        public int Port;
        public double Seconds = -1; // < 0: until Ctrl-C
        public bool AllUpdates;
    }

    // Updates are many (10 bots at 10 Hz): by default one line per object per second at most.
    sealed class UpdateTally
    {
        public double LastPrinted = double.NegativeInfinity;
        public int Skipped;
    }

    static int Main(string[] args)
    {
        string error;
        opt = Parse(args, out error);
        if (opt == null)
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine("usage: mono Console.exe HOST PORT USER PASSWORD ROOM [--say TEXT] [--seconds N] [--room-password PW] [--all-updates]");
            Console.Error.WriteLine("   or: mono Console.exe URL USER PASSWORD ROOM [...]   (URL: tcp://host:7777, tls://host:7777, ws://host:7780/ws, wss://...)");
            return 2;
        }

        Console.CancelKeyPress += (sender, e) =>
        {
            e.Cancel = true; // leave cleanly from the main loop
            interrupted = true;
        };

        client = new TandemClient(new TandemClientOptions { AutoReconnect = false });
        Subscribe();
        Print("connecting to " + (opt.Url ?? opt.Host + ":" + opt.Port) + " as " + opt.User);
        try
        {
            if (opt.Url != null) client.Connect(opt.Url);
            else client.Connect(opt.Host, opt.Port);
            client.Login(opt.User, opt.Password);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        while (!interrupted && failure == null)
        {
            double now = clock.Elapsed.TotalSeconds;
            if (opt.Seconds >= 0 && now >= opt.Seconds) break;
            if (!client.IsRoomReady && now >= JoinTimeoutSeconds && client.CurrentRoom == null)
            {
                failure = "not in room '" + opt.Room + "' after " + JoinTimeoutSeconds + " s";
                break;
            }
            try
            {
                client.Update();
            }
            catch (TandemException e)
            {
                Print("event handler failed: " + (e.InnerException ?? e));
            }
            Thread.Sleep(10);
        }

        stopping = true;
        if (interrupted) Print("interrupted");
        client.Disconnect(); // flushes what is queued (up to 1 s); the server then removes us from the room
        if (failure != null)
        {
            Print("FAILED: " + failure);
            return 1;
        }
        Print("bye");
        return 0;
    }

    static Options Parse(string[] args, out string error)
    {
        error = null;
        var positional = new List<string>();
        var o = new Options { RoomPassword = "" };
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--all-updates")
            {
                o.AllUpdates = true;
                continue;
            }
            if (a == "--say" || a == "--seconds" || a == "--room-password")
            {
                if (i + 1 >= args.Length)
                {
                    error = a + " needs a value";
                    return null;
                }
                string v = args[++i];
                if (a == "--say") o.Say = v;
                else if (a == "--room-password") o.RoomPassword = v;
                else if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out o.Seconds) || o.Seconds < 0)
                {
                    error = "--seconds needs a number of seconds, not '" + v + "'";
                    return null;
                }
                continue;
            }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                error = "unknown option " + a;
                return null;
            }
            positional.Add(a);
        }
        if (positional.Count == 4 && positional[0].Contains("://"))
        {
            // URL USER PASSWORD ROOM: tcp://, tls://, ws:// or wss:// picks the transport.
            try
            {
                o.Url = Tandem.Transport.ServerAddress.Parse(positional[0]).ToString();
            }
            catch (FormatException e)
            {
                error = e.Message;
                return null;
            }
            o.User = positional[1];
            o.Password = positional[2];
            o.Room = positional[3];
            return o;
        }
        if (positional.Count != 5)
        {
            error = "expected HOST PORT USER PASSWORD ROOM (or URL USER PASSWORD ROOM), got " + positional.Count + " argument(s)";
            return null;
        }
        o.Host = positional[0];
        if (!int.TryParse(positional[1], NumberStyles.None, CultureInfo.InvariantCulture, out o.Port) || o.Port < 1 || o.Port > 65535)
        {
            error = "PORT must be a number from 1 to 65535, not '" + positional[1] + "'";
            return null;
        }
        o.User = positional[2];
        o.Password = positional[3];
        o.Room = positional[4];
        return o;
    }

    // ---- events ---------------------------------------------------------------------------

    static void Subscribe()
    {
        client.Connected += () => Print("connected");
        client.LoggedIn += id =>
        {
            names[id] = opt.User;
            Print("logged in as " + opt.User + " (client id " + id + ")");
            try
            {
                client.JoinRoom(opt.Room, opt.RoomPassword);
            }
            catch (ArgumentException e)
            {
                failure = "cannot join: " + e.Message; // a ':' in the room name or password
            }
        };
        client.RoomJoined += room => Print("joined room " + room + " as " + Who(client.ClientId));
        client.RoomReady += (room, objects) =>
        {
            Print("room " + room + " ready: " + Plural(client.MemberIds.Count, "member") + ", " + Plural(objects, "object") +
                  ", master " + Who(client.MasterId));
            if (opt.Say != null)
            {
                client.Send(opt.Say, SendTarget.All);
                Print("said to all: " + opt.Say);
            }
        };
        client.RoomLeft += room =>
        {
            if (!stopping) Print("left room " + room);
        };
        // MemberJoined tells players already in the room (announced while we join) from new arrivals.
        client.MemberJoined += e => Print((e.IsNewArrival ? "joined: " : "already here: ") + Who(e.ClientId));
        // Raised before the leaver is removed; the args carry its last known name.
        client.MemberLeft += e =>
        {
            if (e.Name != null) names[e.ClientId] = e.Name;
            Print("left: " + Who(e.ClientId));
        };
        client.MembersChanged += () =>
        {
            var list = new List<string>();
            foreach (long id in client.MemberIds)
            {
                string n = client.GetMemberName(id);
                if (n != null) names[id] = n;
                list.Add(Who(id));
            }
            Print("members: " + string.Join(", ", list.ToArray()));
        };
        client.MasterChanged += id => Print("master: " + Who(id));
        // 20: the server keeps a dropped player in the room for the rejoin grace.
        client.MemberActivity += (id, active) => Print(active ? Who(id) + " is back" : Who(id) + " dropped (inactive until it resumes or its grace ends)");
        client.MessageReceived += (sender, text) => Print("message from " + Who(sender) + ": " + text);
        client.Error += e =>
        {
            Print("error " + e.Code + " (command " + e.Command + "): " + e.Text);
            if (e.CommandNumber == 0) failure = "login refused: " + e.Code;
            else if (e.CommandNumber == 2 && client.CurrentRoom == null) failure = "join refused: " + e.Code;
        };
        client.Closing += (code, text) => Print("server is closing the connection: " + code + ": " + text);
        client.Disconnected += d =>
        {
            Print("disconnected: " + d);
            if (!stopping && failure == null) failure = "connection ended: " + d.Reason;
        };
        client.ProtocolViolation += (line, reason) => Print("ignored a bad server line (" + reason + ")");

        ObjectRegistry registry = client.Objects;
        registry.Spawned += o => Print((o.FromSnapshot ? "object (snapshot) " : "spawned ") + Describe(o) + " " + FormatState(o.State));
        registry.Updated += (o, delta) => PrintUpdate(o, delta);
        registry.OwnerChanged += (o, previous) =>
            Print("owner of " + o.Id + ": " + Who(previous) + " -> " + Who(o.Owner) + " (generation " + o.Generation + ")");
        registry.OwnershipRequested += (o, requester) => Print(Who(requester) + " asks for " + o.Id + " (ignored: this client never gives objects away)");
        registry.OwnershipDenied += (o, owner) => Print(Who(owner) + " keeps " + o.Id);
        registry.MessageReceived += (o, sender, text) => Print("object message on " + o.Id + " from " + Who(sender) + ": " + text);
        registry.Destroyed += o =>
        {
            tallies.Remove(o.Id ?? "");
            if (!stopping) Print("destroyed " + o.Id + " " + o.Prefab);
        };
    }

    static void PrintUpdate(ObjectRecord o, Delta delta)
    {
        string text = "update " + o.Id + " (generation " + o.Generation + ") " + FormatDelta(delta);
        if (opt.AllUpdates)
        {
            Print(text);
            return;
        }
        UpdateTally t;
        if (!tallies.TryGetValue(o.Id, out t)) tallies[o.Id] = t = new UpdateTally();
        double now = clock.Elapsed.TotalSeconds;
        if (now - t.LastPrinted < 1.0)
        {
            t.Skipped++;
            return;
        }
        if (t.Skipped > 0) text += "  (+" + t.Skipped + " more since the last line)";
        t.LastPrinted = now;
        t.Skipped = 0;
        Print(text);
    }

    // ---- formatting --------------------------------------------------------------------------

    static string Who(long id)
    {
        if (id <= 0) return "nobody";
        string n;
        if (!names.TryGetValue(id, out n) || n == null) n = client.GetMemberName(id);
        return (n ?? "player") + " #" + id;
    }

    static string Describe(ObjectRecord o)
    {
        return o.Id + " " + o.Prefab + " (" + (o.Mode == OwnershipMode.Takeover ? "takeover" : o.Mode == OwnershipMode.Fixed ? "fixed" : "request") +
               ", " + (o.Lifetime == ObjectLifetime.Player ? "player" : "room") + " object, owner " + Who(o.Owner) + ", generation " + o.Generation + ")";
    }

    // {0: [1.5, 0, 2], 1: [...]} - field number: value
    static string FormatState(ObjectState state)
    {
        var sb = new StringBuilder("{");
        for (int i = 0; i < Delta.MaxFields; i++)
        {
            ArraySegment<byte> v;
            if (!state.TryGetField(i, out v)) continue;
            if (sb.Length > 1) sb.Append(", ");
            sb.Append(i).Append(": ").Append(MsgPackFormatter.ToDisplayString(v));
        }
        return sb.Append('}').ToString();
    }

    static string FormatDelta(Delta delta)
    {
        var sb = new StringBuilder("{");
        for (int i = 0; i < Delta.MaxFields; i++)
        {
            if (!delta.HasField(i)) continue;
            if (sb.Length > 1) sb.Append(", ");
            sb.Append(i).Append(": ").Append(MsgPackFormatter.ToDisplayString(delta.GetField(i)));
        }
        return sb.Append('}').ToString();
    }

    static string Plural(int n, string what)
    {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    static void Print(string line)
    {
        Console.Out.WriteLine("[" + clock.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture).PadLeft(8) + "] " + line);
        Console.Out.Flush();
    }
}
