using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using Tandem.Protocol;
using Tandem.Transport;

namespace Tandem
{
    /// <summary>
    /// The Tandem client. The transport (TCP, TLS, WebSocket) runs on its own (threads, or the
    /// browser on WebGL); call <see cref="Update"/> (or <see cref="DispatchEvents"/>) from the
    /// game's main thread, which is where every event is raised and all state changes. Commands
    /// may be called right after <see cref="Connect(string)"/>: they are queued until the
    /// connection is up. Three parts: the connection and its reconnects
    /// (<see cref="ConnectionDriver"/>), the room and its members (<see cref="RoomState"/>),
    /// and the events (TandemClient.Events.cs).
    /// </summary>
    public sealed partial class TandemClient : ILineSink, IDisposable
    {
        readonly TandemClientOptions options;
        readonly ConnectionDriver connection;
        readonly RoomState room = new RoomState();
        readonly ConcurrentQueue<string> injected = new ConcurrentQueue<string>();
        readonly List<Exception> handlerErrors = new List<Exception>();

        string user, password;                 // for re-login after a reconnect (see TandemClient.Session.cs)

        public TandemClient() : this(null) { }

        public TandemClient(TandemClientOptions options)
        {
            this.options = options ?? new TandemClientOptions();
            connection = new ConnectionDriver(this.options);
            Objects = new ObjectRegistry(this);
        }

        public TandemClientOptions Options { get { return options; } }

        // ---- state -----------------------------------------------------------------

        public ClientState State { get { return connection.State; } }

        public bool IsLoggedIn { get { return State == ClientState.LoggedIn; } }

        /// <summary>The server address in use (tcp://, tls://, ws:// or wss://), or null before Connect.</summary>
        public ServerAddress ServerAddress { get { return connection.Address; } }

        /// <summary>Our client id (0 before login). New for every login; a resume keeps it.</summary>
        public long ClientId { get; private set; }

        /// <summary>
        /// The resume token the server gave with this login or resume (<c>0:&lt;id&gt;::&lt;token&gt;</c>),
        /// or null when it offers none. Kept in memory only; after a drop the automatic reconnect
        /// presents it (<c>19</c>) to get the same id, room and objects back.
        /// </summary>
        public string ResumeToken { get; private set; }

        /// <summary>
        /// The account's user name: the one given to <see cref="Login"/> (or to
        /// <see cref="LoginWithToken"/>). After a token login without a name it is null until the
        /// member list of the first room joined names us (the server writes names in lower case).
        /// </summary>
        public string UserName { get { return user; } }

        /// <summary>The room we are in, or null.</summary>
        public string CurrentRoom { get { return room.Current; } }

        public bool IsInRoom { get { return room.Current != null; } }

        /// <summary>A room whose join was sent but not yet confirmed or refused, or null.</summary>
        public string JoiningRoom { get { return room.Joining; } }

        /// <summary>True once the join snapshot is complete (<c>17</c> received).</summary>
        public bool IsRoomReady { get { return room.IsReady; } }

        /// <summary>The room's master client (0 if unknown).</summary>
        public long MasterId { get { return room.MasterId; } }

        public bool IsMaster { get { return MasterId != 0 && MasterId == ClientId; } }

        /// <summary>
        /// Member ids in join order, as the server's <c>5</c> lists them: the first is the longest
        /// present; we come after everyone who was there when we joined, and players who join
        /// later come after us.
        /// </summary>
        public IList<long> MemberIds { get { return room.MemberIds; } }

        /// <summary>True if the client id is a member of the current room (ourselves included).</summary>
        public bool IsMember(long clientId) { return room.IsMember(clientId); }

        /// <summary>A member's user name, or null when not (yet) known. Inside a PlayerLeft handler the leaver's name is still known.</summary>
        public string GetMemberName(long clientId)
        {
            string n;
            return room.TryGetName(clientId, out n) ? n : null;
        }

        /// <summary>The network objects of the current room.</summary>
        public ObjectRegistry Objects { get; private set; }

        long ILineSink.LocalClientId { get { return ClientId; } }

        // ---- connection ------------------------------------------------------------

        /// <summary>Starts connecting over TCP (TLS when <paramref name="useTls"/>) and returns at once.</summary>
        public void Connect(string host, int port, bool useTls = false)
        {
            if (string.IsNullOrEmpty(host)) throw new ArgumentException("host is empty", "host");
            if (port <= 0 || port > 65535) throw new ArgumentOutOfRangeException("port");
            Connect(ServerAddress.Tcp(host, port, useTls));
        }

