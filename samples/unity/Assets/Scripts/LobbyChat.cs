using System;
using System.Collections.Generic;
using System.Globalization;
using Tandem.Protocol;
using Tandem.Unity;
using UnityEngine;

namespace Tandem.Samples
{
    /// <summary>
    /// Sample 1, lobby and chat: connect and log in, list the rooms (public ones, plus the
    /// private ones a password opens), create or join a room with or without a password, and
    /// chat to everyone, to the others or to one chosen player. Shows who is the master client.
    /// The NetworkManager on the same GameObject has Auto Connect off and no room: this script
    /// drives it. The whole UI is IMGUI, built in <see cref="OnGUI"/>.
    /// </summary>
    [DisallowMultipleComponent]
    public sealed class LobbyChat : MonoBehaviour
    {
        [Tooltip("Chat and event lines kept on screen.")]
        [SerializeField] int maxLogLines = 200;

        NetworkManager manager;

        // Login form (a --dev server creates the account on first login).
        string address = "127.0.0.1";
        string portText = "7777";
        string user = "";
        string password = "secret";

        // Rooms.
        string roomName = "lobby";
        string roomPassword = "";
        string listPassword = "";
        List<RoomInfo> publicRooms = new List<RoomInfo>();
        List<RoomInfo> privateRooms = new List<RoomInfo>(); // opened by privateRoomsPassword
        string privateRoomsPassword = "";

        // Chat.
        string chatText = "";
        long recipient; // 0: nobody chosen
        readonly List<string> log = new List<string>();
        string status = "";
        Vector2 logScroll, listScroll, memberScroll;
        bool scrollToEnd;
        bool refreshRooms; // after leaving a room
        readonly DeferredActions later = new DeferredActions();

        void Awake()
        {
            Application.runInBackground = true; // two copies on one machine keep talking
            // Instance, not GetComponent: with dontDestroyOnLoad a manager kept from an earlier
            // scene is the one that counts (this scene's own copy then removes itself).
            manager = NetworkManager.Instance != null ? NetworkManager.Instance : GetComponent<NetworkManager>();
            address = manager.Address;
            portText = manager.Port.ToString(CultureInfo.InvariantCulture);
            user = string.IsNullOrEmpty(manager.User) ? "player-" + UnityEngine.Random.Range(1000, 10000) : manager.User;
            password = manager.Password;
            if (!string.IsNullOrEmpty(manager.Room))
            {
                roomName = manager.Room;
                roomPassword = manager.RoomPassword;
            }
            SamplePrefabs.Register(manager); // objects that bots spawn in the lobby show up behind the UI
        }

        void Start()
        {
            SamplePrefabs.CreateGround();
            manager.Client.LoggedIn += OnLoggedIn;
            manager.Client.RoomJoined += OnRoomJoined;
            manager.Client.RoomLeft += OnRoomLeft;
            manager.Client.MemberJoined += OnMemberJoined;
            manager.Client.MemberNamed += OnMemberNamed;
            manager.Client.MemberLeft += OnMemberLeft;
            manager.Client.MasterChanged += OnMasterChanged;
            manager.Client.MessageReceived += OnMessage;
            manager.Client.Error += OnError;
            manager.Client.Disconnected += OnDisconnected;
            manager.Client.RoomListsReceived += OnRoomLists;
        }

        void OnDestroy()
        {
            if (manager == null) return;
            manager.Client.LoggedIn -= OnLoggedIn;
            manager.Client.RoomJoined -= OnRoomJoined;
            manager.Client.RoomLeft -= OnRoomLeft;
            manager.Client.MemberJoined -= OnMemberJoined;
            manager.Client.MemberNamed -= OnMemberNamed;
            manager.Client.MemberLeft -= OnMemberLeft;
            manager.Client.MasterChanged -= OnMasterChanged;
            manager.Client.MessageReceived -= OnMessage;
            manager.Client.Error -= OnError;
            manager.Client.Disconnected -= OnDisconnected;
            manager.Client.RoomListsReceived -= OnRoomLists;
        }

