using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Tandem.MessagePack
{
    // Reinterprets float bits without unsafe code or allocation (BitConverter.SingleToInt32Bits
    // is not in the .NET 4.x profile).
    [StructLayout(LayoutKind.Explicit)]
    internal struct FloatBits
    {
        [FieldOffset(0)] public float Single;
        [FieldOffset(0)] public uint Bits;
    }

    /// <summary>
    /// A small MessagePack writer into a reusable, growing byte buffer. Typed methods, no
    /// boxing: writing a field allocates nothing once the buffer has grown to size.
    /// Integers use the smallest encoding; non-negative ones the unsigned formats.
    /// </summary>
    public sealed class MsgPackWriter
    {
        static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, true);

        byte[] buffer;
        int length;

        public MsgPackWriter() : this(256) { }

        public MsgPackWriter(int capacity) { buffer = new byte[Math.Max(16, capacity)]; }

        /// <summary>The underlying buffer; bytes 0..Length-1 are written.</summary>
        public byte[] Buffer { get { return buffer; } }

        public int Length { get { return length; } }

        /// <summary>Forgets what was written, keeping the buffer.</summary>
        public void Clear() { length = 0; }

        public ArraySegment<byte> ToSegment() { return new ArraySegment<byte>(buffer, 0, length); }

        public byte[] ToArray()
        {
            var a = new byte[length];
            System.Buffer.BlockCopy(buffer, 0, a, 0, length);
            return a;
        }

        void Ensure(int extra)
        {
            if (length + extra <= buffer.Length) return;
            int size = buffer.Length * 2;
            while (size < length + extra) size *= 2;
            Array.Resize(ref buffer, size);
        }

        public void WriteNil()
        {
            Ensure(1);
            buffer[length++] = 0xc0;
        }

        public void Write(bool value)
        {
            Ensure(1);
            buffer[length++] = value ? (byte)0xc3 : (byte)0xc2;
        }

        public void Write(int value) { Write((long)value); }

        public void Write(uint value) { Write((ulong)value); }

        public void Write(long value)
        {
            if (value >= 0)
            {
                Write((ulong)value);
                return;
            }
            Ensure(9);
            if (value >= -32)
            {
                buffer[length++] = (byte)(sbyte)value; // negative fixint 0xe0..0xff
            }
            else if (value >= sbyte.MinValue)
            {
                buffer[length++] = 0xd0;
                buffer[length++] = (byte)(sbyte)value;
            }
            else if (value >= short.MinValue)
            {
                buffer[length++] = 0xd1;
                PutBE((ulong)value, 2);
            }
            else if (value >= int.MinValue)
            {
                buffer[length++] = 0xd2;
                PutBE((ulong)value, 4);
            }
            else
            {
                buffer[length++] = 0xd3;
                PutBE((ulong)value, 8);
            }
        }

        public void Write(ulong value)
        {
            Ensure(9);
            if (value <= 0x7f)
            {
                buffer[length++] = (byte)value;
            }
            else if (value <= byte.MaxValue)
            {
                buffer[length++] = 0xcc;
                buffer[length++] = (byte)value;
            }
            else if (value <= ushort.MaxValue)
            {
                buffer[length++] = 0xcd;
                PutBE(value, 2);
            }
            else if (value <= uint.MaxValue)
            {
                buffer[length++] = 0xce;
                PutBE(value, 4);
            }
            else
            {
                buffer[length++] = 0xcf;
                PutBE(value, 8);
            }
        }

        public void Write(float value)
        {
            Ensure(5);
            var bits = new FloatBits { Single = value };
            buffer[length++] = 0xca;
            PutBE(bits.Bits, 4);
        }

        public void Write(double value)
        {
            Ensure(9);
            buffer[length++] = 0xcb;
            PutBE((ulong)BitConverter.DoubleToInt64Bits(value), 8);
        }

        /// <summary>Writes a UTF-8 str; null is written as nil.</summary>
        public void Write(string value)
        {
            if (value == null)
            {
                WriteNil();
                return;
            }
            int n = Utf8.GetByteCount(value);
            WriteStringHeader(n);
            Ensure(n);
            length += Utf8.GetBytes(value, 0, value.Length, buffer, length);
        }

        /// <summary>Writes a str header; the caller then writes <paramref name="byteCount"/> UTF-8 bytes with WriteRaw.</summary>
        public void WriteStringHeader(int byteCount)
        {
            if (byteCount < 0) throw new ArgumentOutOfRangeException("byteCount");
            Ensure(5);
            if (byteCount < 32)
            {
                buffer[length++] = (byte)(0xa0 | byteCount);
            }
            else if (byteCount <= byte.MaxValue)
            {
                buffer[length++] = 0xd9;
                buffer[length++] = (byte)byteCount;
            }
            else if (byteCount <= ushort.MaxValue)
            {
                buffer[length++] = 0xda;
                PutBE((ulong)byteCount, 2);
            }
            else
            {
                buffer[length++] = 0xdb;
                PutBE((ulong)byteCount, 4);
            }
        }

        public void WriteBin(byte[] data) { WriteBin(data, 0, data.Length); }

        public void WriteBin(ArraySegment<byte> data) { WriteBin(data.Array, data.Offset, data.Count); }

        public void WriteBin(byte[] data, int offset, int count)
        {
            Ensure(5 + count);
            if (count <= byte.MaxValue)
            {
                buffer[length++] = 0xc4;
                buffer[length++] = (byte)count;
            }
            else if (count <= ushort.MaxValue)
            {
                buffer[length++] = 0xc5;
                PutBE((ulong)count, 2);
            }
            else
            {
                buffer[length++] = 0xc6;
                PutBE((ulong)count, 4);
            }
            System.Buffer.BlockCopy(data, offset, buffer, length, count);
            length += count;
        }

        /// <summary>Starts an array of <paramref name="count"/> elements; write them next.</summary>
        public void WriteArrayHeader(int count)
        {
            if (count < 0) throw new ArgumentOutOfRangeException("count");
            Ensure(5);
            if (count < 16)
            {
                buffer[length++] = (byte)(0x90 | count);
            }
            else if (count <= ushort.MaxValue)
            {
                buffer[length++] = 0xdc;
                PutBE((ulong)count, 2);
            }
            else
            {
                buffer[length++] = 0xdd;
                PutBE((ulong)count, 4);
            }
        }

        /// <summary>Starts a map of <paramref name="count"/> key/value pairs; write 2*count objects next.</summary>
        public void WriteMapHeader(int count)
        {
            if (count < 0) throw new ArgumentOutOfRangeException("count");
            Ensure(5);
            if (count < 16)
            {
                buffer[length++] = (byte)(0x80 | count);
            }
            else if (count <= ushort.MaxValue)
            {
                buffer[length++] = 0xde;
                PutBE((ulong)count, 2);
            }
            else
            {
                buffer[length++] = 0xdf;
                PutBE((ulong)count, 4);
            }
        }

        /// <summary>Copies bytes as they are (for example an already encoded value).</summary>
        public void WriteRaw(byte[] data, int offset, int count)
        {
            Ensure(count);
            System.Buffer.BlockCopy(data, offset, buffer, length, count);
            length += count;
        }

        public void WriteRaw(ArraySegment<byte> data) { WriteRaw(data.Array, data.Offset, data.Count); }

        void PutBE(ulong v, int bytes)
        {
            for (int i = bytes - 1; i >= 0; i--)
                buffer[length++] = (byte)(v >> (8 * i));
        }
    }
}
