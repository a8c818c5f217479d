using System;
using System.Collections.Generic;
using System.Diagnostics;
using Tandem.Protocol;
using UnityEngine;
using UnityEngine.Events;
using Debug = UnityEngine.Debug;

namespace Tandem.Unity
{
    /// <summary>
    /// Connects to a Tandem server, logs in, joins a room and keeps the room's network
    /// objects in sync with GameObjects. Drives the <see cref="TandemClient"/> every frame
    /// (all events fire in Update, on the main thread). One per game: with
    /// <c>dontDestroyOnLoad</c> (the default) it survives scene loads, and a NetworkManager in a
    /// scene loaded later is a duplicate: only that component is destroyed (its GameObject and
    /// the other scripts on it stay). Reach the manager through <see cref="Instance"/>.
    /// </summary>
    [DisallowMultipleComponent]
    [DefaultExecutionOrder(-1000)]
    [AddComponentMenu("Tandem/Network Manager")]
    public sealed class NetworkManager : MonoBehaviour
    {
        [Header("Server")]
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
        readonly List<NetworkObject> objects = new List<NetworkObject>();
        readonly DeltaWriter initialState = new DeltaWriter();
        TandemClient client;
        bool duplicate;        // a second manager that removes itself in Awake
        bool keptAcrossLoads;  // DontDestroyOnLoad was applied

        // C# events (mirrors of the UnityEvents, plus object events).
        public event Action<long> LoggedIn;
        public event Action<string> RoomJoined;
        public event Action<string> RoomReady;
        public event Action<string> RoomLeft;
        /// <summary>A player joined; also raised while we join for each player already there (see <see cref="MemberJoined"/>).</summary>
        public event Action<long> PlayerJoined;
        /// <summary>A player left; raised before it is removed, so <see cref="GetMemberName"/> still works.</summary>
        public event Action<long> PlayerLeft;
        /// <summary>A player joined, with its name (if known yet) and whether it is a new arrival or was already there when we joined.</summary>
        public event Action<MemberEventArgs> MemberJoined;
        /// <summary>A player left, with its last known name.</summary>
        public event Action<MemberEventArgs> MemberLeft;
        /// <summary>A member's name became known (names follow the join lines with the <c>5</c> reply).</summary>
        public event Action<MemberEventArgs> MemberNamed;
        /// <summary>Member names were refreshed.</summary>
        public event Action MembersChanged;
        public event Action<long> MasterChanged;
        /// <summary>A room list, with the password of the request it answers (<see cref="ListRooms"/>).</summary>
        public event Action<RoomListReply> RoomListReplied;
        /// <summary>The answer to <see cref="ListPublicAndPrivateRooms"/>.</summary>
        public event Action<RoomLists> RoomListsReceived;
        public event Action<long, string> MessageReceived;
        public event Action<TandemError> Error;
        public event Action<DisconnectInfo> Disconnected;
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

        /// <summary>The core client (commands, state, raw events).</summary>
        public TandemClient Client
        {
            get
            {
                if (client == null) CreateClient();
                return client;
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

        public string Address { get { return address; } set { address = value; } }
        public int Port { get { return port; } set { port = value; } }
        public string User { get { return user; } set { user = value; } }
        public string Password { get { return password; } set { password = value; } }
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
            set { autoApproveOwnershipRequests = value; }
        }

        public ClientState State { get { return client != null ? client.State : ClientState.Disconnected; } }
        public long ClientId { get { return client != null ? client.ClientId : 0; } }
        public string CurrentRoom { get { return client != null ? client.CurrentRoom : null; } }
        /// <summary>A room whose join was sent but not yet confirmed or refused, or null.</summary>
        public string JoiningRoom { get { return client != null ? client.JoiningRoom : null; } }
        /// <summary>True once the join snapshot is complete (RoomReady was raised).</summary>
        public bool IsRoomReady { get { return client != null && client.IsRoomReady; } }
        public bool IsMaster { get { return client != null && client.IsMaster; } }
        /// <summary>The room's master client (0 if none).</summary>
        public long MasterId { get { return client != null ? client.MasterId : 0; } }

        /// <summary>Member ids in join order (the longest present first; see <see cref="TandemClient.MemberIds"/>).</summary>
        public IList<long> MemberIds { get { return Client.MemberIds; } }

        /// <summary>A member's user name, or null while not known.</summary>
        public string GetMemberName(long clientId) { return client != null ? client.GetMemberName(clientId) : null; }

        /// <summary>The network objects this manager created or bound.</summary>
        public IList<NetworkObject> Objects { get { return objects.AsReadOnly(); } }

        public NetworkObject GetObject(string id)
        {
            if (id == null) return null;
            foreach (var o in objects)
                if (o != null && o.Id == id) return o;
            return null;
        }

        /// <summary>
        /// The network object an error is about: by <see cref="TandemError.ObjectId"/>, or for a
        /// refused instantiate by its <see cref="TandemError.Token"/> (inside the Error handler,
        /// before the pending object is dropped). Null when none.
        /// </summary>
        public NetworkObject GetObject(TandemError error)
        {
            if (error == null) return null;
            if (error.ObjectId != null) return GetObject(error.ObjectId);
            if (error.Token == null) return null;
            foreach (var o in objects)
                if (o != null && o.Core != null && o.Core.IsPending && o.Core.Token == error.Token) return o;
            return null;
        }

        // Enter Play Mode without a domain reload keeps statics: start each play session afresh.
        [RuntimeInitializeOnLoadMethod(RuntimeInitializeLoadType.SubsystemRegistration)]
        static void ResetStatics()
        {
            Instance = null;
        }

        void Awake()
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

        void Start()
        {
            if (duplicate) return;
            if (autoConnect) Connect();
        }

        void Update()
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
            double now = NetworkTime;
            for (int i = objects.Count - 1; i >= 0; i--)
            {
                var o = objects[i];
                if (o == null)
                {
                    objects.RemoveAt(i);
                    continue;
                }
                o.NetworkTick(now);
            }
        }

