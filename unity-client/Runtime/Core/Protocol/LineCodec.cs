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

    /// <summary>A member in a <c>5</c> list: client id and user name.</summary>
    public struct MemberInfo
    {
        public readonly long ClientId;
        public readonly string Name;

        public MemberInfo(long clientId, string name)
        {
            ClientId = clientId;
            Name = name;
        }

        public override string ToString() { return ClientId + "=" + Name; }
    }

    /// <summary>
    /// Splits lines into fields exactly as PROTOCOL.md says: the first field is the message
    /// number, and for each number a fixed field count where the last field keeps any ':'
    /// ("rest of line").
    /// </summary>
    public static class LineCodec
    {
        // min/max field counts after the message number, server to client, indexed by number.
        // -1 means the number is not sent by the server.
        static readonly int[] ServerMin = { 1, 1, 2, 2, 1, 2, -1, 0, 2, 3, 9, 4, 3, 2, 2, 1, 3, 2 };
        static readonly int[] ServerMax = { 1, 1, 2, 2, 1, 2, -1, 1, 2, 3, 9, 4, 3, 2, 2, 1, 3, 2 };
        // client to server; 3 is special (4 and 5 list recipients).
        static readonly int[] ClientMin = { 2, 0, 1, 2, -1, 0, -1, 0, -1, -1, 6, 5, 2, -1, -1, 1, 3 };
        static readonly int[] ClientMax = { 2, 1, 2, 2, -1, 2, -1, 1, -1, -1, 6, 5, 3, -1, -1, 1, 3 };

        /// <summary>Splits a server line into its message number and fields.</summary>
        /// <exception cref="ProtocolException">unknown number or wrong field count.</exception>
        public static string[] SplitServerFields(string line, out int number)
        {
            int rest;
            number = ParseMessageNumber(line, out rest);
            if (number >= ServerMin.Length || ServerMin[number] < 0)
                throw new ProtocolException("server message number " + number + " is not defined");
            return SplitRest(line, rest, ServerMin[number], ServerMax[number], number);
        }

        /// <summary>Splits a client line into its message number and fields (used by tests and fake servers).</summary>
        public static string[] SplitClientFields(string line, out int number)
        {
            int rest;
            number = ParseMessageNumber(line, out rest);
            if (number == 3)
            {
                // 3:<target>:... : targets 4 and 5 list recipient ids, every field split.
                string[] head = SplitRest(line, rest, 2, 2, 3);
                if (head[0] == "4" || head[0] == "5")
                {
                    string[] all = rest < 0 ? new string[0] : line.Substring(rest).Split(':');
                    if (all.Length < 3)
                        throw new ProtocolException("3:" + head[0] + " needs at least one recipient and a message");
                    return all;
                }
                return head;
            }
            if (number >= ClientMin.Length || ClientMin[number] < 0)
                throw new ProtocolException("client message number " + number + " is not defined");
            return SplitRest(line, rest, ClientMin[number], ClientMax[number], number);
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
                case 0: return new SessionStartedLine(ParseId(f[0]));
                case 1: return new RoomListLine(ParseRoomList(f[0]));
                case 2: return new MemberLine(ParseId(f[0]), f[1]);
                case 3: return new MessageLine(ParseId(f[0]), f[1]);
                case 4: return new MasterLine(ParseId(f[0]));
                case 5: return new WhoLine(f[0], ParseWhoList(f[1]));
                case 7: return new PongLine(f.Length == 0 ? null : f[0]);
                case 8: return new ClosingLine(f[0], f[1]);
                case 9: return new ErrorLine(f[0], f[1], f[2]);
                case 10:
                    return new SpawnLine(CheckObjectId(f[0]), ParseId(f[1]), ParseLong(f[2], "generation"),
                                         ProtocolCodes.ParseMode(f[3]), ProtocolCodes.ParseLifetime(f[4]), f[5], f[6], f[7], f[8]);
                case 11: return new UpdateLine(CheckObjectId(f[0]), ParseLong(f[1], "generation"), f[2], f[3]);
                case 12: return new OwnerLine(CheckObjectId(f[0]), ParseId(f[1]), ParseLong(f[2], "generation"));
                case 13: return new OwnershipRequestLine(CheckObjectId(f[0]), ParseId(f[1]));
                case 14: return new OwnershipDeniedLine(CheckObjectId(f[0]), ParseId(f[1]));
                case 15: return new DestroyLine(CheckObjectId(f[0]));
                case 16: return new ObjectMessageLine(CheckObjectId(f[0]), ParseId(f[1]), f[2]);
                case 17: return new RoomReadyLine(f[0], (int)ParseLong(f[1], "object count"));
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
                members.Add(new MemberInfo(ParseId(entry.Substring(0, eq)), entry.Substring(eq + 1)));
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
                sb.Append(members[i].ClientId).Append('=').Append(members[i].Name);
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
