package bot

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/tandemnet/tandem/cmd/tandem/internal/exitcode"
	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol/client"
	"github.com/tandemnet/tandem/server/servertest"
)

// position decodes field 0 of a transform with an independent MessagePack
// library, so the layout is checked, not just round-tripped.
func position(t *testing.T, d netobj.Delta) ([]float32, bool) {
	t.Helper()
	raw, ok := d.Field(fieldPosition)
	if !ok {
		return nil, false
	}
	var pos []float32
	require.NoError(t, msgpack.Unmarshal(raw, &pos))
	require.Len(t, pos, 3)
	return pos, true
}

func TestBotWandersChatsAndLeaves(t *testing.T) {
	srv := servertest.Start(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*servertest.Timeout)
	defer cancel()
	obs, err := client.Dial(ctx, srv.Addr)
	require.NoError(t, err)
	defer obs.Close()
	_, err = obs.Login(ctx, "observer", "pw")
	require.NoError(t, err)
	_, err = obs.Join(ctx, "plaza", "")
	require.NoError(t, err)

	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"--addr", srv.Addr, "--room", "plaza", "--count", "3",
			"--duration", "1500ms", "--seed", "7"}, &stdout, &stderr)
	}()

	avatars := map[netobj.ID]map[[3]float32]bool{} // distinct positions seen
	chatters := map[int64]bool{}
	destroyed := map[netobj.ID]bool{}
	crates := 0
	code := -1
	for code < 0 || len(destroyed) < len(avatars) {
		select {
		case ev := <-obs.Events():
			switch ev := ev.(type) {
			case client.ObjectSpawned:
				switch ev.Object.Prefab {
				case "Avatar":
					avatars[ev.Object.ID] = map[[3]float32]bool{}
					rot, ok := ev.Object.State.Field(fieldRotation)
					require.True(t, ok)
					var q []float32
					require.NoError(t, msgpack.Unmarshal(rot, &q))
					assert.Len(t, q, 4, "rotation is a quaternion")
					scale, ok := ev.Object.State.Field(fieldScale)
					require.True(t, ok)
					var sc []float32
					require.NoError(t, msgpack.Unmarshal(scale, &sc))
					assert.Equal(t, []float32{1, 1, 1}, sc)
					clock, ok := ev.Object.State.Field(fieldTime)
					require.True(t, ok)
					var sec float64
					require.NoError(t, msgpack.Unmarshal(clock, &sec))
					assert.GreaterOrEqual(t, sec, 0.0)
				case "Crate":
					crates++
					assert.Equal(t, netobj.LifetimeRoom, ev.Object.Life)
				}
			case client.ObjectUpdated:
				if seen, ok := avatars[ev.ID]; ok {
					if p, ok := position(t, ev.Delta); ok {
						seen[[3]float32(p)] = true
					}
				}
			case client.MessageReceived:
				chatters[ev.From] = true
			case client.ObjectDestroyed:
				destroyed[ev.ID] = true
			}
		case code = <-done:
			done = nil
		case <-ctx.Done():
			t.Fatalf("bots did not finish: code %d, %d avatars, %d destroyed", code, len(avatars), len(destroyed))
		}
	}

	assert.Equal(t, exitcode.OK, code, "stderr: %s", stderr.String())
	assert.Empty(t, stderr.String())
	assert.Contains(t, stdout.String(), "tandem bot: 3 bots in \"plaza\"")
	require.Len(t, avatars, 3)
	for id, seen := range avatars {
		assert.Greater(t, len(seen), 5, "avatar %s moves", id)
		assert.True(t, destroyed[id], "avatar %s destroyed when its bot stopped", id)
	}
	assert.Len(t, chatters, 3, "every bot chats")
	assert.Equal(t, 3, crates)
	assert.Len(t, obs.View().Members, 1, "the bots left")
}

func TestBotFlags(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"--count", "2"}, exitcode.Usage},                // no room
		{[]string{"--room", "r", "--count", "0"}, exitcode.Usage}, // no bots
		{[]string{"--room", "r", "--rate", "0"}, exitcode.Usage},  // no rate
		{[]string{"--room", "a:b"}, exitcode.Usage},               // bad room name
		{[]string{"--room", "r", "extra"}, exitcode.Usage},        // stray argument
		{[]string{"--help"}, exitcode.OK},
		{[]string{"--room", "r", "--addr", "127.0.0.1:1"}, exitcode.Fail}, // nobody listening
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := Run(t.Context(), tt.args, &stdout, &stderr)
		assert.Equal(t, tt.code, code, "%v: %s", tt.args, stderr.String())
	}
}

// The transform layout: fixarray of float32, as the Unity side reads it.
func TestBotTransformDelta(t *testing.T) {
	d := transformDelta([3]float32{1.5, 0, -2}, 0, true, 2.5)
	assert.Equal(t, uint64(0xf), d.Mask)
	assert.Equal(t, []byte{0x93, 0xca, 0x3f, 0xc0, 0, 0, 0xca, 0, 0, 0, 0, 0xca, 0xc0, 0, 0, 0}, d.Fields[0])
	assert.Equal(t, []byte{0xcb, 0x40, 0x04, 0, 0, 0, 0, 0, 0}, d.Fields[3], "time: float64 seconds")
	data := d.AppendData(nil)
	back, err := netobj.DecodeDelta(d.AppendMask(nil), data)
	require.NoError(t, err)
	assert.Equal(t, d, back)
}
