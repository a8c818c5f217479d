using System;
using System.Collections.Generic;
using Tandem.MessagePack;
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
        readonly DeltaWriter deltaWriter = new DeltaWriter();
        readonly MsgPackReader reader = new MsgPackReader();
        readonly MsgPackWriter scratch = new MsgPackWriter(256);
        double nextSendTime;
        bool collected;
        bool spawnedNotified;
        long answering;       // the requester whose OwnershipRequested handlers are running
        bool answered;        // ...and a handler approved or denied it

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

        /// <summary>The core object (id, owner, generation, merged state); null before spawning.</summary>
        public NetObject Core { get; private set; }

        public NetworkManager Manager { get; private set; }

        /// <summary>The network id (for example "17.4"), or null until the server confirmed the spawn.</summary>
        public string Id { get { return Core != null ? Core.Id : null; } }

        public long OwnerId { get { return Core != null ? Core.Owner : 0; } }

        public long Generation { get { return Core != null ? Core.Generation : 0; } }

        public string PrefabKey { get { return Core != null ? Core.Prefab : null; } }

        /// <summary>Who may take it (chosen at instantiate; <see cref="OwnershipMode.Takeover"/> before spawning).</summary>
        public OwnershipMode Mode { get { return Core != null ? Core.Mode : OwnershipMode.Takeover; } }

        /// <summary>What happens when its creator leaves (chosen at instantiate; <see cref="ObjectLifetime.Player"/> before spawning).</summary>
        public ObjectLifetime Lifetime { get { return Core != null ? Core.Lifetime : ObjectLifetime.Player; } }

        /// <summary>True if this client created it (also while our own instantiate is pending).</summary>
        public bool IsLocalSpawn { get { return Core != null && Core.IsLocalSpawn; } }

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
        public bool IsMine { get { return Core != null && Core.IsMine; } }

        /// <summary>True once the server confirmed it (it has an id).</summary>
        public bool IsSpawned { get { return Core != null && !Core.IsPending && !Core.IsDestroyed; } }

        public float SendRate
        {
            get { return sendRate; }
            set { sendRate = Mathf.Clamp(value, 0.1f, 120f); }
        }

        public bool OrderedUpdates
        {
            get { return orderedUpdates; }
            set { orderedUpdates = value; }
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
            if (collected) return;
            behaviours.Clear();
            GetComponentsInChildren(true, behaviours);
            int offset = 0;
            foreach (var b in behaviours)
            {
                b.NetworkObject = this;
                b.FieldOffset = offset;
                offset += b.FieldCount;
            }
            if (offset > Delta.MaxFields)
                throw new InvalidOperationException(name + ": its network behaviours use " + offset + " state fields; a network object has at most 64");
            collected = true;
        }

        // ---- ownership and commands --------------------------------------------------

        /// <summary>
        /// Sends a take; the object's <see cref="Mode"/> decides: takeover takes it at once,
        /// request asks the owner, fixed is refused (<c>ownership_fixed</c>). The same line as
        /// <see cref="RequestOwnership"/>. The result arrives as <see cref="OwnerChanged"/>,
        /// <see cref="OwnershipDenied"/> or an error.
        /// </summary>
        public void TakeOwnership() { Registry().TakeOwnership(Core); }

        /// <summary>
        /// Asks the owner for the object (request mode); the owner approves or denies. This sends
        /// the same take as <see cref="TakeOwnership"/>, so on a takeover-mode object it simply
        /// takes it, and on a fixed one it is refused (<c>ownership_fixed</c>).
        /// </summary>
        public void RequestOwnership() { Registry().TakeOwnership(Core); }

        /// <summary>Takes it only if <paramref name="expectedOwner"/> still owns it (no ping-pong under contention).</summary>
        public void TakeOwnershipIf(long expectedOwner) { Registry().TakeOwnershipIf(Core, expectedOwner); }

        public void GiveOwnership(long clientId) { Registry().GiveOwnership(Core, clientId); }

        /// <summary>Owner, request mode: gives the object to a client that asked for it.</summary>
        public void ApproveOwnership(long requesterId)
        {
            Registry().ApproveOwnership(Core, requesterId);
            if (requesterId == answering) answered = true;
        }

        /// <summary>Owner, request mode: keeps the object; the requester gets <see cref="OwnershipDenied"/>.</summary>
        public void DenyOwnership(long requesterId)
        {
            Registry().DenyOwnership(Core, requesterId);
            if (requesterId == answering) answered = true;
        }

        /// <summary>Asks the server to destroy it (owner or master); every client then destroys its copy.</summary>
        public void Destroy() { Registry().Destroy(Core); }

        /// <summary>Sends an object message (RPC); the message may contain ':' but no line breaks.</summary>
        public void SendObjectMessage(string message, ObjectMessageTarget target = ObjectMessageTarget.All)
        {
            Registry().SendObjectMessage(Core, target, message);
        }

        NetObjectRegistry Registry()
        {
            if (Core == null || Manager == null) throw new InvalidOperationException(name + " is not spawned on the network");
            return Core.Registry;
        }

        // ---- driven by NetworkManager ------------------------------------------------

        /// <summary>Before the first serialization: behaviours need the manager's clock.</summary>
        internal void Prepare(NetworkManager manager)
        {
            CollectBehaviours();
            Manager = manager;
        }

        internal void Attach(NetObject core, NetworkManager manager)
        {
            Prepare(manager);
            Core = core;
            core.Tag = this;
        }

        /// <summary>The full state of every behaviour, for the instantiate line.</summary>
        internal void WriteFullState(DeltaWriter writer)
        {
            CollectBehaviours();
            foreach (var b in behaviours)
            {
                ulong local = b.AllFieldsMask;
                if (b.FieldCount == 0) continue;
                b.Serialize(writer.Writer, local);
                writer.AddWrittenFields(local << b.FieldOffset);
                b.ClearDirty(local);
            }
        }

        internal void NotifySpawned()
        {
            if (spawnedNotified) return;
            spawnedNotified = true;
            foreach (var b in behaviours) b.OnNetworkSpawn();
        }

        /// <summary>Remote copy: applies the full merged state (spawn, snapshot).</summary>
        internal void ApplyState(ObjectState state)
        {
            foreach (var b in behaviours)
            {
                ulong local = (state.Mask >> b.FieldOffset) & b.AllFieldsMask;
                if (local == 0) continue;
                scratch.Clear();
                for (int i = 0; i < b.FieldCount; i++)
                    if ((local & (1UL << i)) != 0) scratch.WriteRaw(state.GetField(b.FieldOffset + i));
                reader.Reset(scratch.Buffer, 0, scratch.Length);
                DeserializeInto(b, local);
            }
        }

        /// <summary>Remote copy: applies a delta (only the behaviours whose fields it carries).</summary>
        internal void ApplyDelta(Delta delta)
        {
            foreach (var b in behaviours)
            {
                ulong local = (delta.Mask >> b.FieldOffset) & b.AllFieldsMask;
                if (local == 0) continue;
                reader.Reset(delta.GetFieldRange(b.FieldOffset, b.FieldOffset + b.FieldCount - 1));
                DeserializeInto(b, local);
            }
        }

        void DeserializeInto(NetworkBehaviour b, ulong local)
        {
            try
            {
                b.Deserialize(reader, local);
                if (!reader.IsAtEnd)
                    Debug.LogWarning(b.GetType().Name + " on " + name + " left " + reader.Remaining + " byte(s) unread: its Deserialize does not match its Serialize", this);
            }
            catch (MsgPackException e)
            {
                Debug.LogError(b.GetType().Name + " on " + name + " could not read its state: " + e.Message, this);
            }
        }

        internal void HandleOwnerChanged(long previous)
        {
            bool mine = IsMine;
            nextSendTime = 0; // a new owner sends at once
            foreach (var b in behaviours) b.OnOwnershipChanged(mine);
            if (OwnerChanged != null) OwnerChanged(previous, OwnerId);
        }

        /// <summary>
        /// Raises our handlers and the manager's (<paramref name="managerHandlers"/>), then answers
        /// automatically unless a handler did (see <see cref="AutoApproveOwnershipRequests"/>).
        /// </summary>
        internal void HandleOwnershipRequested(long requester, Action<NetworkObject, long> managerHandlers, bool managerAutoApprove)
        {
            bool handled = OwnershipRequested != null || managerHandlers != null;
            long outer = answering;
            bool outerAnswered = answered;
            answering = requester;
            answered = false;
            try
            {
                if (OwnershipRequested != null) OwnershipRequested(requester);
                if (managerHandlers != null) managerHandlers(this, requester);
            }
            finally
            {
                bool done = answered;
                answering = outer;
                answered = outerAnswered;
                if (!done && Core != null && IsMine && !Core.IsDestroyed)
                {
                    if (approveRequests && managerAutoApprove) ApproveOwnership(requester);
                    else if (!handled) DenyOwnership(requester); // nobody will answer: do not leave them waiting
                }
            }
        }

        internal void HandleOwnershipDenied(long owner)
        {
            if (OwnershipDenied != null) OwnershipDenied(owner);
        }

        internal void HandleMessage(long sender, string message)
        {
            if (MessageReceived != null) MessageReceived(sender, message);
        }

        /// <summary>Owner side: at the send rate, sends the dirty fields of every behaviour as one update.</summary>
        internal void NetworkTick(double now)
        {
            if (Core == null || !IsMine || Core.IsPending || Core.IsDestroyed) return; // pending: dirty flags wait
            if (now < nextSendTime) return;
            nextSendTime = now + 1.0 / Math.Max(0.1f, sendRate);
            deltaWriter.Clear();
            foreach (var b in behaviours)
            {
                if (!b.isActiveAndEnabled) continue;
                b.OnBeforeSend();
                ulong local = b.DirtyMask & b.AllFieldsMask;
                if (local == 0) continue;
                b.Serialize(deltaWriter.Writer, local);
                deltaWriter.AddWrittenFields(local << b.FieldOffset);
                b.ClearDirty(local);
            }
            if (deltaWriter.IsEmpty) return;
            try
            {
                Core.Registry.SendUpdate(Core, deltaWriter, orderedUpdates);
            }
            catch (BadDeltaException e)
            {
                Debug.LogError(name + ": a NetworkBehaviour's Serialize wrote a different number of values than its mask has bits: " + e.Message, this);
            }
        }

        internal void Detach()
        {
            if (Core != null) Core.Tag = null;
            Core = null;
        }

        void OnDestroy()
        {
            if (Manager != null) Manager.ForgetObject(this);
        }
    }
}
