using Tandem.Unity;
using UnityEngine;

namespace Tandem.Samples
{
    /// <summary>
    /// The samples' network prefabs, built from primitives at runtime and registered as code
    /// factories, so the project needs no prefab assets. The keys are the ones `tandem bot`
    /// uses: "Avatar" (a player's avatar, takeover, player object) and "Crate" (a shared room
    /// object). Both replicate their pose with a NetworkTransform (fields 0 position, 1
    /// rotation, 2 scale) and show their owner as a colour.
    /// </summary>
    public static class SamplePrefabs
    {
        public const string Avatar = "Avatar";
        public const string Crate = "Crate";

        /// <summary>Registers the factories for every key the samples (and the bots) spawn.</summary>
        public static void Register(NetworkManager manager)
        {
            manager.Prefabs.Register(Avatar, CreateAvatar);
            manager.Prefabs.Register(Crate, CreateCrate);
        }

        /// <summary>A capsule standing on its pivot (bots send y = 0), with a visor showing where it faces (+Z).</summary>
        public static GameObject CreateAvatar(string key, Vector3 position, Quaternion rotation)
        {
            var root = new GameObject(key);
            root.transform.SetPositionAndRotation(position, rotation);
            GameObject body = Part(root.transform, PrimitiveType.Capsule, "Body", new Vector3(0f, 1f, 0f), Vector3.one, true);
            GameObject visor = Part(root.transform, PrimitiveType.Cube, "Visor", new Vector3(0f, 1.5f, 0.4f), new Vector3(0.7f, 0.25f, 0.3f), false);
            visor.GetComponent<Renderer>().material.color = new Color(0.1f, 0.1f, 0.12f);

            root.AddComponent<NetworkObject>();
            root.AddComponent<NetworkTransform>();
            var colour = root.AddComponent<OwnerColor>();
            colour.AddTarget(body.GetComponent<Renderer>());
            return root;
        }

        /// <summary>A unit cube (bots place crates at y = 0.5); request-mode crates carry a marker on top.</summary>
        public static GameObject CreateCrate(string key, Vector3 position, Quaternion rotation)
        {
            GameObject crate = GameObject.CreatePrimitive(PrimitiveType.Cube);
            crate.name = key;
            crate.transform.SetPositionAndRotation(position, rotation);
            GameObject marker = Part(crate.transform, PrimitiveType.Sphere, "Request marker", new Vector3(0f, 0.65f, 0f), new Vector3(0.35f, 0.35f, 0.35f), false);
            marker.GetComponent<Renderer>().material.color = Color.white;
            marker.SetActive(false);

            crate.AddComponent<NetworkObject>();
            crate.AddComponent<NetworkTransform>();
            var colour = crate.AddComponent<OwnerColor>();
            colour.AddTarget(crate.GetComponent<Renderer>());
            colour.RequestMarker = marker;
            return crate;
        }

        /// <summary>A 40 x 40 m floor around the origin (the bots wander within 15 m of it).</summary>
        public static GameObject CreateGround()
        {
            GameObject ground = GameObject.CreatePrimitive(PrimitiveType.Plane);
            ground.name = "Ground";
            ground.transform.localScale = new Vector3(4f, 1f, 4f);
            ground.GetComponent<Renderer>().material.color = new Color(0.32f, 0.36f, 0.33f);
            return ground;
        }

        /// <summary>A stable colour per client id (grey for nobody).</summary>
        public static Color ColorFor(long clientId)
        {
            if (clientId <= 0) return Color.gray;
            double hue = (clientId * 0.6180339887498949) % 1.0;
            return Color.HSVToRGB((float)hue, 0.65f, 0.95f);
        }

        static GameObject Part(Transform parent, PrimitiveType type, string name, Vector3 localPosition, Vector3 localScale, bool keepCollider)
        {
            GameObject part = GameObject.CreatePrimitive(type);
            part.name = name;
            part.transform.SetParent(parent, false);
            part.transform.localPosition = localPosition;
            part.transform.localScale = localScale;
            if (!keepCollider) Object.Destroy(part.GetComponent<Collider>());
            return part;
        }
    }
}
