using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Tandem.Protocol;

namespace Tandem
{
    /// <summary>Connection state of a <see cref="TandemClient"/>.</summary>
    public enum ClientState
    {
        Disconnected,
        Connecting,
        /// <summary>TCP (and TLS) up, not logged in.</summary>
        Connected,
        LoggedIn,
        /// <summary>Waiting for the next automatic reconnect attempt.</summary>
        WaitingToReconnect,
    }

    /// <summary>A <c>9</c> line: which request failed, the stable code, and a text for people.</summary>
    public sealed class TandemError
    {
        /// <summary>"0".."16", or "-" when not tied to one request.</summary>
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
        /// pending object with this token is dropped: see <see cref="NetObjectRegistry.TryGetPending"/>.
        /// </summary>
        public readonly string Token;

        public TandemError(string command, int commandNumber, string code, string text)
        {
            Command = command; CommandNumber = commandNumber; Code = code; Text = text;
            if (text == null || commandNumber < 10 || commandNumber > 16) return;
            int space = text.IndexOf(' ');
            if (space < 0) return;
            string subject = text.Substring(0, space);
            long creator;
            if (commandNumber == 10)
            {
                if (IsToken(subject)) Token = subject;
            }
            else if (LineCodec.TryGetCreator(subject, out creator))
            {
                ObjectId = subject;
            }
        }

        /// <summary>True for an error of an object command (<c>10</c>..<c>16</c>).</summary>
        public bool IsObjectError { get { return CommandNumber >= 10 && CommandNumber <= 16; } }

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

    /// <summary>
    /// The Tandem client. Socket I/O runs on background threads into a thread-safe inbox;
    /// call <see cref="Update"/> (or <see cref="DispatchEvents"/>) from the game's main
    /// thread, which is where every event is raised and all state changes. Commands may be
    /// called right after <see cref="Connect"/>: they are queued until the socket is up.
    /// </summary>
    public sealed class TandemClient : ILineSink, IDisposable
    {
        readonly TandemClientOptions options;
        readonly ConcurrentQueue<InboxItem> inbox = new ConcurrentQueue<InboxItem>();
        readonly Stopwatch clock = Stopwatch.StartNew();
        readonly Dictionary<long, string> members = new Dictionary<long, string>();
        readonly List<long> memberOrder = new List<long>();
        readonly HashSet<long> arrivedAfterUs = new HashSet<long>();
        readonly Queue<RoomListRequest> roomListRequests = new Queue<RoomListRequest>();
        readonly List<Exception> handlerErrors = new List<Exception>();

        Connection connection;
        string host;
        int port;
        bool useTls;
        string user, password;                 // for re-login after a reconnect
        string joinRoom, joinPassword;         // last JoinRoom request
        string joining;                        // requested, not yet confirmed or refused
        string rejoinRoom, rejoinPassword;     // the room to rejoin after a reconnect
        string closingCode;
        bool reconnectAllowed;
        bool reconnecting;                     // the current connection is an automatic reconnect
        int reconnectAttempt;
        long nextReconnectMs;
        bool whoPending, whoDirty;

        // One ListRooms request waiting for its answer (the server answers them in order).
        sealed class RoomListRequest
        {
            public string Password;
            public RoomListPair Pair;        // set for the requests of ListPublicAndPrivateRooms
            public bool PublicHalf;
        }

        sealed class RoomListPair
        {
            public string Password;
            public List<RoomInfo> WithPassword;
            public bool Failed;
        }

        public TandemClient() : this(null) { }

        public TandemClient(TandemClientOptions options)
        {
            this.options = options ?? new TandemClientOptions();
            Objects = new NetObjectRegistry(this);
        }

        public TandemClientOptions Options { get { return options; } }

        // ---- state -----------------------------------------------------------------

        public ClientState State { get; private set; }

        public bool IsLoggedIn { get { return State == ClientState.LoggedIn; } }

        /// <summary>Our client id (0 before login). New for every login.</summary>
        public long ClientId { get; private set; }

        public string UserName { get { return user; } }

