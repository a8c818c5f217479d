using System;
using System.Collections.Generic;
using Tandem.Unity;
using UnityEngine;

namespace Tandem.Samples
{
    /// <summary>
    /// Button actions collected during OnGUI and run at its end. IMGUI lays controls out in one
    /// event and draws them in the next; an action that changes what is drawn (a log line, a
    /// state change) must not run halfway through an event, or the two passes disagree.
    /// </summary>
    public sealed class DeferredActions
    {
        readonly List<Action> actions = new List<Action>();

        public void Add(Action action) { actions.Add(action); }

        /// <summary>Call as the last thing in OnGUI.</summary>
        public void Run()
        {
            if (actions.Count == 0) return;
            Action[] run = actions.ToArray();
            actions.Clear();
            foreach (Action a in run) a();
        }
    }

    /// <summary>Small IMGUI helpers shared by the sample scenes.</summary>
    public static class SampleGui
    {
        /// <summary>"bob #7", with " (you)" for this client; "#7" until the name is known.</summary>
        public static string PlayerName(NetworkManager manager, long clientId)
        {
            if (clientId <= 0) return "nobody";
            string name = manager.GetMemberName(clientId);
            string text = string.IsNullOrEmpty(name) ? "#" + clientId : name + " #" + clientId;
            return clientId == manager.ClientId ? text + " (you)" : text;
        }

        /// <summary>One line about the connection, for a status panel.</summary>
        public static string ConnectionText(NetworkManager manager)
        {
            switch (manager.State)
            {
                case ClientState.Connecting: return "Connecting to " + manager.Address + ":" + manager.Port + "...";
                case ClientState.Connected: return "Connected, logging in...";
                case ClientState.WaitingToReconnect: return "Connection lost, reconnecting...";
                case ClientState.LoggedIn:
                    if (manager.CurrentRoom != null)
                        return "Room '" + manager.CurrentRoom + "' as " + PlayerName(manager, manager.ClientId);
                    return manager.JoiningRoom != null ? "Joining '" + manager.JoiningRoom + "'..." : "Logged in, not in a room";
                default: return "Disconnected (start a server: go run ./cmd/tandem serve --dev)";
            }
        }

        /// <summary>Connect / Disconnect buttons for scenes that connect on their own.</summary>
        public static void ConnectionButtons(NetworkManager manager, DeferredActions later)
        {
            GUILayout.BeginHorizontal();
            if (manager.State == ClientState.Disconnected)
            {
                if (GUILayout.Button("Connect", GUILayout.Width(100))) later.Add(manager.Connect);
            }
            else if (GUILayout.Button("Disconnect", GUILayout.Width(100)))
            {
                later.Add(manager.Disconnect);
            }
            GUILayout.FlexibleSpace();
            GUILayout.EndHorizontal();
        }

        /// <summary>A bullet in the player's colour, then the text.</summary>
        public static void ColorLabel(Color colour, string text)
        {
            GUILayout.BeginHorizontal();
            Color old = GUI.contentColor;
            GUI.contentColor = colour;
            GUILayout.Label("\u25A0", GUILayout.Width(14));
            GUI.contentColor = old;
            GUILayout.Label(text);
            GUILayout.EndHorizontal();
        }

        /// <summary>A small box with text above a point of the world (nothing if it is behind the camera).</summary>
        public static void LabelAbove(Camera camera, Vector3 world, string text)
        {
            if (camera == null) return;
            Vector3 screen = camera.WorldToScreenPoint(world);
            if (screen.z <= 0f) return;
            GUI.Box(new Rect(screen.x - 75f, Screen.height - screen.y - 11f, 150f, 22f), text);
        }

        /// <summary>A panel background, and the area inside it for GUILayout.</summary>
        public static void BeginPanel(Rect rect)
        {
            GUI.Box(rect, "");
            GUILayout.BeginArea(new Rect(rect.x + 8f, rect.y + 6f, rect.width - 16f, rect.height - 12f));
        }

        public static void EndPanel()
        {
            GUILayout.EndArea();
        }

        /// <summary>True if the mouse is over a GUI rectangle (GUI y runs down, mouse y runs up).</summary>
        public static bool MouseOver(Rect guiRect)
        {
            Vector3 m = SampleInput.PointerPosition;
            return guiRect.Contains(new Vector2(m.x, Screen.height - m.y));
        }
    }
}
