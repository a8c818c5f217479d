using System;
using System.Collections.Generic;
using UnityEngine;

namespace Tandem.Unity
{
    /// <summary>
    /// Maps prefab keys (the <c>&lt;prefab&gt;</c> of a <c>10</c> line) to what to spawn:
    /// prefabs listed in the asset, plus code factories registered at runtime (which win).
    /// </summary>
    [CreateAssetMenu(fileName = "NetworkPrefabs", menuName = "Tandem/Network Prefab Registry")]
    public sealed class NetworkPrefabRegistry : ScriptableObject
    {
        /// <summary>One key → prefab pair.</summary>
        [Serializable]
        public sealed class Entry
        {
            [Tooltip("Key sent on the wire (1..128 bytes, no ':'); the same on every client.")]
            public string key;
            public GameObject prefab;
        }

        /// <summary>Creates the GameObject for a key at a pose (a code-built prefab, a pool...).</summary>
        public delegate GameObject Factory(string key, Vector3 position, Quaternion rotation);

        [SerializeField] List<Entry> prefabs = new List<Entry>();

        readonly Dictionary<string, Factory> factories = new Dictionary<string, Factory>();

        public List<Entry> Entries { get { return prefabs; } }

        /// <summary>Adds a prefab at runtime.</summary>
        public void Register(string key, GameObject prefab)
        {
            CheckKey(key);
            if (prefab == null) throw new ArgumentNullException("prefab");
            for (int i = 0; i < prefabs.Count; i++)
                if (prefabs[i].key == key)
                {
                    prefabs[i].prefab = prefab;
                    return;
                }
            prefabs.Add(new Entry { key = key, prefab = prefab });
        }

        /// <summary>Adds a code factory (replaces any earlier one for the key).</summary>
        public void Register(string key, Factory factory)
        {
            CheckKey(key);
            if (factory == null) throw new ArgumentNullException("factory");
            factories[key] = factory;
        }

        public bool Unregister(string key)
        {
            bool removed = factories.Remove(key);
            for (int i = prefabs.Count - 1; i >= 0; i--)
                if (prefabs[i].key == key)
                {
                    prefabs.RemoveAt(i);
                    removed = true;
                }
            return removed;
        }

        public bool Contains(string key)
        {
            if (key == null) return false;
            if (factories.ContainsKey(key)) return true;
            for (int i = 0; i < prefabs.Count; i++)
                if (prefabs[i].key == key && prefabs[i].prefab != null) return true;
            return false;
        }

        /// <summary>Creates the object for a key, or returns null when the key is unknown.</summary>
        public GameObject Create(string key, Vector3 position, Quaternion rotation)
        {
            Factory f;
            if (factories.TryGetValue(key, out f)) return f(key, position, rotation);
            for (int i = 0; i < prefabs.Count; i++)
                if (prefabs[i].key == key && prefabs[i].prefab != null)
                    return Instantiate(prefabs[i].prefab, position, rotation);
            return null;
        }

        static void CheckKey(string key)
        {
            if (string.IsNullOrEmpty(key) || key.Length > 128 || key.IndexOf(':') >= 0 || key.IndexOf('\n') >= 0)
                throw new ArgumentException("prefab keys are 1..128 characters without ':' or line breaks", "key");
        }
    }
}