        /// <summary>The room we are in, or null.</summary>
        public string CurrentRoom { get; private set; }

        public bool IsInRoom { get { return CurrentRoom != null; } }

        /// <summary>A room whose join was sent but not yet confirmed or refused, or null.</summary>
        public string JoiningRoom { get { return joining; } }

        /// <summary>True once the join snapshot is complete (<c>17</c> received).</summary>
        public bool IsRoomReady { get; private set; }

        /// <summary>The room's master client (0 if unknown).</summary>
        public long MasterId { get; private set; }

        public bool IsMaster { get { return MasterId != 0 && MasterId == ClientId; } }

        /// <summary>
        /// Member ids in join order, as the server's <c>5</c> lists them: the first is the longest
        /// present; we come after everyone who was there when we joined, and players who join
        /// later come after us.
        /// </summary>
        public IList<long> MemberIds { get { return memberOrder.AsReadOnly(); } }

        /// <summary>True if the client id is a member of the current room (ourselves included).</summary>
        public bool IsMember(long clientId) { return members.ContainsKey(clientId); }

        /// <summary>A member's user name, or null when not (yet) known. Inside a PlayerLeft handler the leaver's name is still known.</summary>
        public string GetMemberName(long clientId)
        {
            string n;
            return members.TryGetValue(clientId, out n) ? n : null;
        }

        /// <summary>The network objects of the current room.</summary>
        public NetObjectRegistry Objects { get; private set; }

        long ILineSink.LocalClientId { get { return ClientId; } }

        // ---- events (all raised inside DispatchEvents, on the calling thread) -----------

        /// <summary>TCP (and TLS) is up.</summary>
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
        /// <summary>A server line that breaks the protocol (line, reason). It is ignored.</summary>
        public event Action<string, string> ProtocolViolation;

        // ---- connection ------------------------------------------------------------

        /// <summary>Starts connecting on a background thread and returns at once.</summary>
        public void Connect(string host, int port, bool useTls = false)
        {
            if (string.IsNullOrEmpty(host)) throw new ArgumentException("host is empty", "host");
            if (port <= 0 || port > 65535) throw new ArgumentOutOfRangeException("port");
            if (connection != null) throw new InvalidOperationException("already connected or connecting; call Disconnect first");
            this.host = host;
            this.port = port;
            this.useTls = useTls;
            reconnectAllowed = true;
            reconnecting = false;
            reconnectAttempt = 0;
            StartConnection();
        }

        void StartConnection()
        {
            closingCode = null;
            State = ClientState.Connecting;
            connection = new Connection(host, port, useTls, options, Post);
            connection.Start();
        }

        void Post(InboxItem item) { inbox.Enqueue(item); }

        /// <summary>
        /// Closes the connection cleanly: queued lines are flushed (up to 1 s), no reconnect
        /// follows. Raises RoomLeft/Destroyed/Disconnected right here (call it on the main thread).
        /// </summary>
        public void Disconnect()
        {
            reconnectAllowed = false;
            var c = connection;
            bool wasActive = c != null || State == ClientState.WaitingToReconnect;
            connection = null;
            if (c != null) c.Close("closed by client", TimeSpan.FromSeconds(1));
            if (wasActive) OnConnectionEnded("closed by client", false);
        }

        public void Dispose() { Disconnect(); }

        // ---- commands --------------------------------------------------------------

        /// <summary><c>0:user:password</c>. Remembered for automatic reconnects.</summary>
        public void Login(string user, string password)
        {
            string line = ClientLines.Login(user, password);
            this.user = user;
            this.password = password;
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
            roomListRequests.Enqueue(new RoomListRequest { Password = pass });
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
                roomListRequests.Enqueue(new RoomListRequest { Password = pass, Pair = pair });
            }
            SendLine(ClientLines.ListRooms(null));
            roomListRequests.Enqueue(new RoomListRequest { Pair = pair, PublicHalf = true });
        }

        /// <summary>Joins (or creates) a room; null or empty password: a public room.</summary>
        public void JoinRoom(string name, string password = null)
        {
            string line = ClientLines.Join(name, string.IsNullOrEmpty(password) ? null : password);
            SendLine(line);
            joinRoom = joining = name;
            joinPassword = password;
        }

