// Role TOKENS: session tokens against the real server, through a TCP (or WebSocket) proxy the
// Go test cuts, like RESUMER. Main has logged in with the password.
//   1. The login's answer carried a session token. A second client, which never learns the
//      password, presents a forged token (refused: 9:18:bad_token, the game logs in again on
//      the same connection) and then the real one: logged in with a new client id. It joins
//      ROOM, learns its user name from the member list and prints "READY <id>".
//   2. The test cuts the connection until the rejoin grace is over (the other player sees
//      2:<id>:) and lets it back: the resume is refused, the client logs in with its session
//      token (it has no password) and joins ROOM again. It prints "REJOINED <new id>".
//   3. Logout: 21, answered 8:logged_out; the client forgets its tokens and does not
//      reconnect. A third client presenting the last token is refused with bad_token. It
//      prints "LOGGED_OUT", then "E2E OK".
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Tandem;
using Tandem.Protocol;

static partial class E2EClient
{
    static TandemClient NewClientLikeMain(string tag)
    {
        var c = new TandemClient(clientOptions);
        c.Error += e => { lock (errors) errors.Add(e); Console.Error.WriteLine("[TOKENS " + tag + "] " + e); };
        connectLikeMain(c);
        return c;
    }

    static TandemError WaitForError(int command, int timeoutMs, string what)
    {
        TandemError found = null;
        WaitFor(() =>
        {
            lock (errors) found = errors.Find(e => e.CommandNumber == command);
            return found != null;
        }, timeoutMs, what);
        return found;
    }

    static void Tokens(string user, string room)
    {
        phase = "password login's session token";
        string token = client.SessionToken;
        Check(token != null, "the password login's answer carries a session token (0:<id>:<session token>:<resume token>)");
        Check(ClientLines.IsSessionToken(token), "the session token has the documented form: " + token.Length + " characters");
        long passwordId = client.ClientId;
        client.Disconnect();

        phase = "forged token";
        client = NewClientLikeMain("2");
        client.LoginWithToken("forged.token-" + passwordId);
        TandemError refused = WaitForError(MessageNumber.TokenLogin, 10000, "the forged token's refusal");
        Check(refused.Code == ErrorCode.BadToken, "a forged token is refused with bad_token, not " + refused);
        Check(!client.IsLoggedIn && client.SessionToken == null, "not logged in, no token kept after the refusal");

        phase = "token login";
        lock (errors) errors.Clear();
        client.LoginWithToken(token);
        WaitFor(() => client.IsLoggedIn, 10000, "the token login");
        long tokenId = client.ClientId;
        Check(tokenId != passwordId, "a token login is a new login with a new id");
        Check(client.SessionToken != null, "the token login's answer carries a session token");
        Check(client.UserName == null, "the user name is not known yet");

        phase = "join";
        var events = new List<string>();
        client.ConnectionLost += d => events.Add("lost");
        client.Resumed += id => events.Add("resumed");
        client.ResumeFailed += why => events.Add("failed " + why);
        int ready = 0;
        client.RoomReady += (r, n) => ready++;
        client.JoinRoom(room);
        WaitFor(() => ready == 1 && client.UserName != null, 10000, "the room and the member list naming us");
        Check(client.UserName == user.ToLowerInvariant(), "the user name learned from the member list: " + client.UserName);
        Console.WriteLine("READY " + tokenId);
        Console.Out.Flush();

        phase = "drop past the grace";
        WaitFor(() => events.Contains("lost"), 10000, "the connection to drop");
        WaitFor(() => ready == 2, 20000, "the resume to fail and the room to be joined again");
        Check(events.Exists(e => e.StartsWith("failed bad_token")), "ResumeFailed with bad_token: " + string.Join(", ", events.ToArray()));
        lock (errors)
        {
            Check(errors.Exists(e => e.CommandNumber == MessageNumber.Resume && e.Code == ErrorCode.BadToken), "the resume was refused");
            Check(!errors.Exists(e => e.CommandNumber == MessageNumber.TokenLogin || e.CommandNumber == MessageNumber.Login),
                  "the token login was not refused (and no password login was tried)");
        }
        long rejoinedId = client.ClientId;
        Check(rejoinedId != tokenId && rejoinedId != 0, "a new client id after the token login");
        Check(client.CurrentRoom == room, "in the room again");
        Console.WriteLine("REJOINED " + rejoinedId);
        Console.Out.Flush();

        phase = "logout";
        string last = client.SessionToken;
        Check(last != null, "a session token before the logout");
        DisconnectInfo gone = null;
        int reconnects = 0;
        client.Disconnected += d => gone = d;
        client.Reconnecting += (n, d) => reconnects++;
        Check(client.Logout(), "Logout sent 21");
        Check(client.SessionToken == null && client.ResumeToken == null, "the tokens are forgotten at once");
        var sw = Stopwatch.StartNew();
        while (gone == null)
        {
            client.Update();
            if (sw.ElapsedMilliseconds > 10000) throw new TimeoutException("waiting for the server to close after the logout");
            Thread.Sleep(2);
        }
        Check(gone.ClosingCode == CloseCode.LoggedOut, "closed with logged_out: " + gone);
        Check(!gone.WillReconnect, "no reconnect after a logout: " + gone);
        Pump(1000); // a reconnect would start within 100 ms
        Check(reconnects == 0 && client.State == ClientState.Disconnected, "still disconnected a second later: " + client.State);

        phase = "token after logout";
        lock (errors) errors.Clear();
        client = NewClientLikeMain("3");
        client.LoginWithToken(last);
        refused = WaitForError(MessageNumber.TokenLogin, 10000, "the logged-out token's refusal");
        Check(refused.Code == ErrorCode.BadToken, "a token ended by the logout is refused with bad_token, not " + refused);
        Check(!client.IsLoggedIn, "not logged in");
        Console.WriteLine("LOGGED_OUT");
        Console.Out.Flush();
    }
}
