using System;
using System.Text;

namespace Tandem.MessagePack
{
    /// <summary>The kind of the next MessagePack value.</summary>
    public enum MsgPackType
    {
        Nil,
        Boolean,
        Integer,
        Float,
        String,
        Binary,
        Array,
        Map,
        Extension,
        /// <summary>0xc1, never used by MessagePack.</summary>
        Invalid,
        /// <summary>No bytes left.</summary>
        End,
    }

    /// <summary>
    /// A MessagePack reader over a byte array segment. Reusable (<see cref="Reset"/>) and
    /// allocation free except for <see cref="ReadString"/>. Every error is a
    /// <see cref="MsgPackException"/>; it never reads outside its segment.
    /// </summary>
    public sealed class MsgPackReader
    {
        /// <summary>Deepest nesting of arrays and maps <see cref="Skip"/> accepts.</summary>
        public const int MaxDepth = 256;

        byte[] buffer;
        int start;
        int pos;
        int end;

        public MsgPackReader() { buffer = new byte[0]; }

        public MsgPackReader(byte[] data) : this(data, 0, data.Length) { }

        public MsgPackReader(byte[] data, int offset, int count) { Reset(data, offset, count); }

        public MsgPackReader(ArraySegment<byte> segment) { Reset(segment.Array, segment.Offset, segment.Count); }

        public void Reset(byte[] data, int offset, int count)
        {
            if (data == null) throw new ArgumentNullException("data");
            if (offset < 0 || count < 0 || offset + count > data.Length) throw new ArgumentOutOfRangeException("count");
            buffer = data;
            start = pos = offset;
            end = offset + count;
        }

        public void Reset(ArraySegment<byte> segment) { Reset(segment.Array, segment.Offset, segment.Count); }

        public byte[] Buffer { get { return buffer; } }

        /// <summary>Absolute index in <see cref="Buffer"/> of the next byte.</summary>
        public int Position { get { return pos; } }

        /// <summary>Bytes read since the start of the segment.</summary>
        public int Consumed { get { return pos - start; } }

        public int Remaining { get { return end - pos; } }

        public bool IsAtEnd { get { return pos >= end; } }

        public MsgPackType PeekType()
        {
            if (pos >= end) return MsgPackType.End;
            byte b = buffer[pos];
            if (b <= 0x7f || b >= 0xe0) return MsgPackType.Integer;
            if (b <= 0x8f) return MsgPackType.Map;
            if (b <= 0x9f) return MsgPackType.Array;
            if (b <= 0xbf) return MsgPackType.String;
            switch (b)
            {
                case 0xc0: return MsgPackType.Nil;
                case 0xc1: return MsgPackType.Invalid;
                case 0xc2:
                case 0xc3: return MsgPackType.Boolean;
                case 0xc4:
                case 0xc5:
                case 0xc6: return MsgPackType.Binary;
                case 0xc7:
                case 0xc8:
                case 0xc9: return MsgPackType.Extension;
                case 0xca:
                case 0xcb: return MsgPackType.Float;
                case 0xd4:
                case 0xd5:
                case 0xd6:
                case 0xd7:
                case 0xd8: return MsgPackType.Extension;
                case 0xd9:
                case 0xda:
                case 0xdb: return MsgPackType.String;
                case 0xdc:
                case 0xdd: return MsgPackType.Array;
                case 0xde:
                case 0xdf: return MsgPackType.Map;
            }
            return MsgPackType.Integer; // 0xcc..0xcf, 0xd0..0xd3
        }

        byte Next()
        {
            if (pos >= end) throw new MsgPackException("unexpected end of MessagePack data");
            return buffer[pos++];
        }

        ulong BE(int bytes)
        {
            if (end - pos < bytes) throw new MsgPackException("truncated MessagePack value");
            ulong v = 0;
            for (int i = 0; i < bytes; i++) v = (v << 8) | buffer[pos++];
            return v;
        }

        MsgPackException TypeError(string want)
        {
            return new MsgPackException("expected " + want + ", found " + PeekType() +
                                        (pos < end ? " (0x" + buffer[pos].ToString("x2") + ")" : ""));
        }

        public void ReadNil()
        {
            if (!TryReadNil()) throw TypeError("nil");
        }

        /// <summary>Consumes a nil and returns true, or returns false and consumes nothing.</summary>
        public bool TryReadNil()
        {
            if (pos < end && buffer[pos] == 0xc0)
            {
                pos++;
                return true;
            }
            return false;
        }

