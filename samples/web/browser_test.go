package web_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol/client"
	"github.com/tandemnet/tandem/protocol/vectors"
	"github.com/tandemnet/tandem/samples/web"
	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
	"github.com/tandemnet/tandem/server/servertest/browsertest"
)

// position encodes field 0 of a transform: a MessagePack array of three
// float32, as the bots and the Unity NetworkTransform send it.
func position(x, y, z float32) netobj.Delta {
	b := []byte{0x93}
	for _, v := range []float32{x, y, z} {
		b = binary.BigEndian.AppendUint32(append(b, 0xca), math.Float32bits(v))
	}
	return netobj.Delta{Mask: 1, Fields: [][]byte{b}}
}

// The sample page, in a real headless Chromium over WebSocket, and a TCP
// client share a room: the page lists and joins it, sees the TCP client's
// chat and its object moving, and its own chat reaches the TCP client.
func TestBrowserPageAndTCPClientShareARoom(t *testing.T) {
	browser := browsertest.Start(t) // skips without Chromium
	srv := servertest.Start(t, servertest.WithWebSocket(server.WebSocketOptions{Files: web.Files()}))
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()

	// The TCP side: a logged-in client in "plaza" moving one object.
	tcp, err := client.Dial(ctx, srv.Addr)
	require.NoError(t, err)
	defer tcp.Close()
	_, err = tcp.Login(ctx, "walker", "pw-walker")
	require.NoError(t, err)
	_, err = tcp.Join(ctx, "plaza", "")
	require.NoError(t, err)
	obj, err := tcp.Instantiate(ctx, "w1", "Avatar", netobj.ModeTakeover, netobj.LifetimePlayer, position(0, 0, 0))
	require.NoError(t, err)
	var sentX atomic.Uint32 // float32 bits of the last x sent
	moving, stopMoving := context.WithCancel(ctx)
	defer stopMoving()
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for x := float32(0); ; x += 0.05 {
			select {
			case <-moving.Done():
				return
			case <-tick.C:
			}
			if tcp.Update(obj.ID, obj.Gen, position(x, 0, -x/2), false) != nil {
				return
			}
			sentX.Store(math.Float32bits(x))
		}
	}()

	// The browser side: the page served by the WebSocket listener itself,
	// so its Origin is the server's own host.
	pageURL := strings.Replace(strings.TrimSuffix(srv.WSURL, "/ws"), "ws://", "http://", 1) + "/?user=browser"
	b, cancelB := context.WithTimeout(browser, 90*time.Second)
	defer cancelB()
	require.NoError(t, chromedp.Do(b,
		chromedp.Navigate(pageURL),
		chromedp.WaitVisible("#login-form"),
		chromedp.SetValue("#password", "pw-browser"),
		chromedp.Click("#connect"),
		chromedp.WaitVisible("#rooms-panel"),
	), "log in from the page")
	// The room list is read from the database, written in the background:
	// refresh until plaza is listed, then join it from the list (clicked in
	// the same step: a refresh in flight may rebuild the list meanwhile).
	_, err = chromedp.Run(b, chromedp.Poll[bool](`(() => {
		const b = document.querySelector('button[data-room="plaza"]');
		if (b) b.click(); else document.getElementById("refresh").click();
		return !!b;
	})()`, chromedp.WithPollingInterval(300*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err, "plaza in the page's room list")
	require.NoError(t, chromedp.Do(b, chromedp.WaitVisible("#room-panel")), "join plaza from the list")
	browserID, err := chromedp.Run(b, chromedp.Evaluate[int64]("window.tandem.id"))
	require.NoError(t, err)
	require.Positive(t, browserID)

	// Chat from TCP shows in the page.
	require.NoError(t, tcp.Send(0, "hello from tcp"))
	_, err = chromedp.Run(b, chromedp.Poll[bool](
		`document.getElementById("chat-log").textContent.includes("hello from tcp")`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err, "the TCP client's chat in the page")

	// The object moves live in the page: its x keeps up with what is sent.
	row := fmt.Sprintf(`tr[data-id="%s"]`, obj.ID)
	_, err = chromedp.Run(b, chromedp.Poll[bool](fmt.Sprintf(`!!document.querySelector(%q)`, row), chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err, "object row")
	readX := func(above float32) float64 {
		t.Helper()
		x, err := chromedp.Run(b, chromedp.Poll[float64](fmt.Sprintf(`(() => {
			const o = window.tandem.objects.get(%q);
			const p = o && o.fields.get(0);
			return Array.isArray(p) && p[0] > %g ? p[0] : false;
		})()`, obj.ID.String(), above), chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
		require.NoError(t, err, "object x above %g in the page", above)
		return x
	}
	first := readX(math.Float32frombits(sentX.Load()))
	second := readX(float32(first) + 0.5)
	assert.Greater(t, second, first)
	// Read in one step: the page rebuilds the rows on every frame.
	cell, err := chromedp.Run(b, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).textContent`, row+" td:nth-child(5)")))
	require.NoError(t, err)
	assert.Regexp(t, `^0=\[\d+\.\d\d, 0, -\d+\.\d\d\]$`, cell, "state fields decoded from MessagePack")

	// Chat from the page reaches the TCP client.
	require.NoError(t, chromedp.Do(b,
		chromedp.SetValue("#chat-input", "hello from the browser"),
		chromedp.Click("#chat-send"),
	))
	deadline := time.After(20 * time.Second)
	for got := false; !got; {
		select {
		case ev, ok := <-tcp.Events():
			require.True(t, ok, "TCP client closed: %v", tcp.Err())
			if m, ok := ev.(client.MessageReceived); ok && m.Text == "hello from the browser" {
				assert.Equal(t, browserID, m.From)
				got = true
			}
		case <-deadline:
			t.Fatal("the page's chat did not reach the TCP client")
		}
	}
	_, err = chromedp.Run(b, chromedp.Poll[bool](
		`document.getElementById("chat-log").textContent.includes("me: hello from the browser")`,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "own chat echoed in the page")
	browsertest.Screenshot(t, b, "room")
}

// The page's delta decoder (tandem.js mergeDelta) agrees with the shared
// test vectors, run in the browser.
func TestBrowserDecodesSharedDeltaVectors(t *testing.T) {
	browser := browsertest.Start(t)
	srv := servertest.Start(t, servertest.WithWebSocket(server.WebSocketOptions{Files: web.Files()}))
	vecs, err := vectors.Load("delta")
	require.NoError(t, err)
	require.NotEmpty(t, vecs)
	type jsVector struct {
		Name, Mask, Data string
		Bits             []int
		Fields           []string
	}
	var in []jsVector
	for _, v := range vecs {
		require.Len(t, v.Fields, 4, "vectors.txt line %d", v.Line)
		mask, err := strconv.ParseUint(v.Fields[1], 16, 64)
		require.NoError(t, err)
		jv := jsVector{Name: v.Fields[0], Mask: v.Fields[1], Data: v.Fields[2], Bits: []int{}, Fields: []string{}}
		for bit := range 64 {
			if mask&(1<<bit) != 0 {
				jv.Bits = append(jv.Bits, bit)
			}
		}
		if v.Fields[3] != "" {
			jv.Fields = strings.Split(v.Fields[3], ",")
		}
		in = append(in, jv)
	}
	js, err := json.Marshal(in)
	require.NoError(t, err)

	b, cancel := context.WithTimeout(browser, 60*time.Second)
	defer cancel()
	pageURL := strings.Replace(strings.TrimSuffix(srv.WSURL, "/ws"), "ws://", "http://", 1) + "/"
	require.NoError(t, chromedp.Do(b, chromedp.Navigate(pageURL), chromedp.WaitVisible("#login-form")))
	// Each vector: the fields mergeDelta decoded from mask and data, and
	// the same fields decoded one by one from their hex, as JSON.
	type result struct{ Name, Got, Want string }
	got, err := chromedp.Run(b, chromedp.Evaluate[[]result](`(() => {
		const json = (v) => JSON.stringify(v, (_, x) => typeof x === "bigint" ? x.toString() + "n" : x);
		const hex = (h) => Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16));
		return (`+string(js)+`).map((v) => {
			const fields = new Map();
			tandemLib.mergeDelta(fields, v.Mask, v.Data);
			const want = v.Bits.map((bit, i) => [bit, tandemLib.decode(hex(v.Fields[i]))]);
			return { Name: v.Name, Got: json([...fields]), Want: json(want) };
		});
	})()`))
	require.NoError(t, err)
	require.Len(t, got, len(in))
	seenDoc := false
	for _, r := range got {
		assert.Equal(t, r.Want, r.Got, "vector %s", r.Name)
		if r.Name == "doc_example" {
			seenDoc = true
			assert.Equal(t, `[[0,1.5],[3,"hi"]]`, r.Got, "the values PROTOCOL.md names")
		}
	}
	assert.True(t, seenDoc, "vectors.txt has doc_example")
}