        /// <summary>
        /// Starts connecting to <c>tcp://host:7777</c>, <c>tls://host:7777</c>,
        /// <c>ws://host:7780/ws</c> or <c>wss://host:7780/ws</c> and returns at once.
        /// </summary>
        /// <exception cref="FormatException">the address is not one of those forms.</exception>
        public void Connect(string url) { Connect(ServerAddress.Parse(url)); }

        public void Connect(ServerAddress address)
        {
            if (address == null) throw new ArgumentNullException("address");
            connection.Start(address);
        }

        /// <summary>
        /// Closes the connection cleanly: queued lines are flushed (up to 1 s), no reconnect
        /// follows. Raises RoomLeft/Destroyed/Disconnected right here (call it on the main thread).
        /// </summary>
        public void Disconnect()
        {
            if (connection.Close()) OnConnectionEnded("closed by client");
        }

        public void Dispose() { Disconnect(); }

        // ---- commands --------------------------------------------------------------

        /// <summary>
        /// <c>0:user:password</c>. Both are remembered (in memory) for automatic reconnects, which
        /// prefer the session token the answer brings (see <see cref="SessionToken"/>). Forgets any
        /// session token held before: the answer brings this account's.
        /// </summary>
        public void Login(string user, string password)
        {
            string line = ClientLines.Login(user, password);
            this.user = user;
            this.password = password;
            SessionToken = null;
            SendLine(line);
        }

        /// <summary>
        /// <c>1</c> (public rooms) or <c>1:password</c> (also the private rooms it opens). The answer
        /// raises <see cref="RoomListReceived"/> and <see cref="RoomListReplied"/>, which carries this password.
        /// </summary>
        public void ListRooms(string password = null)
        {
            string pass = string.IsNullOrEmpty(password) ? null : password;
            SendLine(ClientLines.ListRooms(pass));
            room.ListRequests.Enqueue(new RoomListRequest { Password = pass });
        }

        /// <summary>
        /// Lists public and private rooms apart: sends <c>1:password</c> and then <c>1</c> (only
        /// <c>1</c> without a password) and raises <see cref="RoomListsReceived"/> once both answers
        /// are in. A room in the password's list but not in the public one is private. If either
        /// request fails, <see cref="Error"/> (command 1) is raised instead.
        /// </summary>
        public void ListPublicAndPrivateRooms(string password)
        {
            string pass = string.IsNullOrEmpty(password) ? null : password;
            string privateLine = pass != null ? ClientLines.ListRooms(pass) : null; // throws before anything is sent
            var pair = new RoomListPair { Password = pass };
            if (privateLine != null)
            {
                // The private list first: a room created in between shows up in the public list only.
                SendLine(privateLine);
                room.ListRequests.Enqueue(new RoomListRequest { Password = pass, Pair = pair });
            }
            SendLine(ClientLines.ListRooms(null));
            room.ListRequests.Enqueue(new RoomListRequest { Pair = pair, PublicHalf = true });
        }

        /// <summary>Joins (or creates) a room; null or empty password: a public room.</summary>
        public void JoinRoom(string name, string password = null)
        {
            string line = ClientLines.Join(name, string.IsNullOrEmpty(password) ? null : password);
            SendLine(line);
            room.JoinRoom = room.Joining = name;
            room.JoinPassword = password;
        }

        public void LeaveRoom()
        {
            room.JoinRoom = room.RejoinRoom = null;
            SendLine(ClientLines.Leave());
            leaveSent = room.Current != null;
        }

        /// <summary><c>5</c> (current room), <c>5:room</c> or <c>5:room:password</c>; the answer raises WhoReceived.</summary>
        public void Who(string room = null, string password = null) { SendLine(ClientLines.Who(room, password)); }

        /// <summary>A room message; it may contain ':' but no line breaks.</summary>
        public void Send(string message, SendTarget target = SendTarget.Others) { SendLine(ClientLines.Send(target, message)); }

        /// <summary>A message to the listed members (<c>3:4</c>, or <c>3:5</c> ordered); it cannot contain ':'.</summary>
        public void SendTo(IList<long> ids, string message, bool ordered = false) { SendLine(ClientLines.SendTo(ids, message, ordered)); }

