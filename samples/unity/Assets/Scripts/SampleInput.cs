using UnityEngine;
#if ENABLE_INPUT_SYSTEM && TANDEM_SAMPLES_INPUT_SYSTEM
using UnityEngine.InputSystem;
#endif

namespace Tandem.Samples
{
    /// <summary>
    /// The one place the samples read the keyboard and mouse, so they run with either of
    /// Unity's input backends (Project Settings → Player → Active Input Handling): the Input
    /// System package when it is enabled and installed (TANDEM_SAMPLES_INPUT_SYSTEM comes from
    /// the asmdef's version define), else the Input Manager. UnityEngine.Input throws when only
    /// the Input System is enabled, so no other sample script touches it.
    /// </summary>
    public static class SampleInput
    {
#if ENABLE_INPUT_SYSTEM && TANDEM_SAMPLES_INPUT_SYSTEM
        /// <summary>WASD or the arrow keys: x right, y forward, each -1..1.</summary>
        public static Vector2 Move()
        {
            Keyboard k = Keyboard.current;
            if (k == null) return Vector2.zero;
            float x = (k.dKey.isPressed || k.rightArrowKey.isPressed ? 1f : 0f) - (k.aKey.isPressed || k.leftArrowKey.isPressed ? 1f : 0f);
            float y = (k.wKey.isPressed || k.upArrowKey.isPressed ? 1f : 0f) - (k.sKey.isPressed || k.downArrowKey.isPressed ? 1f : 0f);
            return new Vector2(x, y);
        }

        /// <summary>The left mouse button is down.</summary>
        public static bool PointerHeld { get { return Mouse.current != null && Mouse.current.leftButton.isPressed; } }

        /// <summary>The left mouse button went down this frame.</summary>
        public static bool PointerPressed { get { return Mouse.current != null && Mouse.current.leftButton.wasPressedThisFrame; } }

        /// <summary>The mouse in screen pixels, y up (as Input.mousePosition).</summary>
        public static Vector3 PointerPosition
        {
            get { return Mouse.current == null ? Vector3.zero : (Vector3)Mouse.current.position.ReadValue(); }
        }
#elif ENABLE_LEGACY_INPUT_MANAGER
        /// <summary>WASD or the arrow keys: x right, y forward, each -1..1.</summary>
        public static Vector2 Move() { return new Vector2(Input.GetAxis("Horizontal"), Input.GetAxis("Vertical")); }

        /// <summary>The left mouse button is down.</summary>
        public static bool PointerHeld { get { return Input.GetMouseButton(0); } }

        /// <summary>The left mouse button went down this frame.</summary>
        public static bool PointerPressed { get { return Input.GetMouseButtonDown(0); } }

        /// <summary>The mouse in screen pixels, y up.</summary>
        public static Vector3 PointerPosition { get { return Input.mousePosition; } }
#else
        // The Input System is enabled but its package is not installed: no input, no errors.
        public static Vector2 Move() { return Vector2.zero; }
        public static bool PointerHeld { get { return false; } }
        public static bool PointerPressed { get { return false; } }
        public static Vector3 PointerPosition { get { return Vector3.zero; } }
#endif
    }
}
