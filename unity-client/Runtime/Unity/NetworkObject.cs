using System;
using System.Collections.Generic;
using Tandem.Sync;
using UnityEngine;

namespace Tandem.Unity
{
    /// <summary>
    /// Makes a GameObject a network object: it has a network id, an owner and a generation,
    /// and carries the state of the <see cref="NetworkBehaviour"/>s on it and its children.
    /// Spawn it with <see cref="NetworkManager.Instantiate"/>; remote copies are created by
    /// the manager from the same prefab key.
    /// </summary>
    [DisallowMultipleComponent]
    [AddComponentMenu("Tandem/Network Object")]
    public sealed class NetworkObject : MonoBehaviour
    {
        [Tooltip("State updates per second sent while this client owns the object.")]
        [Range(1f, 60f)]
        [SerializeField] float sendRate = 20f;

        [Tooltip("Send state updates in the room's ordered stream (slower; use for rare, important changes).")]
        [SerializeField] bool orderedUpdates = false;

        [Tooltip("Request mode: approve ownership requests for this object automatically, after the OwnershipRequested handlers ran, unless one of them answered. Also needs the manager's Auto Approve Ownership Requests.")]
        [SerializeField] bool approveRequests = true;

        readonly List<NetworkBehaviour> behaviours = new List<NetworkBehaviour>();
        ObjectSync sync;

        /// <summary>Owner changed: previous owner, new owner.</summary>
        public event Action<long, long> OwnerChanged;

        /// <summary>
        /// Request mode, to the owner: a client asks for the object (argument: the requester).
        /// Answer with <see cref="ApproveOwnership"/> or <see cref="DenyOwnership"/>, now or later.
        /// Attaching a handler does not change <see cref="AutoApproveOwnershipRequests"/>: when
        /// automatic approval is on and no handler answered, the request is approved right after
        /// the handlers ran. To decide later, switch automatic approval off.
        /// </summary>
        public event Action<long> OwnershipRequested;

        /// <summary>Our ownership request was denied by the owner (argument: the owner).</summary>
        public event Action<long> OwnershipDenied;

        /// <summary>An object message (RPC): sender id, message.</summary>
        public event Action<long, string> MessageReceived;

        /// <summary>Core's record of this object (id, owner, generation, merged state); null before spawning.</summary>
        public ObjectRecord Record { get { return sync != null ? sync.Record : null; } }

        /// <summary>Core's logic of this object (field ranges, send rate, applying state), created with its behaviours.</summary>
        public ObjectSync Sync
        {
            get
            {
                CollectBehaviours();
                return sync;
            }
        }

        public NetworkManager Manager { get; private set; }

        /// <summary>The network id (for example "17.4"), or null until the server confirmed the spawn.</summary>
        public string Id { get { return Record != null ? Record.Id : null; } }

        public long OwnerId { get { return Record != null ? Record.Owner : 0; } }

        public long Generation { get { return Record != null ? Record.Generation : 0; } }

        public string PrefabKey { get { return Record != null ? Record.Prefab : null; } }

        /// <summary>Who may take it (chosen at instantiate; <see cref="OwnershipMode.Takeover"/> before spawning).</summary>
        public OwnershipMode Mode { get { return Record != null ? Record.Mode : OwnershipMode.Takeover; } }

        /// <summary>What happens when its creator leaves (chosen at instantiate; <see cref="ObjectLifetime.Player"/> before spawning).</summary>
        public ObjectLifetime Lifetime { get { return Record != null ? Record.Lifetime : ObjectLifetime.Player; } }

        /// <summary>True if this client created it (also while our own instantiate is pending).</summary>
        public bool IsLocalSpawn { get { return Record != null && Record.IsLocalSpawn; } }

        /// <summary>
        /// Request mode: approve ownership requests automatically (default on). Requests are
        /// approved when this and <see cref="NetworkManager.AutoApproveOwnershipRequests"/> are
        /// both on and no <see cref="OwnershipRequested"/> handler (of this object or the manager)
        /// answered. When either is off, the handlers answer, now or later; with no handler
        /// attached anywhere the request is denied, so the requester is not left waiting.
        /// </summary>
        public bool AutoApproveOwnershipRequests
        {
            get { return approveRequests; }
            set { approveRequests = value; }
        }

        /// <summary>True if this client owns it (also while our own instantiate is pending).</summary>
        public bool IsMine { get { return Record != null && Record.IsMine; } }

        /// <summary>True once the server confirmed it (it has an id).</summary>
        public bool IsSpawned { get { return Record != null && !Record.IsPending && !Record.IsDestroyed; } }

