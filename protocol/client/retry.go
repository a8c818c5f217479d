package client

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/tandemnet/tandem/protocol"
)

// RetryAfter says whether err, returned by a call, asks the client to try
// again, and after how long: the delay a server_busy answer starts with
// (PROTOCOL.md: whole milliseconds, already jittered, or an appointment),
// a second for login_throttled, or a back-off growing with attempt (from
// 1) for a database that did not answer.
func RetryAfter(err error, attempt int) (time.Duration, bool) {
	se, ok := errors.AsType[*ServerError](err)
	if !ok {
		return 0, false
	}
	backoff := time.Duration(min(attempt, 10)) * 100 * time.Millisecond
	switch se.Code {
	case protocol.CodeStoreUnavailable:
		return backoff, true
	case protocol.CodeLoginThrottled:
		return time.Second, true
	case protocol.CodeServerBusy:
		ms, _, _ := strings.Cut(se.Text, " ")
		if v, err := strconv.Atoi(ms); err == nil && v >= 0 {
			return time.Duration(v) * time.Millisecond, true
		}
		return backoff, true
	}
	return 0, false
}

// Retry calls try until it succeeds, fails in a way RetryAfter (or, when
// not nil, also) does not retry, or ctx ends, waiting between tries as
// they say; it returns try's last error. attempt counts from 1.
func Retry(ctx context.Context, try func(attempt int) error, also func(err error, attempt int) (time.Duration, bool)) error {
	for attempt := 1; ; attempt++ {
		err := try(attempt)
		if err == nil {
			return nil
		}
		wait, retry := RetryAfter(err, attempt)
		if !retry && also != nil {
			wait, retry = also(err, attempt)
		}
		if !retry {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}
