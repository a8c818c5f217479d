using System;
using System.Collections.Generic;
using System.Globalization;
using Tandem.Protocol;

namespace Tandem
{
    /// <summary>Where the registry sends its lines and who "me" is (implemented by <see cref="TandemClient"/>).</summary>
    public interface ILineSink
    {
        /// <summary>Queues one client line (without newline) for the server.</summary>
        void SendLine(string line);

        /// <summary>This session's client id, 0 before login.</summary>
        long LocalClientId { get; }
    }

    /// <summary>
    /// The network objects of the current room: applies <c>10</c>..<c>16</c> lines, keeps
    /// owner, generation and merged state per object, and sends the object commands.
    /// Not thread safe: use it from the thread that dispatches the client's events.
    /// </summary>
    public sealed class ObjectRegistry
    {
        readonly ILineSink sink;
        readonly Dictionary<string, ObjectRecord> objects = new Dictionary<string, ObjectRecord>();
        readonly Dictionary<string, ObjectRecord> pending = new Dictionary<string, ObjectRecord>();
        readonly List<ObjectRecord> scratch = new List<ObjectRecord>();
        readonly Delta delta = new Delta();
        long tokenCounter;
        HashSet<string> resyncSeen;   // during a resume's snapshot: the ids it named

        public ObjectRegistry(ILineSink sink)
        {
            if (sink == null) throw new ArgumentNullException("sink");
            this.sink = sink;
        }

        /// <summary>A new object: another client's, one from the join snapshot, or our own once the server echoed it (then <see cref="ObjectRecord.IsLocalSpawn"/>).</summary>
        public event Action<ObjectRecord> Spawned;

        /// <summary>A state delta was merged. The <see cref="Delta"/> is reused: read it inside the handler.</summary>
        public event Action<ObjectRecord, Delta> Updated;

        /// <summary>An update was dropped because its generation is older than the one known.</summary>
        public event Action<ObjectRecord, long> UpdateDropped;

        /// <summary>Owner changed (second argument: the previous owner).</summary>
        public event Action<ObjectRecord, long> OwnerChanged;

        /// <summary>To the owner of a request-mode object: someone asks for it (second argument: requester). Answer with Approve/Deny.</summary>
        public event Action<ObjectRecord, long> OwnershipRequested;

        /// <summary>Our request was denied (second argument: the owner).</summary>
        public event Action<ObjectRecord, long> OwnershipDenied;

        /// <summary>Destroyed by the server, dropped because we left the room or disconnected, or a local instantiate the server refused.</summary>
        public event Action<ObjectRecord> Destroyed;

        /// <summary>An object message (RPC): object, sender id, message.</summary>
        public event Action<ObjectRecord, long, string> MessageReceived;

        public long LocalClientId { get { return sink.LocalClientId; } }

        /// <summary>True between our own join line and <c>17</c>: spawns are snapshot objects.</summary>
        public bool InSnapshot { get; private set; }

        public int Count { get { return objects.Count; } }

        /// <summary>
        /// True while the connection is down and the client resumes: the objects stay as they
        /// were, nothing is sent (updates wait in their dirty flags), instantiating throws.
        /// </summary>
        public bool Suspended { get; internal set; }

        public int PendingCount { get { return pending.Count; } }

        /// <summary>The live objects (a copy, safe to iterate while objects change).</summary>
        public List<ObjectRecord> GetAll()
        {
            return new List<ObjectRecord>(objects.Values);
        }

        public bool TryGet(string id, out ObjectRecord obj)
        {
            if (id == null)
            {
                obj = null;
                return false;
            }
            return objects.TryGetValue(id, out obj);
        }

        public ObjectRecord Get(string id)
        {
            ObjectRecord o;
            return TryGet(id, out o) ? o : null;
        }

        /// <summary>A local instantiate still waiting for the server's echo, by its correlation token (<see cref="ObjectRecord.Token"/>, <see cref="TandemError.Token"/>).</summary>
        public bool TryGetPending(string token, out ObjectRecord obj)
        {
            if (token == null)
            {
                obj = null;
                return false;
            }
            return pending.TryGetValue(token, out obj);
        }

