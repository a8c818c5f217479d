using System;
using System.Collections.Generic;
using System.Diagnostics;
using Tandem.Protocol;
using UnityEngine;
using UnityEngine.Events;
using Tandem.Sync;
using Tandem.Transport;
using Object = UnityEngine.Object;
using Debug = UnityEngine.Debug;

namespace Tandem.Unity
{
    /// <summary>
    /// Connects to a Tandem server, logs in, joins a room and keeps the room's network
    /// objects in sync with GameObjects. Drives the <see cref="TandemClient"/> every frame
    /// (all events fire in Update, on the main thread): subscribe to <see cref="Client"/>'s
    /// events, or subclass and override the <c>On...</c> hooks (as with Mirror's
    /// NetworkManager). What it decides about objects is Core's <see cref="RoomSync"/>; this
    /// component creates and destroys the GameObjects. One per game: with
    /// <c>dontDestroyOnLoad</c> (the default) it survives scene loads, and a NetworkManager in a
    /// scene loaded later is a duplicate: only that component is destroyed (its GameObject and
    /// the other scripts on it stay). Reach the manager through <see cref="Instance"/>.
    /// </summary>
    [DisallowMultipleComponent]
    [DefaultExecutionOrder(-1000)]
    [AddComponentMenu("Tandem/Network Manager")]
    public class NetworkManager : MonoBehaviour
    {
        [Header("Server")]
        [Tooltip("Host name or address (with Port and Use Tls), or a full URL: tcp://host:7777, tls://host:7777, ws://host:7780/ws, wss://host/ws. A WebGL build needs ws:// or wss:// (the server's --ws-listen).")]
        [SerializeField] string address = "127.0.0.1";
        [SerializeField] int port = 7777;
        [SerializeField] bool useTls = false;

        [Header("Account (a --dev server creates it on first login)")]
        [Tooltip("Empty: a random name per run (player-123456), so two copies of the game can log in side by side.")]
        [SerializeField] string user = "";
        [SerializeField] string password = "secret";

        [Header("Room (empty: do not join automatically)")]
        [SerializeField] string room = "lobby";
        [SerializeField] string roomPassword = "";

        [Header("Behaviour")]
        [Tooltip("Connect, log in and join the room in Start.")]
        [SerializeField] bool autoConnect = true;
        [Tooltip("After a dropped connection: connect again, log in again, rejoin the room.")]
        [SerializeField] bool autoReconnect = true;
        [Tooltip("Keep this manager (and its GameObject) across scene loads. A NetworkManager in a scene loaded later then removes itself (only that component).")]
        [SerializeField] bool dontDestroyOnLoad = true;
        [SerializeField] bool logEvents = false;

        [Header("Ownership")]
        [Tooltip("Request mode: approve ownership requests for our objects automatically unless an OwnershipRequested handler answered (each NetworkObject can opt out too). Off: your handlers answer.")]
        [SerializeField] bool autoApproveOwnershipRequests = true;

        [Header("Spawning")]
        [SerializeField] NetworkPrefabRegistry prefabs;

        [Header("Events")]
        public UnityEvent<long> onLoggedIn = new UnityEvent<long>();
        public UnityEvent<string> onRoomJoined = new UnityEvent<string>();
        public UnityEvent<string> onRoomReady = new UnityEvent<string>();
        [Tooltip("Also raised while joining for each player already in the room; check NetworkManager.IsRoomReady, or use the C# event MemberJoined.")]
        public UnityEvent<long> onPlayerJoined = new UnityEvent<long>();
        public UnityEvent<long> onPlayerLeft = new UnityEvent<long>();
        public UnityEvent<long, string> onMessage = new UnityEvent<long, string>();
        public UnityEvent<string> onError = new UnityEvent<string>();
        public UnityEvent<string> onDisconnected = new UnityEvent<string>();

        /// <summary>
        /// The active manager: the first one that woke up and is still alive (a later one in a
        /// newly loaded scene removes itself while this one is kept across loads). Use this rather
        /// than GetComponent: the duplicate's component still exists until the end of its frame.
        /// </summary>
        public static NetworkManager Instance { get; private set; }

        readonly Stopwatch clock = Stopwatch.StartNew();
        TandemClient client;
        RoomSync roomSync;
        bool duplicate;        // a second manager that removes itself in Awake
        bool keptAcrossLoads;  // DontDestroyOnLoad was applied

