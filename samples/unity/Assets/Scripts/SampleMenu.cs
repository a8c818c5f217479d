using Tandem.Unity;
using UnityEngine;
using UnityEngine.SceneManagement;

namespace Tandem.Samples
{
    /// <summary>
    /// Buttons in the top right corner that switch between the three sample scenes (all three
    /// are in the build settings, so this also works in a built player).
    /// </summary>
    [DisallowMultipleComponent]
    public sealed class SampleMenu : MonoBehaviour
    {
        static readonly string[] Scenes = { "LobbyChat", "SharedWorld", "Ownership" };
        static readonly string[] Labels = { "1 Lobby & chat", "2 Shared world", "3 Ownership" };

        void OnGUI()
        {
            const float width = 390f;
            GUILayout.BeginArea(new Rect(Screen.width - width - 10f, 10f, width, 30f));
            GUILayout.BeginHorizontal();
            string current = SceneManager.GetActiveScene().name;
            for (int i = 0; i < Scenes.Length; i++)
            {
                GUI.enabled = Scenes[i] != current;
                if (GUILayout.Button(Labels[i])) Load(Scenes[i]);
            }
            GUI.enabled = true;
            GUILayout.EndHorizontal();
            GUILayout.EndArea();
        }

        static void Load(string scene)
        {
            // Each sample scene has its own NetworkManager (Dont Destroy On Load off, since each
            // joins its own room): destroy this one now, which disconnects it, so it is gone
            // before the next scene's one wakes up (Destroy happens at the end of this frame,
            // LoadScene in the next). With Dont Destroy On Load on, one manager would be kept
            // instead, and the next scene's NetworkManager component would remove itself (only
            // that component; the scene's scripts on the same GameObject stay).
            NetworkManager manager = NetworkManager.Instance;
            if (manager != null) Destroy(manager.gameObject);
            SceneManager.LoadScene(scene);
        }
    }
}
