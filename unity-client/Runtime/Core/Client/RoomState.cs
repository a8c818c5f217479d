using System.Collections.Generic;
using Tandem.Protocol;

namespace Tandem
{
    /// <summary>
    /// The room side of <see cref="TandemClient"/>: which room we are in or joining, which room
    /// to rejoin after a reconnect, the members in join order with their names, the master, the
    /// one outstanding <c>5</c> request, and the room-list requests waiting for their answers.
    /// Plain state: the client raises the events.
    /// </summary>
    internal sealed class RoomState
    {
        readonly Dictionary<long, string> members = new Dictionary<long, string>();
        readonly List<long> memberOrder = new List<long>();
        readonly HashSet<long> arrivedAfterUs = new HashSet<long>();
        readonly HashSet<long> inactive = new HashSet<long>();
        // While a resume's join lines arrive: the members they named, and who was inactive before.
        HashSet<long> confirmed, inactiveBefore;

        /// <summary>List requests in the order sent (the server answers them in order).</summary>
        public readonly Queue<RoomListRequest> ListRequests = new Queue<RoomListRequest>();

        public string Current;
        public bool IsReady;
        public long MasterId;
        /// <summary>Requested, not yet confirmed or refused.</summary>
        public string Joining;
        /// <summary>The last JoinRoom request.</summary>
        public string JoinRoom, JoinPassword;
        /// <summary>The room to rejoin after a reconnect.</summary>
        public string RejoinRoom, RejoinPassword;
        bool whoPending, whoDirty;

        public IList<long> MemberIds { get { return memberOrder.AsReadOnly(); } }

        public bool IsMember(long id) { return members.ContainsKey(id); }

        public bool TryGetName(long id, out string name) { return members.TryGetValue(id, out name); }

        public bool ArrivedAfterUs(long id) { return arrivedAfterUs.Contains(id); }

        /// <summary>True while the member's connection is down and the server keeps its place (<c>20:&lt;id&gt;:inactive</c>).</summary>
        public bool IsInactive(long id) { return inactive.Contains(id); }

        /// <summary>Applies a <c>20</c> line; true if it changed what we knew.</summary>
        public bool SetActive(long id, bool active)
        {
            if (!members.ContainsKey(id)) return false;
            return active ? inactive.Remove(id) : inactive.Add(id);
        }

        /// <summary>True between a resume's <c>0</c> answer and its <c>17</c>.</summary>
        public bool Resyncing { get { return confirmed != null; } }

        /// <summary>A resume succeeded: its join lines will name every member again (and flag the inactive ones).</summary>
        public void BeginResync(long self)
        {
            confirmed = new HashSet<long> { self };
            inactiveBefore = new HashSet<long>(inactive);
            inactive.Clear();
        }

        /// <summary>A resume's join line for a member we know: kept without an event. False if it is new to us.</summary>
        public bool Confirm(long id)
        {
            if (confirmed == null) return false;
            confirmed.Add(id);
            return members.ContainsKey(id);
        }

        /// <summary>A resume's join lines are complete: the members they did not name (they left meanwhile), and those active again.</summary>
        public void EndResync(List<long> gone, List<long> activeAgain)
        {
            if (confirmed == null) return;
            foreach (long id in memberOrder)
                if (!confirmed.Contains(id)) gone.Add(id);
            foreach (long id in inactiveBefore)
                if (confirmed.Contains(id) && !inactive.Contains(id)) activeAgain.Add(id);
            confirmed = inactiveBefore = null;
        }

        /// <summary>The connection dropped and we keep the room for a resume: a <c>5</c> in flight will never be answered.</summary>
        public void ConnectionLost() { whoPending = whoDirty = false; }

        /// <summary>The connection dropped again before the resume's join lines were complete: what we knew stays.</summary>
        public void AbortResync()
        {
            if (confirmed == null) return;
            foreach (long id in inactiveBefore) inactive.Add(id);
            confirmed = inactiveBefore = null;
        }

