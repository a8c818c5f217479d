using System;
using System.Collections.Generic;
using Tandem.MessagePack;

namespace Tandem.Sync
{
    /// <summary>
    /// What a network object decides, apart from the engine: the field ranges of its parts,
    /// the full state for an instantiate, owner-side updates at the send rate (dirty fields
    /// only, nothing while our instantiate is pending), applying received state and deltas to
    /// remote copies, the ownership hooks, and answering ownership requests. The Unity
    /// NetworkObject component only adapts Unity calls to it.
    /// </summary>
    public sealed class ObjectSync
    {
        readonly List<IReplicated> parts = new List<IReplicated>();
        readonly DeltaWriter deltaWriter = new DeltaWriter();
        readonly MsgPackReader reader = new MsgPackReader();
        readonly MsgPackWriter scratch = new MsgPackWriter(256);
        double sendRate = 20;
        double nextSendTime;
        bool spawnedNotified;
        long answering;       // the requester whose OwnershipRequested handlers are running
        bool answered;        // ...and a handler approved or denied it

        /// <summary>Field ranges follow the order of <paramref name="replicated"/>, which must be the same on every client.</summary>
        public ObjectSync(IEnumerable<IReplicated> replicated)
        {
            int offset = 0;
            foreach (var p in replicated)
            {
                p.Fields.Offset = offset;
                offset += p.Fields.Count;
                parts.Add(p);
            }
            if (offset > Delta.MaxFields)
                throw new InvalidOperationException("the replicated parts use " + offset + " state fields; a network object has at most " + Delta.MaxFields);
            FieldCount = offset;
        }

        /// <summary>The parts in field order.</summary>
        public IList<IReplicated> Parts { get { return parts.AsReadOnly(); } }

        public int FieldCount { get; private set; }

        /// <summary>The object record (id, owner, generation, merged state), or null before spawning.</summary>
        public ObjectRecord Record { get; private set; }

        /// <summary>The engine's object (the Unity NetworkObject), for lookups.</summary>
        public object View;

        /// <summary>Updates per second while this client owns it.</summary>
        public double SendRate
        {
            get { return sendRate; }
            set { sendRate = Math.Max(0.1, Math.Min(120, value)); }
        }

        /// <summary>Send updates in the room's ordered stream.</summary>
        public bool OrderedUpdates;

        /// <summary>A part could not read its state (part, reason). Null: ignored.</summary>
        public Action<IReplicated, string> ReadProblem;

        /// <summary>True if this client owns it (also while our instantiate is pending).</summary>
        public bool IsMine { get { return Record != null && Record.IsMine; } }

        public IReplicated PartForField(int field)
        {
            foreach (var p in parts)
                if (field >= p.Fields.Offset && field < p.Fields.Offset + p.Fields.Count) return p;
            return null;
        }

        public void Bind(ObjectRecord record)
        {
            Record = record;
            record.Tag = this;
        }

        public void Unbind()
        {
            if (Record != null && Record.Tag == this) Record.Tag = null;
            Record = null;
        }

        /// <summary>The full state of every part, for the instantiate line.</summary>
        public void WriteFullState(DeltaWriter writer)
        {
            foreach (var p in parts)
            {
                var f = p.Fields;
                if (f.Count == 0) continue;
                p.Serialize(writer.Writer, f.AllMask);
                writer.AddWrittenFields(f.ObjectOf(f.AllMask));
                f.ClearDirty(f.AllMask);
            }
        }

        public void NotifySpawned()
        {
            if (spawnedNotified) return;
            spawnedNotified = true;
            foreach (var p in parts) p.OnNetworkSpawn();
        }

        /// <summary>Remote copy: applies the full merged state (spawn, join snapshot).</summary>
        public void ApplyState(ObjectState state)
        {
            foreach (var p in parts)
            {
                var f = p.Fields;
                ulong local = f.LocalOf(state.Mask);
                if (local == 0) continue;
                scratch.Clear();
                for (int i = 0; i < f.Count; i++)
                    if ((local & (1UL << i)) != 0) scratch.WriteRaw(state.GetField(f.Offset + i));
                reader.Reset(scratch.Buffer, 0, scratch.Length);
                DeserializeInto(p, local);
            }
        }

