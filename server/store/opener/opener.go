// Package opener picks the store backend from a DSN, so that the server and
// the admin command accept the same --db values.
package opener

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/tandemnet/tandem/server/store"
	"github.com/tandemnet/tandem/server/store/pgstore"
	"github.com/tandemnet/tandem/server/store/sqlitestore"
)

// Open opens the store named by dsn: a postgres:// or postgresql:// URL
// opens PostgreSQL, another URL scheme is refused, anything else is the
// path of a SQLite file (created if missing). It does not retry; callers
// that start before the database is up retry while Retryable(err) says the
// failure can heal. Its errors are *Error.
func Open(ctx context.Context, dsn string) (store.Store, error) {
	if IsPostgres(dsn) {
		s, err := pgstore.Open(ctx, dsn)
		if err != nil {
			return nil, postgresError(dsn, err)
		}
		return s, nil
	}
	if scheme := unsupportedScheme(dsn); scheme != "" {
		return nil, &Error{
			DB:     fmt.Sprintf("%q", Redact(dsn)),
			Reason: fmt.Sprintf("unsupported database %q", scheme),
			Fix:    supportedKinds,
		}
	}
	if err := checkSQLitePath(dsn); err != nil {
		return nil, err
	}
	s, err := sqlitestore.Open(ctx, dsn)
	if err != nil {
		return nil, sqliteError(dsn, err)
	}
	return s, nil
}

// IsPostgres reports whether dsn names a PostgreSQL database rather than a
// SQLite file.
func IsPostgres(dsn string) bool {
	scheme, _, ok := strings.Cut(dsn, "://")
	if !ok {
		return false
	}
	scheme = strings.ToLower(scheme)
	return scheme == "postgres" || scheme == "postgresql"
}

// Redact returns dsn fit for logs and errors: the password of a URL is
// replaced by "xxxxx". A SQLite path is returned unchanged.
func Redact(dsn string) string {
	if !IsPostgres(dsn) && unsupportedScheme(dsn) == "" {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// Unparseable, so it cannot be split safely: show only the scheme.
		scheme, _, _ := strings.Cut(dsn, "://")
		return scheme + "://(unparseable URL)"
	}
	if q := u.Query(); q.Has("password") {
		// libpq also takes the password as a query parameter.
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
