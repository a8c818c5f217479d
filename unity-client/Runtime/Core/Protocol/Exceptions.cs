using System;

namespace Tandem
{
    /// <summary>Base type of every exception Tandem throws on purpose.</summary>
    public class TandemException : Exception
    {
        public TandemException(string message) : base(message) { }
        public TandemException(string message, Exception inner) : base(message, inner) { }
    }

    /// <summary>A line that does not follow PROTOCOL.md (wrong field count, bad number, unknown letter).</summary>
    public class ProtocolException : TandemException
    {
        public ProtocolException(string message) : base(message) { }
        public ProtocolException(string message, Exception inner) : base(message, inner) { }
    }

    /// <summary>Invalid or truncated MessagePack, or a value of another type than the one asked for.</summary>
    public class MsgPackException : TandemException
    {
        public MsgPackException(string message) : base(message) { }
    }

    /// <summary>A mask/data pair that does not decode (the server's <c>bad_delta</c>).</summary>
    public class BadDeltaException : ProtocolException
    {
        public BadDeltaException(string message) : base(message) { }
        public BadDeltaException(string message, Exception inner) : base(message, inner) { }
    }
}