        /// <summary>A network object appeared: a remote one was created, or ours was confirmed.</summary>
        public event Action<NetworkObject> ObjectSpawned;
        /// <summary>A network object is about to be destroyed.</summary>
        public event Action<NetworkObject> ObjectDespawned;
        /// <summary>The owner of a network object changed: object, previous owner, new owner (after the object's own OwnerChanged).</summary>
        public event Action<NetworkObject, long, long> OwnerChanged;
        /// <summary>
        /// Request mode, to the owner: a client asks for one of our objects (object, requester).
        /// Raised after the object's own OwnershipRequested. Answer with ApproveOwnership or
        /// DenyOwnership on the object; if no handler answers and
        /// <see cref="AutoApproveOwnershipRequests"/> is on, the request is approved right after.
        /// </summary>
        public event Action<NetworkObject, long> OwnershipRequested;
        /// <summary>Our ownership request was denied (object, owner).</summary>
        public event Action<NetworkObject, long> OwnershipDenied;

        /// <summary>The core client: commands, state, and every connection, room and member event.</summary>
        public TandemClient Client
        {
            get
            {
                if (client == null) CreateClient();
                return client;
            }
        }

        /// <summary>Core's object logic for the room (spawn, despawn, snapshots, ticks).</summary>
        public RoomSync Sync
        {
            get
            {
                if (client == null) CreateClient();
                return roomSync;
            }
        }

        public NetworkPrefabRegistry Prefabs
        {
            get
            {
                if (prefabs == null) prefabs = ScriptableObject.CreateInstance<NetworkPrefabRegistry>();
                return prefabs;
            }
            set { prefabs = value; }
        }

        /// <summary>Seconds on a steady clock (used for send rates and interpolation timestamps).</summary>
        public double NetworkTime { get { return clock.Elapsed.TotalSeconds; } }

        /// <summary>Host, or a URL (tcp://, tls://, ws://, wss://) that then decides port and transport.</summary>
        public string Address { get { return address; } set { address = value; } }
        public int Port { get { return port; } set { port = value; } }
        public bool UseTls { get { return useTls; } set { useTls = value; } }
        public string User { get { return user; } set { user = value; } }
        public string Password { get { return password; } set { password = value; } }

        // Never serialized: a session token is a credential and must not end up in a scene or prefab.
        [NonSerialized] string sessionToken;

        /// <summary>
        /// A session token to log in with instead of the password (<c>18</c>): set it before
        /// <see cref="Connect()"/> from wherever your game keeps it. After every login it holds the
        /// newest token the server gave (<c>Client.SessionToken</c>), so save it from
        /// <see cref="OnLoggedIn"/> if your players should stay logged in; a refused token and
        /// <see cref="Logout"/> clear it. Never serialized, never written anywhere by the package.
        /// Null or empty: Connect logs in with <see cref="User"/> and <see cref="Password"/>, which
        /// are also the fallback when the token is refused.
        /// </summary>
        public string SessionToken
        {
            get { return sessionToken; }
            set { sessionToken = string.IsNullOrEmpty(value) ? null : value; }
        }
        public string Room { get { return room; } set { room = value; } }
        /// <summary>The room's password (empty: a public room).</summary>
        public string RoomPassword { get { return roomPassword; } set { roomPassword = value ?? ""; } }

        /// <summary>
        /// Request mode: approve requests for our objects automatically when no
        /// OwnershipRequested handler answered them (default on). Each NetworkObject has its own
        /// <see cref="NetworkObject.AutoApproveOwnershipRequests"/> too; both must be on. Off: the
        /// handlers decide (with no handler anywhere a request is denied).
        /// </summary>
        public bool AutoApproveOwnershipRequests
        {
            get { return autoApproveOwnershipRequests; }
            set
            {
                autoApproveOwnershipRequests = value;
                if (roomSync != null) roomSync.AutoApproveOwnershipRequests = value;
            }
        }

        public ClientState State { get { return client != null ? client.State : ClientState.Disconnected; } }
        public long ClientId { get { return client != null ? client.ClientId : 0; } }
        public string CurrentRoom { get { return client != null ? client.CurrentRoom : null; } }
        /// <summary>True once the join snapshot is complete.</summary>
        public bool IsRoomReady { get { return client != null && client.IsRoomReady; } }

        /// <summary>True from a drop in a room until the session is resumed or the resume failed (see <see cref="OnConnectionLost"/>).</summary>
        public bool IsResuming { get { return client != null && client.IsResuming; } }
        public bool IsMaster { get { return client != null && client.IsMaster; } }

