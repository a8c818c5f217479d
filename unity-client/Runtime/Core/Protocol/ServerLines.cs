using System.Collections.Generic;

namespace Tandem.Protocol
{
    /// <summary>A parsed server-to-client line. One subclass per message number.</summary>
    public abstract class ServerLine
    {
        /// <summary>The message number (first field).</summary>
        public abstract int Number { get; }

        /// <summary>The line as the server writes it (without the newline).</summary>
        public abstract string ToLine();

        public override string ToString() { return ToLine(); }

        // A line that is only its message number, such as "7".
        protected static string Bare(int number) { return number.ToString(System.Globalization.CultureInfo.InvariantCulture); }
    }

    /// <summary>
    /// <c>0:&lt;client id&gt;</c>, or <c>0:&lt;client id&gt;:&lt;session token&gt;:&lt;resume token&gt;</c>
    /// from a server that issues session tokens or offers resuming (either token may be empty): logged in.
    /// </summary>
    public sealed class SessionStartedLine : ServerLine
    {
        public readonly long ClientId;
        /// <summary>The token to log in with next time (<c>18</c>) instead of the password; "" when the server issues none or sent the short form.</summary>
        public readonly string SessionToken;
        /// <summary>The token to resume this session with (<c>19</c>); "" when the server sent the short form.</summary>
        public readonly string ResumeToken;
        public SessionStartedLine(long clientId) : this(clientId, "", "") { }

        public SessionStartedLine(long clientId, string sessionToken, string resumeToken)
        {
            ClientId = clientId;
            SessionToken = sessionToken ?? "";
            ResumeToken = resumeToken ?? "";
        }

        public override int Number { get { return MessageNumber.Login; } }

        public override string ToLine()
        {
            string line = MessageNumber.Login + ":" + ClientId;
            return SessionToken.Length > 0 || ResumeToken.Length > 0 ? line + ":" + SessionToken + ":" + ResumeToken : line;
        }
    }

    /// <summary><c>1:&lt;name&gt;-&lt;count&gt;,...</c>: room list.</summary>
    public sealed class RoomListLine : ServerLine
    {
        public readonly List<RoomInfo> Rooms;
        public RoomListLine(List<RoomInfo> rooms) { Rooms = rooms; }
        public override int Number { get { return MessageNumber.Rooms; } }
        public override string ToLine() { return MessageNumber.Rooms + ":" + LineCodec.FormatRoomList(Rooms); }
    }

    /// <summary><c>2:&lt;id&gt;:&lt;room&gt;</c> member joined, or <c>2:&lt;id&gt;:</c> member left.</summary>
    public sealed class MemberLine : ServerLine
    {
        public readonly long ClientId;
        /// <summary>The room joined; empty for a leave.</summary>
        public readonly string Room;
        public MemberLine(long clientId, string room) { ClientId = clientId; Room = room ?? ""; }
        public bool IsLeave { get { return Room.Length == 0; } }
        public override int Number { get { return MessageNumber.Join; } }
        public override string ToLine() { return MessageNumber.Join + ":" + ClientId + ":" + Room; }
    }

    /// <summary><c>3:&lt;sender&gt;:&lt;msg&gt;</c>: a room message.</summary>
    public sealed class MessageLine : ServerLine
    {
        public readonly long SenderId;
        public readonly string Text;
        public MessageLine(long senderId, string text) { SenderId = senderId; Text = text; }
        public override int Number { get { return MessageNumber.Message; } }
        public override string ToLine() { return MessageNumber.Message + ":" + SenderId + ":" + Text; }
    }

    /// <summary><c>4:&lt;id&gt;</c>: the room's master client.</summary>
    public sealed class MasterLine : ServerLine
    {
        public readonly long ClientId;
        public MasterLine(long clientId) { ClientId = clientId; }
        public override int Number { get { return MessageNumber.Master; } }
        public override string ToLine() { return MessageNumber.Master + ":" + ClientId; }
    }

    /// <summary><c>5:&lt;room&gt;:&lt;id&gt;=&lt;name&gt;,...</c>: who is in a room, in join order.</summary>
    public sealed class WhoLine : ServerLine
    {
        public readonly string Room;
        public readonly List<MemberInfo> Members;
        public WhoLine(string room, List<MemberInfo> members) { Room = room; Members = members; }
        public override int Number { get { return MessageNumber.Who; } }
        public override string ToLine() { return MessageNumber.Who + ":" + Room + ":" + LineCodec.FormatWhoList(Members); }
    }