        /// <summary>
        /// Forgets a pending local instantiate the server refused (a <c>9:10</c> error naming its
        /// token): it is marked destroyed and <see cref="Destroyed"/> is raised. The client calls
        /// this after raising its Error event. Returns false when no pending object has the token.
        /// </summary>
        public bool DropPending(string token)
        {
            ObjectRecord obj;
            if (!TryGetPending(token, out obj)) return false;
            pending.Remove(token);
            obj.IsPending = false;
            obj.IsDestroyed = true;
            if (Destroyed != null) Destroyed(obj);
            return true;
        }

        // ---- commands --------------------------------------------------------------

        /// <summary>
        /// Instantiates an object: returns a pending local object at once and sends <c>10</c> with
        /// a fresh correlation token; when the server echoes the token the same object gets its
        /// id, owner and generation and <see cref="Spawned"/> is raised for it.
        /// </summary>
        public ObjectRecord Instantiate(string prefab, OwnershipMode mode, ObjectLifetime lifetime, DeltaWriter initialState)
        {
            if (sink.LocalClientId == 0) throw new InvalidOperationException("log in and join a room before instantiating");
            if (Suspended) throw new InvalidOperationException("the connection is being resumed; instantiate after the client's Resumed event");
            string mask = "0", data = "";
            if (initialState != null && !initialState.IsEmpty)
            {
                initialState.Validate();
                mask = initialState.MaskText;
                data = initialState.DataText;
            }
            tokenCounter++;
            string token = "t" + tokenCounter.ToString(CultureInfo.InvariantCulture);
            string line = ClientLines.Instantiate(token, prefab, mode, lifetime, mask, data);
            var obj = new ObjectRecord(this)
            {
                Prefab = prefab, Mode = mode, Lifetime = lifetime, Token = token,
                IsPending = true, IsLocalSpawn = true, Owner = sink.LocalClientId,
            };
            if (mask != "0")
            {
                delta.DecodeFrom(mask, data);
                obj.State.Merge(delta);
            }
            pending[token] = obj;
            sink.SendLine(line);
            return obj;
        }

        /// <summary>
        /// Sends a state delta for an object we own and merges it into our copy. Returns false
        /// (and sends nothing) when the object is pending, destroyed or not ours, or the delta is empty.
        /// </summary>
        public bool SendUpdate(ObjectRecord obj, DeltaWriter update, bool ordered)
        {
            if (obj == null || update == null || update.IsEmpty) return false;
            if (obj.IsPending || obj.IsDestroyed || obj.Owner != sink.LocalClientId || Suspended) return false;
            update.Validate();
            string mask = update.MaskText, data = update.DataText;
            delta.SetRaw(update.Mask, update.Writer.Buffer, 0, update.Writer.Length);
            obj.State.Merge(delta);
            sink.SendLine(ClientLines.Update(obj.Id, obj.Generation, ordered, mask, data));
            return true;
        }

        /// <summary>
        /// <c>12:&lt;id&gt;:take</c>: the object's mode decides what it does: takeover takes it at
        /// once, request asks the owner (who approves or denies), fixed is refused (<c>ownership_fixed</c>).
        /// </summary>
        public void TakeOwnership(ObjectRecord obj) { sink.SendLine(ClientLines.Take(Live(obj).Id)); }

        /// <summary><c>12:&lt;id&gt;:take:&lt;owner&gt;</c>: take only if the owner is still <paramref name="expectedOwner"/>.</summary>
        public void TakeOwnershipIf(ObjectRecord obj, long expectedOwner) { sink.SendLine(ClientLines.TakeIf(Live(obj).Id, expectedOwner)); }

        public void GiveOwnership(ObjectRecord obj, long clientId) { sink.SendLine(ClientLines.Give(Live(obj).Id, clientId)); }

