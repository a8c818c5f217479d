using System;
using System.Text;

namespace Tandem.Protocol
{
    /// <summary>
    /// Base64 helpers for binary payloads (standard alphabet, '=' padding, RFC 4648).
    /// Decoding is strict: no whitespace, padding required, zero padding bits, so what this accepts is what
    /// the server accepts.
    /// </summary>
    public static class Payload
    {
        static readonly sbyte[] Decode64 = BuildTable();

        static sbyte[] BuildTable()
        {
            var t = new sbyte[128];
            for (int i = 0; i < t.Length; i++) t[i] = -1;
            const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            for (int i = 0; i < alphabet.Length; i++) t[alphabet[i]] = (sbyte)i;
            return t;
        }

        public static string ToBase64(byte[] data) { return Convert.ToBase64String(data ?? new byte[0]); }

        public static string ToBase64(byte[] data, int offset, int count) { return Convert.ToBase64String(data, offset, count); }

        /// <summary>Decodes strict base64. Throws <see cref="FormatException"/> on anything else.</summary>
        public static byte[] FromBase64(string text)
        {
            byte[] buffer = null;
            int n = DecodeBase64(text, ref buffer);
            if (buffer.Length == n) return buffer;
            var result = new byte[n];
            Buffer.BlockCopy(buffer, 0, result, 0, n);
            return result;
        }

        /// <summary>The UTF-8 bytes of a text, base64 encoded: safe in any message field.</summary>
        public static string EncodeText(string text) { return ToBase64(Encoding.UTF8.GetBytes(text ?? "")); }

        public static string DecodeText(string base64) { return Encoding.UTF8.GetString(FromBase64(base64)); }

        /// <summary>
        /// Decodes strict base64 into <paramref name="buffer"/> (grown when too small, so a caller
        /// can reuse one buffer) and returns the byte count.
        /// </summary>
        /// <exception cref="FormatException">bad character, missing padding, or length not a multiple of 4.</exception>
        public static int DecodeBase64(string text, ref byte[] buffer)
        {
            if (text == null) throw new FormatException("base64 text is null");
            int len = text.Length;
            if (len % 4 != 0) throw new FormatException("base64 length " + len + " is not a multiple of 4 (padding is required)");
            int pad = 0;
            if (len > 0 && text[len - 1] == '=') pad++;
            if (len > 1 && text[len - 2] == '=') pad++;
            int outLen = len / 4 * 3 - pad;
            if (buffer == null || buffer.Length < outLen) buffer = new byte[Math.Max(outLen, 16)];
            int o = 0;
            for (int i = 0; i < len; i += 4)
            {
                bool last = i + 4 == len;
                int a = Sextet(text[i]), b = Sextet(text[i + 1]);
                int c = last && pad == 2 ? 0 : Sextet(text[i + 2]);
                int d = last && pad >= 1 ? 0 : Sextet(text[i + 3]);
                // Canonical form only (as the server): the bits after the last byte must be zero.
                if (last && pad == 2 && (b & 0x0F) != 0) throw new FormatException("base64 has non-zero padding bits");
                if (last && pad == 1 && (c & 0x03) != 0) throw new FormatException("base64 has non-zero padding bits");
                int v = (a << 18) | (b << 12) | (c << 6) | d;
                int bytes = last ? 3 - pad : 3;
                buffer[o++] = (byte)(v >> 16);
                if (bytes > 1) buffer[o++] = (byte)(v >> 8);
                if (bytes > 2) buffer[o++] = (byte)v;
            }
            return outLen;
        }

        static int Sextet(char c)
        {
            int v = c < 128 ? Decode64[c] : -1;
            if (v < 0) throw new FormatException("invalid base64 character '" + c + "'");
            return v;
        }
    }
}
