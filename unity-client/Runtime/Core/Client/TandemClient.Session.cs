using System;
using Tandem.Protocol;

namespace Tandem
{
    // Session tokens and logout (PROTOCOL.md "18 log in with a session token", "21 log out").
    // A login's answer 0:<id>:<session token>:<resume token> may carry a session token; the
    // client keeps the newest one in memory (never on disk: a game that wants "stay logged in"
    // stores SessionToken itself). An automatic reconnect tries, in this order: the resume
    // (19, when there is a room to resume), the session token (18), the password (0); each
    // one only if the one before was refused with bad_token (or there is nothing to resume),
    // then joins the room again as the password fallback always did.
    public sealed partial class TandemClient
    {
        /// <summary>
        /// The session token of the newest login (<c>0:&lt;id&gt;:&lt;session token&gt;:...</c>), or
        /// null when the server issues none (<c>--session-ttl 0</c>), it was refused, or after
        /// <see cref="Logout"/>. Kept in memory only; the package never writes it anywhere. A game
        /// that wants its players to stay logged in across restarts may store it (it is a
        /// credential until it expires: keep it where you would keep a password) and pass it to
        /// <see cref="LoginWithToken"/> later. An answer that carries a token replaces it, so this
        /// is always the newest (the server may re-sign it); one with an empty field keeps it.
        /// </summary>
        public string SessionToken { get; private set; }

        /// <summary>True if the client has something to log in with on its own: a session token, or a user and password.</summary>
        bool CanLogIn { get { return SessionToken != null || (user != null && password != null); } }

        /// <summary>
        /// <c>18:&lt;session token&gt;</c>: logs in with a session token from an earlier login instead
        /// of a password. The answer raises <see cref="LoggedIn"/> as a password login does; a
        /// refusal raises <see cref="Error"/> with command 18: <c>bad_token</c> (forged, expired, or
        /// ended by a logout or password change; <see cref="SessionToken"/> is then null),
        /// <c>banned</c>, <c>server_busy</c>, <c>store_unavailable</c>. After <c>bad_token</c> the
        /// client logs in with the password at once if it has one (see <paramref name="password"/>);
        /// else it is up to the game. The token is kept for automatic reconnects like the one a
        /// password login brings.
        /// </summary>
        /// <param name="sessionToken">a token as <see cref="SessionToken"/> gave it.</param>
        /// <param name="user">
        /// The account's name if the game knows it (stored with the token): what
        /// <see cref="UserName"/> reports and what a resume presents. Null: the client learns it
        /// from the first member list of a room it joins.
        /// </param>
        /// <param name="password">
        /// The account's password, if the game has it, for when the token is refused (needs
        /// <paramref name="user"/>); kept in memory like <see cref="Login"/>'s. Null: a password
        /// remembered from <see cref="Login"/> is kept only when <paramref name="user"/> names the
        /// same user, else forgotten.
        /// </param>
        /// <exception cref="ArgumentException">the token is not 1..512 ASCII letters, digits, <c>_ - .</c>; the user name is empty or holds ':' or a line break; a password without a user.</exception>
        public void LoginWithToken(string sessionToken, string user = null, string password = null)
        {
            string line = ClientLines.TokenLogin(sessionToken);
            if (user != null)
            {
                if (user.Length == 0) throw new ArgumentException("user name is empty (null: not known)", "user");
                ClientLines.Login(user, password ?? ""); // the same checks as a password login's
            }
            else if (password != null) throw new ArgumentException("a password needs its user name", "password");
            if (password != null) this.password = password;
            else if (user == null || this.user == null || !string.Equals(user, this.user, StringComparison.OrdinalIgnoreCase))
                this.password = null; // another account's password must never follow this token
            this.user = user;
            SessionToken = sessionToken;
            SendLine(line);
        }

        /// <summary>
        /// <c>21</c>: logs out. The server ends every session token of the user and the resume
        /// token, takes us out of the room (a leave, not a drop), answers
        /// <c>8:logged_out:&lt;text&gt;</c> (<see cref="Closing"/>) and closes the connection
        /// (<see cref="Disconnected"/> with <see cref="DisconnectInfo.ClosingCode"/> <c>logged_out</c>).
        /// The client forgets its tokens, the password and the room to rejoin at once, and does not
        /// reconnect. Returns false when there was no connection to send it on (waiting to
        /// reconnect): then nothing reached the server, whose tokens stay valid until they expire,
        /// and the client just disconnects. Before login the server answers
        /// <c>9:21:not_logged_in</c> and the connection stays.
        /// </summary>
        public bool Logout()
        {
            ForgetCredentials();
            if (connection.Transport != null)
            {
                SendLine(ClientLines.Logout());
                return true;
            }
            Disconnect();
            return false;
        }

        /// <summary>Forgets everything that could log us in again, and the room to come back to; no automatic reconnect follows.</summary>
        void ForgetCredentials()
        {
            SessionToken = null;
            ResumeToken = null;
            password = null;
            room.JoinRoom = room.JoinPassword = room.RejoinRoom = room.RejoinPassword = null;
            connection.ForbidReconnect();
        }

        /// <summary>The session token of a login's or resume's answer; an empty field keeps the one we have.</summary>
        void KeepSessionToken(SessionStartedLine m)
        {
            if (m.SessionToken.Length > 0) SessionToken = m.SessionToken;
        }

        /// <summary>True if an automatic reconnect has a line to open with (a resume or a login).</summary>
        bool CanReconnect { get { return (resuming && ResumeToken != null && user != null) || CanLogIn; } }

        /// <summary>
        /// The login of an automatic reconnect when there is nothing (more) to resume: the session
        /// token, else the password. With neither the connection stays open, not logged in, and no
        /// further reconnect follows (as after a refused password).
        /// </summary>
        void SendLoginLine()
        {
            if (SessionToken != null)
            {
                SendLine(ClientLines.TokenLogin(SessionToken));
                return;
            }
            if (user != null && password != null)
            {
                SendLine(ClientLines.Login(user, password));
                return;
            }
            Log("nothing to log in with: no session token and no password");
            connection.ForbidReconnect();
        }

        /// <summary>A <c>9:18:bad_token</c> (true if handled here): the token is dead; the password follows if we have one.</summary>
        bool OnLoginError(TandemError err)
        {
            if (err.CommandNumber != MessageNumber.TokenLogin || err.Code != ErrorCode.BadToken) return false;
            SessionToken = null;
            if (user != null && password != null)
            {
                // The same connection; after a reconnect's, the room again (OnLoggedIn rejoins it).
                Log("session token refused (" + err.Text + "): logging in with the password");
                SendLine(ClientLines.Login(user, password));
                return true;
            }
            Log("session token refused (" + err.Text + ")");
            connection.ForbidReconnect();
            return true;
        }
    }
}
