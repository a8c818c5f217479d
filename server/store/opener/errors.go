package opener

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Error is a store that could not be opened, told the way an operator needs
// it: which database (password redacted), why, and what to do about it.
type Error struct {
	Kind   string // "sqlite", "postgres" or "" for a --db value of no known kind
	DB     string // the file path, or the URL with its password redacted
	Reason string // what is wrong, in a few words
	Fix    string // what to do about it; may be empty
	// Retryable is true only for failures that can heal on their own: the
	// database refusing connections, a timeout, a server still starting up,
	// a file locked by another process. Everything else fails at once.
	Retryable bool
	Err       error // the underlying error; may be nil
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Kind == "" {
		fmt.Fprintf(&b, "--db %s: %s", e.DB, e.Reason)
	} else {
		fmt.Fprintf(&b, "open %s store %s: %s", e.Kind, e.DB, e.Reason)
	}
	if e.Fix != "" {
		b.WriteString("; ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether err, from Open, may heal if the caller waits
// and tries again. Errors that Open did not classify are not retryable.
func Retryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable
}

// supportedKinds is said whenever a --db value is of no known kind.
const supportedKinds = "--db takes a SQLite file path (e.g. ./tandem.db) or a postgres:// (or postgresql://) URL"

// unsupportedScheme returns the scheme of a URL-looking dsn that is not
// PostgreSQL ("mysql" for "mysql://..."), or "". A path such as
// "/var/lib/x://y" is not a URL: the scheme must be letters and digits.
func unsupportedScheme(dsn string) string {
	scheme, _, ok := strings.Cut(dsn, "://")
	if !ok || scheme == "" || IsPostgres(dsn) {
		return ""
	}
	for i, r := range scheme {
		letter := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
		if !letter && (i == 0 || !('0' <= r && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return ""
		}
	}
	return scheme
}

// checkSQLitePath finds, before SQLite does, the path mistakes that SQLite
// would only report as "unable to open database file".
func checkSQLitePath(path string) *Error {
	e := &Error{Kind: "sqlite", DB: fmt.Sprintf("%q", path)}
	if path == "" {
		e.Reason, e.Fix = "empty path", supportedKinds
		return e
	}
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			e.Reason = "this is a directory, not a database file"
			e.Fix = fmt.Sprintf("name a file in it, e.g. --db %s", filepath.Join(path, "tandem.db"))
			return e
		}
		return nil
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		e.Reason = fmt.Sprintf("directory %s does not exist", dir)
		e.Fix = fmt.Sprintf("create it (mkdir -p %s) or choose another --db", dir)
		e.Err = err
		return e
	case err != nil:
		e.Reason = fmt.Sprintf("cannot reach directory %s: %v", dir, err)
		e.Err = err
		return e
	case !fi.IsDir():
		e.Reason = fmt.Sprintf("%s is not a directory", dir)
		e.Fix = "choose a --db path inside a directory"
		return e
	}
	return nil
}

// sqliteError explains an error of sqlitestore.Open on path.
func sqliteError(path string, err error) *Error {
	e := &Error{Kind: "sqlite", DB: fmt.Sprintf("%q", path), Err: err}
	var se *sqlite.Error
	code := 0
	if errors.As(err, &se) {
		code = se.Code() & 0xff
	}
	switch code {
	case sqlite3.SQLITE_NOTADB:
		e.Reason = "the file is not a SQLite database"
		e.Fix = "point --db at a Tandem database, or at a path that does not exist yet to create one"
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_AUTH:
		e.Reason = "cannot open or write the file"
		e.Fix = "check that the file and its directory are writable by this user"
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		e.Reason = "the file is locked by another process"
		e.Retryable = true
	default:
		e.Reason = err.Error()
	}
	return e
}

// Retryable PostgreSQL error codes: the server exists but cannot take
// this connection now.
var pgRetryable = map[string]string{
	"57P03": "the database system is starting up",
	"53300": "too many connections",
	"57P01": "the server is shutting down",
	"57P02": "the server is restarting after a crash",
}

// postgresError explains an error of pgstore.Open on dsn.
func postgresError(dsn string, err error) *Error {
	e := &Error{Kind: "postgres", DB: Redact(dsn), Err: err}
	cfg, cerr := pgconn.ParseConfig(dsn)
	if cerr != nil {
		e.Reason = "malformed URL (" + cerr.Error() + ")"
		e.Fix = "write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE"
		return e
	}
	host := fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
	var pe *pgconn.PgError
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.As(err, &pe):
		if why, ok := pgRetryable[pe.Code]; ok {
			e.Reason, e.Retryable = why, true
			return e
		}
		switch pe.Code {
		case "3D000": // invalid_catalog_name
			e.Reason = fmt.Sprintf("database %q does not exist", cfg.Database)
			e.Fix = fmt.Sprintf("create it: createdb -h %s -p %d -U %s %s", cfg.Host, cfg.Port, cfg.User, cfg.Database)
		case "28000": // invalid_authorization_specification: unknown role, no pg_hba.conf entry
			e.Reason = pe.Message
			e.Fix = fmt.Sprintf("create the role (createuser -h %s -p %d -U postgres %s) or allow it in pg_hba.conf", cfg.Host, cfg.Port, cfg.User)
		case "28P01": // invalid_password
			e.Reason = fmt.Sprintf("password authentication failed for user %q", cfg.User)
			e.Fix = "check the password in the URL"
		case "42501": // insufficient_privilege, e.g. while migrating
			e.Reason = pe.Message
			e.Fix = fmt.Sprintf("let user %q create tables in database %q (or run the first start as its owner)", cfg.User, cfg.Database)
		default:
			e.Reason = fmt.Sprintf("%s (SQLSTATE %s)", pe.Message, pe.Code)
		}
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Reason = fmt.Sprintf("connection refused at %s", host)
		e.Fix = "is PostgreSQL running and listening there?"
		e.Retryable = true
	case errors.Is(err, syscall.ECONNRESET):
		e.Reason = fmt.Sprintf("connection reset by %s", host)
		e.Retryable = true
	case pgconn.Timeout(err), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		e.Reason = fmt.Sprintf("timed out connecting to %s", host)
		e.Retryable = true
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		e.Reason = fmt.Sprintf("host %q not found", dnsErr.Name)
		e.Fix = "check the host name in the URL"
	case errors.As(err, &dnsErr) && (dnsErr.IsTemporary || dnsErr.IsTimeout):
		e.Reason = fmt.Sprintf("cannot resolve %q now", dnsErr.Name)
		e.Retryable = true
	default:
		// pgx redacts the password in its errors.
		e.Reason = err.Error()
	}
	return e
}
