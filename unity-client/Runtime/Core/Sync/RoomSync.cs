using System;
using System.Collections.Generic;

namespace Tandem.Sync
{
    /// <summary>Creates and destroys the engine's objects for network objects (the Unity layer instantiates prefabs).</summary>
    public interface IObjectViewFactory
    {
        /// <summary>
        /// Creates the local object for a prefab key (a remote object, or one from the join
        /// snapshot) and returns its logic, or null when the key is unknown (<paramref name="problem"/> says why).
        /// </summary>
        ObjectSync Create(string prefab, ObjectRecord record, out string problem);

        /// <summary>Destroys the local object of a despawned network object.</summary>
        void Destroy(ObjectSync sync);
    }

    /// <summary>
    /// What NetworkManager decides about the room's network objects, apart from the engine:
    /// instantiating ours (full state with the instantiate, bound to its record by the token),
    /// creating remote ones through the prefab factory and giving them their state (spawn and
    /// join snapshot), applying updates to remote copies, ownership events, despawning, and
    /// ticking the objects we own. Events are raised inside the client's dispatch.
    /// </summary>
    public sealed class RoomSync
    {
        readonly TandemClient client;
        readonly IObjectViewFactory factory;
        readonly List<ObjectSync> objects = new List<ObjectSync>();
        readonly DeltaWriter initialState = new DeltaWriter();

        /// <summary>A network object appeared: a remote one was created, or ours was confirmed.</summary>
        public event Action<ObjectSync> Spawned;
        /// <summary>A network object is about to be destroyed locally.</summary>
        public event Action<ObjectSync> Despawned;
        /// <summary>Owner changed (object, previous owner, new owner), after the parts heard of it.</summary>
        public event Action<ObjectSync, long, long> OwnerChanged;
        /// <summary>Request mode, to the owner: a client asks for one of our objects (object, requester).</summary>
        public event Action<ObjectSync, long> OwnershipRequested;
        /// <summary>Our request was denied (object, owner).</summary>
        public event Action<ObjectSync, long> OwnershipDenied;
        /// <summary>An object message (object, sender, text).</summary>
        public event Action<ObjectSync, long, string> MessageReceived;
        /// <summary>Something could not be spawned or read (text for a log).</summary>
        public event Action<string> Problem;

        /// <summary>Approve ownership requests no handler answered (see <see cref="ObjectSync.HandleRequest"/>).</summary>
        public bool AutoApproveOwnershipRequests = true;

        /// <summary>Per object, on top of <see cref="AutoApproveOwnershipRequests"/> (null: yes for all).</summary>
        public Func<ObjectSync, bool> ObjectApprovesRequests;

        /// <summary>Handlers of one object's own OwnershipRequested (null: none). Called before <see cref="OwnershipRequested"/>.</summary>
        public Func<ObjectSync, Action<long>> ObjectRequestHandlers;

        public RoomSync(TandemClient client, IObjectViewFactory factory)
        {
            if (client == null) throw new ArgumentNullException("client");
            if (factory == null) throw new ArgumentNullException("factory");
            this.client = client;
            this.factory = factory;
            ObjectRegistry reg = client.Objects;
            reg.Spawned += OnSpawned;
            // Resumed: the snapshot was applied onto the same objects; ours send their full state.
            client.Resumed += id =>
            {
                foreach (var o in objects)
                    if (o.Record != null && o.Record.IsMine && !o.Record.IsPending) o.ResendAll();
            };
            reg.Updated += (record, delta) =>
            {
                var sync = record.Tag as ObjectSync;
                if (sync != null && !record.IsMine) sync.ApplyDelta(delta);
            };
            reg.OwnerChanged += (record, previous) =>
            {
                var sync = record.Tag as ObjectSync;
                if (sync == null) return;
                try { sync.OwnerChanged(); }
                finally { if (OwnerChanged != null) OwnerChanged(sync, previous, record.Owner); }
            };
            reg.OwnershipRequested += (record, requester) =>
            {
                var sync = record.Tag as ObjectSync;
                if (sync != null) OnRequest(sync, requester);
            };
            reg.OwnershipDenied += (record, owner) =>
            {
                var sync = record.Tag as ObjectSync;
                if (sync != null && OwnershipDenied != null) OwnershipDenied(sync, owner);
            };
            reg.MessageReceived += (record, sender, text) =>
            {
                var sync = record.Tag as ObjectSync;
                if (sync != null && MessageReceived != null) MessageReceived(sync, sender, text);
            };
            reg.Destroyed += record =>
            {
                var sync = record.Tag as ObjectSync;
                if (sync == null) return;
                try { if (Despawned != null) Despawned(sync); }
                finally
                {
                    objects.Remove(sync);
                    sync.Unbind(); // before the view goes, so its teardown does not send a 15 of its own
                    factory.Destroy(sync);
                }
            };
        }

