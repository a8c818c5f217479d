using System;
using System.Collections.Generic;
using Tandem.Unity;
using UnityEngine;

namespace Tandem.Samples
{
    /// <summary>
    /// Sample 3, ownership: a few shared room objects ("Crate", room lifetime). Click one to
    /// take it: in takeover mode the take is conditional on the owner you saw, so when several
    /// players click at once exactly one wins and every screen agrees on who; in request mode
    /// (the crates with a white marker) the click asks the owner, who gives it or keeps it.
    /// Hold the button to drag a crate you own; the others see it move smoothly through its
    /// NetworkTransform. A crate's colour is its owner's colour.
    /// </summary>
    [DisallowMultipleComponent]
    public sealed class OwnershipDemo : MonoBehaviour
    {
        [Tooltip("Takeover-mode crates created when the room has none.")]
        [SerializeField] int takeoverCrates = 3;
        [Tooltip("Request-mode crates created when the room has none.")]
        [SerializeField] int requestCrates = 2;
        [Tooltip("Give request-mode crates away when asked (unless dragging them); off: decide for each request. Sets NetworkManager.AutoApproveOwnershipRequests.")]
        [SerializeField] bool autoApprove = true;
        [Tooltip("Crates stay within this distance of the origin on both axes.")]
        [SerializeField] float arena = 19f;

        struct Request
        {
            public NetworkObject Crate;
            public long From;
        }

        NetworkManager manager;
        Camera view;
        Rect panel;
        NetworkObject dragged;  // ours, following the mouse
        NetworkObject wanted;   // clicked, not ours yet: drag it if it becomes ours while the button is down
        Vector3 grabOffset;
        Plane dragPlane = new Plane(Vector3.up, new Vector3(0f, 0.5f, 0f));
        readonly List<Request> requests = new List<Request>();
        readonly List<string> log = new List<string>();
        readonly DeferredActions later = new DeferredActions();

        void Awake()
        {
            Application.runInBackground = true;
            manager = NetworkManager.Instance != null ? NetworkManager.Instance : GetComponent<NetworkManager>();
            SamplePrefabs.Register(manager);
        }

        void Start()
        {
            view = Camera.main;
            SamplePrefabs.CreateGround();
            manager.AutoApproveOwnershipRequests = autoApprove;
            manager.Client.RoomReady += OnRoomReady;
            // The manager's ownership events cover every network object, also ones spawned later.
            manager.OwnerChanged += OnOwnerChanged;
            manager.OwnershipRequested += OnOwnershipRequested;
            manager.OwnershipDenied += OnOwnershipDenied;
            manager.Client.Error += OnError;
        }

        void OnDestroy()
        {
            if (manager == null) return;
            manager.Client.RoomReady -= OnRoomReady;
            manager.OwnerChanged -= OnOwnerChanged;
            manager.OwnershipRequested -= OnOwnershipRequested;
            manager.OwnershipDenied -= OnOwnershipDenied;
            manager.Client.Error -= OnError;
        }

        // ---- room setup ---------------------------------------------------------------------

        void OnRoomReady(string room, int objectCount)
        {
            // The snapshot is in: create the crates only if the room has none of a kind yet (the
            // first player in does it; bots started first make three takeover crates themselves).
            int takeover = 0, request = 0;
            foreach (NetworkObject o in manager.Objects)
            {
                if (!IsCrate(o)) continue;
                if (o.Mode == OwnershipMode.Request) request++;
                else takeover++;
            }
            if (takeover == 0) SpawnRow(takeoverCrates, 0f, OwnershipMode.Takeover);
            if (request == 0) SpawnRow(requestCrates, -4f, OwnershipMode.Request);
        }

        void SpawnRow(int count, float z, OwnershipMode mode)
        {
            for (int i = 0; i < count; i++)
            {
                var at = new Vector3((i - (count - 1) / 2f) * 3f, 0.5f, z);
                manager.Instantiate(SamplePrefabs.Crate, at, Quaternion.identity, mode, ObjectLifetime.Room);
            }
        }

        // ---- ownership events -------------------------------------------------------------