    /// <summary><c>7</c> or <c>7:&lt;token&gt;</c>: pong.</summary>
    public sealed class PongLine : ServerLine
    {
        /// <summary>The token of the ping, or null for a bare <c>7</c>.</summary>
        public readonly string Token;
        public PongLine(string token) { Token = token; }
        public override int Number { get { return MessageNumber.Ping; } }
        public override string ToLine() { return Token == null ? Bare(MessageNumber.Ping) : MessageNumber.Ping + ":" + Token; }
    }

    /// <summary><c>8:&lt;code&gt;:&lt;text&gt;</c>: the server is closing the connection.</summary>
    public sealed class ClosingLine : ServerLine
    {
        public readonly string Code;
        public readonly string Text;
        public ClosingLine(string code, string text) { Code = code; Text = text; }
        public override int Number { get { return MessageNumber.Closing; } }
        public override string ToLine() { return MessageNumber.Closing + ":" + Code + ":" + Text; }
    }

    /// <summary><c>9:&lt;command&gt;:&lt;code&gt;:&lt;text&gt;</c>: a request failed.</summary>
    public sealed class ErrorLine : ServerLine
    {
        /// <summary>The message number of the failed request as sent (such as "0", "16", "18"), or "-".</summary>
        public readonly string Command;
        public readonly string Code;
        public readonly string Text;
        public ErrorLine(string command, string code, string text) { Command = command; Code = code; Text = text; }

        /// <summary>The failed request's number, or -1 for "-" (not tied to one request).</summary>
        public int CommandNumber
        {
            get
            {
                long n;
                return LineCodec.TryParseLong(Command, out n) && n < 100 ? (int)n : -1;
            }
        }

        public override int Number { get { return MessageNumber.Error; } }
        public override string ToLine() { return MessageNumber.Error + ":" + Command + ":" + Code + ":" + Text; }
    }

    /// <summary><c>10:&lt;id&gt;:&lt;owner&gt;:&lt;gen&gt;:&lt;mode&gt;:&lt;life&gt;:&lt;prefab&gt;:&lt;token&gt;:&lt;mask&gt;:&lt;data&gt;</c>: object spawned.</summary>
    public sealed class SpawnLine : ServerLine
    {
        public readonly string ObjectId;
        public readonly long Owner;
        public readonly long Generation;
        public readonly OwnershipMode Mode;
        public readonly ObjectLifetime Lifetime;
        public readonly string Prefab;
        public readonly string Token;
        public readonly string Mask;
        public readonly string Data;

        public SpawnLine(string objectId, long owner, long generation, OwnershipMode mode, ObjectLifetime lifetime,
                         string prefab, string token, string mask, string data)
        {
            ObjectId = objectId; Owner = owner; Generation = generation; Mode = mode; Lifetime = lifetime;
            Prefab = prefab; Token = token ?? ""; Mask = mask; Data = data ?? "";
        }

        public override int Number { get { return MessageNumber.Instantiate; } }

        public override string ToLine()
        {
            return MessageNumber.Instantiate + ":" + ObjectId + ":" + Owner + ":" + Generation + ":" + ProtocolCodes.ModeCode(Mode) + ":" +
                   ProtocolCodes.LifetimeCode(Lifetime) + ":" + Prefab + ":" + Token + ":" + Mask + ":" + Data;
        }
    }

    /// <summary><c>11:&lt;id&gt;:&lt;gen&gt;:&lt;mask&gt;:&lt;data&gt;</c>: object state delta.</summary>
    public sealed class UpdateLine : ServerLine
    {
        public readonly string ObjectId;
        public readonly long Generation;
        public readonly string Mask;
        public readonly string Data;
        public UpdateLine(string objectId, long generation, string mask, string data)
        {
            ObjectId = objectId; Generation = generation; Mask = mask; Data = data ?? "";
        }
        public override int Number { get { return MessageNumber.Update; } }
        public override string ToLine() { return MessageNumber.Update + ":" + ObjectId + ":" + Generation + ":" + Mask + ":" + Data; }
    }

    /// <summary><c>12:&lt;id&gt;:&lt;owner&gt;:&lt;gen&gt;</c>: owner changed.</summary>
    public sealed class OwnerLine : ServerLine
    {
        public readonly string ObjectId;
        public readonly long Owner;
        public readonly long Generation;
        public OwnerLine(string objectId, long owner, long generation) { ObjectId = objectId; Owner = owner; Generation = generation; }
        public override int Number { get { return MessageNumber.Ownership; } }
        public override string ToLine() { return MessageNumber.Ownership + ":" + ObjectId + ":" + Owner + ":" + Generation; }
    }