        /// <summary>A room whose join was sent but not yet confirmed or refused, or null.</summary>
        public string JoiningRoom { get { return client != null ? client.JoiningRoom : null; } }
        /// <summary>The room's master client (0 if none).</summary>
        public long MasterId { get { return client != null ? client.MasterId : 0; } }
        /// <summary>Member ids in join order (the longest present first; see <see cref="TandemClient.MemberIds"/>).</summary>
        public IList<long> MemberIds { get { return Client.MemberIds; } }
        /// <summary>A member's user name, or null while not known.</summary>
        public string GetMemberName(long clientId) { return client != null ? client.GetMemberName(clientId) : null; }

        /// <summary>The network objects this manager created or bound.</summary>
        public IList<NetworkObject> Objects
        {
            get
            {
                var list = new List<NetworkObject>();
                if (roomSync != null)
                    foreach (var s in roomSync.Objects)
                    {
                        var no = s.View as NetworkObject;
                        if (no != null) list.Add(no);
                    }
                return list;
            }
        }

        public NetworkObject GetObject(string id) { return roomSync != null ? View(roomSync.Find(id)) : null; }

        /// <summary>
        /// The network object an error is about: by <see cref="TandemError.ObjectId"/>, or for a
        /// refused instantiate by its <see cref="TandemError.Token"/> (inside the Error handler,
        /// before the pending object is dropped). Null when none.
        /// </summary>
        public NetworkObject GetObject(TandemError error) { return roomSync != null ? View(roomSync.Find(error)) : null; }

        static NetworkObject View(ObjectSync sync) { return sync != null ? sync.View as NetworkObject : null; }

        // Enter Play Mode without a domain reload keeps statics: start each play session afresh.
        [RuntimeInitializeOnLoadMethod(RuntimeInitializeLoadType.SubsystemRegistration)]
        static void ResetStatics()
        {
            Instance = null;
        }

        protected virtual void Awake()
        {
            if (Instance != null && Instance != this)
            {
                bool sameScene = Instance.gameObject.scene == gameObject.scene;
                if (Instance.keptAcrossLoads || sameScene)
                {
                    // The usual singleton case: the kept manager stays and this copy goes. Only this
                    // component: its GameObject may carry the scene's own scripts, which stay.
                    duplicate = true;
                    enabled = false;
                    if (sameScene) Debug.LogWarning("A second NetworkManager in one scene removes itself; use NetworkManager.Instance.", this);
                    else Log("a NetworkManager is kept from an earlier scene; removing the one on " + name);
                    Destroy(this);
                    return;
                }
                // The previous manager belongs to another scene and is not kept across loads: that
                // scene is on its way out (or loaded additively), and this one takes over.
                Debug.LogWarning("NetworkManager.Instance is now the one on " + name + "; the one on " + Instance.name +
                                 " (another scene) is still active until its scene unloads. Destroy it first to disconnect it.", this);
            }
            Instance = this;
            if (dontDestroyOnLoad)
            {
                if (transform.parent != null)
                {
                    Debug.LogWarning("dontDestroyOnLoad keeps only root GameObjects: move the NetworkManager to a root GameObject.", this);
                }
                else
                {
                    DontDestroyOnLoad(gameObject);
                    keptAcrossLoads = true;
                }
            }
            if (client == null) CreateClient();
        }

        protected virtual void Start()
        {
            if (duplicate) return;
            if (autoConnect) Connect();
        }

        protected virtual void Update()
        {
            if (client == null || duplicate) return;
            try
            {
                client.Update();
            }
            catch (TandemException e)
            {
                Debug.LogException(e.InnerException ?? e, this);
            }
            roomSync.Tick(NetworkTime);
        }

        protected virtual void OnApplicationQuit()
        {
            if (client != null && !duplicate) client.Disconnect();
        }

        protected virtual void OnDestroy()
        {
            if (Instance == this) Instance = null;
            // Also a manager that another one replaced as Instance: its connection ends with it.
            if (client != null) client.Disconnect();
        }

        // ---- connection ---------------------------------------------------------------

        /// <summary>Connects with the inspector settings, logs in, and joins the room once logged in.</summary>
        public void Connect()
        {
            if (address != null && address.Contains("://")) Connect(address);
            else Connect(address, port);
        }