        public void LeaveRoom()
        {
            joinRoom = rejoinRoom = null;
            SendLine(ClientLines.Leave());
        }

        /// <summary><c>5</c> (current room), <c>5:room</c> or <c>5:room:password</c>; the answer raises WhoReceived.</summary>
        public void Who(string room = null, string password = null) { SendLine(ClientLines.Who(room, password)); }

        /// <summary>A room message; it may contain ':' but no line breaks.</summary>
        public void Send(string message, SendTarget target = SendTarget.Others) { SendLine(ClientLines.Send(target, message)); }

        /// <summary>A message to the listed members (<c>3:4</c>, or <c>3:5</c> ordered); it cannot contain ':'.</summary>
        public void SendTo(IList<long> ids, string message, bool ordered = false) { SendLine(ClientLines.SendTo(ids, message, ordered)); }

        public void Ping(string token = null) { SendLine(ClientLines.Ping(token)); }

        /// <summary>Queues a raw protocol line. Throws when there is no connection.</summary>
        public void SendLine(string line)
        {
            var c = connection;
            if (c == null) throw new InvalidOperationException("not connected");
            c.Enqueue(line);
        }

        // ---- main-thread pump --------------------------------------------------------

        /// <summary>Dispatches received events and runs the reconnect timer. Call once per frame.</summary>
        public void Update()
        {
            DispatchEvents();
            if (State == ClientState.WaitingToReconnect && clock.ElapsedMilliseconds >= nextReconnectMs)
            {
                reconnecting = true;
                StartConnection();
                // Queued now, written as soon as the socket is up.
                if (user != null) SendLine(ClientLines.Login(user, password));
            }
        }

        /// <summary>
        /// Handles everything the socket threads received so far and raises the events, on the
        /// calling thread. Returns the number of items handled. If an event handler throws, the
        /// remaining items are still handled, then the first exception is rethrown.
        /// </summary>
        public int DispatchEvents()
        {
            int handled = 0;
            InboxItem item;
            while (handled < options.MaxEventsPerDispatch && inbox.TryDequeue(out item))
            {
                handled++;
                if (item.Connection != connection) continue; // left over from an earlier connection
                try
                {
                    Handle(item);
                }
                catch (Exception e)
                {
                    handlerErrors.Add(e);
                }
            }
            if (handlerErrors.Count > 0)
            {
                var first = handlerErrors[0];
                handlerErrors.Clear();
                throw new TandemException("an event handler threw: " + first.Message, first);
            }
            return handled;
        }

        /// <summary>Feeds a server line as if it had been received (tests and tools): it is handled at the next dispatch.</summary>
        internal void InjectServerLine(string raw)
        {
            ServerLine line = null;
            string reason = null;
            try { line = LineCodec.ParseServerLine(raw); }
            catch (ProtocolException e) { reason = e.Message; }
            inbox.Enqueue(new InboxItem
            {
                Kind = line != null ? InboxItem.Kinds.Line : InboxItem.Kinds.BadLine,
                Connection = connection, Line = line, Raw = raw, Reason = reason,
            });
        }

        void Handle(InboxItem item)
        {
            switch (item.Kind)
            {
                case InboxItem.Kinds.Connected:
                    State = ClientState.Connected;
                    Raise(Connected);
                    break;
                case InboxItem.Kinds.Closed:
                    connection = null;
                    OnConnectionEnded(item.Reason, reconnectAllowed && options.AutoReconnect);
                    break;
                case InboxItem.Kinds.BadLine:
                    Log("protocol violation: " + item.Reason + " in '" + LineCodec.Truncate(item.Raw) + "'");
                    if (ProtocolViolation != null) ProtocolViolation(item.Raw, item.Reason);
                    break;
                case InboxItem.Kinds.Line:
                    try
                    {
                        HandleLine(item.Line);
                    }
                    catch (BadDeltaException e)
                    {
                        Log("protocol violation: " + e.Message + " in '" + LineCodec.Truncate(item.Raw) + "'");
                        if (ProtocolViolation != null) ProtocolViolation(item.Raw, e.Message);
                    }
                    break;
            }
        }