        // ---- commands -------------------------------------------------------------------

        void Connect()
        {
            string server = address.Trim();
            bool url = server.Contains("://"); // ws://host:7780/ws and the like carry their own port
            int port = 0;
            if (!url && !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port < 1 || port > 65535)
            {
                status = "The port must be a number from 1 to 65535.";
                return;
            }
            status = "";
            manager.User = user.Trim();
            manager.Password = password;
            manager.Room = ""; // this scene joins rooms itself
            // A name or password the protocol cannot carry throws after the socket was opened.
            if (!Try(() => { if (url) manager.Connect(server); else manager.Connect(server, port); })) manager.Disconnect();
        }

        void RefreshRooms()
        {
            // Public rooms, and with a password also the private rooms it opens, apart (so the
            // list can tell which rooms need the password): RoomListsReceived.
            Try(() => manager.ListPublicAndPrivateRooms(listPassword));
        }

        void Join(string room, string pass)
        {
            status = "";
            Try(() => manager.JoinRoom(room.Trim(), pass));
        }

        void Say(SendTarget target)
        {
            string text = chatText.Trim();
            if (text.Length == 0) return;
            Try(() =>
            {
                manager.Send(text, target);
                // "All" comes back to us like everyone else's messages; "Others" does not.
                if (target == SendTarget.Others) AddLog("you (to the others): " + text);
                chatText = "";
            });
        }

        void Whisper()
        {
            string text = chatText.Trim();
            if (text.Length == 0 || recipient == 0) return;
            if (text.IndexOf(':') >= 0)
            {
                // 3:4 puts the recipients and the text in ':'-separated fields.
                status = "A message to one player cannot contain ':'.";
                return;
            }
            long to = recipient;
            Try(() =>
            {
                manager.SendTo(new[] { to }, text);
                if (to != manager.ClientId) AddLog("you -> " + Name(to) + ": " + text);
                chatText = "";
            });
        }

        bool Try(Action action)
        {
            try
            {
                action();
                return true;
            }
            catch (ArgumentException e)
            {
                status = e.Message; // a name or text the protocol does not allow
            }
            catch (InvalidOperationException e)
            {
                status = e.Message; // not connected
            }
            return false;
        }

        // ---- events -----------------------------------------------------------------------

        void OnLoggedIn(long id)
        {
            AddLog("logged in as " + manager.User + " (client id " + id + ")");
            status = "";
            refreshRooms = false;
            RefreshRooms();
        }

        void OnRoomJoined(string room)
        {
            recipient = 0;
            AddLog("you joined '" + room + "'");
        }

        void OnRoomLeft(string room)
        {
            AddLog("you left '" + room + "'");
            recipient = 0;
            refreshRooms = true; // in Update: this also runs when the connection just ended
        }

        void Update()
        {
            if (refreshRooms && manager.State == ClientState.LoggedIn && manager.CurrentRoom == null)
            {
                refreshRooms = false;
                RefreshRooms();
            }
        }

        void OnMemberJoined(MemberEventArgs e)
        {
            // Players already in the room when we joined are announced too (not new arrivals).
            // A join line carries only the id: the name usually follows with MemberNamed.
            if (e.IsNewArrival && e.Name != null) AddLog(Name(e.ClientId) + " joined");
        }

        void OnMemberNamed(MemberEventArgs e)
        {
            if (e.IsNewArrival) AddLog(Name(e.ClientId) + " joined");
        }

        void OnMemberLeft(MemberEventArgs e)
        {
            // The leaver's name comes with the event (it is no longer a member afterwards).
            AddLog((e.Name != null ? e.Name + " #" + e.ClientId : "#" + e.ClientId) + " left");
            if (recipient == e.ClientId) recipient = 0;
        }

        void OnMasterChanged(long id)
        {
            AddLog(id == manager.ClientId ? "you are the master client" : "master client: " + Name(id));
        }