        /// <summary>Connects over TCP (TLS with the Use Tls setting).</summary>
        public void Connect(string host, int serverPort)
        {
            address = host;
            port = serverPort;
            Connect(ServerAddress.Tcp(host, serverPort, useTls));
        }

        /// <summary>Connects to a URL: tcp://host:7777, tls://host:7777, ws://host:7780/ws or wss://host/ws.</summary>
        public void Connect(string url)
        {
            address = url;
            Connect(ServerAddress.Parse(url));
        }

        void Connect(ServerAddress server)
        {
            Client.Options.AutoReconnect = autoReconnect;
            if (client.State != ClientState.Disconnected) client.Disconnect();
            client.Connect(server);
            if (sessionToken != null)
            {
                // The token names the account; User and Password, if set, are the fallback.
                string name = string.IsNullOrEmpty(user) ? null : user;
                client.LoginWithToken(sessionToken, name, name != null && !string.IsNullOrEmpty(password) ? password : null);
                return;
            }
            // A second login of the same user ends the first session, so every copy needs its own name.
            if (string.IsNullOrEmpty(user)) user = "player-" + new System.Random().Next(100000, 1000000);
            client.Login(user, password);
        }

        /// <summary>
        /// Logs out (<c>21</c>): the server ends the account's session tokens and closes the
        /// connection (<c>8:logged_out</c>); no reconnect follows. <see cref="SessionToken"/> is
        /// cleared; delete any copy your game saved. False if there was no connection to send it on.
        /// </summary>
        public bool Logout()
        {
            sessionToken = null;
            return Client.Logout();
        }

        public void Disconnect()
        {
            if (client != null) client.Disconnect();
        }

        public void JoinRoom(string roomName, string roomPass = null)
        {
            room = roomName;
            roomPassword = roomPass ?? "";
            Client.JoinRoom(roomName, roomPass);
        }

        public void LeaveRoom()
        {
            room = "";
            Client.LeaveRoom();
        }

        /// <summary>Lists rooms (with a password also the private ones it opens); answers arrive as <c>Client.RoomListReplied</c>.</summary>
        public void ListRooms(string listPassword = null) { Client.ListRooms(listPassword); }

        /// <summary>Lists public and private rooms apart (two requests); the answer arrives as <c>Client.RoomListsReceived</c>.</summary>
        public void ListPublicAndPrivateRooms(string listPassword) { Client.ListPublicAndPrivateRooms(listPassword); }

        /// <summary>A room message (text; use base64 for binary).</summary>
        public void Send(string message, SendTarget target = SendTarget.Others) { Client.Send(message, target); }

        /// <summary>A message to the listed members only (<c>3:4</c>, or <c>3:5</c> ordered); it cannot contain ':'.</summary>
        public void SendTo(IList<long> clientIds, string message, bool ordered = false) { Client.SendTo(clientIds, message, ordered); }

        // ---- spawning -----------------------------------------------------------------

        /// <summary>
        /// Spawns a prefab for everyone: creates it here at once (owned by us, state sent with
        /// the instantiate), and every other client creates it from the same key.
        /// </summary>
        public NetworkObject Instantiate(string prefabKey, Vector3 position, Quaternion rotation,
                                         OwnershipMode mode = OwnershipMode.Takeover, ObjectLifetime lifetime = ObjectLifetime.Player)
        {
            if (client == null || !client.IsInRoom) throw new InvalidOperationException("join a room before instantiating");
            GameObject go = Prefabs.Create(prefabKey, position, rotation);
            if (go == null) throw new ArgumentException("no prefab registered for key '" + prefabKey + "'", "prefabKey");
            var no = go.GetComponent<NetworkObject>();
            if (no == null)
            {
                Destroy(go);
                throw new ArgumentException("prefab '" + prefabKey + "' has no NetworkObject component", "prefabKey");
            }
            try
            {
                no.SetManager(this);
                roomSync.Instantiate(prefabKey, mode, lifetime, no.Sync);
            }
            catch (Exception)
            {
                Destroy(go); // nothing was sent: do not leave a local-only copy behind
                throw;
            }
            return no;
        }

        internal void ForgetObject(NetworkObject no)
        {
            if (roomSync != null) roomSync.Forget(no.Sync);
        }

        // ---- hooks (override in a subclass; call the base method where it does something) ----

        /// <summary>The transport is up (not logged in yet).</summary>
        protected virtual void OnClientConnected() { }

