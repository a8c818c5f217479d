// Compile-only stand-ins for the parts of the Unity 2021.3 API that Tandem.Unity,
// Tandem.Editor and the sample scripts use. Namespaces, type kinds (class/struct, sealed,
// static), member names, static vs instance, property vs field, parameter and return types
// follow Unity's reference source (UnityCsReference) and the 2021.3 assemblies; see
// Documentation~/unity-api-audit.md for what was checked where. Bodies do nothing useful.
// Unity ignores this folder (its name ends in '~'); CI compiles the Unity layer against it
// to catch API slips. Add a member here only after checking it exists in Unity 2021.3.
using System;
using System.Collections.Generic;

namespace UnityEngine
{
    public partial class Object
    {
        public string name { get; set; }
        public HideFlags hideFlags { get; set; }

        public static T Instantiate<T>(T original, Vector3 position, Quaternion rotation) where T : Object { return original; }
        public static T Instantiate<T>(T original) where T : Object { return original; }
        public static void Destroy(Object obj) { }
        public static void Destroy(Object obj, float t) { }
        public static void DontDestroyOnLoad(Object target) { }
        public int GetInstanceID() { return 0; }

        public static implicit operator bool(Object exists) { return !ReferenceEquals(exists, null); }
        public static bool operator ==(Object x, Object y) { return ReferenceEquals(x, y); }
        public static bool operator !=(Object x, Object y) { return !ReferenceEquals(x, y); }
        public override bool Equals(object other) { return ReferenceEquals(this, other); }
        public override int GetHashCode() { return 0; }
    }

    [Flags]
    public enum HideFlags
    {
        None = 0, HideInHierarchy = 1, HideInInspector = 2, DontSaveInEditor = 4, NotEditable = 8,
        DontSaveInBuild = 16, DontUnloadUnusedAsset = 32, DontSave = 52, HideAndDontSave = 61,
    }

    public class Component : Object
    {
        public Transform transform { get { return null; } }
        public GameObject gameObject { get { return null; } }
        public string tag { get; set; }
        public T GetComponent<T>() { return default(T); }
        public bool TryGetComponent<T>(out T component) { component = default(T); return false; }
        public T GetComponentInParent<T>() { return default(T); }
        public void GetComponents<T>(List<T> results) { }
        public T[] GetComponents<T>() { return new T[0]; }
        public void GetComponentsInChildren<T>(bool includeInactive, List<T> result) { }
        public T[] GetComponentsInChildren<T>(bool includeInactive) { return new T[0]; }
    }

    public class Behaviour : Component
    {
        public bool enabled { get; set; }
        public bool isActiveAndEnabled { get { return true; } }
    }

    public class MonoBehaviour : Behaviour
    {
        public bool useGUILayout { get; set; }
        public static void print(object message) { }
    }

    public sealed class GameObject : Object
    {
        public GameObject() { }
        public GameObject(string name) { }
        public Transform transform { get { return null; } }
        public SceneManagement.Scene scene { get { return default(SceneManagement.Scene); } }
        public bool activeSelf { get { return true; } }
        public void SetActive(bool value) { }
        public T GetComponent<T>() { return default(T); }
        public T AddComponent<T>() where T : Component { return null; }
        public T GetComponentInChildren<T>(bool includeInactive) { return default(T); }
        public static GameObject CreatePrimitive(PrimitiveType type) { return new GameObject(); }
    }

    public partial class Transform : Component
    {
        protected Transform() { }
        public Transform root { get { return null; } }
        public Vector3 position { get; set; }
        public Vector3 localPosition { get; set; }
        public Quaternion rotation { get; set; }
        public Quaternion localRotation { get; set; }
        public Vector3 localScale { get; set; }
        public Transform parent { get; set; }
        public void SetPositionAndRotation(Vector3 position, Quaternion rotation) { }
        public void SetParent(Transform p) { }
        public void SetParent(Transform parent, bool worldPositionStays) { }
    }

    public class ScriptableObject : Object
    {
        public static T CreateInstance<T>() where T : ScriptableObject { return null; }
    }

    public struct Vector3
    {
        public float x;
        public float y;
        public float z;

        public Vector3(float x, float y, float z) { this.x = x; this.y = y; this.z = z; }
        public Vector3(float x, float y) { this.x = x; this.y = y; z = 0f; }

