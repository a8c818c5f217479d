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
    /// (all events fire in Update, on the main thread). One per game; survives scene loads.
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
        [SerializeField] bool dontDestroyOnLoad = true;
        [SerializeField] bool logEvents = false;

        [Header("Spawning")]
        [SerializeField] NetworkPrefabRegistry prefabs;

        [Header("Events")]
        public UnityEvent<long> onLoggedIn = new UnityEvent<long>();
        public UnityEvent<string> onRoomJoined = new UnityEvent<string>();
        public UnityEvent<string> onRoomReady = new UnityEvent<string>();
        public UnityEvent<long> onPlayerJoined = new UnityEvent<long>();
        public UnityEvent<long> onPlayerLeft = new UnityEvent<long>();
        public UnityEvent<long, string> onMessage = new UnityEvent<long, string>();
        public UnityEvent<string> onError = new UnityEvent<string>();
        public UnityEvent<string> onDisconnected = new UnityEvent<string>();

        /// <summary>The first NetworkManager that woke up.</summary>
        public static NetworkManager Instance { get; private set; }

        readonly Stopwatch clock = Stopwatch.StartNew();
        readonly List<NetworkObject> objects = new List<NetworkObject>();
        readonly DeltaWriter initialState = new DeltaWriter();
        TandemClient client;

        // C# events (mirrors of the UnityEvents, plus object events).
        public event Action<long> LoggedIn;
        public event Action<string> RoomJoined;
        public event Action<string> RoomReady;
        public event Action<string> RoomLeft;
        public event Action<long> PlayerJoined;
        public event Action<long> PlayerLeft;
        public event Action<long> MasterChanged;
        public event Action<long, string> MessageReceived;
        public event Action<TandemError> Error;
        public event Action<DisconnectInfo> Disconnected;
        /// <summary>A network object appeared: a remote one was created, or ours was confirmed.</summary>
        public event Action<NetworkObject> ObjectSpawned;
        /// <summary>A network object is about to be destroyed.</summary>
        public event Action<NetworkObject> ObjectDespawned;

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
        public string Password { set { password = value; } }
        public string Room { get { return room; } set { room = value; } }
        public string RoomPassword { set { roomPassword = value; } }

        public ClientState State { get { return client != null ? client.State : ClientState.Disconnected; } }
        public long ClientId { get { return client != null ? client.ClientId : 0; } }
        public string CurrentRoom { get { return client != null ? client.CurrentRoom : null; } }
        public bool IsMaster { get { return client != null && client.IsMaster; } }

        /// <summary>The network objects this manager created or bound.</summary>
        public IList<NetworkObject> Objects { get { return objects.AsReadOnly(); } }

        public NetworkObject GetObject(string id)
        {
            foreach (var o in objects)
                if (o != null && o.Id == id) return o;
            return null;
        }

        void Awake()
        {
            if (Instance != null && Instance != this)
            {
                Debug.LogWarning("A second NetworkManager was destroyed; use NetworkManager.Instance.", this);
                Destroy(gameObject);
                return;
            }
            Instance = this;
            if (dontDestroyOnLoad) DontDestroyOnLoad(gameObject);
            if (client == null) CreateClient();
        }

        void Start()
        {
            if (autoConnect) Connect();
        }

        void Update()
        {
            if (client == null) return;
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
            if (client != null) client.Disconnect();
        }

        void OnDestroy()
        {
            if (Instance == this)
            {
                Instance = null;
                if (client != null) client.Disconnect();
            }
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

        /// <summary>A room message (text; use base64 for binary).</summary>
        public void Send(string message, SendTarget target = SendTarget.Others)
        {
            Client.Send(message, target);
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
                if (no != null) no.HandleOwnerChanged(previous);
            };
            reg.OwnershipRequested += (core, requester) =>
            {
                var no = core.Tag as NetworkObject;
                if (no != null) no.HandleOwnershipRequested(requester);
            };
            reg.OwnershipDenied += (core, owner) =>
            {
                var no = core.Tag as NetworkObject;
                if (no != null) no.HandleOwnershipDenied(owner);
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
