using System;

namespace Tandem
{
    /// <summary>
    /// The merged state of a network object, as the server keeps it: up to 64 fields, each the
    /// raw bytes of one MessagePack value. Merging a delta replaces the flagged fields.
    /// </summary>
    public sealed class ObjectState
    {
        readonly byte[][] fields = new byte[Delta.MaxFields][];
        readonly int[] lengths = new int[Delta.MaxFields];
        ulong mask;

        /// <summary>Bit i set: field i has a value.</summary>
        public ulong Mask { get { return mask; } }

        public bool HasField(int field) { return field >= 0 && field < Delta.MaxFields && (mask & (1UL << field)) != 0; }

        /// <summary>The encoded MessagePack value of a field that has one.</summary>
        public ArraySegment<byte> GetField(int field)
        {
            if (!HasField(field)) throw new ArgumentException("field " + field + " has no value");
            return new ArraySegment<byte>(fields[field], 0, lengths[field]);
        }

        public bool TryGetField(int field, out ArraySegment<byte> value)
        {
            if (!HasField(field))
            {
                value = default(ArraySegment<byte>);
                return false;
            }
            value = new ArraySegment<byte>(fields[field], 0, lengths[field]);
            return true;
        }

        /// <summary>Sets one field to an encoded value (reuses the field's buffer when it fits).</summary>
        public void SetField(int field, ArraySegment<byte> value)
        {
            if (field < 0 || field >= Delta.MaxFields) throw new ArgumentOutOfRangeException("field");
            byte[] b = fields[field];
            if (b == null || b.Length < value.Count) fields[field] = b = new byte[Math.Max(value.Count, 8)];
            Buffer.BlockCopy(value.Array, value.Offset, b, 0, value.Count);
            lengths[field] = value.Count;
            mask |= 1UL << field;
        }

        /// <summary>Merge: every field flagged in the delta replaces the stored one.</summary>
        public void Merge(Delta delta)
        {
            ulong m = delta.Mask;
            for (int i = 0; i < Delta.MaxFields && m != 0; i++)
            {
                if ((m & (1UL << i)) == 0) continue;
                SetField(i, delta.GetField(i));
                m &= ~(1UL << i);
            }
        }

        public void Clear()
        {
            mask = 0;
            for (int i = 0; i < lengths.Length; i++) lengths[i] = 0;
        }

        /// <summary>Writes the whole state (every field that has a value) as a delta.</summary>
        public void WriteTo(DeltaWriter writer)
        {
            for (int i = 0; i < Delta.MaxFields; i++)
                if (HasField(i)) writer.WriteRawField(i, GetField(i));
        }

        /// <summary>True when both hold the same fields with the same bytes.</summary>
        public bool ContentEquals(ObjectState other)
        {
            if (other == null || other.mask != mask) return false;
            for (int i = 0; i < Delta.MaxFields; i++)
            {
                if (!HasField(i)) continue;
                if (lengths[i] != other.lengths[i]) return false;
                for (int j = 0; j < lengths[i]; j++)
                    if (fields[i][j] != other.fields[i][j]) return false;
            }
            return true;
        }
    }
}
