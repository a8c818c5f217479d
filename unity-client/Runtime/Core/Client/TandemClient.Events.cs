using System;
using System.Collections.Generic;
using Tandem.Protocol;

namespace Tandem
{
    /// <summary>Connection state of a <see cref="TandemClient"/>.</summary>
    public enum ClientState
    {
        Disconnected,
        Connecting,
        /// <summary>Transport up (TCP, TLS or WebSocket), not logged in.</summary>
        Connected,
        LoggedIn,
        /// <summary>Waiting for the next automatic reconnect attempt.</summary>
        WaitingToReconnect,
    }

    /// <summary>A <c>9</c> line: which request failed, the stable code, and a text for people.</summary>
    public sealed class TandemError
    {
        /// <summary>The request's message number as sent ("0", "16", "18", ...), or "-" when not tied to one request.</summary>
        public readonly string Command;
        /// <summary>The request number, or -1 for "-".</summary>
        public readonly int CommandNumber;
        public readonly string Code;
        public readonly string Text;
        /// <summary>
        /// The network object an error of an object command (<c>11</c>..<c>16</c>) is about: the
        /// server starts the text with the id the request named and a space. Null for other
        /// commands, for <c>10</c> (see <see cref="Token"/>), and when the text does not start with an id.
        /// </summary>
        public readonly string ObjectId;
        /// <summary>
        /// For an instantiate error (<c>10</c>): the correlation token of the refused request (the
        /// first word of the text; "" for an instantiate without a token). Null otherwise. The
        /// pending object with this token is dropped: see <see cref="ObjectRegistry.TryGetPending"/>.
        /// </summary>
        public readonly string Token;

        /// <summary>
        /// For <c>server_busy</c>: the delay the server asks for before trying again (the text
        /// starts with it, in whole milliseconds, already jittered). Zero otherwise.
        /// </summary>
        public readonly TimeSpan RetryAfter;

        public TandemError(string command, int commandNumber, string code, string text)
        {
            Command = command; CommandNumber = commandNumber; Code = code; Text = text;
            if (code == ErrorCode.ServerBusy && text != null)
            {
                int sp = text.IndexOf(' ');
                long ms;
                if (LineCodec.TryParseLong(sp < 0 ? text : text.Substring(0, sp), out ms)) RetryAfter = TimeSpan.FromMilliseconds(ms);
            }
            if (!IsObjectCommand(commandNumber) || text == null) return;
            int space = text.IndexOf(' ');
            if (space < 0) return;
            string subject = text.Substring(0, space);
            long creator;
            if (commandNumber == MessageNumber.Instantiate)
            {
                if (IsToken(subject)) Token = subject;
            }
            else if (LineCodec.TryGetCreator(subject, out creator))
            {
                ObjectId = subject;
            }
        }

        /// <summary>True for an error of an object command (<c>10</c>..<c>16</c>).</summary>
        public bool IsObjectError { get { return IsObjectCommand(CommandNumber); } }

        static bool IsObjectCommand(int n) { return n >= MessageNumber.Instantiate && n <= MessageNumber.ObjMessage; }

        // PROTOCOL.md: 0..64 bytes of letters, digits, '_' '-' '.'.
        static bool IsToken(string s)
        {
            if (s.Length > 64) return false;
            foreach (char c in s)
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) return false;
            return true;
        }

