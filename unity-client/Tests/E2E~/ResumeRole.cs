// Role RESUMER: reconnect and resume against the real server, through a TCP proxy the Go
// test cuts (server/csharp_e2e_test.go, TestCSharpResumeEndToEnd). Another player (the Go
// test) owns a room object "Ball" (field 0 = 1). RESUMER joins, checks it, spawns its own
// room object "Avatar" and prints "READY <id> <avatar id>".
//   1. The test cuts the connection, sets Ball's field 0 to 5 while RESUMER is away and
//      lets it back within the grace: RESUMER must resume with the same id, keep the very
//      same ObjectRecord instances, and see Ball = 5 in them. It prints "RESUMED <id>".
//   2. The test cuts it again until the grace is over (the server hands Avatar over to
//      the other player): the resume must be refused, ResumeFailed raised, and the client
//      must log in with its password and join the room again as a new player, where
//      Avatar belongs to the other player now.
using System;
using System.Collections.Generic;
using Tandem;

static partial class E2EClient
{
    static void Resumer(string room)
    {
        var events = new List<string>();
        client.ConnectionLost += d => events.Add("lost");
        client.Resumed += newId => events.Add("resumed");
        client.ResumeFailed += why => events.Add("failed " + why);

        phase = "join";
        bool ready = false;
        client.RoomReady += (r, n) => ready = true;
        client.JoinRoom(room);
        WaitFor(() => ready, 10000, "room ready");
        ObjectRecord ball = null;
        foreach (var o in client.Objects.GetAll())
            if (o.Prefab == "Ball") ball = o;
        Check(ball != null && ReadInt(ball, 0) == 1, "the other player's Ball with field 0 = 1 in the snapshot");
        long other = ball.Owner;

        phase = "instantiate";
        var init = new DeltaWriter();
        init.BeginField(0).Write(7);
        ObjectRecord avatar = client.Objects.Instantiate("Avatar", OwnershipMode.Takeover, ObjectLifetime.Room, init);
        WaitFor(() => !avatar.IsPending, 10000, "instantiate echo");
        long id = client.ClientId;
        string token = client.ResumeToken;
        Check(token != null, "the login gave a resume token");
        Console.WriteLine("READY " + id + " " + avatar.Id);
        Console.Out.Flush();

        phase = "drop 1 (resume within the grace)";
        WaitFor(() => events.Contains("lost"), 10000, "the connection to drop");
        Check(client.IsResuming && client.CurrentRoom == room && client.Objects.Count == 2, "the room and objects stay while resuming");
        WaitFor(() => events.Contains("resumed") || events.Exists(e => e.StartsWith("failed")), 15000, "the resume");
        Check(events.Contains("resumed"), "resumed, not: " + string.Join(", ", events));
        Check(client.ClientId == id, "the same client id after the resume: " + client.ClientId + " != " + id);
        Check(client.ResumeToken != null && client.ResumeToken != token, "a new resume token");
        Check(ReferenceEquals(client.Objects.Get(ball.Id), ball) && ReferenceEquals(client.Objects.Get(avatar.Id), avatar),
              "the same object records after the resume");
        Check(!ball.IsDestroyed && !avatar.IsDestroyed, "nothing destroyed");
        Check(ReadInt(ball, 0) == 5, "Ball's update made during the drop is in the resumed state: " + Describe(ball));
        Check(avatar.Owner == id && avatar.Generation == 1 && ReadInt(avatar, 0) == 7, "Avatar still ours: " + Describe(avatar));
        Check(client.MemberIds.Count == 2 && client.IsMember(other), "both members");
        Console.WriteLine("RESUMED " + client.ClientId);
        Console.Out.Flush();

        phase = "drop 2 (past the grace)";
        events.Clear();
        bool rejoined = false;
        client.RoomReady += (r, n) => rejoined = true;
        WaitFor(() => events.Contains("lost"), 10000, "the second drop");
        WaitFor(() => rejoined, 20000, "the resume to fail and the room to be joined again");
        Check(events.Exists(e => e.StartsWith("failed bad_token")), "ResumeFailed with bad_token: " + string.Join(", ", events));
        Check(!events.Contains("resumed"), "not resumed");
        Check(client.ClientId != id && client.ClientId != 0, "a new client id after the fallback login");
        Check(avatar.IsDestroyed && ball.IsDestroyed, "the old records were dropped with the room");
        ObjectRecord handed = client.Objects.Get(avatar.Id);
        Check(handed != null && handed.Owner == other && ReadInt(handed, 0) == 7, "Avatar was handed over to the other player: " + (handed == null ? "missing" : Describe(handed)));
        Console.WriteLine("REJOINED " + client.ClientId);
        Console.Out.Flush();
    }
}
