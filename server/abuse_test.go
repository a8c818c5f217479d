package server_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
)

// Attacks of one client against the others (issue 14). Each test runs the
// attack over TCP and checks that only the attacker pays for it.

func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// 3:4 listing the victim 256 times with a 60 KB message used to queue
// 15 MB for the victim, who was cut as a slow consumer.
func TestRepeatedRecipientIsDeliveredOnce(t *testing.T) {
	srv := servertest.Start(t)
	attacker, victim := srv.Login(t, "attacker"), srv.Login(t, "victim")
	victim.Join("r")
	attacker.Join("r")
	victim.Expect("2:" + id(attacker) + ":r")
	ids := strings.TrimSuffix(strings.Repeat(id(victim)+":", 256), ":")
	payload := strings.Repeat("x", 60000)
	for _, target := range []string{"4", "5"} {
		attacker.Send("3:" + target + ":" + ids + ":" + payload)
		got := servertest.SyncAfter("after-"+target, attacker, victim)
		assert.Empty(t, got[attacker], "no error for the sender")
		require.Len(t, got[victim], 1, "one copy, whatever the repeats")
		assert.Equal(t, "3:"+id(attacker)+":"+payload, got[victim][0])
	}
}

// Amplification is charged to the amplifier: a sender whose messages make
// the server queue more than its fan-out budget for others has its lines
// refused, and the others receive only what the budget allowed.
func TestFanoutIsChargedToTheSender(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.FanoutBytesPerSecond = 10 << 10
		c.Limits.FanoutByteBurst = 100 << 10
		c.Limits.RateStrikes = 1000
	}))
	sender := srv.Login(t, "sender")
	others := []*servertest.Client{srv.Login(t, "o1"), srv.Login(t, "o2"), srv.Login(t, "o3")}
	sender.Join("r")
	for _, o := range others {
		o.Join("r")
	}
	payload := strings.Repeat("y", 10000) // ×4 recipients (self included) = 40 KB a message
	for i := 0; i < 20; i++ {
		sender.Send("3:1:" + payload)
	}
	got := sender.Sync("done")
	limited := countPrefix(got, "9:3:rate_limited:")
	delivered := countPrefix(got, "3:"+id(sender)+":")
	assert.Positive(t, limited, "the sender is refused once over budget")
	assert.LessOrEqual(t, delivered, 4, "about burst / cost messages went out")
	assert.Equal(t, 20, limited+delivered)
	for _, o := range others {
		lines := o.Sync("done")
		assert.Equal(t, delivered, countPrefix(lines, "3:"+id(sender)+":"))
	}
}
