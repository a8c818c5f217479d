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

func newListLimiter(l *Limits) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(l.ListsPerSecond), l.ListBurst)
}

// listAllowed applies the per-connection rate of "1" and "5", which have
// their own bucket: they are served from a cache (roomlist.go) but still
// cost a walk over every room. A refused request is not a strike.
func (cl *client) listAllowed(num int) bool {
	if cl.lists.AllowN(time.Unix(0, cl.srv.clock.Load()), 1) {
		return true
	}
	cl.srv.metrics.RateLimited.Inc()
	cl.sendError(num, protocol.CodeRateLimited,
		fmt.Sprintf("at most %g room lists and who requests per second (burst %d)", cl.srv.cfg.Limits.ListsPerSecond, cl.srv.cfg.Limits.ListBurst))
	return false
}
