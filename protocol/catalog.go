package protocol

// The catalog lists every message number and code by name. The shared
// vectors (testdata/vectors.txt, kinds "number" and "code") must list the
// same, and a test checks that every Num*, Code* and Close* constant of
// this package is in the catalog, so nothing is added to one side of the
// wire alone: the C# tests read the same vectors.

// NamedNumber is a message number and its constant's name without "Num".
type NamedNumber struct {
	Name string
	Num  int
}

// MessageNumbers returns every message number.
func MessageNumbers() []NamedNumber {
	return []NamedNumber{
		{"Login", NumLogin}, {"Rooms", NumRooms}, {"Join", NumJoin}, {"Message", NumMessage},
		{"Master", NumMaster}, {"Who", NumWho}, {"Ping", NumPing}, {"Closing", NumClosing},
		{"Error", NumError}, {"Instantiate", NumInstantiate}, {"Update", NumUpdate},
		{"Ownership", NumOwnership}, {"OwnRequest", NumOwnRequest}, {"OwnDenied", NumOwnDenied},
		{"Destroy", NumDestroy}, {"ObjMessage", NumObjMessage}, {"Ready", NumReady},
		{"TokenLogin", NumTokenLogin}, {"Resume", NumResume}, {"Activity", NumActivity}, {"Logout", NumLogout},
		{"System", NumSystem}, {"RoomClosed", NumRoomClosed},
	}
}

// ErrorCodes returns every code of "9" error lines.
func ErrorCodes() []Code {
	return []Code{
		CodeBadCommand, CodeUnknownCommand, CodeLineTooLong, CodeNotLoggedIn, CodeAlreadyLoggedIn,
		CodeBadCredentials, CodeLoginThrottled, CodeStoreUnavailable, CodeBadRoomName,
		CodeWrongPassword, CodeAlreadyInRoom, CodeRoomFull, CodeTooManyRooms, CodeNotInRoom,
		CodeUnknownRecipient, CodeRateLimited, CodeSlowConsumer,
		CodeNoSuchObject, CodeNotOwner, CodeStaleGeneration, CodeNotAuthorized, CodeOwnershipFixed,
		CodeOwnerChanged, CodeAlreadyOwner, CodeNoRequest, CodeBadDelta, CodeTooManyObjects,
		CodeStateTooLarge, CodeBanned, CodeBadToken, CodeServerBusy,
	}
}

// ClosingCodes returns every code of "8" closing lines.
func ClosingCodes() []Code {
	return []Code{
		CloseSessionReplaced, CloseServerShutdown, CloseIdleTimeout, CloseLoginTimeout,
		CodeRateLimited, CodeSlowConsumer, CloseKicked, CloseBanned, CloseLoggedOut,
	}
}

// RoomClosedCodes returns every code of "23" room-closed lines.
func RoomClosedCodes() []Code {
	return []Code{RoomClosedByOperator, RoomClosedHomeLost}
}