        public static Vector3 zero { get { return new Vector3(0, 0, 0); } }
        public static Vector3 one { get { return new Vector3(1, 1, 1); } }
        public static Vector3 up { get { return new Vector3(0, 1, 0); } }
        public static Vector3 forward { get { return new Vector3(0, 0, 1); } }
        public static Vector3 right { get { return new Vector3(1, 0, 0); } }
        public float magnitude { get { return (float)Math.Sqrt(x * x + y * y + z * z); } }
        public float sqrMagnitude { get { return x * x + y * y + z * z; } }
        public Vector3 normalized { get { return this; } }
        public static Vector3 ClampMagnitude(Vector3 vector, float maxLength) { return vector; }

        public static Vector3 Lerp(Vector3 a, Vector3 b, float t) { return a; }
        public static Vector3 LerpUnclamped(Vector3 a, Vector3 b, float t) { return a; }
        public static float Distance(Vector3 a, Vector3 b) { return 0; }
        public static Vector3 MoveTowards(Vector3 current, Vector3 target, float maxDistanceDelta) { return current; }
        public static Vector3 operator +(Vector3 a, Vector3 b) { return a; }
        public static Vector3 operator -(Vector3 a, Vector3 b) { return a; }
        public static Vector3 operator -(Vector3 a) { return a; }
        public static Vector3 operator *(Vector3 a, float d) { return a; }
        public static Vector3 operator *(float d, Vector3 a) { return a; }
        public static Vector3 operator /(Vector3 a, float d) { return a; }
        public static bool operator ==(Vector3 lhs, Vector3 rhs) { return lhs.x == rhs.x && lhs.y == rhs.y && lhs.z == rhs.z; }
        public static bool operator !=(Vector3 lhs, Vector3 rhs) { return !(lhs == rhs); }
        public override bool Equals(object other) { return other is Vector3 && this == (Vector3)other; }
        public override int GetHashCode() { return 0; }
    }

    public struct Quaternion
    {
        public float x;
        public float y;
        public float z;
        public float w;

        public Quaternion(float x, float y, float z, float w) { this.x = x; this.y = y; this.z = z; this.w = w; }

        public static Quaternion identity { get { return new Quaternion(0, 0, 0, 1); } }
        public Vector3 eulerAngles { get { return Vector3.zero; } set { } }

        public static Quaternion Slerp(Quaternion a, Quaternion b, float t) { return a; }
        public static Quaternion SlerpUnclamped(Quaternion a, Quaternion b, float t) { return a; }
        public static float Angle(Quaternion a, Quaternion b) { return 0; }
        public static Quaternion Euler(float x, float y, float z) { return identity; }
        public static Quaternion Euler(Vector3 euler) { return identity; }
        public static Quaternion AngleAxis(float angle, Vector3 axis) { return identity; }
        public static Quaternion LookRotation(Vector3 forward) { return identity; }
        public static Quaternion LookRotation(Vector3 forward, Vector3 upwards) { return identity; }
        public static Quaternion RotateTowards(Quaternion from, Quaternion to, float maxDegreesDelta) { return to; }
        public static Quaternion operator *(Quaternion lhs, Quaternion rhs) { return lhs; }
        public static Vector3 operator *(Quaternion rotation, Vector3 point) { return point; }
        public static bool operator ==(Quaternion lhs, Quaternion rhs) { return lhs.w == rhs.w; }
        public static bool operator !=(Quaternion lhs, Quaternion rhs) { return !(lhs == rhs); }
        public override bool Equals(object other) { return other is Quaternion && this == (Quaternion)other; }
        public override int GetHashCode() { return 0; }
    }

    // A struct with static members in Unity, not a static class.
    public partial struct Mathf
    {
        public static float Clamp01(float value) { return value < 0 ? 0 : value > 1 ? 1 : value; }
        public static float Clamp(float value, float min, float max) { return value < min ? min : value > max ? max : value; }
        public static int Clamp(int value, int min, int max) { return value < min ? min : value > max ? max : value; }
        public static float Max(float a, float b) { return a > b ? a : b; }
        public static int Max(int a, int b) { return a > b ? a : b; }
        public static float Min(float a, float b) { return a < b ? a : b; }
        public static int Min(int a, int b) { return a < b ? a : b; }
        public static float Abs(float f) { return Math.Abs(f); }
        public static int Abs(int value) { return Math.Abs(value); }
    }