        void OnMessage(long sender, string text)
        {
            AddLog((sender == manager.ClientId ? "you" : Name(sender)) + ": " + text);
        }

        void OnError(TandemError e)
        {
            switch (e.Code)
            {
                case "wrong_password": status = "That room exists with another password."; break;
                case "bad_credentials": status = "Wrong password for this user (or unknown user on a server without --dev)."; break;
                case "unknown_recipient": status = "That player is no longer in the room."; break;
                default: status = e.Code + ": " + e.Text; break;
            }
        }

        void OnDisconnected(DisconnectInfo info)
        {
            AddLog("disconnected: " + info);
            publicRooms.Clear();
            privateRooms.Clear();
        }

        void OnRoomLists(RoomLists lists)
        {
            publicRooms = lists.Public;
            privateRooms = lists.Private;
            privateRoomsPassword = lists.Password ?? "";
        }

        string Name(long id)
        {
            return SampleGui.PlayerName(manager, id);
        }

        void AddLog(string line)
        {
            log.Add(DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + "  " + line);
            while (log.Count > Math.Max(10, maxLogLines)) log.RemoveAt(0);
            scrollToEnd = true;
        }

        // ---- UI ---------------------------------------------------------------------------

        void OnGUI()
        {
            var rect = new Rect(10f, 48f, Mathf.Min(900f, Screen.width - 20f), Screen.height - 58f);
            SampleGui.BeginPanel(rect);
            GUILayout.Label("Tandem sample 1: lobby and chat");
            switch (manager.State)
            {
                case ClientState.Disconnected:
                    DrawLogin();
                    break;
                case ClientState.LoggedIn:
                    if (manager.CurrentRoom == null) DrawRooms();
                    else DrawRoom();
                    break;
                default:
                    GUILayout.Label(SampleGui.ConnectionText(manager));
                    if (GUILayout.Button("Cancel", GUILayout.Width(100))) later.Add(manager.Disconnect);
                    break;
            }
            if (status.Length > 0) GUILayout.Label(status);
            if (manager.State != ClientState.Disconnected) DrawLog();
            SampleGui.EndPanel();
            later.Run();
        }

        void DrawLogin()
        {
            address = Field("Server", address);
            portText = Field("Port", portText);
            user = Field("User", user);
            GUILayout.BeginHorizontal();
            GUILayout.Label("Password", GUILayout.Width(110));
            password = GUILayout.PasswordField(password, '*', GUILayout.Width(240));
            GUILayout.EndHorizontal();
            GUILayout.Label("A server started with --dev creates the account the first time a name logs in.");
            if (GUILayout.Button("Connect and log in", GUILayout.Width(200))) later.Add(Connect);
        }

        void DrawRooms()
        {
            GUILayout.BeginHorizontal();
            GUILayout.Label(SampleGui.ConnectionText(manager));
            GUILayout.FlexibleSpace();
            if (GUILayout.Button("Disconnect", GUILayout.Width(100))) later.Add(manager.Disconnect);
            GUILayout.EndHorizontal();

            GUILayout.Space(6f);
            GUILayout.BeginHorizontal();
            GUILayout.Label("Rooms", GUILayout.Width(110));
            GUILayout.Label("password for private rooms", GUILayout.Width(170));
            listPassword = GUILayout.PasswordField(listPassword, '*', GUILayout.Width(120));
            if (GUILayout.Button("Refresh", GUILayout.Width(80))) later.Add(RefreshRooms);
            GUILayout.EndHorizontal();

            listScroll = GUILayout.BeginScrollView(listScroll, GUILayout.Height(150));
            if (publicRooms.Count == 0 && privateRooms.Count == 0) GUILayout.Label("(no rooms yet: create one below)");
            foreach (RoomInfo r in publicRooms) RoomRow(r, "");
            foreach (RoomInfo r in privateRooms) RoomRow(r, privateRoomsPassword);
            GUILayout.EndScrollView();

            GUILayout.Space(6f);
            roomName = Field("Room", roomName);
            GUILayout.BeginHorizontal();
            GUILayout.Label("Password", GUILayout.Width(110));
            roomPassword = GUILayout.PasswordField(roomPassword, '*', GUILayout.Width(240));
            GUILayout.Label("(empty: a public room)");
            GUILayout.EndHorizontal();
            if (manager.JoiningRoom != null) GUILayout.Label("Joining '" + manager.JoiningRoom + "'...");
            else if (GUILayout.Button("Create or join", GUILayout.Width(200))) later.Add(() => Join(roomName, roomPassword));
        }

