using System;
using System.Collections.Generic;
using System.Text;

namespace Tandem.Protocol
{
    /// <summary>A room in a <c>1</c> list: name and member count.</summary>
    public struct RoomInfo
    {
        public readonly string Name;
        public readonly int MemberCount;

        public RoomInfo(string name, int memberCount)
        {
            Name = name;
            MemberCount = memberCount;
        }

        public override string ToString() { return Name + "-" + MemberCount; }
    }

    /// <summary>A member in a <c>5</c> list: client id, user name, and whether it waits for a resume.</summary>
    public struct MemberInfo
    {
        public readonly long ClientId;
        public readonly string Name;
        /// <summary>Its connection dropped and it may resume (<c>id=name=inactive</c>).</summary>
        public readonly bool Inactive;

        public MemberInfo(long clientId, string name) : this(clientId, name, false) { }

        public MemberInfo(long clientId, string name, bool inactive)
        {
            ClientId = clientId;
            Name = name;
            Inactive = inactive;
        }

        public override string ToString() { return ClientId + "=" + Name + (Inactive ? "=" + Activity.Inactive : ""); }
    }

    /// <summary>
    /// Splits lines into fields exactly as PROTOCOL.md says: the first field is the message
    /// number, and for each number a fixed field count where the last field keeps any ':'
    /// ("rest of line").
    /// </summary>
    public static class LineCodec
    {
        // How many fields follow the message number, per direction; the last field keeps any
        // ':' ("rest of line"). -1: that side never sends the number. One row per message.
        struct Shape
        {
            public int ServerMin, ServerMax, ClientMin, ClientMax;
        }

        static readonly Shape[] Shapes = BuildShapes();

        static Shape[] BuildShapes()
        {
            var s = new Shape[MessageNumber.Max + 1];
            for (int i = 0; i < s.Length; i++) s[i] = new Shape { ServerMin = -1, ServerMax = -1, ClientMin = -1, ClientMax = -1 };
            //    number                        server  client
            Row(s, MessageNumber.Login,         1, 3,   2, 2);  // 0:<id>[:<session token>:<resume token>] / 0:<user>:<password>
            Row(s, MessageNumber.Rooms,         1, 1,   0, 1);  // 1:<list> / 1[:<password>]
            Row(s, MessageNumber.Join,          2, 2,   1, 3);  // 2:<id>:<room> / 2:<room>[:<password>[:<rejoin seconds>]]
            Row(s, MessageNumber.Message,       2, 2,   2, 2);  // 3:<sender>:<msg> / 3:<target>:<msg> (4, 5: see SplitClientFields)
            Row(s, MessageNumber.Master,        1, 1,  -1, -1); // 4:<id>
            Row(s, MessageNumber.Who,           2, 2,   0, 2);  // 5:<room>:<list> / 5[:<room>[:<password>]]
            Row(s, MessageNumber.Ping,          0, 1,   0, 1);  // 7[:<token>]
            Row(s, MessageNumber.Closing,       2, 2,  -1, -1); // 8:<code>:<text>
            Row(s, MessageNumber.Error,         3, 3,  -1, -1); // 9:<command>:<code>:<text>
            Row(s, MessageNumber.Instantiate,   9, 9,   6, 6);
            Row(s, MessageNumber.Update,        4, 4,   5, 5);
            Row(s, MessageNumber.Ownership,     3, 3,   2, 3);
            Row(s, MessageNumber.OwnRequest,    2, 2,  -1, -1);
            Row(s, MessageNumber.OwnDenied,     2, 2,  -1, -1);
            Row(s, MessageNumber.Destroy,       1, 1,   1, 1);
            Row(s, MessageNumber.ObjMessage,    3, 3,   3, 3);
            Row(s, MessageNumber.Ready,         2, 2,  -1, -1); // 17:<room>:<count>
            Row(s, MessageNumber.TokenLogin,   -1, -1,  1, 1);  // 18:<session token>
            Row(s, MessageNumber.Resume,       -1, -1,  2, 2);  // 19:<user>:<resume token>
            Row(s, MessageNumber.Activity,      2, 2,  -1, -1); // 20:<id>:inactive|active
            Row(s, MessageNumber.Logout,       -1, -1,  0, 0);  // 21
            Row(s, MessageNumber.System,        1, 1,  -1, -1); // 22:<text>
            Row(s, MessageNumber.RoomClosed,    3, 3,  -1, -1); // 23:<room>:<code>:<text>
            return s;
        }

        static void Row(Shape[] s, int number, int serverMin, int serverMax, int clientMin, int clientMax)
        {
            s[number] = new Shape { ServerMin = serverMin, ServerMax = serverMax, ClientMin = clientMin, ClientMax = clientMax };
        }

        /// <summary>True if the server sends lines with this message number.</summary>
        public static bool IsServerMessage(int number)
        {
            return number >= 0 && number < Shapes.Length && Shapes[number].ServerMin >= 0;
        }

        /// <summary>True if a client sends lines with this message number.</summary>
        public static bool IsClientMessage(int number)
        {
            return number >= 0 && number < Shapes.Length && Shapes[number].ClientMin >= 0;
        }