        void HandleLine(ServerLine line)
        {
            switch (line.Number)
            {
                case 0:
                {
                    var m = (SessionStartedLine)line;
                    ClientId = m.ClientId;
                    State = ClientState.LoggedIn;
                    reconnectAttempt = 0;
                    // Rejoin first, so LoggedIn handlers see JoiningRoom and do not join twice.
                    if (reconnecting && rejoinRoom != null) JoinRoom(rejoinRoom, rejoinPassword);
                    reconnecting = false;
                    if (LoggedIn != null) LoggedIn(m.ClientId);
                    break;
                }
                case 1: OnRoomList(((RoomListLine)line).Rooms); break;
                case 2: OnMember((MemberLine)line); break;
                case 3:
                {
                    var m = (MessageLine)line;
                    if (MessageReceived != null) MessageReceived(m.SenderId, m.Text);
                    break;
                }
                case 4:
                {
                    var m = (MasterLine)line;
                    MasterId = m.ClientId;
                    if (MasterChanged != null) MasterChanged(m.ClientId);
                    break;
                }
                case 5: OnWho((WhoLine)line); break;
                case 7:
                    if (Pong != null) Pong(((PongLine)line).Token);
                    break;
                case 8:
                {
                    var m = (ClosingLine)line;
                    closingCode = m.Code;
                    // A newer login of the same user took over: reconnecting would kick it in turn.
                    if (m.Code == "session_replaced") reconnectAllowed = false;
                    if (Closing != null) Closing(m.Code, m.Text);
                    break;
                }
                case 9: OnError((ErrorLine)line); break;
                case 17:
                {
                    var m = (RoomReadyLine)line;
                    Objects.EndSnapshot();
                    IsRoomReady = true;
                    if (RoomReady != null) RoomReady(m.Room, m.ObjectCount);
                    break;
                }
                default:
                    Objects.Handle(line);
                    break;
            }
        }

        void OnMember(MemberLine m)
        {
            if (m.ClientId == ClientId)
            {
                if (m.IsLeave)
                {
                    LeaveRoomState();
                    return;
                }
                if (CurrentRoom != null) LeaveRoomState(); // joined elsewhere without our leave line
                if (joining == m.Room) joining = null;
                CurrentRoom = m.Room;
                IsRoomReady = false;
                MasterId = 0;
                members.Clear();
                memberOrder.Clear();
                arrivedAfterUs.Clear();
                AddMember(m.ClientId, user);
                if (joinRoom == m.Room)
                {
                    rejoinRoom = joinRoom;
                    rejoinPassword = joinPassword;
                }
                Objects.BeginSnapshot();
                if (RoomJoined != null) RoomJoined(m.Room);
                RequestMembers();
                return;
            }
            if (CurrentRoom == null) return;
            if (m.IsLeave)
            {
                string name;
                if (!members.TryGetValue(m.ClientId, out name)) return;
                bool arrived = arrivedAfterUs.Contains(m.ClientId);
                // Raised while the leaver is still a member, so handlers can look up its name.
                try
                {
                    if (PlayerLeft != null) PlayerLeft(m.ClientId);
                    if (MemberLeft != null) MemberLeft(new MemberEventArgs(m.ClientId, name, arrived));
                }
                finally
                {
                    members.Remove(m.ClientId);
                    memberOrder.Remove(m.ClientId);
                    arrivedAfterUs.Remove(m.ClientId);
                }
            }
            else
            {
                // Until 17 these are the players who were already there, longest present first:
                // they go before us, so MemberIds stays in join order.
                bool newArrival = IsRoomReady;
                if (!members.ContainsKey(m.ClientId))
                {
                    int self = memberOrder.IndexOf(ClientId);
                    if (!newArrival && self >= 0) memberOrder.Insert(self, m.ClientId);
                    else memberOrder.Add(m.ClientId);
                    members[m.ClientId] = null;
                    if (newArrival) arrivedAfterUs.Add(m.ClientId);
                }
                else
                {
                    newArrival = arrivedAfterUs.Contains(m.ClientId); // a repeated join line changes nothing
                }
                RequestMembers();
                if (PlayerJoined != null) PlayerJoined(m.ClientId);
                if (MemberJoined != null) MemberJoined(new MemberEventArgs(m.ClientId, members[m.ClientId], newArrival));
            }
        }