    public class Time
    {
        public static float time { get { return 0; } }
        public static float unscaledTime { get { return 0; } }
        public static float deltaTime { get { return 0; } }
        public static float unscaledDeltaTime { get { return 0; } }
        public static float realtimeSinceStartup { get { return 0; } }
        public static int frameCount { get { return 0; } }
    }

    public partial class Application
    {
        public static bool isPlaying { get { return false; } }
        public static bool runInBackground { get; set; }
    }

    public partial class Debug
    {
        public static void Log(object message) { }
        public static void Log(object message, Object context) { }
        public static void LogWarning(object message) { }
        public static void LogWarning(object message, Object context) { }
        public static void LogError(object message) { }
        public static void LogError(object message, Object context) { }
        public static void LogException(Exception exception) { }
        public static void LogException(Exception exception, Object context) { }
    }

    public sealed class GUILayoutOption { }

    public sealed partial class GUIStyle { }

    public partial class GUILayout
    {
        public static bool Button(string text, params GUILayoutOption[] options) { return false; }
        public static bool Button(string text, GUIStyle style, params GUILayoutOption[] options) { return false; }
        public static void Label(string text, params GUILayoutOption[] options) { }
        public static void Label(string text, GUIStyle style, params GUILayoutOption[] options) { }
        public static void BeginHorizontal(params GUILayoutOption[] options) { }
        public static void EndHorizontal() { }
        public static void BeginVertical(params GUILayoutOption[] options) { }
        public static void EndVertical() { }
        public static void BeginArea(Rect screenRect) { }
        public static void EndArea() { }
        public static Vector2 BeginScrollView(Vector2 scrollPosition, params GUILayoutOption[] options) { return scrollPosition; }
        public static void EndScrollView() { }
        public static string TextField(string text, params GUILayoutOption[] options) { return text; }
        public static string TextField(string text, int maxLength, params GUILayoutOption[] options) { return text; }
        public static string PasswordField(string password, char maskChar, params GUILayoutOption[] options) { return password; }
        public static bool Toggle(bool value, string text, params GUILayoutOption[] options) { return value; }
        public static void Space(float pixels) { }
        public static void FlexibleSpace() { }
        public static GUILayoutOption Width(float width) { return null; }
        public static GUILayoutOption MinWidth(float minWidth) { return null; }
        public static GUILayoutOption Height(float height) { return null; }
        public static GUILayoutOption ExpandWidth(bool expand) { return null; }
    }

    // ---- used by the samples (samples/unity/Assets/Scripts) ----------------------------

    public enum PrimitiveType
    {
        Sphere = 0,
        Capsule = 1,
        Cylinder = 2,
        Cube = 3,
        Plane = 4,
        Quad = 5,
    }

    public struct Vector2
    {
        public float x;
        public float y;

        public Vector2(float x, float y) { this.x = x; this.y = y; }

        public static Vector2 zero { get { return new Vector2(0, 0); } }
        public static implicit operator Vector2(Vector3 v) { return new Vector2(v.x, v.y); }
        public static implicit operator Vector3(Vector2 v) { return new Vector3(v.x, v.y, 0f); }
    }

    public struct Rect
    {
        public Rect(float x, float y, float width, float height) : this() { this.x = x; this.y = y; this.width = width; this.height = height; }

        public float x { get; set; }
        public float y { get; set; }
        public float width { get; set; }
        public float height { get; set; }

        public bool Contains(Vector2 point) { return point.x >= x && point.x < x + width && point.y >= y && point.y < y + height; }
        public bool Contains(Vector3 point) { return point.x >= x && point.x < x + width && point.y >= y && point.y < y + height; }
    }

    public struct Color
    {
        public float r;
        public float g;
        public float b;
        public float a;

        public Color(float r, float g, float b, float a) { this.r = r; this.g = g; this.b = b; this.a = a; }
        public Color(float r, float g, float b) { this.r = r; this.g = g; this.b = b; this.a = 1f; }

        public static Color white { get { return new Color(1f, 1f, 1f, 1f); } }
        public static Color black { get { return new Color(0f, 0f, 0f, 1f); } }
        public static Color gray { get { return new Color(.5f, .5f, .5f, 1f); } }
        public static Color HSVToRGB(float H, float S, float V) { return white; }
    }

