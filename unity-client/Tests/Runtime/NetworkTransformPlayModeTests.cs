using System.Collections;
using System.Collections.Generic;
using NUnit.Framework;
using Tandem.Protocol;
using Tandem.Unity;
using UnityEngine;
using UnityEngine.TestTools;

namespace Tandem.Tests
{
    /// <summary>
    /// Play-mode tests: the components on real GameObjects, frame by frame in a Unity player
    /// (the Test Runner's PlayMode tab). The logic they adapt is tested under Mono in
    /// Tests/Editor; these check the adapters: NetworkObject finds its behaviours, and
    /// NetworkTransform reads the owner's Transform and moves the remote copy's.
    /// </summary>
    public class NetworkTransformPlayModeTests
    {
        sealed class Sink : ILineSink
        {
            public long LocalClientId { get; set; }
            public readonly List<string> Lines = new List<string>();
            public void SendLine(string line) { Lines.Add(line); }
        }

        readonly List<GameObject> created = new List<GameObject>();

        NetworkObject NewObject(string name)
        {
            var go = new GameObject(name);
            created.Add(go);
            go.AddComponent<NetworkTransform>();
            return go.AddComponent<NetworkObject>();
        }

        [TearDown]
        public void TearDown()
        {
            foreach (var go in created) Object.Destroy(go);
            created.Clear();
        }

        [UnityTest]
        public IEnumerator TheRemoteCopyFollowsTheOwnersTransform()
        {
            var ownerSink = new Sink { LocalClientId = 1 };
            var remoteSink = new Sink { LocalClientId = 2 };
            var ownerRegistry = new ObjectRegistry(ownerSink);
            var remoteRegistry = new ObjectRegistry(remoteSink);
            NetworkObject owner = NewObject("owner");
            NetworkObject remote = NewObject("remote");
            Assert.AreEqual(1, owner.Behaviours.Count, "the NetworkTransform is the object's one behaviour");

            // The owner's instantiate and the server's echo; the remote copy gets the same spawn.
            var initial = new DeltaWriter();
            owner.Sync.WriteFullState(initial);
            owner.Sync.Bind(ownerRegistry.Instantiate("Ball", OwnershipMode.Takeover, ObjectLifetime.Room, initial));
            int n;
            string[] f = LineCodec.SplitClientFields(ownerSink.Lines[0], out n);
            string spawn = "10:1.1:1:1:t:r:Ball:" + f[0] + ":" + f[4] + ":" + f[5];
            ownerRegistry.Handle(LineCodec.ParseServerLine(spawn));
            remoteRegistry.Spawned += r => { remote.Sync.Bind(r); remote.Sync.ApplyState(r.State); };
            remoteRegistry.Updated += (r, d) => remote.Sync.ApplyDelta(d);
            remoteRegistry.Handle(LineCodec.ParseServerLine(spawn));
            ownerSink.Lines.Clear();

            float previous = remote.transform.position.x;
            float largestStep = 0;
            for (int frame = 0; frame < 90; frame++)
            {
                owner.transform.position += new Vector3(2f * Time.deltaTime, 0, 0);
                owner.Sync.Tick(Time.unscaledTime);
                foreach (string line in ownerSink.Lines)
                {
                    string[] u = LineCodec.SplitClientFields(line, out n);
                    remoteRegistry.Handle(LineCodec.ParseServerLine("11:" + u[0] + ":" + u[1] + ":" + u[3] + ":" + u[4]));
                }
                ownerSink.Lines.Clear();
                yield return null; // NetworkTransform.Update interpolates the remote copy
                float x = remote.transform.position.x;
                largestStep = Mathf.Max(largestStep, Mathf.Abs(x - previous));
                previous = x;
            }
            Assert.Greater(remote.transform.position.x, 0.5f, "the remote copy moved with the owner");
            Assert.Less(remote.transform.position.x, owner.transform.position.x, "and trails it by the interpolation delay");
            Assert.Less(largestStep, 0.25f, "without jumps");
        }
    }
}