        void OnOwnerChanged(NetworkObject crate, long previous, long owner)
        {
            if (!IsCrate(crate)) return;
            Log("crate " + crate.Id + ": " + SampleGui.PlayerName(manager, previous) + " -> " + SampleGui.PlayerName(manager, owner));
            requests.RemoveAll(r => r.Crate == crate); // the server drops pending requests when the owner changes
            if (crate.IsMine && wanted == crate)
            {
                wanted = null;
                if (SampleInput.PointerHeld) BeginDrag(crate);
            }
            if (!crate.IsMine && dragged == crate) dragged = null; // taken out of our hand
        }

        void OnOwnershipRequested(NetworkObject crate, long requester)
        {
            if (!IsCrate(crate)) return;
            if (!manager.AutoApproveOwnershipRequests)
            {
                // Automatic approval is off: the request waits for the Give / Keep buttons.
                requests.Add(new Request { Crate = crate, From = requester });
                Log(SampleGui.PlayerName(manager, requester) + " asks for crate " + crate.Id);
                return;
            }
            // Automatic approval gives it away right after this handler, unless we answer here.
            if (dragged == crate) Answer(crate, requester, false);
            else Log("giving crate " + crate.Id + " to " + SampleGui.PlayerName(manager, requester));
        }

        void OnOwnershipDenied(NetworkObject crate, long owner)
        {
            if (!IsCrate(crate)) return;
            Log(SampleGui.PlayerName(manager, owner) + " keeps crate " + crate.Id);
            if (wanted == crate) wanted = null;
        }

        void Answer(NetworkObject crate, long requester, bool give)
        {
            try
            {
                if (give) crate.ApproveOwnership(requester);
                else crate.DenyOwnership(requester);
                Log((give ? "gave crate " : "kept crate ") + crate.Id + (give ? " to " : " from ") + SampleGui.PlayerName(manager, requester));
            }
            catch (InvalidOperationException e)
            {
                Log(e.Message); // destroyed or gone meanwhile
            }
        }

        void AnswerRequest(Request r, bool give)
        {
            requests.Remove(r);
            if (r.Crate != null && r.Crate.IsMine) Answer(r.Crate, r.From, give);
        }

        void OnError(TandemError e)
        {
            // Errors of object commands name their object (e.ObjectId).
            NetworkObject about = manager.GetObject(e);
            switch (e.Code)
            {
                case "owner_changed":
                    Log("someone else got crate " + e.ObjectId + " first (the take was conditional on the owner you saw)");
                    if (about != null && wanted == about) wanted = null;
                    break;
                case "already_owner":
                    break;
                default:
                    Log("error " + e.Code + ": " + e.Text);
                    break;
            }
        }

        // ---- mouse --------------------------------------------------------------------------

        void Update()
        {
            // Requests for crates we no longer own (or that are gone) cannot be answered.
            requests.RemoveAll(r => r.Crate == null || !r.Crate.IsMine);
            if (view == null) view = Camera.main;
            if (view == null) return;
            if (SampleInput.PointerPressed && !SampleGui.MouseOver(panel)) Click();
            if (dragged != null)
            {
                if (!SampleInput.PointerHeld || !dragged.IsMine) dragged = null;
                else Drag();
            }
        }

        void Click()
        {
            Ray ray = view.ScreenPointToRay(SampleInput.PointerPosition);
            RaycastHit hit;
            if (!Physics.Raycast(ray, out hit, 500f)) return;
            NetworkObject crate = hit.collider.GetComponentInParent<NetworkObject>();
            if (!IsCrate(crate) || !crate.IsSpawned) return;
            if (crate.IsMine)
            {
                BeginDrag(crate);
                return;
            }
            wanted = crate;
            try
            {
                if (crate.Mode == OwnershipMode.Request)
                {
                    crate.RequestOwnership();
                    Log("asked " + SampleGui.PlayerName(manager, crate.OwnerId) + " for crate " + crate.Id);
                }
                else
                {
                    // Only if it is still theirs: racing clicks cannot snatch it back and forth.
                    crate.TakeOwnershipIf(crate.OwnerId);
                }
            }
            catch (InvalidOperationException e)
            {
                Log(e.Message);
            }
        }

