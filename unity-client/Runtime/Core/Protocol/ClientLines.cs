using System;
using System.Collections.Generic;
using System.Text;

namespace Tandem.Protocol
{
    /// <summary>
    /// Builds client-to-server lines (without the newline). Every builder refuses input that
    /// would break the framing (a CR or LF anywhere, a ':' in a field that is not the last),
    /// so game data can never inject a second command.
    /// </summary>
    public static class ClientLines
    {
        public static string Login(string user, string password)
        {
            return MessageNumber.Login + ":" + Field(user, "user") + ":" + Field(password, "password");
        }

        /// <summary>
        /// <c>18:&lt;session token&gt;</c>: log in with a session token from an earlier login's answer
        /// instead of the password. The token must look like one (see <see cref="IsSessionToken"/>).
        /// </summary>
        public static string TokenLogin(string sessionToken)
        {
            if (sessionToken == null) throw new ArgumentNullException("sessionToken");
            if (!IsSessionToken(sessionToken))
                throw new ArgumentException("a session token is 1..512 ASCII letters, digits, '_', '-' or '.'", "sessionToken");
            return MessageNumber.TokenLogin + ":" + sessionToken;
        }

        /// <summary>True if the text has the form of a session token (PROTOCOL.md: 1..512 ASCII letters, digits, <c>_ - .</c>).</summary>
        public static bool IsSessionToken(string s)
        {
            if (string.IsNullOrEmpty(s) || s.Length > 512) return false;
            foreach (char c in s)
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) return false;
            return true;
        }

        /// <summary><c>21</c>: log out (the server ends the user's session tokens, answers <c>8:logged_out</c> and closes).</summary>
        public static string Logout() { return Bare(MessageNumber.Logout); }

        /// <summary><c>19:&lt;user&gt;:&lt;resume token&gt;</c>: resume a dropped session instead of logging in.</summary>
        public static string Resume(string user, string resumeToken)
        {
            return MessageNumber.Resume + ":" + Field(user, "user") + ":" + Field(resumeToken, "resume token");
        }

        /// <summary><c>1</c>, or <c>1:&lt;password&gt;</c> to include the private rooms it opens.</summary>
        public static string ListRooms(string password)
        {
            return string.IsNullOrEmpty(password) ? Bare(MessageNumber.Rooms) : MessageNumber.Rooms + ":" + Field(password, "password");
        }

        /// <summary><c>2:&lt;room&gt;</c> when password is null, else <c>2:&lt;room&gt;:&lt;password&gt;</c>.</summary>
        public static string Join(string room, string password)
        {
            if (string.IsNullOrEmpty(room)) throw new ArgumentException("room name is empty", "room");
            string line = MessageNumber.Join + ":" + Field(room, "room");
            return password == null ? line : line + ":" + Field(password, "password");
        }