        /// <summary>Our own join line: a fresh member list holding only us.</summary>
        public void Enter(string room, long self, string selfName)
        {
            if (Joining == room) Joining = null;
            Current = room;
            IsReady = false;
            MasterId = 0;
            ClearMembers();
            members[self] = selfName;
            memberOrder.Add(self);
            if (JoinRoom == room)
            {
                RejoinRoom = JoinRoom;
                RejoinPassword = JoinPassword;
            }
        }

        /// <summary>
        /// Another member's join line. Until <c>17</c> these are the players who were already
        /// there, longest present first: they go before us, so MemberIds stays in join order.
        /// Returns whether the member is a new arrival.
        /// </summary>
        public bool AddMember(long id, long self)
        {
            if (members.ContainsKey(id)) return arrivedAfterUs.Contains(id); // a repeated join line changes nothing
            bool newArrival = IsReady;
            int selfIndex = memberOrder.IndexOf(self);
            if (!newArrival && selfIndex >= 0) memberOrder.Insert(selfIndex, id);
            else memberOrder.Add(id);
            members[id] = null;
            if (newArrival) arrivedAfterUs.Add(id);
            return newArrival;
        }

        public void RemoveMember(long id)
        {
            members.Remove(id);
            memberOrder.Remove(id);
            arrivedAfterUs.Remove(id);
            inactive.Remove(id);
        }

        /// <summary>Applies a <c>5</c> reply for the current room; returns the members whose name changed (or null).</summary>
        public List<MemberEventArgs> ApplyNames(List<MemberInfo> list)
        {
            List<MemberEventArgs> named = null;
            foreach (var member in list)
            {
                // Only members we know from 2 lines: a 5 reply may be older than a leave we saw.
                string old;
                if (members.TryGetValue(member.ClientId, out old) && old != member.Name)
                {
                    members[member.ClientId] = member.Name;
                    if (named == null) named = new List<MemberEventArgs>();
                    named.Add(new MemberEventArgs(member.ClientId, member.Name, arrivedAfterUs.Contains(member.ClientId)));
                }
            }
            return named;
        }

        /// <summary>One <c>5</c> request at a time: true if one should be sent now (else one more is asked for afterwards).</summary>
        public bool WantWho()
        {
            if (whoPending)
            {
                whoDirty = true;
                return false;
            }
            whoPending = true;
            return true;
        }

        /// <summary>A <c>5</c> reply or error arrived: true if another request should follow.</summary>
        public bool WhoAnswered()
        {
            if (!whoPending) return false;
            whoPending = false;
            if (!whoDirty || Current == null) return false;
            whoDirty = false;
            return true;
        }

        /// <summary>We are no longer in a room. Returns the room we were in, or null.</summary>
        public string Leave()
        {
            string room = Current;
            Current = null;
            IsReady = false;
            MasterId = 0;
            ClearMembers();
            whoPending = whoDirty = false;
            return room;
        }

        /// <summary>A join was refused; a bad room name or password is not retried on reconnect.</summary>
        public void JoinRefused(string code)
        {
            Joining = null;
            if (code == ErrorCode.WrongPassword || code == ErrorCode.BadRoomName) JoinRoom = null;
        }

        /// <summary>The room is closed for us (<c>23</c>): not ours to rejoin.</summary>
        public void Closed(string room)
        {
            if (RejoinRoom == room) RejoinRoom = RejoinPassword = null;
            if (JoinRoom == room) JoinRoom = JoinPassword = null;
            if (Joining == room) Joining = null;
        }

        void ClearMembers()
        {
            members.Clear();
            memberOrder.Clear();
            arrivedAfterUs.Clear();
            inactive.Clear();
            confirmed = inactiveBefore = null;
        }
    }

    /// <summary>One ListRooms request waiting for its answer.</summary>
    internal sealed class RoomListRequest
    {
        public string Password;
        public RoomListPair Pair;        // set for the requests of ListPublicAndPrivateRooms
        public bool PublicHalf;
    }

    internal sealed class RoomListPair
    {
        public string Password;
        public List<RoomInfo> WithPassword;
        public bool Failed;
    }
}