        void BeginDrag(NetworkObject crate)
        {
            Vector3 point;
            dragged = crate;
            grabOffset = MousePointOnFloor(out point) ? crate.transform.position - point : Vector3.zero;
            grabOffset.y = 0f;
        }

        void Drag()
        {
            Vector3 point;
            if (!MousePointOnFloor(out point)) return;
            Vector3 target = point + grabOffset;
            target.x = Mathf.Clamp(target.x, -arena, arena);
            target.z = Mathf.Clamp(target.z, -arena, arena);
            target.y = 0.5f;
            Transform t = dragged.transform;
            t.position = Vector3.Lerp(t.position, target, Mathf.Clamp01(25f * Time.deltaTime));
        }

        bool MousePointOnFloor(out Vector3 point)
        {
            Ray ray = view.ScreenPointToRay(SampleInput.PointerPosition);
            float enter;
            if (dragPlane.Raycast(ray, out enter))
            {
                point = ray.GetPoint(enter);
                return true;
            }
            point = Vector3.zero;
            return false;
        }

        static bool IsCrate(NetworkObject o)
        {
            return o != null && o.Record != null && o.PrefabKey == SamplePrefabs.Crate;
        }

        void Log(string line)
        {
            log.Add(line);
            if (log.Count > 8) log.RemoveAt(0);
        }

        // ---- UI -----------------------------------------------------------------------------

        void OnGUI()
        {
            foreach (NetworkObject o in manager.Objects)
            {
                if (o == null || o.Record == null) continue;
                string owner = SampleGui.PlayerName(manager, o.OwnerId);
                if (IsCrate(o))
                    SampleGui.LabelAbove(view, o.transform.position + Vector3.up * 1.2f, owner + (o.Mode == OwnershipMode.Request ? " (ask)" : ""));
                else if (o.PrefabKey == SamplePrefabs.Avatar)
                    SampleGui.LabelAbove(view, o.transform.position + Vector3.up * 2.4f, owner);
            }

            panel = new Rect(10f, 48f, 380f, Mathf.Min(560f, Screen.height - 58f));
            SampleGui.BeginPanel(panel);
            GUILayout.Label("Tandem sample 3: ownership");
            GUILayout.Label(SampleGui.ConnectionText(manager));
            SampleGui.ConnectionButtons(manager, later);
            GUILayout.Label("Click a crate to take it; the marked ones (request mode) ask the owner. " +
                            "Hold the button to drag a crate you own. Colour = owner.");
            bool give = GUILayout.Toggle(autoApprove, "Give my request-mode crates when asked");
            if (give != autoApprove)
            {
                autoApprove = give;
                manager.AutoApproveOwnershipRequests = give; // off: the requests wait for Give / Keep below
            }

            foreach (Request r in requests)
            {
                if (r.Crate == null) continue;
                Request answered = r;
                GUILayout.BeginHorizontal();
                GUILayout.Label(SampleGui.PlayerName(manager, r.From) + " asks for " + r.Crate.Id);
                if (GUILayout.Button("Give", GUILayout.Width(60))) later.Add(() => AnswerRequest(answered, true));
                if (GUILayout.Button("Keep", GUILayout.Width(60))) later.Add(() => AnswerRequest(answered, false));
                GUILayout.EndHorizontal();
            }

            GUILayout.Space(4f);
            foreach (NetworkObject o in manager.Objects)
            {
                if (!IsCrate(o)) continue;
                SampleGui.ColorLabel(SamplePrefabs.ColorFor(o.OwnerId),
                    "crate " + o.Id + (o.Mode == OwnershipMode.Request ? " (request)" : " (takeover)") +
                    ": " + SampleGui.PlayerName(manager, o.OwnerId) + ", generation " + o.Generation);
            }

            GUILayout.Space(4f);
            foreach (string line in log) GUILayout.Label(line);
            GUILayout.FlexibleSpace();
            GUILayout.Label("Contention: go run ./cmd/tandem bot --addr 127.0.0.1:7777 --room ownership --count 5");
            SampleGui.EndPanel();
            later.Run();
        }
    }
}