        public void ApproveOwnership(ObjectRecord obj, long requesterId) { sink.SendLine(ClientLines.Approve(Live(obj).Id, requesterId)); }

        public void DenyOwnership(ObjectRecord obj, long requesterId) { sink.SendLine(ClientLines.Deny(Live(obj).Id, requesterId)); }

        /// <summary>Asks the server to destroy it (owner or master only); it goes away when <c>15</c> comes back.</summary>
        public void Destroy(ObjectRecord obj) { sink.SendLine(ClientLines.Destroy(Live(obj).Id)); }

        public void SendObjectMessage(ObjectRecord obj, ObjectMessageTarget target, string message)
        {
            sink.SendLine(ClientLines.ObjectMessage(Live(obj).Id, target, message));
        }

        static ObjectRecord Live(ObjectRecord obj)
        {
            if (obj == null) throw new ArgumentNullException("obj");
            if (obj.IsPending) throw new InvalidOperationException("the object has no network id yet (instantiate pending)");
            if (obj.IsDestroyed) throw new InvalidOperationException("the object is destroyed");
            return obj;
        }

        // ---- incoming --------------------------------------------------------------

        public void BeginSnapshot() { InSnapshot = true; }

        public void EndSnapshot() { InSnapshot = false; }

        /// <summary>
        /// A resume's snapshot begins: its <c>10</c> lines are applied onto the objects we have
        /// (same record instances: owner, generation and full state), unknown ids are spawned.
        /// </summary>
        internal void BeginResync()
        {
            InSnapshot = true;
            resyncSeen = new HashSet<string>();
        }

        /// <summary>
        /// The resume's snapshot is complete (<c>17</c>): objects it did not name were destroyed
        /// meanwhile, and an instantiate it did not echo never reached the server; both are
        /// dropped here (<see cref="Destroyed"/>).
        /// </summary>
        internal void EndResync()
        {
            InSnapshot = false;
            if (resyncSeen == null) return;
            scratch.Clear();
            foreach (var o in objects.Values)
                if (!resyncSeen.Contains(o.Id)) scratch.Add(o);
            resyncSeen = null;
            foreach (var o in scratch) objects.Remove(o.Id);
            foreach (var o in pending.Values) scratch.Add(o);
            pending.Clear();
            foreach (var o in scratch)
            {
                o.IsDestroyed = true;
                o.IsPending = false;
            }
            if (Destroyed != null)
                foreach (var o in scratch) Destroyed(o);
            scratch.Clear();
        }

        /// <summary>The connection dropped again during a resume's snapshot: what we have stays.</summary>
        internal void AbortResync()
        {
            InSnapshot = false;
            resyncSeen = null;
        }

        /// <summary>Applies an object line (<c>10</c>..<c>16</c>). Returns false for other lines.</summary>
        /// <exception cref="BadDeltaException">a spawn or update whose delta does not decode (nothing changes).</exception>
        public bool Handle(ServerLine line)
        {
            switch (line.Number)
            {
                case MessageNumber.Instantiate: OnSpawn((SpawnLine)line); return true;
                case MessageNumber.Update: OnUpdate((UpdateLine)line); return true;
                case MessageNumber.Ownership: OnOwner((OwnerLine)line); return true;
                case MessageNumber.OwnRequest:
                {
                    var m = (OwnershipRequestLine)line;
                    ObjectRecord o;
                    if (TryGet(m.ObjectId, out o) && OwnershipRequested != null) OwnershipRequested(o, m.RequesterId);
                    return true;
                }
                case MessageNumber.OwnDenied:
                {
                    var m = (OwnershipDeniedLine)line;
                    ObjectRecord o;
                    if (TryGet(m.ObjectId, out o) && OwnershipDenied != null) OwnershipDenied(o, m.OwnerId);
                    return true;
                }
                case MessageNumber.Destroy:
                {
                    var m = (DestroyLine)line;
                    ObjectRecord o;
                    if (TryGet(m.ObjectId, out o))
                    {
                        objects.Remove(m.ObjectId);
                        o.IsDestroyed = true;
                        if (Destroyed != null) Destroyed(o);
                    }
                    return true;
                }
                case MessageNumber.ObjMessage:
                {
                    var m = (ObjectMessageLine)line;
                    ObjectRecord o;
                    if (TryGet(m.ObjectId, out o) && MessageReceived != null) MessageReceived(o, m.SenderId, m.Text);
                    return true;
                }
            }
            return false;
        }

