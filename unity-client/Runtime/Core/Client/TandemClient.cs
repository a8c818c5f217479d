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

        public TandemError(string command, int commandNumber, string code, string text)
        {
            Command = command; CommandNumber = commandNumber; Code = code; Text = text;
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

        /// <summary>Member ids in join order (the first is the longest present).</summary>
        public IList<long> MemberIds { get { return memberOrder.AsReadOnly(); } }

        /// <summary>A member's user name, or null when not (yet) known.</summary>
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
        public event Action<List<RoomInfo>> RoomListReceived;
        /// <summary>Our own <c>2:&lt;id&gt;:&lt;room&gt;</c>: we are in the room; the snapshot follows.</summary>
        public event Action<string> RoomJoined;
        /// <summary>We left the room (own leave confirmation, or the connection ended).</summary>
        public event Action<string> RoomLeft;
        /// <summary><c>17</c>: the join snapshot is complete (room, object count).</summary>
        public event Action<string, int> RoomReady;
        public event Action<long> PlayerJoined;
        public event Action<long> PlayerLeft;
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

        public void ListRooms(string password = null) { SendLine(ClientLines.ListRooms(password)); }

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
                case 1:
                    if (RoomListReceived != null) RoomListReceived(((RoomListLine)line).Rooms);
                    break;
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
                if (!members.ContainsKey(m.ClientId)) return;
                members.Remove(m.ClientId);
                memberOrder.Remove(m.ClientId);
                if (PlayerLeft != null) PlayerLeft(m.ClientId);
            }
            else
            {
                AddMember(m.ClientId, null);
                if (PlayerJoined != null) PlayerJoined(m.ClientId);
                RequestMembers();
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
                bool changed = false;
                foreach (var member in m.Members)
                {
                    // Only members we know from 2 lines: a 5 reply may be older than a leave we saw.
                    string old;
                    if (members.TryGetValue(member.ClientId, out old) && old != member.Name)
                    {
                        members[member.ClientId] = member.Name;
                        changed = true;
                    }
                }
                WhoAnswered();
                if (changed && MembersChanged != null) MembersChanged();
            }
            if (WhoReceived != null) WhoReceived(m.Room, m.Members);
        }

        void OnError(ErrorLine m)
        {
            var err = new TandemError(m.Command, m.CommandNumber, m.Code, m.Text);
            if (err.CommandNumber == 5) WhoAnswered();
            if (err.CommandNumber == 0 && err.Code == "bad_credentials") reconnectAllowed = false;
            if (err.CommandNumber == 2)
            {
                joining = null;
                if (err.Code == "wrong_password" || err.Code == "bad_room_name") joinRoom = null;
            }
            if (Error != null) Error(err);
        }

        void LeaveRoomState()
        {
            string room = CurrentRoom;
            CurrentRoom = null;
            IsRoomReady = false;
            MasterId = 0;
            members.Clear();
            memberOrder.Clear();
            whoPending = whoDirty = false;
            Objects.Clear();
            if (room != null && RoomLeft != null) RoomLeft(room);
        }

        void OnConnectionEnded(string reason, bool reconnect)
        {
            string code = closingCode;
            joining = null;
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
