using System.Collections.Generic;
using Tandem.Unity;
using UnityEngine;

namespace Tandem.Samples
{
    /// <summary>
    /// Sample 2, a shared world: when the room is ready, every player instantiates an avatar
    /// (prefab key "Avatar", takeover mode, player object) and moves it with WASD or the arrow
    /// keys. Remote avatars are moved by their NetworkTransform, which interpolates between the
    /// owner's updates. A late joiner gets every avatar from the join snapshot; a player who
    /// leaves takes its avatar along (the server destroys player objects with their creator).
    /// The NetworkManager on the same GameObject connects on its own and joins "lobby", the
    /// room the README's bots use.
    /// </summary>
    [DisallowMultipleComponent]
    public sealed class SharedWorld : MonoBehaviour
    {
        [Tooltip("Metres per second.")]
        [SerializeField] float speed = 5f;
        [Tooltip("Degrees per second the avatar turns towards where it walks.")]
        [SerializeField] float turnSpeed = 720f;
        [Tooltip("Avatars stay within this distance of the origin on both axes.")]
        [SerializeField] float arena = 19f;

        NetworkManager manager;
        NetworkObject avatar;
        Camera view;
        string lastError = "";
        readonly DeferredActions later = new DeferredActions();

        void Awake()
        {
            Application.runInBackground = true; // two copies on one machine keep moving
            manager = NetworkManager.Instance != null ? NetworkManager.Instance : GetComponent<NetworkManager>();
            SamplePrefabs.Register(manager);
        }

        void Start()
        {
            view = Camera.main;
            SamplePrefabs.CreateGround();
            manager.Client.RoomReady += OnRoomReady;
            manager.Client.Error += OnError;
        }

        void OnDestroy()
        {
            if (manager == null) return;
            manager.Client.RoomReady -= OnRoomReady;
            manager.Client.Error -= OnError;
        }

        void OnRoomReady(string room, int objectCount)
        {
            // Ready: joined, and every object already in the room exists here. Also raised after
            // an automatic reconnect; the old avatar went with the old session.
            var start = new Vector3(Random.Range(-5f, 5f), 0f, Random.Range(-5f, 5f));
            avatar = manager.Instantiate(SamplePrefabs.Avatar, start, Quaternion.identity, OwnershipMode.Takeover, ObjectLifetime.Player);
        }

        void OnError(TandemError e)
        {
            lastError = e.Code + ": " + e.Text;
        }

        void Update()
        {
            // Only the owner moves it; everybody else's copy follows the NetworkTransform.
            if (avatar == null || !avatar.IsMine) return;
            Vector2 move = SampleInput.Move();
            var input = new Vector3(move.x, 0f, move.y);
            input = Vector3.ClampMagnitude(input, 1f);
            if (input.sqrMagnitude < 0.0001f) return;
            Transform t = avatar.transform;
            Vector3 p = t.position + input * (speed * Time.deltaTime);
            p.x = Mathf.Clamp(p.x, -arena, arena);
            p.z = Mathf.Clamp(p.z, -arena, arena);
            Quaternion facing = Quaternion.RotateTowards(t.rotation, Quaternion.LookRotation(input), turnSpeed * Time.deltaTime);
            t.SetPositionAndRotation(p, facing);
        }

        void OnGUI()
        {
            // Names above the avatars, in every copy of the game.
            foreach (NetworkObject o in manager.Objects)
            {
                if (o == null || o.Record == null) continue;
                if (o.PrefabKey == SamplePrefabs.Avatar)
                    SampleGui.LabelAbove(view, o.transform.position + Vector3.up * 2.4f, SampleGui.PlayerName(manager, o.OwnerId));
            }

            SampleGui.BeginPanel(new Rect(10f, 48f, 330f, Mathf.Min(430f, Screen.height - 58f)));
            GUILayout.Label("Tandem sample 2: shared world");
            GUILayout.Label(SampleGui.ConnectionText(manager));
            SampleGui.ConnectionButtons(manager, later);
            if (avatar != null && avatar.IsMine) GUILayout.Label("Move your avatar with WASD or the arrow keys.");
            else if (avatar != null) GUILayout.Label("Someone took your avatar (takeover mode).");
            if (manager.CurrentRoom != null)
            {
                // MemberIds is in join order: the longest present first.
                IList<long> members = manager.MemberIds;
                GUILayout.Label(members.Count + " player(s), " + manager.Objects.Count + " object(s); master: " +
                                SampleGui.PlayerName(manager, manager.MasterId));
                int shown = 0;
                foreach (long id in members)
                {
                    if (++shown > 12)
                    {
                        GUILayout.Label("... and " + (members.Count - 12) + " more");
                        break;
                    }
                    SampleGui.ColorLabel(SamplePrefabs.ColorFor(id), SampleGui.PlayerName(manager, id));
                }
            }
            if (lastError.Length > 0) GUILayout.Label("Last error: " + lastError);
            GUILayout.FlexibleSpace();
            GUILayout.Label("More players: run a second copy, or bots:\ngo run ./cmd/tandem bot --addr 127.0.0.1:7777 --room lobby --count 10");
            SampleGui.EndPanel();
            later.Run();
        }
    }
}