        public override string ToString() { return "error " + Code + " (command " + Command + "): " + Text; }
    }

    /// <summary>Why a connection ended.</summary>
    public sealed class DisconnectInfo
    {
        public readonly string Reason;
        /// <summary>The <c>8</c> code the server sent before closing, or null.</summary>
        public readonly string ClosingCode;
        /// <summary>True if an automatic reconnect is scheduled.</summary>
        public readonly bool WillReconnect;

        public DisconnectInfo(string reason, string closingCode, bool willReconnect)
        {
            Reason = reason; ClosingCode = closingCode; WillReconnect = willReconnect;
        }

        public override string ToString() { return Reason + (ClosingCode != null ? " [" + ClosingCode + "]" : "") + (WillReconnect ? " (reconnecting)" : ""); }
    }

    // The event surface of the client: every event, raised only inside DispatchEvents.
    public sealed partial class TandemClient
    {
        // ---- events (all raised inside DispatchEvents, on the calling thread) -----------

        /// <summary>The transport is up (TCP, TLS or WebSocket).</summary>
        public event Action Connected;
        /// <summary><c>0</c>: logged in, with our client id.</summary>
        public event Action<long> LoggedIn;
        /// <summary><c>8</c>: the server is closing the connection (code, text), e.g. session_replaced.</summary>
        public event Action<string, string> Closing;
        /// <summary><c>1</c>: a room list (also raised for each reply of <see cref="ListPublicAndPrivateRooms"/>). <see cref="RoomListReplied"/> also tells which request it answers.</summary>
        public event Action<List<RoomInfo>> RoomListReceived;
        /// <summary><c>1</c>: a room list, with the password of the request it answers.</summary>
        public event Action<RoomListReply> RoomListReplied;
        /// <summary>Both answers of <see cref="ListPublicAndPrivateRooms"/> are in: public and private rooms apart.</summary>
        public event Action<RoomLists> RoomListsReceived;
        /// <summary>Our own <c>2:&lt;id&gt;:&lt;room&gt;</c>: we are in the room; the snapshot follows.</summary>
        public event Action<string> RoomJoined;
        /// <summary>We left the room (own leave confirmation, or the connection ended).</summary>
        public event Action<string> RoomLeft;
        /// <summary><c>17</c>: the join snapshot is complete (room, object count).</summary>
        public event Action<string, int> RoomReady;
        /// <summary>
        /// A <c>2</c> line for another member: a player joined. Also raised during our own join
        /// sequence (before <see cref="RoomReady"/>) for every player who was already there; tell
        /// them apart with <see cref="IsRoomReady"/> or use <see cref="MemberJoined"/>.
        /// </summary>
        public event Action<long> PlayerJoined;
        /// <summary>A member left. Raised before the member is removed, so <see cref="GetMemberName"/> still knows the name; or use <see cref="MemberLeft"/>.</summary>
        public event Action<long> PlayerLeft;
        /// <summary>Like <see cref="PlayerJoined"/>, with the name (if known) and <see cref="MemberEventArgs.IsNewArrival"/> (false for players already in the room when we joined).</summary>
        public event Action<MemberEventArgs> MemberJoined;
        /// <summary>Like <see cref="PlayerLeft"/>, with the leaver's last known name.</summary>
        public event Action<MemberEventArgs> MemberLeft;
        /// <summary>A member's name became known (from the <c>5</c> reply after a join); raised before <see cref="MembersChanged"/>.</summary>
        public event Action<MemberEventArgs> MemberNamed;
        public event Action<long> MasterChanged;
        /// <summary>Member names were refreshed from a <c>5</c> reply.</summary>
        public event Action MembersChanged;
        /// <summary><c>3</c>: sender id, message.</summary>
        public event Action<long, string> MessageReceived;
        /// <summary><c>5</c>: room, members in join order.</summary>
        public event Action<string, List<MemberInfo>> WhoReceived;
        /// <summary><c>7</c>: the token, or null for a bare pong (heartbeats too).</summary>
        public event Action<string> Pong;
        public event Action<TandemError> Error;
        public event Action<DisconnectInfo> Disconnected;
        /// <summary>An automatic reconnect is scheduled (attempt number, delay).</summary>
        public event Action<int, TimeSpan> Reconnecting;
        /// <summary>
        /// <c>20</c>: a member's connection dropped and it may resume (id, false), or it resumed
        /// (id, true). It stays a member meanwhile, with its objects; see <see cref="IsMemberInactive"/>.
        /// Also raised for the inactive members named in a join's lines, and at the end of our own
        /// resume for members who came back while we were away.
        /// </summary>
        public event Action<long, bool> MemberActivity;
        /// <summary><c>22</c>: a system message from the server's operator (to everyone, or to our room).</summary>
        public event Action<string> SystemMessage;
        /// <summary>
        /// <c>23</c>: a room is closed for us (room, code, text; codes in <see cref="RoomClosedCode"/>).
        /// When it is our room we are out of it: <see cref="RoomLeft"/> was raised just before, and
        /// it is not rejoined after a reconnect.
        /// </summary>
        public event Action<string, string, string> RoomClosed;
        /// <summary>A server line that breaks the protocol (line, reason). It is ignored.</summary>
        public event Action<string, string> ProtocolViolation;
    }
}