        void OnApplicationQuit()
        {
            if (client != null && !duplicate) client.Disconnect();
        }

        void OnDestroy()
        {
            if (Instance == this) Instance = null;
            // Also a manager that another one replaced as Instance: its connection ends with it.
            if (client != null) client.Disconnect();
        }

        // ---- connection ---------------------------------------------------------------

        /// <summary>Connects with the inspector settings, logs in, and joins the room once logged in.</summary>
        public void Connect()
        {
            Connect(address, port);
        }

        public void Connect(string host, int serverPort)
        {
            address = host;
            port = serverPort;
            Client.Options.AutoReconnect = autoReconnect;
            if (client.State != ClientState.Disconnected) client.Disconnect();
            // A second login of the same user ends the first session, so every copy needs its own name.
            if (string.IsNullOrEmpty(user)) user = "player-" + new System.Random().Next(100000, 1000000);
            client.Connect(host, serverPort, useTls);
            client.Login(user, password);
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

        /// <summary>Lists rooms (with a password also the private ones it opens): <see cref="RoomListReplied"/> tells which request an answer is for.</summary>
        public void ListRooms(string listPassword = null)
        {
            Client.ListRooms(listPassword);
        }

        /// <summary>Lists public and private rooms apart (two requests): <see cref="RoomListsReceived"/>.</summary>
        public void ListPublicAndPrivateRooms(string listPassword)
        {
            Client.ListPublicAndPrivateRooms(listPassword);
        }

        /// <summary>A room message (text; use base64 for binary).</summary>
        public void Send(string message, SendTarget target = SendTarget.Others)
        {
            Client.Send(message, target);
        }

        /// <summary>A message to the listed members only (<c>3:4</c>, or <c>3:5</c> ordered); it cannot contain ':'.</summary>
        public void SendTo(IList<long> clientIds, string message, bool ordered = false)
        {
            Client.SendTo(clientIds, message, ordered);
        }

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
            NetObject core;
            try
            {
                no.Prepare(this);
                initialState.Clear();
                no.WriteFullState(initialState);
                core = client.Objects.Instantiate(prefabKey, mode, lifetime, initialState);
            }
            catch (Exception)
            {
                Destroy(go); // nothing was sent: do not leave a local-only copy behind
                throw;
            }
            no.Attach(core, this);
            objects.Add(no);
            return no;
        }

        internal void ForgetObject(NetworkObject no)
        {
            objects.Remove(no);
            NetObject core = no.Core;
            no.Detach();
            // Destroying our own live object's GameObject destroys it on the network too.
            if (core != null && !core.IsDestroyed && !core.IsPending && core.IsMine && client != null && client.IsInRoom)
            {
                try { client.Objects.Destroy(core); }
                catch (InvalidOperationException) { }
            }
        }

        // ---- wiring -------------------------------------------------------------------

