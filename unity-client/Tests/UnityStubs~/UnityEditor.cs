// Compile-only stand-ins for the UnityEditor API used by Tandem.Editor (see UnityEngine.cs).
using System;
using UnityEngine;
using Object = UnityEngine.Object;

namespace UnityEditor
{
    public class Editor : ScriptableObject
    {
        public Object target { get; set; }
        public Object[] targets { get { return new Object[0]; } }
        public virtual void OnInspectorGUI() { }
        public virtual bool RequiresConstantRepaint() { return false; }
        public bool DrawDefaultInspector() { return false; }
        public void Repaint() { }
    }

    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public class CustomEditor : Attribute
    {
        public CustomEditor(Type inspectedType) { }
        public CustomEditor(Type inspectedType, bool editorForChildClasses) { }
        public bool isFallback { get; set; }
    }

    public enum MessageType
    {
        None = 0,
        Info = 1,
        Warning = 2,
        Error = 3,
    }

    public sealed class EditorStyles
    {
        public static GUIStyle boldLabel { get { return null; } }
        public static GUIStyle miniLabel { get { return null; } }
    }

    public sealed partial class EditorGUI
    {
        public static int indentLevel { get; set; }
    }

    public sealed partial class EditorGUILayout
    {
        public static void LabelField(string label, params GUILayoutOption[] options) { }
        public static void LabelField(string label, GUIStyle style, params GUILayoutOption[] options) { }
        public static void LabelField(string label, string label2, params GUILayoutOption[] options) { }
        public static void LabelField(string label, string label2, GUIStyle style, params GUILayoutOption[] options) { }
        public static bool Foldout(bool foldout, string content) { return foldout; }
        public static bool Foldout(bool foldout, string content, bool toggleOnLabelClick) { return foldout; }
        public static void HelpBox(string message, MessageType type) { }
        public static void HelpBox(string message, MessageType type, bool wide) { }
        public static void Space() { }
        public static void Space(float width) { }
    }
}