        public bool ReadBool()
        {
            if (pos < end && (buffer[pos] == 0xc2 || buffer[pos] == 0xc3)) return buffer[pos++] == 0xc3;
            throw TypeError("bool");
        }

        public long ReadInt64()
        {
            if (PeekType() != MsgPackType.Integer) throw TypeError("int");
            byte b = buffer[pos++];
            if (b <= 0x7f) return b;
            if (b >= 0xe0) return (sbyte)b;
            switch (b)
            {
                case 0xcc: return (long)BE(1);
                case 0xcd: return (long)BE(2);
                case 0xce: return (long)BE(4);
                case 0xcf:
                {
                    ulong u = BE(8);
                    if (u > long.MaxValue) throw new MsgPackException("uint64 " + u + " does not fit in a long");
                    return (long)u;
                }
                case 0xd0: return (sbyte)BE(1);
                case 0xd1: return (short)BE(2);
                case 0xd2: return (int)BE(4);
                default: return (long)BE(8); // 0xd3
            }
        }

        public ulong ReadUInt64()
        {
            if (PeekType() != MsgPackType.Integer) throw TypeError("int");
            byte b = buffer[pos];
            if (b == 0xcf)
            {
                pos++;
                return BE(8);
            }
            int save = pos;
            long v = ReadInt64();
            if (v < 0)
            {
                pos = save;
                throw new MsgPackException("negative integer " + v + " read as unsigned");
            }
            return (ulong)v;
        }

        public int ReadInt32()
        {
            int save = pos;
            long v = ReadInt64();
            if (v < int.MinValue || v > int.MaxValue)
            {
                pos = save;
                throw new MsgPackException("integer " + v + " does not fit in an int");
            }
            return (int)v;
        }

        /// <summary>Reads a float32, or converts a float64 or an integer.</summary>
        public float ReadSingle()
        {
            if (pos < end && buffer[pos] == 0xca)
            {
                pos++;
                var bits = new FloatBits { Bits = (uint)BE(4) };
                return bits.Single;
            }
            return (float)ReadDouble();
        }

        /// <summary>Reads a float64, or converts a float32 or an integer.</summary>
        public double ReadDouble()
        {
            if (pos >= end) throw TypeError("float");
            byte b = buffer[pos];
            if (b == 0xcb)
            {
                pos++;
                return BitConverter.Int64BitsToDouble((long)BE(8));
            }
            if (b == 0xca) return ReadSingle();
            if (PeekType() == MsgPackType.Integer)
            {
                if (b == 0xcf) return ReadUInt64();
                return ReadInt64();
            }
            throw TypeError("float");
        }

        int ReadStringLength()
        {
            if (pos >= end) throw TypeError("str");
            byte b = buffer[pos];
            if (b >= 0xa0 && b <= 0xbf)
            {
                pos++;
                return b & 0x1f;
            }
            switch (b)
            {
                case 0xd9: pos++; return (int)BE(1);
                case 0xda: pos++; return (int)BE(2);
                case 0xdb: pos++; return Length32();
            }
            throw TypeError("str");
        }

        int Length32()
        {
            ulong n = BE(4);
            if (n > int.MaxValue) throw new MsgPackException("length " + n + " too large");
            return (int)n;
        }

        /// <summary>Reads a str (nil reads as null).</summary>
        public string ReadString()
        {
            if (TryReadNil()) return null;
            int save = pos;
            int n = ReadStringLength();
            if (end - pos < n)
            {
                pos = save;
                throw new MsgPackException("truncated str");
            }
            string s = Encoding.UTF8.GetString(buffer, pos, n);
            pos += n;
            return s;
        }

        /// <summary>Reads a str's UTF-8 bytes without decoding them (no allocation).</summary>
        public ArraySegment<byte> ReadStringBytes()
        {
            int save = pos;
            int n = ReadStringLength();
            if (end - pos < n)
            {
                pos = save;
                throw new MsgPackException("truncated str");
            }
            var seg = new ArraySegment<byte>(buffer, pos, n);
            pos += n;
            return seg;
        }

