package protocol_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
)

func TestObjectCode(t *testing.T) {
	cases := []struct {
		err  error
		code protocol.Code
	}{
		{nil, ""},
		{errors.New("other"), ""},
		{netobj.ErrBadCommand, "bad_command"},
		{netobj.ErrBadDelta, "bad_delta"},
		{netobj.ErrNoSuchObject, "no_such_object"},
		{netobj.ErrNotOwner, "not_owner"},
		{netobj.ErrStaleGeneration, "stale_generation"},
		{netobj.ErrNotAuthorized, "not_authorized"},
		{netobj.ErrOwnershipFixed, "ownership_fixed"},
		{netobj.ErrOwnerChanged, "owner_changed"},
		{netobj.ErrAlreadyOwner, "already_owner"},
		{netobj.ErrNoRequest, "no_request"},
		{netobj.ErrTooManyObjects, "too_many_objects"},
		{netobj.ErrStateTooLarge, "state_too_large"},
		{fmt.Errorf("update 1.1: %w", fmt.Errorf("deep: %w", netobj.ErrStaleGeneration)), "stale_generation"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.code, protocol.ObjectCode(tc.err), "%v", tc.err)
	}
}
