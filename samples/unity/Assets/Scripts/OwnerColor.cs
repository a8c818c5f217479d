using System.Collections.Generic;
using Tandem.Unity;
using UnityEngine;

namespace Tandem.Samples
{
    /// <summary>
    /// Tints the given renderers with the owner's colour (see <see cref="SamplePrefabs.ColorFor"/>)
    /// whenever the owner of this network object changes, and shows the request marker on
    /// objects in request mode.
    /// </summary>
    [DisallowMultipleComponent]
    public sealed class OwnerColor : MonoBehaviour
    {
        readonly List<Renderer> targets = new List<Renderer>();
        NetworkObject net;
        long shownOwner = -1;

        /// <summary>Shown while the object is in request mode (a take asks the owner).</summary>
        public GameObject RequestMarker { get; set; }

        public void AddTarget(Renderer target)
        {
            if (target != null) targets.Add(target);
            shownOwner = -1;
        }

        void Awake()
        {
            net = GetComponent<NetworkObject>();
        }

        void Update()
        {
            if (net == null) return;
            long owner = net.OwnerId;
            if (owner == shownOwner) return;
            shownOwner = owner;
            Color colour = SamplePrefabs.ColorFor(owner);
            foreach (Renderer r in targets)
                if (r != null) r.material.color = colour;
            if (RequestMarker != null)
                RequestMarker.SetActive(net.IsSpawned && net.Mode == OwnershipMode.Request);
        }
    }
}
