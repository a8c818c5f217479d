using System;
using Tandem.MessagePack;
using Tandem.Protocol;

namespace Tandem
{
    /// <summary>
    /// A decoded delta: the mask and, for every set bit, the segment of the data holding that
    /// field's complete MessagePack value. Decoding is as strict as the server's: the value
    /// count must equal the mask's bit count, no trailing bytes, valid MessagePack only.
    /// An instance can be reused with <see cref="DecodeFrom"/> to avoid allocation.
    /// </summary>
    public sealed class Delta
    {
        public const int MaxFields = 64;

        readonly int[] offsets = new int[MaxFields];
        readonly int[] lengths = new int[MaxFields];
        readonly MsgPackReader scanner = new MsgPackReader();
        byte[] data = new byte[64];
        int dataLength;
        ulong mask;

        /// <summary>Bit i set: field i is present.</summary>
        public ulong Mask { get { return mask; } }

        /// <summary>The decoded data; bytes 0..DataLength-1 are valid.</summary>
        public byte[] Data { get { return data; } }

        public int DataLength { get { return dataLength; } }

        public int FieldCount { get { return BitCount(mask); } }

        /// <summary>Decodes a delta from its two wire fields.</summary>
        /// <exception cref="BadDeltaException">anything the server would call bad_delta.</exception>
        public static Delta Decode(string maskText, string dataText)
        {
            var d = new Delta();
            d.DecodeFrom(maskText, dataText);
            return d;
        }

        /// <summary>Decodes into this instance, reusing its buffers.</summary>
        public void DecodeFrom(string maskText, string dataText)
        {
            ulong m = ParseMask(maskText);
            int n;
            try
            {
                n = Payload.DecodeBase64(dataText ?? "", ref data);
            }
            catch (FormatException e)
            {
                Reset();
                throw new BadDeltaException("delta data is not valid base64: " + e.Message, e);
            }
            Index(m, n);
        }

        /// <summary>Sets this delta from raw (already decoded) data, validating it the same way.</summary>
        public void SetRaw(ulong fieldMask, byte[] source, int offset, int count)
        {
            if (data.Length < count) data = new byte[Math.Max(count, data.Length * 2)];
            Buffer.BlockCopy(source, offset, data, 0, count);
            Index(fieldMask, count);
        }

        void Reset()
        {
            mask = 0;
            dataLength = 0;
        }

        void Index(ulong m, int n)
        {
            Reset();
            scanner.Reset(data, 0, n);
            for (int bit = 0; bit < MaxFields; bit++)
            {
                if ((m & (1UL << bit)) == 0) continue;
                if (scanner.IsAtEnd)
                    throw new BadDeltaException("delta mask " + FormatMask(m) + " has more fields than the data holds");
                int from = scanner.Position;
                try
                {
                    scanner.Skip();
                }
                catch (MsgPackException e)
                {
                    throw new BadDeltaException("delta field " + bit + ": " + e.Message, e);
                }
                offsets[bit] = from;
                lengths[bit] = scanner.Position - from;
            }
            if (!scanner.IsAtEnd)
                throw new BadDeltaException("delta data has " + scanner.Remaining + " trailing byte(s) after " + BitCount(m) + " field(s)");
            mask = m;
            dataLength = n;
        }

        public bool HasField(int field)
        {
            return field >= 0 && field < MaxFields && (mask & (1UL << field)) != 0;
        }

        /// <summary>The encoded MessagePack value of a present field.</summary>
        public ArraySegment<byte> GetField(int field)
        {
            if (!HasField(field)) throw new ArgumentException("field " + field + " is not in the delta");
            return new ArraySegment<byte>(data, offsets[field], lengths[field]);
        }

        /// <summary>The segment from the first byte of field <paramref name="first"/> to the last byte of field <paramref name="last"/> that are present.</summary>
        public ArraySegment<byte> GetFieldRange(int first, int last)
        {
            int from = -1, to = -1;
            for (int i = first; i <= last && i < MaxFields; i++)
            {
                if (!HasField(i)) continue;
                if (from < 0) from = offsets[i];
                to = offsets[i] + lengths[i];
            }
            if (from < 0) return new ArraySegment<byte>(data, 0, 0);
            return new ArraySegment<byte>(data, from, to - from);
        }

        /// <summary>The mask as it goes on the wire.</summary>
        public string MaskText { get { return FormatMask(mask); } }

        /// <summary>The data as it goes on the wire.</summary>
        public string DataText { get { return Payload.ToBase64(data, 0, dataLength); } }

        /// <summary>Lowercase hex without leading zeros ("0" for none).</summary>
        public static string FormatMask(ulong m) { return m.ToString("x"); }

        /// <summary>Parses a mask: 1..16 hex digits, either case, leading zeros allowed.</summary>
        /// <exception cref="BadDeltaException">empty, too long, or not hex.</exception>
        public static ulong ParseMask(string text)
        {
            if (string.IsNullOrEmpty(text)) throw new BadDeltaException("delta mask is empty");
            if (text.Length > 16) throw new BadDeltaException("delta mask '" + LineCodec.Truncate(text) + "' is longer than 16 hex digits");
            ulong m = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                int v;
                if (c >= '0' && c <= '9') v = c - '0';
                else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
                else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
                else throw new BadDeltaException("delta mask '" + LineCodec.Truncate(text) + "' is not hexadecimal");
                m = (m << 4) | (uint)v;
            }
            return m;
        }

        public static int BitCount(ulong m)
        {
            int n = 0;
            while (m != 0)
            {
                m &= m - 1;
                n++;
            }
            return n;
        }
    }
}
