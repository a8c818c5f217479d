using System;
using System.Globalization;
using System.Text;

namespace Tandem.MessagePack
{
    /// <summary>Renders MessagePack values as short readable text (inspectors, logs, test output).</summary>
    public static class MsgPackFormatter
    {
        public static string ToDisplayString(ArraySegment<byte> value)
        {
            var sb = new StringBuilder();
            try
            {
                var r = new MsgPackReader(value);
                Append(r, sb, 0);
                if (!r.IsAtEnd) sb.Append(" +").Append(r.Remaining).Append(" bytes");
            }
            catch (MsgPackException e)
            {
                sb.Append("<invalid: ").Append(e.Message).Append('>');
            }
            return sb.ToString();
        }

        public static string ToHex(ArraySegment<byte> value)
        {
            var sb = new StringBuilder(value.Count * 2);
            for (int i = 0; i < value.Count; i++) sb.Append(value.Array[value.Offset + i].ToString("x2"));
            return sb.ToString();
        }

        static void Append(MsgPackReader r, StringBuilder sb, int depth)
        {
            if (sb.Length > 200)
            {
                r.Skip();
                return;
            }
            switch (r.PeekType())
            {
                case MsgPackType.Nil: r.ReadNil(); sb.Append("nil"); return;
                case MsgPackType.Boolean: sb.Append(r.ReadBool() ? "true" : "false"); return;
                case MsgPackType.Integer:
                    if (r.Buffer[r.Position] == 0xcf) sb.Append(r.ReadUInt64());
                    else sb.Append(r.ReadInt64());
                    return;
                case MsgPackType.Float:
                    if (r.Buffer[r.Position] == 0xca) sb.Append(r.ReadSingle().ToString("R", CultureInfo.InvariantCulture));
                    else sb.Append(r.ReadDouble().ToString("R", CultureInfo.InvariantCulture));
                    return;
                case MsgPackType.String: sb.Append('"').Append(r.ReadString()).Append('"'); return;
                case MsgPackType.Binary: sb.Append("bin(").Append(ToHex(r.ReadBin())).Append(')'); return;
                case MsgPackType.Array:
                {
                    int n = r.ReadArrayHeader();
                    sb.Append('[');
                    for (int i = 0; i < n; i++)
                    {
                        if (i > 0) sb.Append(", ");
                        Append(r, sb, depth + 1);
                    }
                    sb.Append(']');
                    return;
                }
                case MsgPackType.Map:
                {
                    int n = r.ReadMapHeader();
                    sb.Append('{');
                    for (int i = 0; i < n; i++)
                    {
                        if (i > 0) sb.Append(", ");
                        Append(r, sb, depth + 1);
                        sb.Append(": ");
                        Append(r, sb, depth + 1);
                    }
                    sb.Append('}');
                    return;
                }
                default:
                    sb.Append("ext(").Append(ToHex(r.ReadRaw())).Append(')');
                    return;
            }
        }
    }
}