        /// <summary>Reads a bin as a segment of the underlying buffer (no allocation).</summary>
        public ArraySegment<byte> ReadBin()
        {
            if (pos >= end) throw TypeError("bin");
            int save = pos;
            int n;
            switch (buffer[pos])
            {
                case 0xc4: pos++; n = (int)BE(1); break;
                case 0xc5: pos++; n = (int)BE(2); break;
                case 0xc6: pos++; n = Length32(); break;
                default: throw TypeError("bin");
            }
            if (end - pos < n)
            {
                pos = save;
                throw new MsgPackException("truncated bin");
            }
            var seg = new ArraySegment<byte>(buffer, pos, n);
            pos += n;
            return seg;
        }

        public byte[] ReadBinArray()
        {
            var seg = ReadBin();
            var a = new byte[seg.Count];
            System.Buffer.BlockCopy(seg.Array, seg.Offset, a, 0, seg.Count);
            return a;
        }

        public int ReadArrayHeader()
        {
            if (pos >= end) throw TypeError("array");
            byte b = buffer[pos];
            if (b >= 0x90 && b <= 0x9f)
            {
                pos++;
                return b & 0x0f;
            }
            switch (b)
            {
                case 0xdc: pos++; return (int)BE(2);
                case 0xdd: pos++; return Length32();
            }
            throw TypeError("array");
        }

        public int ReadMapHeader()
        {
            if (pos >= end) throw TypeError("map");
            byte b = buffer[pos];
            if (b >= 0x80 && b <= 0x8f)
            {
                pos++;
                return b & 0x0f;
            }
            switch (b)
            {
                case 0xde: pos++; return (int)BE(2);
                case 0xdf: pos++; return Length32();
            }
            throw TypeError("map");
        }

        /// <summary>Skips one complete value (arrays and maps with everything in them).</summary>
        public void Skip() { Skip(0); }

        /// <summary>Skips one complete value and returns the segment it occupied.</summary>
        public ArraySegment<byte> ReadRaw()
        {
            int from = pos;
            Skip(0);
            return new ArraySegment<byte>(buffer, from, pos - from);
        }

        void Skip(int depth)
        {
            if (depth > MaxDepth) throw new MsgPackException("MessagePack nesting deeper than " + MaxDepth);
            byte b = Next();
            if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) return;
            if (b <= 0x8f) { SkipItems(2L * (b & 0x0f), depth); return; }
            if (b <= 0x9f) { SkipItems(b & 0x0f, depth); return; }
            if (b <= 0xbf) { SkipBytes(b & 0x1f); return; }
            switch (b)
            {
                case 0xc1: throw new MsgPackException("0xc1 is not valid MessagePack");
                case 0xc4: case 0xd9: SkipBytes((long)BE(1)); return;
                case 0xc5: case 0xda: SkipBytes((long)BE(2)); return;
                case 0xc6: case 0xdb: SkipBytes((long)BE(4)); return;
                case 0xc7: { long n = (long)BE(1); SkipBytes(1 + n); return; }
                case 0xc8: { long n = (long)BE(2); SkipBytes(1 + n); return; }
                case 0xc9: { long n = (long)BE(4); SkipBytes(1 + n); return; }
                case 0xca: SkipBytes(4); return;
                case 0xcb: SkipBytes(8); return;
                case 0xcc: case 0xd0: SkipBytes(1); return;
                case 0xcd: case 0xd1: SkipBytes(2); return;
                case 0xce: case 0xd2: SkipBytes(4); return;
                case 0xcf: case 0xd3: SkipBytes(8); return;
                case 0xd4: SkipBytes(2); return;
                case 0xd5: SkipBytes(3); return;
                case 0xd6: SkipBytes(5); return;
                case 0xd7: SkipBytes(9); return;
                case 0xd8: SkipBytes(17); return;
                case 0xdc: SkipItems((long)BE(2), depth); return;
                case 0xdd: SkipItems((long)BE(4), depth); return;
                case 0xde: SkipItems(2 * (long)BE(2), depth); return;
                case 0xdf: SkipItems(2 * (long)BE(4), depth); return;
            }
            throw new MsgPackException("invalid MessagePack byte 0x" + b.ToString("x2"));
        }

        void SkipItems(long count, int depth)
        {
            // Every item takes at least one byte: reject impossible counts before looping.
            if (count > end - pos) throw new MsgPackException("truncated MessagePack container");
            for (long i = 0; i < count; i++) Skip(depth + 1);
        }

        void SkipBytes(long n)
        {
            if (n > end - pos) throw new MsgPackException("truncated MessagePack value");
            pos += (int)n;
        }
    }
}
