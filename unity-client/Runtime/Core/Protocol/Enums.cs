namespace Tandem
{
    /// <summary>Recipients of a room message (<c>3:&lt;target&gt;:...</c>).</summary>
    public enum SendTarget
    {
        Others = Protocol.Target.Others,
        All = Protocol.Target.All,
        OthersOrdered = Protocol.Target.OthersOrdered,
        AllOrdered = Protocol.Target.AllOrdered,
    }

    /// <summary>Recipients of an object message (<c>16:&lt;id&gt;:&lt;target&gt;:...</c>).</summary>
    public enum ObjectMessageTarget
    {
        Others = Protocol.ObjTarget.Others,
        All = Protocol.ObjTarget.All,
        OthersOrdered = Protocol.ObjTarget.OthersOrdered,
        AllOrdered = Protocol.ObjTarget.AllOrdered,
        Owner = Protocol.ObjTarget.Owner,
    }

    /// <summary>Who may take a network object (<c>t</c>, <c>f</c>, <c>r</c>).</summary>
    public enum OwnershipMode
    {
        /// <summary>Anyone may take it.</summary>
        Takeover = 0,
        /// <summary>Only the owner gives it away.</summary>
        Fixed = 1,
        /// <summary>A take asks the owner, who approves or denies.</summary>
        Request = 2,
    }

    /// <summary>What happens to a network object when its creator leaves (<c>p</c>, <c>r</c>).</summary>
    public enum ObjectLifetime
    {
        /// <summary>Destroyed when its creator leaves.</summary>
        Player = 0,
        /// <summary>Stays in the room; falls to the master client when its owner leaves.</summary>
        Room = 1,
    }

    /// <summary>Wire letters of the enums above.</summary>
    public static class ProtocolCodes
    {
        public static string ModeCode(OwnershipMode mode)
        {
            switch (mode)
            {
                case OwnershipMode.Takeover: return "t";
                case OwnershipMode.Fixed: return "f";
                case OwnershipMode.Request: return "r";
            }
            throw new System.ArgumentOutOfRangeException("mode");
        }

        public static OwnershipMode ParseMode(string code)
        {
            switch (code)
            {
                case "t": return OwnershipMode.Takeover;
                case "f": return OwnershipMode.Fixed;
                case "r": return OwnershipMode.Request;
            }
            throw new ProtocolException("unknown ownership mode '" + code + "'");
        }

        public static string LifetimeCode(ObjectLifetime life)
        {
            switch (life)
            {
                case ObjectLifetime.Player: return "p";
                case ObjectLifetime.Room: return "r";
            }
            throw new System.ArgumentOutOfRangeException("life");
        }

        public static ObjectLifetime ParseLifetime(string code)
        {
            switch (code)
            {
                case "p": return ObjectLifetime.Player;
                case "r": return ObjectLifetime.Room;
            }
            throw new ProtocolException("unknown object lifetime '" + code + "'");
        }
    }
}
