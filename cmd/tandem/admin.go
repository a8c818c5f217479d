package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/tandemnet/tandem/server/accounts"
	"github.com/tandemnet/tandem/server/store"
)

const adminUsage = `usage:
  tandem admin add NAME [--db DB]   create an admin console account
  tandem admin del NAME [--db DB]   delete an admin account (its sessions end)
  tandem admin list [--db DB]       list admin accounts

Admin accounts log in to the console served on "tandem serve --admin";
they are separate from player accounts. DB is a SQLite file path or a
postgres:// URL (default: $TANDEM_DB, else ./tandem.db). add reads the
password as one line from standard input, or prompts for it twice when
standard input is a terminal.
`

// runAdmin implements "tandem admin ...". args are the words after "admin".
func runAdmin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, adminUsage)
		return exitUsage
	}
	sub, rest := args[0], args[1:]
	wantArgs := 1
	switch sub {
	case "add", "del":
	case "list":
		wantArgs = 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, adminUsage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "tandem admin: unknown subcommand %q\n%s", sub, adminUsage)
		return exitUsage
	}
	prefix := "tandem admin " + sub
	fs := flag.NewFlagSet(prefix, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), adminUsage) }
	db := fs.String("db", defaultDB(), "SQLite file path or postgres:// URL")
	ordered, err := flagsFirst(fs, rest)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n%s", prefix, err, adminUsage)
		return exitUsage
	}
	if err := fs.Parse(ordered); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() != wantArgs {
		fmt.Fprintf(stderr, "%s: want %d NAME argument(s), got %q\n%s", prefix, wantArgs, fs.Args(), adminUsage)
		return exitUsage
	}
	switch sub {
	case "add":
		err = adminAdd(ctx, *db, fs.Arg(0), stdin, stdout, stderr)
	case "del":
		err = withStore(ctx, *db, func(s store.Store) error {
			if err := s.DeleteAdmin(ctx, fs.Arg(0)); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("admin %q does not exist", fs.Arg(0))
				}
				return err
			}
			fmt.Fprintf(stdout, "admin %q deleted\n", fs.Arg(0))
			return nil
		})
	case "list":
		err = withStore(ctx, *db, func(s store.Store) error {
			admins, err := s.ListAdmins(ctx)
			if err != nil {
				return err
			}
			for _, a := range admins { // tab-separated for cut(1)
				fmt.Fprintf(stdout, "%s\t%s\n", a.Name, a.CreatedAt.UTC().Format(time.RFC3339))
			}
			return nil
		})
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prefix, err)
		return exitFail
	}
	return exitOK
}

func adminAdd(ctx context.Context, db, name string, stdin io.Reader, stdout, stderr io.Writer) error {
	// Admin names follow the player name rules (and the same checks).
	if err := accounts.ValidateUserName(name); err != nil {
		return err
	}
	return withStore(ctx, db, func(s store.Store) error {
		if _, err := s.GetAdmin(ctx, name); err == nil {
			return fmt.Errorf("admin %q already exists", name)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		hash, err := newPasswordHash(ctx, stdin, stderr)
		if err != nil {
			return err
		}
		if err := s.CreateAdmin(ctx, name, hash); err != nil {
			if errors.Is(err, store.ErrAdminExists) {
				return fmt.Errorf("admin %q already exists", name)
			}
			return err
		}
		fmt.Fprintf(stdout, "admin %q added\n", name)
		return nil
	})
}
