using System;
using Tandem.MessagePack;
using Tandem.Protocol;

namespace Tandem
{
    /// <summary>
    /// Builds a delta: call <see cref="BeginField"/> with ascending field numbers and write
    /// exactly one MessagePack value into the returned writer for each. Reusable
    /// (<see cref="Clear"/>).
    /// </summary>
    public sealed class DeltaWriter
    {
        readonly MsgPackWriter writer = new MsgPackWriter(256);
        readonly MsgPackReader checker = new MsgPackReader();
        ulong mask;
        int lastField = -1;

        public ulong Mask { get { return mask; } }

        public MsgPackWriter Writer { get { return writer; } }

        public bool IsEmpty { get { return mask == 0; } }

        public void Clear()
        {
            writer.Clear();
            mask = 0;
            lastField = -1;
        }

        /// <summary>Flags field <paramref name="field"/> and returns the writer for its value.</summary>
        public MsgPackWriter BeginField(int field)
        {
            if (field < 0 || field >= Delta.MaxFields) throw new ArgumentOutOfRangeException("field", "fields are 0..63");
            if (field <= lastField) throw new InvalidOperationException("delta fields must be written in ascending order (" + field + " after " + lastField + ")");
            lastField = field;
            mask |= 1UL << field;
            return writer;
        }

        /// <summary>Adds an already encoded value.</summary>
        public void WriteRawField(int field, ArraySegment<byte> value)
        {
            BeginField(field).WriteRaw(value);
        }

        /// <summary>Marks a block of fields written by someone else into <see cref="Writer"/> (mask bits must be ascending and above those written so far).</summary>
        public void AddWrittenFields(ulong fieldMask)
        {
            if (fieldMask == 0) return;
            int low = 0;
            while ((fieldMask & (1UL << low)) == 0) low++;
            if (low <= lastField) throw new InvalidOperationException("delta fields must be added in ascending order");
            int high = 63;
            while ((fieldMask & (1UL << high)) == 0) high--;
            mask |= fieldMask;
            lastField = high;
        }

        /// <summary>Checks that the data holds one complete value per flagged field, as the server will.</summary>
        /// <exception cref="BadDeltaException">the writer does not match the mask.</exception>
        public void Validate()
        {
            checker.Reset(writer.Buffer, 0, writer.Length);
            int count = Delta.BitCount(mask);
            try
            {
                for (int i = 0; i < count; i++)
                {
                    if (checker.IsAtEnd) throw new BadDeltaException("delta has " + i + " value(s) for " + count + " flagged field(s)");
                    checker.Skip();
                }
            }
            catch (MsgPackException e)
            {
                throw new BadDeltaException("delta holds invalid MessagePack: " + e.Message, e);
            }
            if (!checker.IsAtEnd) throw new BadDeltaException("delta holds more values than its " + count + " flagged field(s)");
        }

        public string MaskText { get { return Delta.FormatMask(mask); } }

        public string DataText { get { return Payload.ToBase64(writer.Buffer, 0, writer.Length); } }
    }
}
