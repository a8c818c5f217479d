using Tandem.Unity;
using UnityEditor;
using UnityEngine;

namespace Tandem.Editor
{
    /// <summary>Shows the connection, our client id, the room and its members while playing.</summary>
    [CustomEditor(typeof(NetworkManager))]
    public sealed class NetworkManagerEditor : UnityEditor.Editor
    {
        bool showMembers = true;

        public override void OnInspectorGUI()
        {
            DrawDefaultInspector();
            if (!Application.isPlaying) return;
            var manager = (NetworkManager)target;
            TandemClient client = manager.Client;
            EditorGUILayout.Space();
            EditorGUILayout.LabelField("Connection", EditorStyles.boldLabel);
            EditorGUILayout.LabelField("State", client.State + (client.IsResuming ? " (resuming the session)" : ""));
            EditorGUILayout.LabelField("Client id", client.ClientId == 0 ? "-" : client.ClientId.ToString());
            EditorGUILayout.LabelField("Room", client.CurrentRoom ?? (client.JoiningRoom != null ? "(joining " + client.JoiningRoom + ")" : "-"));
            if (client.IsInRoom)
            {
                EditorGUILayout.LabelField("Room ready", client.IsRoomReady ? "yes" : "no (receiving snapshot)");
                EditorGUILayout.LabelField("Master", client.MasterId + (client.IsMaster ? " (us)" : ""));
                EditorGUILayout.LabelField("Network objects", client.Objects.Count + (client.Objects.PendingCount > 0 ? " + " + client.Objects.PendingCount + " pending" : ""));
                showMembers = EditorGUILayout.Foldout(showMembers, "Members (" + client.MemberIds.Count + ")");
                if (showMembers)
                {
                    EditorGUI.indentLevel++;
                    foreach (long id in client.MemberIds)
                    {
                        string name = client.GetMemberName(id) ?? "?";
                        EditorGUILayout.LabelField(id.ToString(), name + (id == client.ClientId ? " (us)" : "") + (id == client.MasterId ? " [master]" : "") + (client.IsMemberInactive(id) ? " (inactive)" : ""));
                    }
                    EditorGUI.indentLevel--;
                }
            }
            if (client.State == ClientState.Disconnected)
            {
                if (GUILayout.Button("Connect")) manager.Connect();
            }
            else if (GUILayout.Button("Disconnect"))
            {
                manager.Disconnect();
            }
        }

        public override bool RequiresConstantRepaint() { return Application.isPlaying; }
    }
}
