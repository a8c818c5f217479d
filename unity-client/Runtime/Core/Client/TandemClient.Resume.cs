using System;
using System.Collections.Generic;
using Tandem.Protocol;

namespace Tandem
{
    // Reconnect and resume (PROTOCOL.md "Reconnect and resume"). After a drop the room, its
    // members and its objects stay as they were; the reconnect sends 19:<user>:<resume token>
    // instead of a login; the server answers 0:<same id>::<new token> and the join lines of a
    // late joiner, which are applied onto what we have (same records, nothing re-created). A
    // refused resume (or one past its grace) leaves the room locally, logs in with the
    // session token or the password (TandemClient.Session.cs) and joins the room again as a
    // new player.
    public sealed partial class TandemClient
    {
        bool resuming;      // from the drop until Resumed or ResumeFailed
        bool resumeSent;    // 19 sent on this connection, its answer not yet in
        bool leaveSent;     // LeaveRoom sent in a room, its confirmation not yet in

        /// <summary>
        /// True from a drop (see <see cref="ConnectionLost"/>) until <see cref="Resumed"/> or
        /// <see cref="ResumeFailed"/>: the room, members and objects are those from before the
        /// drop, nothing is sent for the objects, and instantiating throws.
        /// </summary>
        public bool IsResuming { get { return resuming; } }

        /// <summary>
        /// True while the member's connection is down and the server keeps its place for the
        /// room's rejoin grace (<c>20:&lt;id&gt;:inactive</c>); it keeps its objects and may resume.
        /// </summary>
        public bool IsMemberInactive(long clientId) { return room.IsInactive(clientId); }

        /// <summary>
        /// The connection dropped while we were in a room and the client will resume the session
        /// (see <see cref="IsResuming"/>). <see cref="Disconnected"/> and <see cref="Reconnecting"/>
        /// follow; <see cref="Resumed"/> or <see cref="ResumeFailed"/> ends it.
        /// </summary>
        public event Action<DisconnectInfo> ConnectionLost;

        /// <summary>
        /// The session was resumed with the same client id (the argument): the room's join lines
        /// were applied onto the room and objects we had (updated, destroyed, spawned), and our
        /// objects send their full state again. Raised after the resume's <c>17</c>.
        /// </summary>
        public event Action<long> Resumed;

        /// <summary>
        /// The resume was refused (<c>9:19:bad_token</c>, e.g. the grace ended), answered with
        /// another id, or reconnecting gave up. The room was left locally (<see cref="RoomLeft"/>,
        /// objects destroyed); unless reconnecting gave up, the client now logs in with its
        /// session token (or, if that is refused too, the stored password) and joins the room
        /// again as a new player. The argument says why.
        /// </summary>
        public event Action<string> ResumeFailed;

        // A drop is an end of the connection the server treats as one (the member becomes
        // inactive); these closing codes end the membership at once instead.
        static bool IsDrop(string closingCode)
        {
            return closingCode != CloseCode.SessionReplaced && closingCode != CloseCode.ServerShutdown &&
                   closingCode != CloseCode.Kicked && closingCode != CloseCode.Banned && closingCode != ErrorCode.RateLimited &&
                   closingCode != CloseCode.LoggedOut;
        }

        /// <summary>The connection ended: keep the session for a resume if it is a drop and reconnecting is on. True if so.</summary>
        bool KeepForResume(string reason, string code)
        {
            bool canResume = (resuming || room.Current != null) && ResumeToken != null && user != null && IsDrop(code);
            if (!canResume) return false;
            int attempt;
            TimeSpan delay;
            if (!connection.ScheduleReconnect(true, out attempt, out delay)) return false;
            bool first = !resuming;
            resuming = true;
            resumeSent = false;
            room.AbortResync();
            room.ConnectionLost();
            Objects.AbortResync();
            Objects.Suspended = true;
            room.Joining = null;
            room.ListRequests.Clear(); // their answers will never come
            Log("connection lost: " + reason + " (resume in " + delay.TotalSeconds + " s)");
            var info = new DisconnectInfo(reason, code, true);
            if (first && ConnectionLost != null) ConnectionLost(info);
            if (Disconnected != null) Disconnected(info);
            if (Reconnecting != null) Reconnecting(attempt, delay);
            return true;
        }