        public float SendRate
        {
            get { return sendRate; }
            set
            {
                sendRate = Mathf.Clamp(value, 0.1f, 120f);
                if (sync != null) sync.SendRate = sendRate;
            }
        }

        public bool OrderedUpdates
        {
            get { return orderedUpdates; }
            set
            {
                orderedUpdates = value;
                if (sync != null) sync.OrderedUpdates = value;
            }
        }

        /// <summary>The replicated behaviours in field order.</summary>
        public IList<NetworkBehaviour> Behaviours
        {
            get
            {
                CollectBehaviours();
                return behaviours.AsReadOnly();
            }
        }

        /// <summary>Which behaviour owns a wire field (for inspectors), or null.</summary>
        public NetworkBehaviour BehaviourForField(int field)
        {
            CollectBehaviours();
            foreach (var b in behaviours)
                if (field >= b.FieldOffset && field < b.FieldOffset + b.FieldCount) return b;
            return null;
        }

        // Field ranges follow component order on this object and its children, which is the
        // same on every client that spawns the same prefab.
        void CollectBehaviours()
        {
            if (sync != null) return;
            behaviours.Clear();
            GetComponentsInChildren(true, behaviours);
            foreach (var b in behaviours) b.NetworkObject = this;
            try
            {
                sync = new ObjectSync(behaviours.ConvertAll(b => (IReplicated)b));
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException(name + ": " + e.Message);
            }
            sync.View = this;
            sync.SendRate = sendRate;
            sync.OrderedUpdates = orderedUpdates;
            sync.ReadProblem = (part, why) => Debug.LogWarning(part.GetType().Name + " on " + name + " " + why, this);
        }

        // ---- ownership and commands --------------------------------------------------

        /// <summary>
        /// Sends a take; the object's <see cref="Mode"/> decides: takeover takes it at once,
        /// request asks the owner, fixed is refused (<c>ownership_fixed</c>). The same line as
        /// <see cref="RequestOwnership"/>. The result arrives as <see cref="OwnerChanged"/>,
        /// <see cref="OwnershipDenied"/> or an error.
        /// </summary>
        public void TakeOwnership() { Registry().TakeOwnership(Record); }

        /// <summary>
        /// Asks the owner for the object (request mode); the owner approves or denies. This sends
        /// the same take as <see cref="TakeOwnership"/>, so on a takeover-mode object it simply
        /// takes it, and on a fixed one it is refused (<c>ownership_fixed</c>).
        /// </summary>
        public void RequestOwnership() { Registry().TakeOwnership(Record); }

        /// <summary>Takes it only if <paramref name="expectedOwner"/> still owns it (no ping-pong under contention).</summary>
        public void TakeOwnershipIf(long expectedOwner) { Registry().TakeOwnershipIf(Record, expectedOwner); }

        public void GiveOwnership(long clientId) { Registry().GiveOwnership(Record, clientId); }

        /// <summary>Owner, request mode: gives the object to a client that asked for it.</summary>
        public void ApproveOwnership(long requesterId)
        {
            Registry();
            sync.Approve(requesterId);
        }

        /// <summary>Owner, request mode: keeps the object; the requester gets <see cref="OwnershipDenied"/>.</summary>
        public void DenyOwnership(long requesterId)
        {
            Registry();
            sync.Deny(requesterId);
        }

        /// <summary>Asks the server to destroy it (owner or master); every client then destroys its copy.</summary>
        public void Destroy() { Registry().Destroy(Record); }

        /// <summary>Sends an object message (RPC); the message may contain ':' but no line breaks.</summary>
        public void SendObjectMessage(string message, ObjectMessageTarget target = ObjectMessageTarget.All)
        {
            Registry().SendObjectMessage(Record, target, message);
        }

        ObjectRegistry Registry()
        {
            if (Record == null || Manager == null) throw new InvalidOperationException(name + " is not spawned on the network");
            return Record.Registry;
        }

        // ---- driven by NetworkManager ------------------------------------------------

        internal void SetManager(NetworkManager manager)
        {
            CollectBehaviours();
            Manager = manager;
        }

        internal void RaiseOwnerChanged(long previous)
        {
            if (OwnerChanged != null) OwnerChanged(previous, OwnerId);
        }

        /// <summary>This object's own OwnershipRequested handlers, or null.</summary>
        internal Action<long> RequestHandlers { get { return OwnershipRequested; } }

        internal void RaiseOwnershipDenied(long owner)
        {
            if (OwnershipDenied != null) OwnershipDenied(owner);
        }

        internal void RaiseMessage(long sender, string message)
        {
            if (MessageReceived != null) MessageReceived(sender, message);
        }

        void OnDestroy()
        {
            if (Manager != null && sync != null) Manager.ForgetObject(this);
        }
    }
}
