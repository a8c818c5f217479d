// Compile-only stand-in for the Unity Test Framework's runtime assembly
// (UnityEngine.TestRunner): just what Tests/Runtime uses. In Unity, [UnityTest] marks a test
// that runs as a coroutine, one step per frame.
using System;

namespace UnityEngine.TestTools
{
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
    public class UnityTestAttribute : Attribute
    {
    }
}