        /// <summary>Splits a server line into its message number and fields.</summary>
        /// <exception cref="ProtocolException">unknown number or wrong field count.</exception>
        public static string[] SplitServerFields(string line, out int number)
        {
            int rest;
            number = ParseMessageNumber(line, out rest);
            if (!IsServerMessage(number))
                throw new ProtocolException("server message number " + number + " is not defined");
            return SplitRest(line, rest, Shapes[number].ServerMin, Shapes[number].ServerMax, number);
        }

        /// <summary>Splits a client line into its message number and fields (used by tests and fake servers).</summary>
        public static string[] SplitClientFields(string line, out int number)
        {
            int rest;
            number = ParseMessageNumber(line, out rest);
            if (number == MessageNumber.Message)
            {
                // 3:<target>:... : targets 4 and 5 list recipient ids, every field split.
                string[] head = SplitRest(line, rest, 2, 2, number);
                long target;
                if (TryParseLong(head[0], out target) && (target == Target.Listed || target == Target.ListedOrdered))
                {
                    string[] all = rest < 0 ? new string[0] : line.Substring(rest).Split(':');
                    if (all.Length < 3)
                        throw new ProtocolException(number + ":" + head[0] + " needs at least one recipient and a message");
                    return all;
                }
                return head;
            }
            if (!IsClientMessage(number))
                throw new ProtocolException("client message number " + number + " is not defined");
            return SplitRest(line, rest, Shapes[number].ClientMin, Shapes[number].ClientMax, number);
        }

        // Returns the number and sets rest to the index after the first ':' (or -1 when there is none).
        static int ParseMessageNumber(string line, out int rest)
        {
            if (line == null)
                throw new ProtocolException("null line");
            int colon = line.IndexOf(':');
            string head = colon < 0 ? line : line.Substring(0, colon);
            rest = colon < 0 ? -1 : colon + 1;
            int n;
            if (!TryParseUInt(head, 2, out n))
                throw new ProtocolException("bad message number in line '" + Truncate(line) + "'");
            return n;
        }

        static string[] SplitRest(string line, int rest, int min, int max, int number)
        {
            if (rest < 0)
            {
                if (min > 0)
                    throw new ProtocolException("message " + number + " needs " + min + " field(s)");
                return new string[0];
            }
            var fields = new List<string>(max);
            int pos = rest;
            while (true)
            {
                if (fields.Count == max - 1)
                {
                    fields.Add(line.Substring(pos));
                    break;
                }
                int colon = line.IndexOf(':', pos);
                if (colon < 0)
                {
                    fields.Add(line.Substring(pos));
                    break;
                }
                fields.Add(line.Substring(pos, colon - pos));
                pos = colon + 1;
            }
            if (fields.Count < min || fields.Count > max)
                throw new ProtocolException("message " + number + " has " + fields.Count + " field(s), want " +
                                            (min == max ? min.ToString() : min + ".." + max));
            return fields.ToArray();
        }

        /// <summary>Parses a server line into its typed message.</summary>
        /// <exception cref="ProtocolException">the line breaks PROTOCOL.md.</exception>
        public static ServerLine ParseServerLine(string line)
        {
            int n;
            string[] f = SplitServerFields(line, out n);
            switch (n)
            {
                case MessageNumber.Login:
                    return new SessionStartedLine(ParseId(f[0]), f.Length > 1 ? f[1] : "", f.Length > 2 ? f[2] : "");
                case MessageNumber.Rooms: return new RoomListLine(ParseRoomList(f[0]));
                case MessageNumber.Join: return new MemberLine(ParseId(f[0]), f[1]);
                case MessageNumber.Message: return new MessageLine(ParseId(f[0]), f[1]);
                case MessageNumber.Master: return new MasterLine(ParseId(f[0]));
                case MessageNumber.Who: return new WhoLine(f[0], ParseWhoList(f[1]));
                case MessageNumber.Ping: return new PongLine(f.Length == 0 ? null : f[0]);
                case MessageNumber.Closing: return new ClosingLine(f[0], f[1]);
                case MessageNumber.Error: return new ErrorLine(f[0], f[1], f[2]);
                case MessageNumber.Instantiate:
                    return new SpawnLine(CheckObjectId(f[0]), ParseId(f[1]), ParseLong(f[2], "generation"),
                                         ProtocolCodes.ParseMode(f[3]), ProtocolCodes.ParseLifetime(f[4]), f[5], f[6], f[7], f[8]);
                case MessageNumber.Update: return new UpdateLine(CheckObjectId(f[0]), ParseLong(f[1], "generation"), f[2], f[3]);
                case MessageNumber.Ownership: return new OwnerLine(CheckObjectId(f[0]), ParseId(f[1]), ParseLong(f[2], "generation"));
                case MessageNumber.OwnRequest: return new OwnershipRequestLine(CheckObjectId(f[0]), ParseId(f[1]));
                case MessageNumber.OwnDenied: return new OwnershipDeniedLine(CheckObjectId(f[0]), ParseId(f[1]));
                case MessageNumber.Destroy: return new DestroyLine(CheckObjectId(f[0]));
                case MessageNumber.ObjMessage: return new ObjectMessageLine(CheckObjectId(f[0]), ParseId(f[1]), f[2]);
                case MessageNumber.Ready: return new RoomReadyLine(f[0], (int)ParseLong(f[1], "object count"));
                case MessageNumber.Activity:
                    if (f[1] != Activity.Inactive && f[1] != Activity.Active)
                        throw new ProtocolException("unknown activity '" + Truncate(f[1]) + "'");
                    return new ActivityLine(ParseId(f[0]), f[1] == Activity.Active);
                case MessageNumber.System: return new SystemMessageLine(f[0]);
                case MessageNumber.RoomClosed: return new RoomClosedLine(f[0], f[1], f[2]);
            }
            throw new ProtocolException("server message number " + n + " is not defined");
        }