    /// <summary><c>13:&lt;id&gt;:&lt;requester&gt;</c>: a player asks the owner for the object.</summary>
    public sealed class OwnershipRequestLine : ServerLine
    {
        public readonly string ObjectId;
        public readonly long RequesterId;
        public OwnershipRequestLine(string objectId, long requesterId) { ObjectId = objectId; RequesterId = requesterId; }
        public override int Number { get { return MessageNumber.OwnRequest; } }
        public override string ToLine() { return MessageNumber.OwnRequest + ":" + ObjectId + ":" + RequesterId; }
    }

    /// <summary><c>14:&lt;id&gt;:&lt;owner&gt;</c>: the owner denied our request.</summary>
    public sealed class OwnershipDeniedLine : ServerLine
    {
        public readonly string ObjectId;
        public readonly long OwnerId;
        public OwnershipDeniedLine(string objectId, long ownerId) { ObjectId = objectId; OwnerId = ownerId; }
        public override int Number { get { return MessageNumber.OwnDenied; } }
        public override string ToLine() { return MessageNumber.OwnDenied + ":" + ObjectId + ":" + OwnerId; }
    }

    /// <summary><c>15:&lt;id&gt;</c>: object destroyed.</summary>
    public sealed class DestroyLine : ServerLine
    {
        public readonly string ObjectId;
        public DestroyLine(string objectId) { ObjectId = objectId; }
        public override int Number { get { return MessageNumber.Destroy; } }
        public override string ToLine() { return MessageNumber.Destroy + ":" + ObjectId; }
    }

    /// <summary><c>16:&lt;id&gt;:&lt;sender&gt;:&lt;msg&gt;</c>: object message (RPC).</summary>
    public sealed class ObjectMessageLine : ServerLine
    {
        public readonly string ObjectId;
        public readonly long SenderId;
        public readonly string Text;
        public ObjectMessageLine(string objectId, long senderId, string text) { ObjectId = objectId; SenderId = senderId; Text = text; }
        public override int Number { get { return MessageNumber.ObjMessage; } }
        public override string ToLine() { return MessageNumber.ObjMessage + ":" + ObjectId + ":" + SenderId + ":" + Text; }
    }

    /// <summary><c>17:&lt;room&gt;:&lt;count&gt;</c>: end of the join snapshot; the room is ready.</summary>
    public sealed class RoomReadyLine : ServerLine
    {
        public readonly string Room;
        public readonly int ObjectCount;
        public RoomReadyLine(string room, int objectCount) { Room = room; ObjectCount = objectCount; }
        public override int Number { get { return MessageNumber.Ready; } }
        public override string ToLine() { return MessageNumber.Ready + ":" + Room + ":" + ObjectCount; }
    }

    /// <summary><c>22:&lt;text&gt;</c>: a system message from the server's operator.</summary>
    public sealed class SystemMessageLine : ServerLine
    {
        public readonly string Text;
        public SystemMessageLine(string text) { Text = text; }
        public override int Number { get { return MessageNumber.System; } }
        public override string ToLine() { return MessageNumber.System + ":" + Text; }
    }

    /// <summary><c>23:&lt;room&gt;:&lt;code&gt;:&lt;text&gt;</c>: the room is closed for you; you are no longer in it.</summary>
    public sealed class RoomClosedLine : ServerLine
    {
        public readonly string Room;
        /// <summary>A <see cref="RoomClosedCode"/>.</summary>
        public readonly string Code;
        public readonly string Text;
        public RoomClosedLine(string room, string code, string text) { Room = room; Code = code; Text = text; }
        public override int Number { get { return MessageNumber.RoomClosed; } }
        public override string ToLine() { return MessageNumber.RoomClosed + ":" + Room + ":" + Code + ":" + Text; }
    }

    /// <summary><c>20:&lt;id&gt;:inactive</c> or <c>20:&lt;id&gt;:active</c>: a member's connection dropped (it may resume), or it resumed.</summary>
    public sealed class ActivityLine : ServerLine
    {
        public readonly long ClientId;
        public readonly bool Active;
        public ActivityLine(long clientId, bool active) { ClientId = clientId; Active = active; }
        public override int Number { get { return MessageNumber.Activity; } }
        public override string ToLine() { return MessageNumber.Activity + ":" + ClientId + ":" + (Active ? Activity.Active : Activity.Inactive); }
    }
}
