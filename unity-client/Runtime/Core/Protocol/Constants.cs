namespace Tandem.Protocol
{
    // These classes mirror Go's protocol package (protocol/protocol.go) name for name: Go's
    // NumLogin is MessageNumber.Login, TargetOthers is Target.Others, CodeBadCommand is
    // ErrorCode.BadCommand, CloseSessionReplaced is CloseCode.SessionReplaced. The C# test
    // ProtocolConstantsTests reads protocol.go and fails when Go has a constant these lack.

    /// <summary>Message numbers (PROTOCOL.md, "Message numbers"); the first field of every line.</summary>
    public static class MessageNumber
    {
        public const int Login = 0;
        public const int Rooms = 1;
        public const int Join = 2;
        public const int Message = 3;
        public const int Master = 4;
        public const int Who = 5;
        public const int Ping = 7;
        public const int Closing = 8;
        public const int Error = 9;
        public const int Instantiate = 10;
        public const int Update = 11;
        public const int Ownership = 12;
        public const int OwnRequest = 13;
        public const int OwnDenied = 14;
        public const int Destroy = 15;
        public const int ObjMessage = 16;
        public const int Ready = 17;
        /// <summary><c>18:&lt;session token&gt;</c>: log in with a session token instead of a password (answered with <c>0</c>).</summary>
        public const int TokenLogin = 18;
        /// <summary><c>19:&lt;user&gt;:&lt;resume token&gt;</c>: resume a dropped session (answered with <c>0</c>).</summary>
        public const int Resume = 19;
        /// <summary><c>20:&lt;id&gt;:inactive</c> / <c>20:&lt;id&gt;:active</c>: a member's connection dropped, or it resumed.</summary>
        public const int Activity = 20;
        /// <summary><c>21</c>: log out; the server ends the user's session tokens and answers <c>8:logged_out:&lt;text&gt;</c>.</summary>
        public const int Logout = 21;
        /// <summary><c>22:&lt;text&gt;</c>: a system message from the server's operator.</summary>
        public const int System = 22;
        /// <summary><c>23:&lt;room&gt;:&lt;code&gt;:&lt;text&gt;</c>: the room is closed for you.</summary>
        public const int RoomClosed = 23;

        /// <summary>Numbers above this are not messages (two digits at most).</summary>
        public const int Max = 29;
    }

    /// <summary>The states of message 20 (and the flag of an inactive member in a <c>5</c> list).</summary>
    public static class Activity
    {
        public const string Inactive = "inactive";
        public const string Active = "active";
    }

    /// <summary>Send targets of message 3 (its second field).</summary>
    public static class Target
    {
        public const int Others = 0;
        public const int All = 1;
        public const int OthersOrdered = 2;
        public const int AllOrdered = 3;
        public const int Listed = 4;
        public const int ListedOrdered = 5;
    }

    /// <summary>Targets of an object message (16).</summary>
    public static class ObjTarget
    {
        public const int Others = 0;
        public const int All = 1;
        public const int OthersOrdered = 2;
        public const int AllOrdered = 3;
        public const int Owner = 4;
    }

    /// <summary>Stable error codes of <c>9:&lt;command&gt;:&lt;code&gt;:&lt;text&gt;</c> (PROTOCOL.md, "9 error").</summary>
    public static class ErrorCode
    {
        public const string BadCommand = "bad_command";
        public const string UnknownCommand = "unknown_command";
        public const string LineTooLong = "line_too_long";
        public const string NotLoggedIn = "not_logged_in";
        public const string AlreadyLoggedIn = "already_logged_in";
        public const string BadCredentials = "bad_credentials";
        public const string LoginThrottled = "login_throttled";
        public const string StoreUnavailable = "store_unavailable";
        public const string BadRoomName = "bad_room_name";
        public const string WrongPassword = "wrong_password";
        public const string AlreadyInRoom = "already_in_room";
        public const string RoomFull = "room_full";
        public const string TooManyRooms = "too_many_rooms";
        public const string NotInRoom = "not_in_room";
        public const string UnknownRecipient = "unknown_recipient";
        public const string RateLimited = "rate_limited";
        public const string SlowConsumer = "slow_consumer";
        /// <summary>Login refused: the account is banned; the text names the end time (RFC 3339).</summary>
        public const string Banned = "banned";
        /// <summary>The server is overloaded; the text starts with a retry delay in whole milliseconds and a space.</summary>
        public const string ServerBusy = "server_busy";
        /// <summary>A session token (<c>18</c>) or resume token (<c>19</c>) was refused.</summary>
        public const string BadToken = "bad_token";

        // Network object errors (commands 10..16).
        public const string NoSuchObject = "no_such_object";
        public const string NotOwner = "not_owner";
        public const string StaleGeneration = "stale_generation";
        public const string NotAuthorized = "not_authorized";
        public const string OwnershipFixed = "ownership_fixed";
        public const string OwnerChanged = "owner_changed";
        public const string AlreadyOwner = "already_owner";
        public const string NoRequest = "no_request";
        public const string BadDelta = "bad_delta";
        public const string TooManyObjects = "too_many_objects";
        public const string StateTooLarge = "state_too_large";
    }

    /// <summary>Codes of <c>8:&lt;code&gt;:&lt;text&gt;</c>, the line before the server closes the connection. rate_limited and slow_consumer are shared with <see cref="ErrorCode"/>.</summary>
    public static class CloseCode
    {
        public const string SessionReplaced = "session_replaced";
        public const string ServerShutdown = "server_shutdown";
        public const string IdleTimeout = "idle_timeout";
        public const string LoginTimeout = "login_timeout";
        /// <summary>An operator removed you.</summary>
        public const string Kicked = "kicked";
        /// <summary>Your account was banned; the text says until when.</summary>
        public const string Banned = "banned";
        /// <summary>You logged out (<c>21</c>): the session, its session tokens and its resume token are over.</summary>
        public const string LoggedOut = "logged_out";
    }

    /// <summary>Codes of <c>23:&lt;room&gt;:&lt;code&gt;:&lt;text&gt;</c> (the room is closed for you).</summary>
    public static class RoomClosedCode
    {
        /// <summary>An operator closed the room.</summary>
        public const string Closed = "closed";
        /// <summary>The cluster node that held the room is gone.</summary>
        public const string HomeLost = "home_lost";
    }
}
