using Tandem.Protocol;

namespace Tandem
{
    /// <summary>
    /// The core view of one network object: id, owner, generation and the merged state.
    /// Owned by a <see cref="ObjectRegistry"/>; engine layers attach their own object
    /// through <see cref="Tag"/>.
    /// </summary>
    public sealed class ObjectRecord
    {
        readonly ObjectRegistry registry;

        internal ObjectRecord(ObjectRegistry registry)
        {
            this.registry = registry;
            State = new ObjectState();
        }

        /// <summary>The network id (<c>&lt;creator&gt;.&lt;counter&gt;</c>), or null while a local instantiate is pending.</summary>
        public string Id { get; internal set; }

        /// <summary>The client that instantiated it (from the id), 0 while pending.</summary>
        public long CreatorId
        {
            get
            {
                long c;
                return LineCodec.TryGetCreator(Id, out c) ? c : 0;
            }
        }

        /// <summary>The client id allowed to update it.</summary>
        public long Owner { get; internal set; }

        /// <summary>Starts at 1, +1 on every owner change. Updates with a lower generation are dropped.</summary>
        public long Generation { get; internal set; }

        public OwnershipMode Mode { get; internal set; }

        public ObjectLifetime Lifetime { get; internal set; }

        /// <summary>The key of what to spawn.</summary>
        public string Prefab { get; internal set; }

        /// <summary>The creator's correlation token (empty if none).</summary>
        public string Token { get; internal set; }

        /// <summary>The merged state: every field's latest MessagePack value.</summary>
        public ObjectState State { get; private set; }

        /// <summary>True between a local Instantiate and the server's <c>10</c> echo.</summary>
        public bool IsPending { get; internal set; }

        /// <summary>True once destroyed (by <c>15</c>, or cleared on leave/disconnect).</summary>
        public bool IsDestroyed { get; internal set; }

        /// <summary>True if it arrived in the join snapshot (between the own join line and <c>17</c>).</summary>
        public bool FromSnapshot { get; internal set; }

        /// <summary>True if this client instantiated it.</summary>
        public bool IsLocalSpawn { get; internal set; }

        /// <summary>How many <c>11</c> updates were dropped for carrying an older generation.</summary>
        public int DroppedUpdates { get; internal set; }

        /// <summary>True if this client owns it (a pending local instantiate counts as owned).</summary>
        public bool IsMine
        {
            get { return IsPending || (!IsDestroyed && Owner != 0 && Owner == registry.LocalClientId); }
        }

        /// <summary>Free slot for the engine layer (for example the Unity NetworkObject).</summary>
        public object Tag { get; set; }

        public ObjectRegistry Registry { get { return registry; } }

        public override string ToString()
        {
            return "ObjectRecord(" + (Id ?? "pending:" + Token) + " " + Prefab + " owner " + Owner + " gen " + Generation + ")";
        }
    }
}