        void CreateClient()
        {
            var options = new TandemClientOptions { AutoReconnect = autoReconnect };
            if (logEvents) options.Log = s => Debug.Log("[Tandem] " + s);
            client = new TandemClient(options);

            client.LoggedIn += id =>
            {
                Log("logged in as " + id);
                if (!string.IsNullOrEmpty(room) && client.CurrentRoom == null && client.JoiningRoom == null)
                    client.JoinRoom(room, roomPassword);
                if (LoggedIn != null) LoggedIn(id);
                onLoggedIn.Invoke(id);
            };
            client.RoomJoined += r =>
            {
                Log("joined " + r);
                if (RoomJoined != null) RoomJoined(r);
                onRoomJoined.Invoke(r);
            };
            client.RoomReady += (r, n) =>
            {
                Log("room " + r + " ready with " + n + " object(s)");
                if (RoomReady != null) RoomReady(r);
                onRoomReady.Invoke(r);
            };
            client.RoomLeft += r =>
            {
                if (RoomLeft != null) RoomLeft(r);
            };
            client.PlayerJoined += id =>
            {
                if (PlayerJoined != null) PlayerJoined(id);
                onPlayerJoined.Invoke(id);
            };
            client.PlayerLeft += id =>
            {
                if (PlayerLeft != null) PlayerLeft(id);
                onPlayerLeft.Invoke(id);
            };
            client.MemberJoined += e =>
            {
                if (MemberJoined != null) MemberJoined(e);
            };
            client.MemberLeft += e =>
            {
                if (MemberLeft != null) MemberLeft(e);
            };
            client.MemberNamed += e =>
            {
                if (MemberNamed != null) MemberNamed(e);
            };
            client.MembersChanged += () =>
            {
                if (MembersChanged != null) MembersChanged();
            };
            client.RoomListReplied += r =>
            {
                if (RoomListReplied != null) RoomListReplied(r);
            };
            client.RoomListsReceived += r =>
            {
                if (RoomListsReceived != null) RoomListsReceived(r);
            };
            client.MasterChanged += id =>
            {
                if (MasterChanged != null) MasterChanged(id);
            };
            client.MessageReceived += (sender, msg) =>
            {
                if (MessageReceived != null) MessageReceived(sender, msg);
                onMessage.Invoke(sender, msg);
            };
            client.Error += e =>
            {
                Debug.LogWarning("[Tandem] " + e, this);
                if (Error != null) Error(e);
                onError.Invoke(e.Code);
            };
            client.Closing += (code, text) => Debug.LogWarning("[Tandem] server closing the connection: " + code + ": " + text, this);
            client.Disconnected += d =>
            {
                Log("disconnected: " + d);
                if (Disconnected != null) Disconnected(d);
                onDisconnected.Invoke(d.Reason);
            };
            client.ProtocolViolation += (line, reason) => Debug.LogWarning("[Tandem] ignored a bad server line: " + reason, this);

            NetObjectRegistry reg = client.Objects;
            reg.Spawned += OnSpawned;
            reg.Updated += (core, delta) =>
            {
                var no = core.Tag as NetworkObject;
                if (no != null && !core.IsMine) no.ApplyDelta(delta);
            };
            reg.OwnerChanged += (core, previous) =>
            {
                var no = core.Tag as NetworkObject;
                if (no == null) return;
                try
                {
                    no.HandleOwnerChanged(previous);
                }
                finally
                {
                    if (OwnerChanged != null) OwnerChanged(no, previous, core.Owner);
                }
            };
            reg.OwnershipRequested += (core, requester) =>
            {
                var no = core.Tag as NetworkObject;
                if (no != null) no.HandleOwnershipRequested(requester, OwnershipRequested, autoApproveOwnershipRequests);
            };
            reg.OwnershipDenied += (core, owner) =>
            {
                var no = core.Tag as NetworkObject;
                if (no == null) return;
                try
                {
                    no.HandleOwnershipDenied(owner);
                }
                finally
                {
                    if (OwnershipDenied != null) OwnershipDenied(no, owner);
                }
            };
            reg.MessageReceived += (core, sender, msg) =>
            {
                var no = core.Tag as NetworkObject;
                if (no != null) no.HandleMessage(sender, msg);
            };
            reg.Destroyed += core =>
            {
                var no = core.Tag as NetworkObject;
                if (no == null) return;
                if (ObjectDespawned != null) ObjectDespawned(no);
                objects.Remove(no);
                no.Detach(); // before Destroy, so OnDestroy does not send a 15 of its own
                Destroy(no.gameObject);
            };
        }

        void OnSpawned(NetObject core)
        {
            var no = core.Tag as NetworkObject;
            if (no == null)
            {
                // Another client's object, or one from the join snapshot.
                GameObject go = Prefabs.Create(core.Prefab, Vector3.zero, Quaternion.identity);
                if (go == null)
                {
                    Debug.LogError("[Tandem] no prefab registered for key '" + core.Prefab + "' (object " + core.Id + ")", this);
                    return;
                }
                no = go.GetComponent<NetworkObject>();
                if (no == null)
                {
                    Debug.LogError("[Tandem] prefab '" + core.Prefab + "' has no NetworkObject component", go);
                    Destroy(go);
                    return;
                }
                no.Attach(core, this);
                objects.Add(no);
                if (!core.IsMine) no.ApplyState(core.State);
            }
            no.NotifySpawned();
            if (ObjectSpawned != null) ObjectSpawned(no);
        }

        void Log(string s)
        {
            if (logEvents) Debug.Log("[Tandem] " + s, this);
        }
    }
}