        public void Ping(string token = null) { SendLine(ClientLines.Ping(token)); }

        /// <summary>Queues a raw protocol line. Throws when there is no connection.</summary>
        public void SendLine(string line) { connection.Send(line); }

        // ---- main-thread pump --------------------------------------------------------

        /// <summary>Dispatches received events and runs the reconnect timer. Call once per frame.</summary>
        public void Update()
        {
            DispatchEvents();
            if (connection.ReconnectIfDue() && CanReconnect)
                SendReconnectLine(); // queued now, written as soon as the connection is up
        }

        /// <summary>
        /// Lets the transport do its work, then handles everything it received so far and raises
        /// the events, on the calling thread. Returns the number of items handled. If an event
        /// handler throws, the remaining items are still handled, then the first exception is rethrown.
        /// </summary>
        public int DispatchEvents()
        {
            int handled = 0;
            connection.Poll();
            string raw;
            while (handled < options.MaxEventsPerDispatch && injected.TryDequeue(out raw))
            {
                handled++;
                Guard(() => HandleRaw(raw));
            }
            TransportEvent e;
            while (handled < options.MaxEventsPerDispatch && connection.TryReceive(out e))
            {
                handled++;
                var item = e;
                Guard(() => Handle(item));
            }
            if (handlerErrors.Count > 0)
            {
                var first = handlerErrors[0];
                handlerErrors.Clear();
                throw new TandemException("an event handler threw: " + first.Message, first);
            }
            return handled;
        }

        void Guard(Action a)
        {
            try { a(); }
            catch (Exception ex) { handlerErrors.Add(ex); }
        }

        /// <summary>Feeds a server line as if it had been received (tests and tools): it is handled at the next dispatch. Any thread.</summary>
        internal void InjectServerLine(string raw) { injected.Enqueue(raw); }

        void Handle(TransportEvent e)
        {
            switch (e.Kind)
            {
                case TransportEventKind.Connected:
                    connection.State = ClientState.Connected;
                    if (Connected != null) Connected();
                    break;
                case TransportEventKind.Closed:
                    OnConnectionEnded(e.Text);
                    break;
                case TransportEventKind.Line:
                    HandleRaw(e.Text);
                    break;
            }
        }

        void HandleRaw(string raw)
        {
            ServerLine line;
            try
            {
                line = LineCodec.ParseServerLine(raw);
            }
            catch (ProtocolException ex)
            {
                Violation(raw, ex.Message);
                return;
            }
            try
            {
                HandleLine(line);
            }
            catch (BadDeltaException ex)
            {
                Violation(raw, ex.Message);
            }
        }

        void Violation(string raw, string reason)
        {
            Log("protocol violation: " + reason + " in '" + LineCodec.Truncate(raw) + "'");
            if (ProtocolViolation != null) ProtocolViolation(raw, reason);
        }

        void HandleLine(ServerLine line)
        {
            switch (line.Number)
            {
                case MessageNumber.Login: OnLoggedIn((SessionStartedLine)line); break;
                case MessageNumber.Rooms: OnRoomList(((RoomListLine)line).Rooms); break;
                case MessageNumber.Join: OnMember((MemberLine)line); break;
                case MessageNumber.Message:
                {
                    var m = (MessageLine)line;
                    if (MessageReceived != null) MessageReceived(m.SenderId, m.Text);
                    break;
                }
                case MessageNumber.Master:
                {
                    var m = (MasterLine)line;
                    if (room.Resyncing && room.MasterId == m.ClientId) break; // a resume's join lines: unchanged
                    room.MasterId = m.ClientId;
                    if (MasterChanged != null) MasterChanged(m.ClientId);
                    break;
                }
                case MessageNumber.Who: OnWho((WhoLine)line); break;
                case MessageNumber.Ping:
                    if (Pong != null) Pong(((PongLine)line).Token);
                    break;
                case MessageNumber.Closing: OnClosing((ClosingLine)line); break;
                case MessageNumber.Error: OnError((ErrorLine)line); break;
                case MessageNumber.Ready:
                {
                    var m = (RoomReadyLine)line;
                    if (room.Resyncing && m.Room == room.Current)
                    {
                        EndResume();
                        break;
                    }
                    Objects.EndSnapshot();
                    room.IsReady = true;
                    if (RoomReady != null) RoomReady(m.Room, m.ObjectCount);
                    break;
                }
                case MessageNumber.Activity:
                {
                    var m = (ActivityLine)line;
                    if (room.SetActive(m.ClientId, m.Active) && MemberActivity != null) MemberActivity(m.ClientId, m.Active);
                    break;
                }
                case MessageNumber.System:
                    if (SystemMessage != null) SystemMessage(((SystemMessageLine)line).Text);
                    break;
                case MessageNumber.RoomClosed: OnRoomClosed((RoomClosedLine)line); break;
                default:
                    Objects.Handle(line);
                    break;
            }
        }