        void OnSpawn(SpawnLine m)
        {
            delta.DecodeFrom(m.Mask, m.Data); // throws before any change
            ObjectRecord obj;
            long creator;
            LineCodec.TryGetCreator(m.ObjectId, out creator);
            if (resyncSeen != null) resyncSeen.Add(m.ObjectId);
            if (objects.TryGetValue(m.ObjectId, out obj))
            {
                // Known: a resume's snapshot (or a repeated spawn) is a full refresh of the same
                // object, never a destroy and re-create.
                long previous = obj.Owner;
                obj.Owner = m.Owner;
                obj.Generation = m.Generation;
                obj.State.Clear();
                obj.State.Merge(delta);
                if (previous != m.Owner && OwnerChanged != null) OwnerChanged(obj, previous);
                if (Updated != null) Updated(obj, delta);
                return;
            }
            // Our own instantiate comes back with our token; tokens of other clients may look the
            // same, so the creator part of the id must be us too.
            if (m.Token.Length > 0 && creator == sink.LocalClientId && pending.TryGetValue(m.Token, out obj))
            {
                pending.Remove(m.Token);
                obj.IsPending = false;
            }
            else
            {
                obj = new ObjectRecord(this) { Token = m.Token, IsLocalSpawn = creator == sink.LocalClientId };
            }
            obj.Id = m.ObjectId;
            obj.Owner = m.Owner;
            obj.Generation = m.Generation;
            obj.Mode = m.Mode;
            obj.Lifetime = m.Lifetime;
            obj.Prefab = m.Prefab;
            obj.FromSnapshot = InSnapshot;
            obj.State.Clear();
            obj.State.Merge(delta);
            objects[m.ObjectId] = obj;
            if (Spawned != null) Spawned(obj);
        }

        void OnUpdate(UpdateLine m)
        {
            ObjectRecord obj;
            if (!objects.TryGetValue(m.ObjectId, out obj)) return; // e.g. destroyed meanwhile
            if (m.Generation < obj.Generation)
            {
                // Written by a previous owner while ownership moved: never apply it.
                obj.DroppedUpdates++;
                if (UpdateDropped != null) UpdateDropped(obj, m.Generation);
                return;
            }
            delta.DecodeFrom(m.Mask, m.Data);
            // An unordered update of the new owner may overtake the ordered 12 line: the server
            // only relays current-generation updates, so adopt the newer generation now.
            if (m.Generation > obj.Generation) obj.Generation = m.Generation;
            obj.State.Merge(delta);
            if (Updated != null) Updated(obj, delta);
        }

        void OnOwner(OwnerLine m)
        {
            ObjectRecord obj;
            if (!objects.TryGetValue(m.ObjectId, out obj)) return;
            if (m.Generation < obj.Generation) return;
            long previous = obj.Owner;
            obj.Owner = m.Owner;
            obj.Generation = m.Generation;
            if (OwnerChanged != null) OwnerChanged(obj, previous);
        }

        /// <summary>Forgets every object (leave, disconnect), raising <see cref="Destroyed"/> for each, pending ones included.</summary>
        public void Clear()
        {
            scratch.Clear();
            scratch.AddRange(objects.Values);
            scratch.AddRange(pending.Values);
            objects.Clear();
            pending.Clear();
            InSnapshot = false;
            resyncSeen = null;
            foreach (var o in scratch)
            {
                o.IsDestroyed = true;
                o.IsPending = false;
            }
            if (Destroyed != null)
                foreach (var o in scratch) Destroyed(o);
            scratch.Clear();
        }
    }
}