        /// <summary>Logged in. The base method joins the inspector's room unless a join is already under way.</summary>
        protected virtual void OnLoggedIn(long clientId)
        {
            if (!string.IsNullOrEmpty(room) && client.CurrentRoom == null && client.JoiningRoom == null)
                client.JoinRoom(room, roomPassword);
            onLoggedIn.Invoke(clientId);
        }

        /// <summary>We are in a room; its snapshot follows.</summary>
        protected virtual void OnRoomJoined(string roomName) { onRoomJoined.Invoke(roomName); }

        /// <summary>The join snapshot is complete.</summary>
        protected virtual void OnRoomReady(string roomName, int objectCount) { onRoomReady.Invoke(roomName); }

        /// <summary>We left the room (or the connection ended).</summary>
        protected virtual void OnRoomLeft(string roomName) { }

        /// <summary>A player joined (<see cref="MemberEventArgs.IsNewArrival"/> is false for players already there when we joined).</summary>
        protected virtual void OnPlayerJoined(MemberEventArgs player) { onPlayerJoined.Invoke(player.ClientId); }

        /// <summary>A player left (its name is still known).</summary>
        protected virtual void OnPlayerLeft(MemberEventArgs player) { onPlayerLeft.Invoke(player.ClientId); }

        /// <summary>A room message.</summary>
        protected virtual void OnMessage(long senderId, string message) { onMessage.Invoke(senderId, message); }

        /// <summary>A request failed. The base method logs a warning.</summary>
        protected virtual void OnClientError(TandemError error)
        {
            Debug.LogWarning("[Tandem] " + error, this);
            onError.Invoke(error.Code);
        }

        /// <summary>The connection ended (<see cref="DisconnectInfo.WillReconnect"/> says whether it comes back).</summary>
        protected virtual void OnClientDisconnected(DisconnectInfo info) { onDisconnected.Invoke(info.Reason); }

        /// <summary>
        /// The connection dropped in a room and the client resumes: the room, players and
        /// network objects stay in the scene as they are until <see cref="OnResumed"/> or
        /// <see cref="OnResumeFailed"/>. Our objects send nothing meanwhile.
        /// </summary>
        protected virtual void OnConnectionLost(DisconnectInfo info) { }

        /// <summary>An automatic reconnect is scheduled (attempt number, delay).</summary>
        protected virtual void OnReconnecting(int attempt, TimeSpan delay) { }

        /// <summary>
        /// Resumed with the same client id: the room's snapshot was applied onto the scene's
        /// network objects (owner, generation and state updated, the ones destroyed meanwhile
        /// despawned, new ones spawned; none re-created).
        /// </summary>
        protected virtual void OnResumed(long clientId) { }

        /// <summary>
        /// The resume failed (grace over, token refused): the room was left here (its objects
        /// despawned) and the client logs in again and rejoins the room as a new player.
        /// </summary>
        protected virtual void OnResumeFailed(string reason) { }

        /// <summary>Another player's connection dropped (<paramref name="active"/> false; it keeps its place and objects for the room's grace) or it resumed (true).</summary>
        protected virtual void OnPlayerActivity(long clientId, bool active) { }

        /// <summary>True while the player's connection is down and the server keeps its place.</summary>
        public bool IsPlayerInactive(long clientId) { return client != null && client.IsMemberInactive(clientId); }

        /// <summary>A network object appeared here (remote, from the snapshot, or ours confirmed).</summary>
        protected virtual void OnObjectSpawned(NetworkObject networkObject) { }

        /// <summary>A network object is about to be destroyed here.</summary>
        protected virtual void OnObjectDespawned(NetworkObject networkObject) { }

        // ---- wiring -------------------------------------------------------------------