        void OnLoggedIn(SessionStartedLine m)
        {
            if (resumeSent)
            {
                OnResumeAnswered(m);
                return;
            }
            ClientId = m.ClientId;
            ResumeToken = m.ResumeToken.Length > 0 ? m.ResumeToken : null;
            KeepSessionToken(m);
            connection.State = ClientState.LoggedIn;
            connection.ResetBackoff();
            connection.AllowReconnect(); // a refused login before this one on the same connection no longer counts
            // Rejoin first, so LoggedIn handlers see JoiningRoom and do not join twice.
            if (connection.IsReconnect && room.RejoinRoom != null) JoinRoom(room.RejoinRoom, room.RejoinPassword);
            connection.IsReconnect = false;
            if (LoggedIn != null) LoggedIn(m.ClientId);
        }

        void OnClosing(ClosingLine m)
        {
            connection.ClosingCode = m.Code;
            // A newer login of the same user took over (reconnecting would kick it in turn), or
            // an operator removed us: do not come back on our own.
            if (m.Code == CloseCode.SessionReplaced || m.Code == CloseCode.Kicked || m.Code == CloseCode.Banned)
                connection.ForbidReconnect();
            // We logged out: the server ended our tokens; nothing may log us in again.
            if (m.Code == CloseCode.LoggedOut) ForgetCredentials();
            if (Closing != null) Closing(m.Code, m.Text);
        }

        void OnRoomClosed(RoomClosedLine m)
        {
            room.Closed(m.Room);
            if (m.Room == room.Current) LeaveRoomState();
            if (RoomClosed != null) RoomClosed(m.Room, m.Code, m.Text);
        }

        void OnMember(MemberLine m)
        {
            if (room.Resyncing && !m.IsLeave && m.Room == room.Current)
            {
                // A resume's join lines: members we know stay as they are, without events.
                if (m.ClientId == ClientId)
                {
                    RequestMembers();
                    return;
                }
                if (room.Confirm(m.ClientId)) return;
            }
            else if (room.Resyncing && m.ClientId == ClientId && !m.IsLeave)
            {
                // Resumed in another room (a join we sent just before the drop was done): the
                // session is back; what follows is that room's ordinary join.
                EndResumeElsewhere();
            }
            if (m.ClientId == ClientId)
            {
                if (m.IsLeave)
                {
                    LeaveRoomState();
                    return;
                }
                if (room.Current != null) LeaveRoomState(); // joined elsewhere without our leave line
                room.Enter(m.Room, m.ClientId, user);
                Objects.BeginSnapshot();
                if (RoomJoined != null) RoomJoined(m.Room);
                RequestMembers();
                return;
            }
            if (room.Current == null) return;
            if (m.IsLeave)
            {
                RaiseLeft(m.ClientId);
                return;
            }
            bool newArrival = room.AddMember(m.ClientId, ClientId);
            RequestMembers();
            if (PlayerJoined != null) PlayerJoined(m.ClientId);
            if (MemberJoined != null) MemberJoined(new MemberEventArgs(m.ClientId, GetMemberName(m.ClientId), newArrival));
        }

        void RaiseLeft(long id)
        {
            string name;
            if (!room.TryGetName(id, out name)) return;
            bool arrived = room.ArrivedAfterUs(id);
            // Raised while the leaver is still a member, so handlers can look up its name.
            try
            {
                if (PlayerLeft != null) PlayerLeft(id);
                if (MemberLeft != null) MemberLeft(new MemberEventArgs(id, name, arrived));
            }
            finally
            {
                room.RemoveMember(id);
            }
        }

        void RequestMembers()
        {
            if (!options.RefreshMembers || connection.Transport == null) return;
            if (room.WantWho()) SendLine(ClientLines.Who(null, null));
        }

        void WhoAnswered()
        {
            if (room.WhoAnswered()) RequestMembers();
        }