    public struct Ray
    {
        public Ray(Vector3 origin, Vector3 direction) : this() { this.origin = origin; this.direction = direction; }

        public Vector3 origin { get; set; }
        public Vector3 direction { get; set; }
        public Vector3 GetPoint(float distance) { return origin; }
    }

    public struct Plane
    {
        public Plane(Vector3 inNormal, Vector3 inPoint) { }

        public bool Raycast(Ray ray, out float enter) { enter = 0f; return false; }
    }

    public struct RaycastHit
    {
        public Collider collider { get { return null; } }
        public Vector3 point { get; set; }
        public float distance { get; set; }
        public Transform transform { get { return null; } }
    }

    public class Physics
    {
        public static bool Raycast(Ray ray, out RaycastHit hitInfo, float maxDistance) { hitInfo = default(RaycastHit); return false; }
    }

    public partial class Collider : Component
    {
        public bool enabled { get; set; }
    }

    public partial class Renderer : Component
    {
        public bool enabled { get; set; }
        public Material material { get; set; }
    }

    // As in Unity: a material is made from a shader or copied from another; there is no
    // parameterless constructor.
    public partial class Material : Object
    {
        public Material(Shader shader) { }
        public Material(Material source) { }
        public Color color { get; set; }
    }

    public sealed partial class Shader : Object
    {
        Shader() { }
        public static Shader Find(string name) { return null; }
    }

    public sealed partial class Camera : Behaviour
    {
        public static Camera main { get { return null; } }
        public Ray ScreenPointToRay(Vector3 pos) { return new Ray(pos, Vector3.forward); }
        public Vector3 WorldToScreenPoint(Vector3 position) { return position; }
    }

    public sealed class Screen
    {
        public static int width { get { return 0; } }
        public static int height { get { return 0; } }
    }

    public partial class Input
    {
        public static float GetAxis(string axisName) { return 0; }
        public static bool GetMouseButton(int button) { return false; }
        public static bool GetMouseButtonDown(int button) { return false; }
        public static bool GetMouseButtonUp(int button) { return false; }
        public static Vector3 mousePosition { get { return Vector3.zero; } }
    }

    public static partial class Random
    {
        public static float Range(float minInclusive, float maxInclusive) { return minInclusive; }
        public static int Range(int minInclusive, int maxExclusive) { return minInclusive; }
    }

    public enum KeyCode
    {
        None = 0,
        Backspace = 8,
        Tab = 9,
        Return = 13,
        Escape = 27,
        Space = 32,
        KeypadEnter = 271,
    }

    public enum EventType
    {
        MouseDown = 0,
        MouseUp = 1,
        MouseMove = 2,
        MouseDrag = 3,
        KeyDown = 4,
        KeyUp = 5,
        ScrollWheel = 6,
        Repaint = 7,
        Layout = 8,
        DragUpdated = 9,
        DragPerform = 10,
        Ignore = 11,
        Used = 12,
        ValidateCommand = 13,
        ExecuteCommand = 14,
        DragExited = 15,
        ContextClick = 16,
    }

    public sealed partial class Event
    {
        public static Event current { get { return null; } set { } }
        public EventType type { get; set; }
        public KeyCode keyCode { get; set; }
        public void Use() { }
    }