        /// <summary>Remote copy: applies a delta (only the parts whose fields it carries).</summary>
        public void ApplyDelta(Delta delta)
        {
            foreach (var p in parts)
            {
                var f = p.Fields;
                ulong local = f.LocalOf(delta.Mask);
                if (local == 0) continue;
                reader.Reset(delta.GetFieldRange(f.Offset, f.Offset + f.Count - 1));
                DeserializeInto(p, local);
            }
        }

        void DeserializeInto(IReplicated p, ulong local)
        {
            try
            {
                p.Deserialize(reader, local);
                if (!reader.IsAtEnd && ReadProblem != null)
                    ReadProblem(p, "left " + reader.Remaining + " byte(s) unread: its Deserialize does not match its Serialize");
            }
            catch (MsgPackException e)
            {
                if (ReadProblem != null) ReadProblem(p, "could not read its state: " + e.Message);
            }
        }

        /// <summary>
        /// After a resume, owner side: every field is sent again at once, so what changed here
        /// while the connection was down (and what was lost in flight) reaches the others.
        /// </summary>
        public void ResendAll()
        {
            nextSendTime = 0;
            foreach (var p in parts) p.Fields.SetAllDirty();
        }

        /// <summary>The owner changed: a new owner sends at once; every part hears of it.</summary>
        public void OwnerChanged()
        {
            bool mine = IsMine;
            nextSendTime = 0;
            foreach (var p in parts) p.OnOwnershipChanged(mine);
        }

        /// <summary>
        /// Owner side: at the send rate, sends the dirty fields of every active part as one
        /// update. Returns true when it sent one. Nothing while pending: the dirty flags wait.
        /// </summary>
        public bool Tick(double now)
        {
            var r = Record;
            if (r == null || !r.IsMine || r.IsPending || r.IsDestroyed) return false;
            if (r.Registry.Suspended) return false; // resuming: the dirty flags wait
            if (now < nextSendTime) return false;
            nextSendTime = now + 1.0 / sendRate;
            deltaWriter.Clear();
            foreach (var p in parts)
            {
                if (!p.IsActive) continue;
                p.OnBeforeSend();
                var f = p.Fields;
                ulong local = f.DirtyMask & f.AllMask;
                if (local == 0) continue;
                p.Serialize(deltaWriter.Writer, local);
                deltaWriter.AddWrittenFields(f.ObjectOf(local));
                f.ClearDirty(local);
            }
            if (deltaWriter.IsEmpty) return false;
            return r.Registry.SendUpdate(r, deltaWriter, OrderedUpdates);
        }

        // ---- ownership requests (request mode) -------------------------------------------

        public void Approve(long requester)
        {
            Record.Registry.ApproveOwnership(Record, requester);
            if (requester == answering) answered = true;
        }

        public void Deny(long requester)
        {
            Record.Registry.DenyOwnership(Record, requester);
            if (requester == answering) answered = true;
        }

        /// <summary>
        /// A client asks us, the owner, for the object: runs <paramref name="handlers"/> (which
        /// may call <see cref="Approve"/> or <see cref="Deny"/>), then, if none answered,
        /// approves when <paramref name="autoApprove"/>, or denies when there were no handlers
        /// at all, so the requester is not left waiting.
        /// </summary>
        public void HandleRequest(long requester, bool hasHandlers, Action handlers, bool autoApprove)
        {
            long outer = answering;
            bool outerAnswered = answered;
            answering = requester;
            answered = false;
            try
            {
                if (handlers != null) handlers();
            }
            finally
            {
                bool done = answered;
                answering = outer;
                answered = outerAnswered;
                if (!done && Record != null && IsMine && !Record.IsDestroyed)
                {
                    if (autoApprove) Approve(requester);
                    else if (!hasHandlers) Deny(requester);
                }
            }
        }
    }
}
