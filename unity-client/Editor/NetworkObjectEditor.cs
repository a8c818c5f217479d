using Tandem.MessagePack;
using Tandem.Unity;
using UnityEditor;
using UnityEngine;

namespace Tandem.Editor
{
    /// <summary>Shows a NetworkObject's network identity and state fields while playing.</summary>
    [CustomEditor(typeof(NetworkObject))]
    public sealed class NetworkObjectEditor : UnityEditor.Editor
    {
        bool showState = true;

        public override void OnInspectorGUI()
        {
            DrawDefaultInspector();
            if (!Application.isPlaying) return;
            var no = (NetworkObject)target;
            ObjectRecord core = no.Record;
            EditorGUILayout.Space();
            EditorGUILayout.LabelField("Network", EditorStyles.boldLabel);
            if (core == null)
            {
                EditorGUILayout.HelpBox("Not spawned on the network (spawn it with NetworkManager.Instantiate).", MessageType.Info);
                return;
            }
            EditorGUILayout.LabelField("Id", core.IsPending ? "(pending, token " + core.Token + ")" : core.Id);
            EditorGUILayout.LabelField("Prefab", core.Prefab);
            EditorGUILayout.LabelField("Owner", core.Owner.ToString());
            EditorGUILayout.LabelField("Generation", core.Generation.ToString());
            EditorGUILayout.LabelField("IsMine", core.IsMine ? "yes" : "no");
            EditorGUILayout.LabelField("Mode / lifetime", core.Mode + " / " + core.Lifetime);
            if (core.DroppedUpdates > 0) EditorGUILayout.LabelField("Dropped stale updates", core.DroppedUpdates.ToString());

            if (core.IsSpawned() && !core.IsMine && GUILayout.Button("Take ownership")) no.TakeOwnership();

            showState = EditorGUILayout.Foldout(showState, "State fields");
            if (!showState) return;
            EditorGUI.indentLevel++;
            ObjectState state = core.State;
            if (state.Mask == 0) EditorGUILayout.LabelField("(no fields)");
            for (int i = 0; i < Delta.MaxFields; i++)
            {
                if (!state.HasField(i)) continue;
                NetworkBehaviour b = no.BehaviourForField(i);
                string label = "#" + i + (b != null ? " " + b.GetType().Name + "." + (i - b.FieldOffset) : "");
                EditorGUILayout.LabelField(label, MsgPackFormatter.ToDisplayString(state.GetField(i)));
            }
            EditorGUI.indentLevel--;
        }

        public override bool RequiresConstantRepaint() { return Application.isPlaying; }
    }

    static class NetObjectEditorExtensions
    {
        public static bool IsSpawned(this ObjectRecord core) { return !core.IsPending && !core.IsDestroyed; }
    }
}
