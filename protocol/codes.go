package protocol

import (
	"errors"

	"github.com/tandemnet/tandem/netobj"
)

// ObjectCode is the one place netobj's errors become protocol codes. It
// returns "" for an error that wraps none of netobj's sentinels.
func ObjectCode(err error) Code {
	for _, m := range objectCodes {
		if errors.Is(err, m.err) {
			return m.code
		}
	}
	return ""
}

var objectCodes = [...]struct {
	err  error
	code Code
}{
	{netobj.ErrBadCommand, CodeBadCommand},
	{netobj.ErrBadDelta, CodeBadDelta},
	{netobj.ErrNoSuchObject, CodeNoSuchObject},
	{netobj.ErrNotOwner, CodeNotOwner},
	{netobj.ErrStaleGeneration, CodeStaleGeneration},
	{netobj.ErrNotAuthorized, CodeNotAuthorized},
	{netobj.ErrOwnershipFixed, CodeOwnershipFixed},
	{netobj.ErrOwnerChanged, CodeOwnerChanged},
	{netobj.ErrAlreadyOwner, CodeAlreadyOwner},
	{netobj.ErrNoRequest, CodeNoRequest},
	{netobj.ErrTooManyObjects, CodeTooManyObjects},
	{netobj.ErrStateTooLarge, CodeStateTooLarge},
}