        /// <summary>Parses the list field of a <c>1</c> line; each entry is split at its last '-'.</summary>
        public static List<RoomInfo> ParseRoomList(string list)
        {
            var rooms = new List<RoomInfo>();
            if (string.IsNullOrEmpty(list))
                return rooms;
            foreach (string entry in list.Split(','))
            {
                int dash = entry.LastIndexOf('-');
                if (dash <= 0)
                    throw new ProtocolException("room list entry '" + entry + "' has no name-count form");
                rooms.Add(new RoomInfo(entry.Substring(0, dash), (int)ParseLong(entry.Substring(dash + 1), "member count")));
            }
            return rooms;
        }

        /// <summary>Parses the list field of a <c>5</c> line (<c>id=name,...</c>, in join order).</summary>
        public static List<MemberInfo> ParseWhoList(string list)
        {
            var members = new List<MemberInfo>();
            if (string.IsNullOrEmpty(list))
                return members;
            foreach (string entry in list.Split(','))
            {
                int eq = entry.IndexOf('=');
                if (eq <= 0)
                    throw new ProtocolException("member list entry '" + entry + "' has no id=name form");
                // id=name, or id=name=inactive for a member waiting for a resume (names hold no '=').
                string name = entry.Substring(eq + 1);
                bool inactive = false;
                int flag = name.IndexOf('=');
                if (flag >= 0)
                {
                    if (name.Substring(flag + 1) != Activity.Inactive)
                        throw new ProtocolException("member list entry '" + entry + "' has an unknown flag");
                    name = name.Substring(0, flag);
                    inactive = true;
                }
                members.Add(new MemberInfo(ParseId(entry.Substring(0, eq)), name, inactive));
            }
            return members;
        }

        /// <summary>Formats a room list the way the server does (for fakes and tests).</summary>
        public static string FormatRoomList(IList<RoomInfo> rooms)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < rooms.Count; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append(rooms[i].Name).Append('-').Append(rooms[i].MemberCount);
            }
            return sb.ToString();
        }

        /// <summary>Formats a member list the way the server does.</summary>
        public static string FormatWhoList(IList<MemberInfo> members)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < members.Count; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append(members[i]);
            }
            return sb.ToString();
        }

        /// <summary>A positive client id.</summary>
        public static long ParseId(string s)
        {
            long v = ParseLong(s, "id");
            if (v <= 0)
                throw new ProtocolException("id must be positive, got '" + s + "'");
            return v;
        }

        /// <summary>A decimal number without sign (PROTOCOL.md: "Numbers are decimal ASCII without sign").</summary>
        public static long ParseLong(string s, string what)
        {
            long v;
            if (!TryParseLong(s, out v))
                throw new ProtocolException("bad " + what + " '" + Truncate(s) + "'");
            return v;
        }

        public static bool TryParseLong(string s, out long value)
        {
            value = 0;
            if (string.IsNullOrEmpty(s) || s.Length > 18)
                return false;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c < '0' || c > '9')
                    return false;
                value = value * 10 + (c - '0');
            }
            return true;
        }

        static bool TryParseUInt(string s, int maxDigits, out int value)
        {
            value = 0;
            if (string.IsNullOrEmpty(s) || s.Length > maxDigits)
                return false;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c < '0' || c > '9')
                    return false;
                value = value * 10 + (c - '0');
            }
            return true;
        }

        /// <summary>Checks the <c>&lt;creator&gt;.&lt;counter&gt;</c> form of a network id.</summary>
        public static string CheckObjectId(string id)
        {
            long creator;
            if (!TryGetCreator(id, out creator))
                throw new ProtocolException("bad network object id '" + Truncate(id) + "'");
            return id;
        }

        /// <summary>The creator client id of a network id such as <c>17.4</c>.</summary>
        public static bool TryGetCreator(string id, out long creator)
        {
            creator = 0;
            if (id == null)
                return false;
            int dot = id.IndexOf('.');
            long counter;
            return dot > 0 && TryParseLong(id.Substring(0, dot), out creator) &&
                   TryParseLong(id.Substring(dot + 1), out counter) && creator > 0;
        }

        internal static string Truncate(string s)
        {
            if (s == null) return "";
            return s.Length <= 80 ? s : s.Substring(0, 80) + "...";
        }
    }
}