        void CreateClient()
        {
            var options = new TandemClientOptions { AutoReconnect = autoReconnect };
            if (logEvents) options.Log = s => Debug.Log("[Tandem] " + s);
#if UNITY_WEBGL && !UNITY_EDITOR
            // No sockets and no threads in the browser: its WebSocket, polled from Update.
            options.TransportFactory = BrowserWebSocket.CreateTransport;
#endif
            client = new TandemClient(options);
            client.Connected += OnClientConnected;
            client.LoggedIn += id =>
            {
                Log("logged in as " + id);
                sessionToken = client.SessionToken; // the newest, before the hook may save it
                OnLoggedIn(id);
            };
            client.RoomJoined += r =>
            {
                Log("joined " + r);
                OnRoomJoined(r);
            };
            client.RoomReady += (r, n) =>
            {
                Log("room " + r + " ready with " + n + " object(s)");
                OnRoomReady(r, n);
            };
            client.RoomLeft += OnRoomLeft;
            client.MemberJoined += OnPlayerJoined;
            client.MemberLeft += OnPlayerLeft;
            client.MessageReceived += OnMessage;
            client.Error += e =>
            {
                if (e.CommandNumber == MessageNumber.TokenLogin && e.Code == ErrorCode.BadToken) sessionToken = null;
                OnClientError(e);
            };
            client.Closing += (code, text) =>
            {
                if (code == CloseCode.LoggedOut) sessionToken = null;
                Debug.LogWarning("[Tandem] server closing the connection: " + code + ": " + text, this);
            };
            client.Disconnected += d =>
            {
                Log("disconnected: " + d);
                OnClientDisconnected(d);
            };
            client.ConnectionLost += d =>
            {
                Log("connection lost: " + d + "; resuming");
                OnConnectionLost(d);
            };
            client.Reconnecting += OnReconnecting;
            client.Resumed += id =>
            {
                Log("resumed as " + id);
                if (client.SessionToken != null) sessionToken = client.SessionToken;
                OnResumed(id);
            };
            client.ResumeFailed += why =>
            {
                Log("resume failed: " + why);
                OnResumeFailed(why);
            };
            client.MemberActivity += OnPlayerActivity;
            client.ProtocolViolation += (line, reason) => Debug.LogWarning("[Tandem] ignored a bad server line: " + reason, this);

            roomSync = new RoomSync(client, new PrefabFactory(this)) { AutoApproveOwnershipRequests = autoApproveOwnershipRequests };
            roomSync.ObjectApprovesRequests = s => { var no = View(s); return no == null || no.AutoApproveOwnershipRequests; };
            roomSync.ObjectRequestHandlers = s => { var no = View(s); return no != null ? no.RequestHandlers : null; };
            roomSync.Problem += p => Debug.LogError("[Tandem] " + p, this);
            roomSync.Spawned += s =>
            {
                var no = View(s);
                if (no == null) return;
                OnObjectSpawned(no);
                if (ObjectSpawned != null) ObjectSpawned(no);
            };
            roomSync.Despawned += s =>
            {
                var no = View(s);
                if (no == null) return;
                OnObjectDespawned(no);
                if (ObjectDespawned != null) ObjectDespawned(no);
            };
            roomSync.OwnerChanged += (s, previous, owner) =>
            {
                var no = View(s);
                if (no == null) return;
                try { no.RaiseOwnerChanged(previous); }
                finally { if (OwnerChanged != null) OwnerChanged(no, previous, owner); }
            };
            roomSync.OwnershipRequested += (s, requester) =>
            {
                var no = View(s);
                if (no != null && OwnershipRequested != null) OwnershipRequested(no, requester);
            };
            roomSync.OwnershipDenied += (s, owner) =>
            {
                var no = View(s);
                if (no == null) return;
                try { no.RaiseOwnershipDenied(owner); }
                finally { if (OwnershipDenied != null) OwnershipDenied(no, owner); }
            };
            roomSync.MessageReceived += (s, sender, text) =>
            {
                var no = View(s);
                if (no != null) no.RaiseMessage(sender, text);
            };
        }

        // Creates remote objects from the prefab registry and destroys them.
        sealed class PrefabFactory : IObjectViewFactory
        {
            readonly NetworkManager manager;

            public PrefabFactory(NetworkManager manager) { this.manager = manager; }

            public ObjectSync Create(string prefab, ObjectRecord record, out string problem)
            {
                problem = null;
                GameObject go = manager.Prefabs.Create(prefab, Vector3.zero, Quaternion.identity);
                if (go == null)
                {
                    problem = "no prefab registered for key '" + prefab + "' (object " + record.Id + ")";
                    return null;
                }
                var no = go.GetComponent<NetworkObject>();
                if (no == null)
                {
                    problem = "prefab '" + prefab + "' has no NetworkObject component";
                    Object.Destroy(go);
                    return null;
                }
                no.SetManager(manager);
                return no.Sync;
            }

            public void Destroy(ObjectSync sync)
            {
                var no = View(sync);
                if (no != null) Object.Destroy(no.gameObject);
            }
        }

        void Log(string s)
        {
            if (logEvents) Debug.Log("[Tandem] " + s, this);
        }
    }
}