        void AddMember(long id, string name)
        {
            if (!members.ContainsKey(id)) memberOrder.Add(id);
            members[id] = name;
        }

        // One 5 request at a time; joins meanwhile ask for one more afterwards.
        void RequestMembers()
        {
            if (!options.RefreshMembers || connection == null) return;
            if (whoPending)
            {
                whoDirty = true;
                return;
            }
            whoPending = true;
            SendLine(ClientLines.Who(null, null));
        }

        void WhoAnswered()
        {
            if (!whoPending) return;
            whoPending = false;
            if (whoDirty && CurrentRoom != null)
            {
                whoDirty = false;
                RequestMembers();
            }
        }

        void OnWho(WhoLine m)
        {
            if (m.Room == CurrentRoom)
            {
                List<MemberEventArgs> named = null;
                foreach (var member in m.Members)
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
            if (err.CommandNumber == 5) WhoAnswered();
            if (err.CommandNumber == 1 && roomListRequests.Count > 0)
            {
                var request = roomListRequests.Dequeue();
                if (request.Pair != null) request.Pair.Failed = true;
            }
            if (err.CommandNumber == 0 && err.Code == "bad_credentials") reconnectAllowed = false;
            if (err.CommandNumber == 2)
            {
                joining = null;
                if (err.Code == "wrong_password" || err.Code == "bad_room_name") joinRoom = null;
            }
            try
            {
                if (Error != null) Error(err);
            }
            finally
            {
                // The server created nothing: drop the pending local object (Destroyed is raised).
                if (err.CommandNumber == 10 && err.Token != null) Objects.DropPending(err.Token);
            }
        }

        void OnRoomList(List<RoomInfo> rooms)
        {
            RoomListRequest request = roomListRequests.Count > 0 ? roomListRequests.Dequeue() : new RoomListRequest();
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
            string room = CurrentRoom;
            CurrentRoom = null;
            IsRoomReady = false;
            MasterId = 0;
            members.Clear();
            memberOrder.Clear();
            arrivedAfterUs.Clear();
            whoPending = whoDirty = false;
            Objects.Clear();
            if (room != null && RoomLeft != null) RoomLeft(room);
        }

        void OnConnectionEnded(string reason, bool reconnect)
        {
            string code = closingCode;
            joining = null;
            roomListRequests.Clear(); // their answers will never come
            LeaveRoomState();
            ClientId = 0;
            bool willReconnect = reconnect && host != null && user != null &&
                                 (options.MaxReconnectAttempts == 0 || reconnectAttempt < options.MaxReconnectAttempts);
            TimeSpan delay = TimeSpan.Zero;
            if (willReconnect)
            {
                double ms = options.ReconnectMinDelay.TotalMilliseconds * Math.Pow(2, Math.Min(reconnectAttempt, 20));
                ms = Math.Min(ms, options.ReconnectMaxDelay.TotalMilliseconds);
                delay = TimeSpan.FromMilliseconds(ms);
                reconnectAttempt++;
                nextReconnectMs = clock.ElapsedMilliseconds + (long)ms;
                State = ClientState.WaitingToReconnect;
            }
            else
            {
                State = ClientState.Disconnected;
                reconnecting = false;
            }
            Log("disconnected: " + reason + (willReconnect ? " (reconnect in " + delay.TotalSeconds + " s)" : ""));
            if (Disconnected != null) Disconnected(new DisconnectInfo(reason, code, willReconnect));
            if (willReconnect && Reconnecting != null) Reconnecting(reconnectAttempt, delay);
        }

        void Raise(Action a)
        {
            if (a != null) a();
        }

        void Log(string s)
        {
            var log = options.Log;
            if (log != null) log(s);
        }
    }
}
