package client

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tandemnet/tandem/protocol"
)

func TestRetryAfter(t *testing.T) {
	busy := func(code protocol.Code, text string) error {
		return fmt.Errorf("login bot1: %w", &ServerError{Command: 0, Code: code, Text: text})
	}
	tests := []struct {
		name    string
		err     error
		attempt int
		wait    time.Duration
		retry   bool
	}{
		{"store busy, first", busy(protocol.CodeStoreUnavailable, "try again later"), 1, 100 * time.Millisecond, true},
		{"store busy, third", busy(protocol.CodeStoreUnavailable, "try again later"), 3, 300 * time.Millisecond, true},
		{"store busy, back-off capped", busy(protocol.CodeStoreUnavailable, "try again later"), 50, time.Second, true},
		{"server busy names its delay", busy("server_busy", "1250 too many logins"), 1, 1250 * time.Millisecond, true},
		{"server busy without a delay", busy("server_busy", "soon"), 2, 200 * time.Millisecond, true},
		{"login throttled: a second", busy(protocol.CodeLoginThrottled, "try again in 3s"), 1, time.Second, true},
		{"bad credentials: no", busy(protocol.CodeBadCredentials, "unknown user"), 1, 0, false},
		{"not a server answer: no", errors.New("dial: refused"), 1, 0, false},
		{"no error: no", nil, 1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wait, retry := RetryAfter(tt.err, tt.attempt)
			assert.Equal(t, tt.retry, retry)
			assert.Equal(t, tt.wait, wait)
		})
	}
}

func TestRetryStopsOnSuccessRefusalOrContext(t *testing.T) {
	busy := &ServerError{Code: protocol.CodeServerBusy, Text: "1 busy"}
	refused := &ServerError{Code: protocol.CodeBadCredentials, Text: "no"}
	tests := []struct {
		name  string
		errs  []error // what each try returns; nil is success
		also  func(error, int) (time.Duration, bool)
		tries int
		want  error
	}{
		{"busy twice then in", []error{busy, busy, nil}, nil, 3, nil},
		{"refused at once", []error{refused}, nil, 1, refused},
		{"also retries what the server did not answer", []error{errors.New("dial"), nil},
			func(error, int) (time.Duration, bool) { return time.Millisecond, true }, 2, nil},
		{"without also a network error stops", []error{errors.New("dial")}, nil, 1, errors.New("dial")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tries := 0
			err := Retry(context.Background(), func(attempt int) error {
				assert.Equal(t, tries+1, attempt)
				tries++
				return tt.errs[tries-1]
			}, tt.also)
			assert.Equal(t, tt.tries, tries)
			assert.Equal(t, fmt.Sprint(tt.want), fmt.Sprint(err))
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Retry(ctx, func(int) error { return &ServerError{Code: protocol.CodeServerBusy, Text: "60000 busy"} }, nil)
	assert.ErrorAs(t, err, new(*ServerError), "a cancelled context ends the wait with the last error")
}