        public TandemClient Client { get { return client; } }

        /// <summary>The objects created or bound here.</summary>
        public IList<ObjectSync> Objects { get { return objects.AsReadOnly(); } }

        public ObjectSync Find(string id)
        {
            if (id == null) return null;
            foreach (var o in objects)
                if (o.Record != null && o.Record.Id == id) return o;
            return null;
        }

        /// <summary>The object an error is about: by id, or a refused instantiate by its token (inside the Error handler).</summary>
        public ObjectSync Find(TandemError error)
        {
            if (error == null) return null;
            if (error.ObjectId != null) return Find(error.ObjectId);
            if (error.Token == null) return null;
            foreach (var o in objects)
                if (o.Record != null && o.Record.IsPending && o.Record.Token == error.Token) return o;
            return null;
        }

        /// <summary>
        /// Spawns for everyone: the caller created the local object (<paramref name="sync"/>);
        /// its full state goes with the instantiate, and the server's echo binds it to its id.
        /// </summary>
        public void Instantiate(string prefab, OwnershipMode mode, ObjectLifetime lifetime, ObjectSync sync)
        {
            if (!client.IsInRoom) throw new InvalidOperationException("join a room before instantiating");
            initialState.Clear();
            sync.WriteFullState(initialState);
            ObjectRecord record = client.Objects.Instantiate(prefab, mode, lifetime, initialState);
            sync.Bind(record);
            objects.Add(sync);
        }

        /// <summary>The local object went away on its own (destroyed by the game): ours and live is destroyed on the network too.</summary>
        public void Forget(ObjectSync sync)
        {
            objects.Remove(sync);
            ObjectRecord record = sync.Record;
            sync.Unbind();
            if (record != null && !record.IsDestroyed && !record.IsPending && record.IsMine && client.IsInRoom)
            {
                try { client.Objects.Destroy(record); }
                catch (InvalidOperationException) { }
            }
        }

        /// <summary>Owner side: sends due updates of our objects. Call every frame with the network time.</summary>
        public void Tick(double now)
        {
            for (int i = objects.Count - 1; i >= 0; i--)
            {
                var o = objects[i];
                try { o.Tick(now); }
                catch (BadDeltaException e)
                {
                    if (Problem != null) Problem("object " + (o.Record != null ? o.Record.Id : "?") + ": a part's Serialize wrote a different number of values than its mask has bits: " + e.Message);
                }
            }
        }

        void OnSpawned(ObjectRecord record)
        {
            var sync = record.Tag as ObjectSync;
            if (sync == null)
            {
                // Another client's object, or one from the join snapshot.
                string problem;
                sync = factory.Create(record.Prefab, record, out problem);
                if (sync == null)
                {
                    if (Problem != null) Problem(problem ?? "no prefab registered for key '" + record.Prefab + "' (object " + record.Id + ")");
                    return;
                }
                sync.Bind(record);
                objects.Add(sync);
                if (!record.IsMine) sync.ApplyState(record.State);
            }
            sync.NotifySpawned();
            if (Spawned != null) Spawned(sync);
        }

        void OnRequest(ObjectSync sync, long requester)
        {
            Action<long> own = ObjectRequestHandlers != null ? ObjectRequestHandlers(sync) : null;
            bool hasHandlers = own != null || OwnershipRequested != null;
            bool approve = AutoApproveOwnershipRequests && (ObjectApprovesRequests == null || ObjectApprovesRequests(sync));
            sync.HandleRequest(requester, hasHandlers, () =>
            {
                if (own != null) own(requester);
                if (OwnershipRequested != null) OwnershipRequested(sync, requester);
            }, approve);
        }
    }
}
