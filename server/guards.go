package server

import (
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"github.com/tandemnet/tandem/protocol"
)

// Per-client guards against commands that are cheap to send and dear to
// serve (PROTOCOL.md "Abuse limits").

func newJoinLimiter(l *Limits) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(l.JoinsPerSecond), l.JoinBurst)
}

// joinAllowed applies the per-connection join rate: a join/leave loop on a
// room with a big snapshot would otherwise make the server send snapshot
// after snapshot. (Each snapshot is also charged to the joiner's fan-out
// budget, conn.switchRoom.) A refused join changes nothing.
func (cl *client) joinAllowed() bool {
	now := time.Unix(0, cl.srv.clock.Load())
	if cl.joins.AllowN(now, 1) {
		return true
	}
	cl.srv.metrics.RateLimited.Inc()
	cl.sendError(protocol.NumJoin, protocol.CodeRateLimited,
		fmt.Sprintf("at most %g joins per second (burst %d); the join was refused", cl.srv.cfg.Limits.JoinsPerSecond, cl.srv.cfg.Limits.JoinBurst))
	return false
}