        /// <summary>The line that opens an automatic reconnect: a resume while resuming, else a login (session token, else password).</summary>
        void SendReconnectLine()
        {
            if (resuming && ResumeToken != null && user != null)
            {
                resumeSent = true;
                SendLine(ClientLines.Resume(user, ResumeToken));
                return;
            }
            SendLoginLine();
        }

        /// <summary>The <c>0</c> answer to our <c>19</c>.</summary>
        void OnResumeAnswered(SessionStartedLine m)
        {
            resumeSent = false;
            connection.State = ClientState.LoggedIn;
            connection.ResetBackoff();
            if (m.ClientId != ClientId)
            {
                // The server must give the same id back; anything else is a new session.
                long old = ClientId;
                FailResume("the server answered the resume with client id " + m.ClientId + ", not " + old);
                OnLoggedIn(m);
                return;
            }
            ResumeToken = m.ResumeToken.Length > 0 ? m.ResumeToken : null;
            KeepSessionToken(m);
            connection.IsReconnect = false;
            room.BeginResync(ClientId);
            Objects.BeginResync();
        }

        /// <summary>A resume's <c>17</c>: the snapshot is applied; members and objects it did not name are gone.</summary>
        void EndResume()
        {
            var gone = new List<long>();
            var activeAgain = new List<long>();
            room.EndResync(gone, activeAgain);
            Objects.EndResync();
            resuming = false;
            Objects.Suspended = false;
            foreach (long id in gone) RaiseLeft(id);
            if (MemberActivity != null)
                foreach (long id in activeAgain) MemberActivity(id, true);
            Log("resumed as " + ClientId + " in " + room.Current);
            // A leave the game asked for may have died with the connection: ask again.
            if (leaveSent) SendLine(ClientLines.Leave());
            if (Resumed != null) Resumed(ClientId);
        }

        /// <summary>The resume's own join line names another room than ours: the session is back, the room is not.</summary>
        void EndResumeElsewhere()
        {
            room.AbortResync();
            Objects.AbortResync();
            resuming = false;
            Objects.Suspended = false;
            Log("resumed as " + ClientId + ", in another room");
            if (Resumed != null) Resumed(ClientId);
        }

        /// <summary>Gives up the session we kept: the room is left locally and the game hears why.</summary>
        void FailResume(string why)
        {
            resuming = resumeSent = false;
            Objects.Suspended = false;
            room.AbortResync();
            Objects.AbortResync();
            LeaveRoomState();
            ClientId = 0;
            ResumeToken = null;
            Log("resume failed: " + why);
            if (ResumeFailed != null) ResumeFailed(why);
        }

        /// <summary>A <c>9</c> for our <c>19</c> (true if handled here).</summary>
        bool OnResumeError(TandemError err)
        {
            if (err.CommandNumber != MessageNumber.Resume || !resumeSent) return false;
            resumeSent = false;
            if (err.Code == ErrorCode.ServerBusy)
            {
                RetryLater(err);
                return true;
            }
            FailResume(err.Code + ": " + err.Text);
            // A login on this connection (session token, else password), then the room again
            // (OnLoggedIn rejoins it).
            connection.IsReconnect = true;
            SendLoginLine();
            return true;
        }

        /// <summary><c>server_busy</c> for the line that opened a reconnect: close, and try again no sooner than it asks.</summary>
        void RetryLater(TandemError err)
        {
            Log("server busy: retry in " + err.RetryAfter.TotalMilliseconds + " ms");
            connection.Abort(err.RetryAfter);
            OnConnectionEnded("server busy (" + err.Text + ")");
        }
    }
}