    public partial class GUI
    {
        public static Color color { get; set; }
        public static Color backgroundColor { get; set; }
        public static Color contentColor { get; set; }
        public static bool enabled { get; set; }
        public static void Label(Rect position, string text) { }
        public static void Box(Rect position, string text) { }
        public static void SetNextControlName(string name) { }
        public static string GetNameOfFocusedControl() { return ""; }
        public static void FocusControl(string name) { }
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public abstract class PropertyAttribute : Attribute
    {
        protected PropertyAttribute() { }
        public int order { get; set; }
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public sealed class SerializeField : Attribute { }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public sealed class HideInInspector : Attribute { }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = true)]
    public class HeaderAttribute : PropertyAttribute
    {
        public readonly string header;
        public HeaderAttribute(string header) { this.header = header; }
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public class TooltipAttribute : PropertyAttribute
    {
        public readonly string tooltip;
        public TooltipAttribute(string tooltip) { this.tooltip = tooltip; }
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public sealed class RangeAttribute : PropertyAttribute
    {
        public readonly float min;
        public readonly float max;
        public RangeAttribute(float min, float max) { this.min = min; this.max = max; }
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public sealed class MinAttribute : PropertyAttribute
    {
        public readonly float min;
        public MinAttribute(float min) { this.min = min; }
    }

    // No AttributeUsage in Unity either.
    public sealed class AddComponentMenu : Attribute
    {
        public AddComponentMenu(string menuName) { componentMenu = menuName; }
        public AddComponentMenu(string menuName, int order) { componentMenu = menuName; componentOrder = order; }
        public string componentMenu { get; private set; }
        public int componentOrder { get; private set; }
    }

    [AttributeUsage(AttributeTargets.Class, Inherited = false)]
    public sealed class DisallowMultipleComponent : Attribute { }

    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
    public sealed class RequireComponent : Attribute
    {
        public Type m_Type0;
        public Type m_Type1;
        public Type m_Type2;
        public RequireComponent(Type requiredComponent) { m_Type0 = requiredComponent; }
        public RequireComponent(Type requiredComponent, Type requiredComponent2) { m_Type0 = requiredComponent; m_Type1 = requiredComponent2; }
    }

    public enum RuntimeInitializeLoadType
    {
        AfterSceneLoad = 0,
        BeforeSceneLoad,
        AfterAssembliesLoaded,
        BeforeSplashScreen,
        SubsystemRegistration,
    }

    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
    public class RuntimeInitializeOnLoadMethodAttribute : Scripting.PreserveAttribute
    {
        public RuntimeInitializeOnLoadMethodAttribute() { }
        public RuntimeInitializeOnLoadMethodAttribute(RuntimeInitializeLoadType loadType) { this.loadType = loadType; }
        public RuntimeInitializeLoadType loadType { get; private set; }
    }

    [AttributeUsage(AttributeTargets.Class)]
    public class DefaultExecutionOrder : Attribute
    {
        public DefaultExecutionOrder(int order) { this.order = order; }
        public int order { get; private set; }
    }

    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class CreateAssetMenuAttribute : Attribute
    {
        public string menuName { get; set; }
        public string fileName { get; set; }
        public int order { get; set; }
    }
}

namespace UnityEngine.Scripting
{
    [AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Enum |
                    AttributeTargets.Constructor | AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Field |
                    AttributeTargets.Event | AttributeTargets.Interface | AttributeTargets.Delegate, Inherited = false)]
    public class PreserveAttribute : Attribute { }
}

namespace UnityEngine.Events
{
    public delegate void UnityAction();
    public delegate void UnityAction<T0>(T0 arg0);
    public delegate void UnityAction<T0, T1>(T0 arg0, T1 arg1);

    [Serializable]
    public abstract class UnityEventBase
    {
        public void RemoveAllListeners() { }
        public int GetPersistentEventCount() { return 0; }
    }

    [Serializable]
    public class UnityEvent : UnityEventBase
    {
        public UnityEvent() { }
        public void AddListener(UnityAction call) { }
        public void RemoveListener(UnityAction call) { }
        public void Invoke() { }
    }

    [Serializable]
    public class UnityEvent<T0> : UnityEventBase
    {
        public UnityEvent() { }
        public void AddListener(UnityAction<T0> call) { }
        public void RemoveListener(UnityAction<T0> call) { }
        public void Invoke(T0 arg0) { }
    }

    [Serializable]
    public class UnityEvent<T0, T1> : UnityEventBase
    {
        public UnityEvent() { }
        public void AddListener(UnityAction<T0, T1> call) { }
        public void RemoveListener(UnityAction<T0, T1> call) { }
        public void Invoke(T0 arg0, T1 arg1) { }
    }
}

namespace UnityEngine.SceneManagement
{
    public partial struct Scene
    {
        public string name { get { return ""; } set { } }
        public int handle { get { return 0; } }
        public static bool operator ==(Scene lhs, Scene rhs) { return lhs.handle == rhs.handle; }
        public static bool operator !=(Scene lhs, Scene rhs) { return lhs.handle != rhs.handle; }
        public override bool Equals(object other) { return other is Scene && this == (Scene)other; }
        public override int GetHashCode() { return handle; }
    }

    public partial class SceneManager
    {
        public static Scene GetActiveScene() { return default(Scene); }
        public static void LoadScene(string sceneName) { }
    }
}