        void OnWho(WhoLine m)
        {
            if (m.Room == room.Current)
            {
                List<MemberEventArgs> named = room.ApplyNames(m.Members);
                // After a token login without a name: the list names us (needed for a resume's 19).
                if (user == null && ClientId != 0) room.TryGetName(ClientId, out user);
                WhoAnswered();
                if (named != null)
                {
                    if (MemberNamed != null)
                        foreach (var e in named)
                            if (e.ClientId != ClientId) MemberNamed(e);
                    if (MembersChanged != null) MembersChanged();
                }
            }
            if (WhoReceived != null) WhoReceived(m.Room, m.Members);
        }

        void OnError(ErrorLine m)
        {
            var err = new TandemError(m.Command, m.CommandNumber, m.Code, m.Text);
            if (OnResumeError(err) || OnLoginError(err))
            {
                if (Error != null) Error(err);
                return;
            }
            switch (err.CommandNumber)
            {
                case MessageNumber.Who:
                    WhoAnswered();
                    break;
                case MessageNumber.Rooms:
                    if (room.ListRequests.Count > 0)
                    {
                        var request = room.ListRequests.Dequeue();
                        if (request.Pair != null) request.Pair.Failed = true;
                    }
                    break;
                case MessageNumber.Login:
                case MessageNumber.TokenLogin:
                    // Retrying the same credentials cannot succeed (a refused token: OnLoginError).
                    if (err.Code == ErrorCode.BadCredentials || err.Code == ErrorCode.Banned) connection.ForbidReconnect();
                    // Busy: the reconnect's login comes back no sooner than the server asks.
                    else if (err.Code == ErrorCode.ServerBusy && connection.IsReconnect)
                    {
                        try { if (Error != null) Error(err); }
                        finally { RetryLater(err); }
                        return;
                    }
                    break;
                case MessageNumber.Join:
                    room.JoinRefused(err.Code);
                    break;
            }
            try
            {
                if (Error != null) Error(err);
            }
            finally
            {
                // The server created nothing: drop the pending local object (Destroyed is raised).
                if (err.CommandNumber == MessageNumber.Instantiate && err.Token != null) Objects.DropPending(err.Token);
            }
        }

        void OnRoomList(List<RoomInfo> rooms)
        {
            RoomListRequest request = room.ListRequests.Count > 0 ? room.ListRequests.Dequeue() : new RoomListRequest();
            if (RoomListReceived != null) RoomListReceived(rooms);
            if (RoomListReplied != null) RoomListReplied(new RoomListReply(request.Password, rooms));
            RoomListPair pair = request.Pair;
            if (pair == null) return;
            if (!request.PublicHalf)
            {
                pair.WithPassword = rooms;
                return;
            }
            if (pair.Failed) return;
            var names = new HashSet<string>();
            foreach (var r in rooms) names.Add(r.Name);
            var privateRooms = new List<RoomInfo>();
            if (pair.WithPassword != null)
                foreach (var r in pair.WithPassword)
                    if (!names.Contains(r.Name)) privateRooms.Add(r);
            if (RoomListsReceived != null) RoomListsReceived(new RoomLists(pair.Password, rooms, privateRooms));
        }

        void LeaveRoomState()
        {
            leaveSent = false;
            string left = room.Leave();
            Objects.Clear();
            if (left != null && RoomLeft != null) RoomLeft(left);
        }

        void OnConnectionEnded(string reason)
        {
            string code = connection.ClosingCode;
            if (KeepForResume(reason, code)) return;
            if (resuming) FailResume("the connection ended: " + reason + (code != null ? " [" + code + "]" : ""));
            room.Joining = null;
            room.ListRequests.Clear(); // their answers will never come
            LeaveRoomState();
            ClientId = 0;
            ResumeToken = null;
            int attempt;
            TimeSpan delay;
            bool willReconnect = connection.ScheduleReconnect(CanLogIn, out attempt, out delay);
            Log("disconnected: " + reason + (willReconnect ? " (reconnect in " + delay.TotalSeconds + " s)" : ""));
            if (Disconnected != null) Disconnected(new DisconnectInfo(reason, code, willReconnect));
            if (willReconnect && Reconnecting != null) Reconnecting(attempt, delay);
        }

        void Log(string s)
        {
            var log = options.Log;
            if (log != null) log(s);
        }
    }
}