        /// <summary>
        /// <c>2:&lt;room&gt;:&lt;password&gt;:&lt;seconds&gt;</c>: join, and a room created now keeps a
        /// dropped member this many seconds for a resume (0: no rejoin; a server without
        /// resuming ignores it).
        /// </summary>
        public static string Join(string room, string password, int rejoinGraceSeconds)
        {
            if (rejoinGraceSeconds < 0) throw new ArgumentOutOfRangeException("rejoinGraceSeconds");
            return Join(room, password ?? "") + ":" + rejoinGraceSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public static string Leave() { return "2:-1"; }

        /// <summary><c>5</c>, <c>5:&lt;room&gt;</c> or <c>5:&lt;room&gt;:&lt;password&gt;</c>.</summary>
        public static string Who(string room, string password)
        {
            if (string.IsNullOrEmpty(room)) return Bare(MessageNumber.Who);
            string line = MessageNumber.Who + ":" + Field(room, "room");
            return password == null ? line : line + ":" + Field(password, "password");
        }

        /// <summary><c>3:&lt;target&gt;:&lt;msg&gt;</c>; the message may contain ':'.</summary>
        public static string Send(SendTarget target, string message)
        {
            return MessageNumber.Message + ":" + (int)target + ":" + Rest(message, "message");
        }

        /// <summary><c>3:4:&lt;id&gt;:...:&lt;msg&gt;</c> (or 3:5 ordered); the message cannot contain ':'.</summary>
        public static string SendTo(IList<long> ids, string message, bool ordered)
        {
            if (ids == null || ids.Count == 0) throw new ArgumentException("no recipients", "ids");
            var sb = new StringBuilder().Append(MessageNumber.Message).Append(':').Append(ordered ? Target.ListedOrdered : Target.Listed);
            for (int i = 0; i < ids.Count; i++)
            {
                if (ids[i] <= 0) throw new ArgumentException("recipient ids are positive", "ids");
                sb.Append(':').Append(ids[i]);
            }
            return sb.Append(':').Append(Field(message, "message (3:4/3:5 messages cannot contain ':'; use base64)")).ToString();
        }

        public static string Ping(string token)
        {
            return token == null ? Bare(MessageNumber.Ping) : MessageNumber.Ping + ":" + Rest(token, "token");
        }

        public static string Instantiate(string token, string prefab, OwnershipMode mode, ObjectLifetime life, string mask, string data)
        {
            if (string.IsNullOrEmpty(prefab)) throw new ArgumentException("prefab key is empty", "prefab");
            return MessageNumber.Instantiate + ":" + Field(token ?? "", "token") + ":" + Field(prefab, "prefab") + ":" + ProtocolCodes.ModeCode(mode) + ":" +
                   ProtocolCodes.LifetimeCode(life) + ":" + Field(mask, "mask") + ":" + Field(data ?? "", "data");
        }

        public static string Update(string objectId, long generation, bool ordered, string mask, string data)
        {
            return MessageNumber.Update + ":" + Field(objectId, "object id") + ":" + generation + ":" + (ordered ? "1" : "0") + ":" +
                   Field(mask, "mask") + ":" + Field(data ?? "", "data");
        }

        public static string Take(string objectId) { return MessageNumber.Ownership + ":" + Field(objectId, "object id") + ":take"; }

        public static string TakeIf(string objectId, long expectedOwner)
        {
            return MessageNumber.Ownership + ":" + Field(objectId, "object id") + ":take:" + expectedOwner;
        }

        public static string Give(string objectId, long clientId) { return MessageNumber.Ownership + ":" + Field(objectId, "object id") + ":give:" + clientId; }
        public static string Approve(string objectId, long clientId) { return MessageNumber.Ownership + ":" + Field(objectId, "object id") + ":approve:" + clientId; }
        public static string Deny(string objectId, long clientId) { return MessageNumber.Ownership + ":" + Field(objectId, "object id") + ":deny:" + clientId; }
        public static string Destroy(string objectId) { return MessageNumber.Destroy + ":" + Field(objectId, "object id"); }

        public static string ObjectMessage(string objectId, ObjectMessageTarget target, string message)
        {
            return MessageNumber.ObjMessage + ":" + Field(objectId, "object id") + ":" + (int)target + ":" + Rest(message, "message");
        }

        // A line that is only its message number, such as "1" or "7".
        static string Bare(int number) { return number.ToString(System.Globalization.CultureInfo.InvariantCulture); }

        // A field that is not the last: no ':' and no line breaks.
        static string Field(string value, string what)
        {
            if (value == null) throw new ArgumentNullException(what);
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (c == ':' || c == '\n' || c == '\r' || c == '\0')
                    throw new ArgumentException(what + " must not contain ':', CR, LF or NUL");
            }
            return value;
        }

        // The last field ("rest of line"): ':' allowed, line breaks not.
        static string Rest(string value, string what)
        {
            if (value == null) throw new ArgumentNullException(what);
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (c == '\n' || c == '\r')
                    throw new ArgumentException(what + " must not contain CR or LF (use base64 for binary payloads)");
            }
            return value;
        }
    }
}
