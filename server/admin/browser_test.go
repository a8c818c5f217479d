package admin_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/tandemnet/tandem/netobj"
	tclient "github.com/tandemnet/tandem/protocol/client"
	"github.com/tandemnet/tandem/server/servertest/browsertest"
)

// bot is a protocol client that owns an object and moves it: field 0 is a
// counter it increments every tick.
type bot struct {
	c      *tclient.Client
	mu     sync.Mutex
	closed []tclient.RoomClosed
}

func startBot(t *testing.T, ctx context.Context, addr, name, room string) *bot {
	t.Helper()
	c, err := tclient.Dial(ctx, addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	_, err = c.Login(ctx, name, "pw-"+name)
	require.NoError(t, err)
	_, err = c.Join(ctx, room, "")
	require.NoError(t, err)
	enc := func(n int) netobj.Delta {
		v, err := msgpack.Marshal(n)
		require.NoError(t, err)
		d, err := tclient.NewDelta(map[int][]byte{0: v})
		require.NoError(t, err)
		return d
	}
	obj, err := c.Instantiate(ctx, "a", "Avatar", netobj.ModeTakeover, netobj.LifetimePlayer, enc(0))
	require.NoError(t, err)
	b := &bot{c: c}
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for n := 1; ; n++ {
			select {
			case <-ctx.Done():
				return
			case <-c.Done():
				return
			case ev := <-c.Events():
				if rc, ok := ev.(tclient.RoomClosed); ok {
					b.mu.Lock()
					b.closed = append(b.closed, rc)
					b.mu.Unlock()
					return
				}
			case <-tick.C:
				_ = c.Update(obj.ID, obj.Gen, enc(n), false)
			}
		}
	}()
	return b
}

func (b *bot) roomClosed() []tclient.RoomClosed {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]tclient.RoomClosed(nil), b.closed...)
}

// TestConsoleInBrowser is the newcomer's walk through the console in real
// headless Chromium: log in, see the room bots fill, watch their objects
// move, kick a player, close the room.
func TestConsoleInBrowser(t *testing.T) {
	browser := browsertest.Start(t)
	r := newRig(t)
	runCtx, stopRun := context.WithCancel(context.Background())
	defer stopRun()
	go r.console.Run(runCtx)
	r.addAdmin(t, "root")

	bots := []*bot{
		startBot(t, runCtx, r.srv.Addr, "bot1", "arena"),
		startBot(t, runCtx, r.srv.Addr, "bot2", "arena"),
	}
	victim := r.srv.Login(t, "victim") // a raw TCP client, to read the kick line itself
	victim.Join("arena")

	ctx, cancel := context.WithTimeout(browser, 90*time.Second)
	defer cancel()
	base := r.http.URL
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible("#login-name"),
		chromedp.SendKeys("#login-name", "root"),
		chromedp.SendKeys("#login-password", "pw-root"),
		chromedp.Click("#login button[type=submit]"),
		chromedp.WaitVisible("#tile-players"),
	), "log in")
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#tile-players b").textContent === "3"`))
	require.NoError(t, err, "the overview counts the three players")
	browsertest.Screenshot(t, ctx, "overview")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/#/rooms"),
		chromedp.WaitVisible(`tr[data-room="arena"]`),
	), "room list")
	members, err := chromedp.Run(ctx, chromedp.Text(`tr[data-room="arena"] td:nth-child(3)`))
	require.NoError(t, err)
	assert.Equal(t, "3", members)
	browsertest.Screenshot(t, ctx, "rooms")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(`tr[data-room="arena"] a.room-link`),
		chromedp.WaitVisible(`#objects tr[data-object]`),
		chromedp.WaitVisible(`tr[data-member="victim"]`),
	), "open the room")
	objects, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#objects tr[data-object]").length`))
	require.NoError(t, err)
	assert.Equal(t, 2, objects, "one avatar per bot")

	// The state shown follows the bots' updates (the page polls the API).
	fieldSel := `#objects tr[data-object] [data-field="0"]`
	first, err := chromedp.Run(ctx, chromedp.Text(fieldSel))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(first, "0: "), "field 0 decoded: %q", first)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](
		`document.querySelector(`+strconv.Quote(fieldSel)+`).textContent !== `+strconv.Quote(first),
		chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err, "the object's state changed on the page")
	later, err := chromedp.Run(ctx, chromedp.Text(fieldSel))
	require.NoError(t, err)
	t.Logf("field 0 went from %q to %q", first, later)
	browsertest.Screenshot(t, ctx, "room")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(`button[data-kick="victim"]`),
		chromedp.WaitNotPresent(`tr[data-member="victim"]`),
	), "kick")
	got := victim.ExpectClosed()
	require.NotEmpty(t, got)
	assert.Equal(t, "8:kicked:removed by an operator", got[len(got)-1], "the TCP client receives the kick line")
	browsertest.Screenshot(t, ctx, "kicked")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys("#close-text", "maintenance"),
		chromedp.Click("#close-room"),
		chromedp.WaitVisible("#close-room-confirm"),
		chromedp.Click("#close-room-confirm"),
		chromedp.WaitVisible("#rooms"),
		chromedp.WaitNotPresent(`tr[data-room="arena"]`),
	), "close the room")
	browsertest.Screenshot(t, ctx, "closed")
	require.Eventually(t, func() bool {
		for _, b := range bots {
			if len(b.roomClosed()) == 0 {
				return false
			}
		}
		return true
	}, 10*time.Second, 20*time.Millisecond, "every bot is told")
	assert.Equal(t, tclient.RoomClosed{Room: "arena", Code: "closed", Text: "maintenance"}, bots[0].roomClosed()[0])

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/#/audit"),
		chromedp.WaitVisible("#audit"),
	))
	audit, err := chromedp.Run(ctx, chromedp.Text("#audit"))
	require.NoError(t, err)
	assert.Contains(t, audit, "close_room")
	assert.Contains(t, audit, "kick")
	browsertest.Screenshot(t, ctx, "audit")

	// Players: ban bot1 from its page; the ban shows in the list.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/#/player/bot1"),
		chromedp.WaitVisible("#ban-duration"),
		chromedp.SetValue("#ban-duration", "2h"),
		chromedp.SendKeys("#ban-reason", "testing bans"),
		chromedp.Click("#ban"),
		chromedp.WaitVisible("#unban"),
		chromedp.Navigate(base+"/#/players"),
		chromedp.WaitVisible("#bans"),
	), "ban from the player page")
	bansText, err := chromedp.Run(ctx, chromedp.Text("#bans"))
	require.NoError(t, err)
	assert.Contains(t, bansText, "testing bans")
	b, err := r.srv.Store.GetBan(t.Context(), "bot1")
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(2*time.Hour), b.Until, time.Minute)
	browsertest.Screenshot(t, ctx, "players")

	// Log bot2 out everywhere from its page: its session tokens die.
	before, err := r.srv.Store.GetUser(t.Context(), "bot2")
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/#/player/bot2"),
		chromedp.WaitVisible("#end-sessions"),
		chromedp.Click("#end-sessions"),
	), "log out everywhere from the player page")
	require.Eventually(t, func() bool {
		u, err := r.srv.Store.GetUser(t.Context(), "bot2")
		return err == nil && u.SessionGen > before.SessionGen
	}, 10*time.Second, 20*time.Millisecond, "bot2's session tokens were ended")
}
