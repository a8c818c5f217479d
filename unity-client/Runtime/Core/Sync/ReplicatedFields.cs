using System;
using Tandem.MessagePack;

namespace Tandem.Sync
{
    /// <summary>
    /// One replicated part of a network object (a NetworkBehaviour in Unity): a few state fields
    /// it serializes and deserializes itself, and hooks the object's logic calls. Engine
    /// neutral; <see cref="ObjectSync"/> drives every part of an object.
    /// </summary>
    public interface IReplicated
    {
        /// <summary>Its dirty flags and its place among the object's 64 wire fields.</summary>
        ReplicatedFields Fields { get; }

        /// <summary>False while disabled: it sends nothing.</summary>
        bool IsActive { get; }

        /// <summary>Owner side, before each send tick: compare values and mark fields dirty.</summary>
        void OnBeforeSend();

        /// <summary>Writes one MessagePack value per set bit of the local mask, in ascending order.</summary>
        void Serialize(MsgPackWriter writer, ulong mask);

        /// <summary>Reads one value per set bit of the local mask, in ascending order.</summary>
        void Deserialize(MsgPackReader reader, ulong mask);

        /// <summary>The object is live on the network.</summary>
        void OnNetworkSpawn();

        /// <summary>Ownership moved; <paramref name="isMine"/>: this client is the new owner.</summary>
        void OnOwnershipChanged(bool isMine);
    }

    /// <summary>
    /// The dirty flags of one replicated part: which of its fields changed since the last send
    /// (bit i = local field i), and where its fields sit among the object's wire fields.
    /// </summary>
    public sealed class ReplicatedFields
    {
        ulong dirty;

        public ReplicatedFields(int count)
        {
            if (count < 0 || count > 64) throw new ArgumentOutOfRangeException("count", "a part has 0..64 fields");
            Count = count;
        }

        /// <summary>How many fields the part uses.</summary>
        public int Count { get; private set; }

        /// <summary>The wire field of local field 0 (set by <see cref="ObjectSync"/>).</summary>
        public int Offset { get; internal set; }

        /// <summary>Every local field (bits 0..Count-1).</summary>
        public ulong AllMask { get { return Count >= 64 ? ulong.MaxValue : (1UL << Count) - 1; } }

        /// <summary>Fields changed since the last send.</summary>
        public ulong DirtyMask { get { return dirty; } }

        public bool IsDirty(int field) { return field >= 0 && field < Count && (dirty & (1UL << field)) != 0; }

        /// <summary>Marks a local field changed: it goes out with the next send.</summary>
        public void SetDirty(int field)
        {
            if (field < 0 || field >= Count)
                throw new ArgumentOutOfRangeException("field", "field " + field + " is outside 0.." + (Count - 1));
            dirty |= 1UL << field;
        }

        public void SetAllDirty() { dirty = AllMask; }

        public void ClearDirty(ulong mask) { dirty &= ~mask; }

        /// <summary>The local mask of this part's fields within an object-wide mask.</summary>
        public ulong LocalOf(ulong objectMask) { return (objectMask >> Offset) & AllMask; }

        /// <summary>This part's local mask placed among the object's wire fields.</summary>
        public ulong ObjectOf(ulong localMask) { return localMask << Offset; }
    }
}
