using Tandem.MessagePack;
using Tandem.Sync;
using UnityEngine;

namespace Tandem.Unity
{
    /// <summary>
    /// Base of every replicated component. A behaviour owns <see cref="FieldCount"/> state
    /// fields (numbered 0..FieldCount-1 locally; the <see cref="NetworkObject"/> maps them to
    /// the object's 64 wire fields). The owner calls <see cref="SetDirty"/> when a field
    /// changes; at the object's send rate the dirty fields are serialized and sent, and every
    /// other client deserializes them. The dirty flags and the send logic live in Core
    /// (<see cref="ReplicatedFields"/>, <see cref="ObjectSync"/>); this component adapts them.
    /// </summary>
    public abstract class NetworkBehaviour : MonoBehaviour, IReplicated
    {
        ReplicatedFields fields;

        /// <summary>The object this behaviour belongs to (set when the object collects its behaviours).</summary>
        public NetworkObject NetworkObject { get; internal set; }

        /// <summary>True if this client owns the object (only the owner sends state).</summary>
        public bool IsMine { get { return NetworkObject != null && NetworkObject.IsMine; } }

        /// <summary>How many state fields this behaviour uses (0..64 in total per object).</summary>
        public abstract int FieldCount { get; }

        /// <summary>Its dirty flags and place among the object's wire fields.</summary>
        public ReplicatedFields Fields
        {
            get
            {
                if (fields == null) fields = new ReplicatedFields(FieldCount);
                return fields;
            }
        }

        bool IReplicated.IsActive { get { return isActiveAndEnabled; } }

        /// <summary>The wire field number of this behaviour's local field 0.</summary>
        public int FieldOffset { get { return Fields.Offset; } }

        /// <summary>Local fields changed since the last send (bit i = local field i).</summary>
        public ulong DirtyMask { get { return Fields.DirtyMask; } }

        /// <summary>Every local field (bits 0..FieldCount-1).</summary>
        public ulong AllFieldsMask { get { return Fields.AllMask; } }

        /// <summary>Marks a local field as changed: it goes out with the next send.</summary>
        protected void SetDirty(int fieldIndex) { Fields.SetDirty(fieldIndex); }

        /// <summary>Marks every field as changed (for example after becoming the owner).</summary>
        protected void SetAllDirty() { Fields.SetAllDirty(); }

        /// <summary>
        /// Writes one MessagePack value per set bit of <paramref name="mask"/>, in ascending
        /// field order. Called on the owner, for dirty fields and for the full initial state.
        /// </summary>
        public abstract void Serialize(MsgPackWriter writer, ulong mask);

        /// <summary>Reads one value per set bit of <paramref name="mask"/>, in ascending field order.</summary>
        public abstract void Deserialize(MsgPackReader reader, ulong mask);

        /// <summary>Owner side, before each send tick: a place to compare values and call SetDirty.</summary>
        public virtual void OnBeforeSend() { }

        /// <summary>The object is live on the network (spawned remotely, or our instantiate was confirmed).</summary>
        public virtual void OnNetworkSpawn() { }

        /// <summary>Ownership moved. <paramref name="isMine"/>: this client is the new owner.</summary>
        public virtual void OnOwnershipChanged(bool isMine) { }
    }
}
