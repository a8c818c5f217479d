package protocol

// Session tokens (PROTOCOL.md "18 log in with a session token", "21 log out").

// Message numbers of token login and logout.
const (
	// NumTokenLogin is "18:<session token>": log in with the session token a
	// password login returned, without the password.
	NumTokenLogin = 18
	// NumLogout is "21": end the session and every session token of the
	// account; answered with "8:logged_out:<text>" and the close.
	NumLogout = 21
)

// CloseLoggedOut closes the connection of a client that logged out.
const CloseLoggedOut Code = "logged_out"

// MaxSessionToken is the longest session token a client may send.
const MaxSessionToken = 512

// ValidSessionToken reports whether t has the form of a session token:
// 1..MaxSessionToken bytes of ASCII letters, digits, '_', '-' and '.'.
// The form only; whether the token is good is the server's to say.
func ValidSessionToken(t []byte) bool {
	if len(t) == 0 || len(t) > MaxSessionToken {
		return false
	}
	for _, ch := range t {
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9',
			ch == '_', ch == '-', ch == '.':
		default:
			return false
		}
	}
	return true
}

// AppendTokenLoginCmd is "18:<session token>".
func AppendTokenLoginCmd(dst []byte, token string) []byte {
	return End(FieldString(Begin(dst, NumTokenLogin), token))
}

// AppendLogoutCmd is "21".
func AppendLogoutCmd(dst []byte) []byte {
	return End(Begin(dst, NumLogout))
}
