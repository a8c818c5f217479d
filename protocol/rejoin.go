package protocol

// Reconnect and resume (PROTOCOL.md "Reconnect and resume").

// Message numbers of resume and member activity.
const (
	// NumResume is "19:<user>:<resume token>": resume a dropped session on a
	// fresh connection instead of logging in.
	NumResume = 19
	// NumActivity is "20:<id>:inactive" / "20:<id>:active" (server → client).
	NumActivity = 20
)

// CodeBadToken refuses a resume or session token: unknown, used, forged,
// expired, ended, or presented for another account.
const CodeBadToken Code = "bad_token"

// Activity states of message 20 and of the "5" member flag.
const (
	ActivityInactive = "inactive"
	ActivityActive   = "active"
)

// AppendSessionTokens is "0:<client id>:<session token>:<resume token>";
// either token may be empty (that kind of token is off, or unchanged).
func AppendSessionTokens(dst []byte, id int64, sessionToken, resumeToken string) []byte {
	dst = FieldInt(Begin(dst, NumLogin), id)
	return End(FieldString(FieldString(dst, sessionToken), resumeToken))
}

// AppendActivity is "20:<id>:inactive" or "20:<id>:active".
func AppendActivity(dst []byte, id int64, active bool) []byte {
	state := ActivityInactive
	if active {
		state = ActivityActive
	}
	return End(FieldString(FieldInt(Begin(dst, NumActivity), id), state))
}