        void RoomRow(RoomInfo room, string pass)
        {
            GUILayout.BeginHorizontal();
            string players = room.MemberCount == 1 ? "1 player" : room.MemberCount + " players";
            GUILayout.Label(room.Name + "  (" + players + (pass.Length > 0 ? ", private" : "") + ")");
            GUILayout.FlexibleSpace();
            if (GUILayout.Button("Join", GUILayout.Width(80))) later.Add(() => Join(room.Name, pass));
            GUILayout.EndHorizontal();
        }

        void DrawRoom()
        {
            GUILayout.BeginHorizontal();
            GUILayout.Label(SampleGui.ConnectionText(manager));
            GUILayout.FlexibleSpace();
            if (GUILayout.Button("Leave room", GUILayout.Width(100))) later.Add(() => Try(manager.LeaveRoom));
            if (GUILayout.Button("Disconnect", GUILayout.Width(100))) later.Add(manager.Disconnect);
            GUILayout.EndHorizontal();
            GUILayout.Label("Master client: " + (manager.MasterId == 0 ? "..." : Name(manager.MasterId)));

            // MemberIds is in join order: the longest present first.
            GUILayout.Label(manager.MemberIds.Count + " player(s) here; tick one to talk to them alone (* = master):");
            memberScroll = GUILayout.BeginScrollView(memberScroll, GUILayout.Height(100));
            foreach (long id in manager.MemberIds)
            {
                string label = Name(id) + (id == manager.MasterId ? " *" : "");
                bool chosen = GUILayout.Toggle(recipient == id, label);
                if (chosen && recipient != id) recipient = id;
                else if (!chosen && recipient == id) recipient = 0;
            }
            GUILayout.EndScrollView();

            // Enter in the chat field sends to everyone (looked at before the field can use the key).
            Event e = Event.current;
            bool enter = e.type == EventType.KeyDown && (e.keyCode == KeyCode.Return || e.keyCode == KeyCode.KeypadEnter) &&
                         GUI.GetNameOfFocusedControl() == "chat";

            GUILayout.BeginHorizontal();
            GUI.SetNextControlName("chat");
            chatText = GUILayout.TextField(chatText, 400, GUILayout.MinWidth(250));
            if (GUILayout.Button("To all", GUILayout.Width(80))) later.Add(() => Say(SendTarget.All));
            if (GUILayout.Button("To others", GUILayout.Width(80))) later.Add(() => Say(SendTarget.Others));
            GUI.enabled = recipient != 0;
            if (GUILayout.Button(recipient != 0 ? "To " + Name(recipient) : "To ...", GUILayout.Width(160))) later.Add(Whisper);
            GUI.enabled = true;
            GUILayout.EndHorizontal();

            if (enter)
            {
                later.Add(() => Say(SendTarget.All));
                e.Use();
            }
        }

        void DrawLog()
        {
            GUILayout.Space(6f);
            if (scrollToEnd && Event.current.type == EventType.Layout)
            {
                logScroll.y = float.MaxValue;
                scrollToEnd = false;
            }
            logScroll = GUILayout.BeginScrollView(logScroll);
            foreach (string line in log) GUILayout.Label(line);
            GUILayout.EndScrollView();
        }

        static string Field(string label, string value)
        {
            GUILayout.BeginHorizontal();
            GUILayout.Label(label, GUILayout.Width(110));
            value = GUILayout.TextField(value ?? "", GUILayout.Width(240));
            GUILayout.EndHorizontal();
            return value;
        }
    }
}
