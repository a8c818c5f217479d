using System.Collections.Generic;
using Tandem.Protocol;

namespace Tandem
{
    /// <summary>A member of the current room joined, left or got its name (see <see cref="TandemClient.MemberJoined"/>).</summary>
    public sealed class MemberEventArgs
    {
        /// <summary>The member's client id.</summary>
        public readonly long ClientId;

        /// <summary>
        /// The user name, or null while it is not known yet: join lines carry ids only, and the
        /// names come with the <c>5</c> reply the client asks for after each join
        /// (<see cref="TandemClient.MemberNamed"/> fires then). For a leave, the last name known.
        /// </summary>
        public readonly string Name;

        /// <summary>
        /// True for a player who joined after us; false for one who was already in the room
        /// when we joined (announced during our join sequence, before <c>RoomReady</c>).
        /// </summary>
        public readonly bool IsNewArrival;

        public MemberEventArgs(long clientId, string name, bool isNewArrival)
        {
            ClientId = clientId;
            Name = name;
            IsNewArrival = isNewArrival;
        }

        /// <summary>True for a player who was already in the room when we joined (the opposite of <see cref="IsNewArrival"/>).</summary>
        public bool FromJoinSnapshot { get { return !IsNewArrival; } }

        public override string ToString() { return (Name ?? "?") + " #" + ClientId + (IsNewArrival ? "" : " (already there)"); }
    }

    /// <summary>The answer to one <see cref="TandemClient.ListRooms"/> request.</summary>
    public sealed class RoomListReply
    {
        /// <summary>
        /// The password this request was sent with, or null for <c>1</c> without one. The server
        /// answers list requests in order, so the client pairs each answer with its request.
        /// </summary>
        public readonly string Password;

        /// <summary>
        /// The rooms listed: the public ones, plus (with a password) the private rooms it opens.
        /// The server does not mark which is which; <see cref="TandemClient.ListPublicAndPrivateRooms"/> does.
        /// </summary>
        public readonly List<RoomInfo> Rooms;

        public RoomListReply(string password, List<RoomInfo> rooms)
        {
            Password = password;
            Rooms = rooms ?? new List<RoomInfo>();
        }
    }

    /// <summary>The answer to <see cref="TandemClient.ListPublicAndPrivateRooms"/>: public and private rooms apart.</summary>
    public sealed class RoomLists
    {
        /// <summary>The password the private rooms were listed with (null or empty: none were asked for).</summary>
        public readonly string Password;

        /// <summary>Rooms created without a password: join them with none.</summary>
        public readonly List<RoomInfo> Public;

        /// <summary>Private rooms that <see cref="Password"/> opens: join them with it.</summary>
        public readonly List<RoomInfo> Private;

        public RoomLists(string password, List<RoomInfo> publicRooms, List<RoomInfo> privateRooms)
        {
            Password = password;
            Public = publicRooms ?? new List<RoomInfo>();
            Private = privateRooms ?? new List<RoomInfo>();
        }
    }
}
