package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/store"
)

const keysUsage = `usage:
  tandem keys rotate [--db DB] [--retire-after D]   add a new session token key
  tandem keys list [--db DB]                        list the session token keys

Session tokens (a login without the password, 18:<token>) are signed with
the newest key in the database; every key still there verifies them, so a
rotation logs nobody out. Servers sign with a new key within a minute.
rotate then deletes keys created more than D ago (default 48h; 0 keeps
them all); keep D above the servers' --session-ttl, or tokens still in
date are refused and their players log in with the password again.
DB is a SQLite file path or a postgres:// URL (default: $TANDEM_DB, else
./tandem.db).
`

// runKeys implements "tandem keys ...".
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return exitUsage
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "rotate", "list":
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, keysUsage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "tandem keys: unknown subcommand %q\nRun 'tandem keys help' for usage.\n", sub)
		return exitUsage
	}
	prefix := "tandem keys " + sub
	fs := flag.NewFlagSet(prefix, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	db := fs.String("db", defaultDB(), "SQLite file path or postgres:// URL")
	retire := fs.Duration("retire-after", 48*time.Hour, "delete keys created longer ago than this (0: keep)")
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, keysUsage)
			return exitOK
		}
		fmt.Fprintf(stderr, "%s: %v\nRun 'tandem keys help' for usage.\n", prefix, err)
		return exitUsage
	}
	if fs.NArg() > 0 || *retire < 0 {
		fmt.Fprintf(stderr, "%s: unexpected arguments %q or negative --retire-after\nRun 'tandem keys help' for usage.\n", prefix, fs.Args())
		return exitUsage
	}
	err := withStore(ctx, *db, func(st store.Store) error {
		if sub == "list" {
			keys, err := st.SessionKeys(ctx)
			if err != nil {
				return err
			}
			for _, k := range keys {
				fmt.Fprintf(stdout, "%d\tcreated %s\n", k.ID, k.CreatedAt.Format(time.RFC3339))
			}
			return nil
		}
		k, retired, err := server.RotateSessionKey(ctx, st, *retire)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "session token key %d added; %d old key(s) deleted\n", k.ID, retired)
		return nil
	})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prefix, err)
		return exitFail
	}
	return exitOK
}
