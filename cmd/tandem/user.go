package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/tandemnet/tandem/server/accounts"
	"github.com/tandemnet/tandem/server/store"
	"github.com/tandemnet/tandem/server/store/opener"
)

const userUsage = `usage:
  tandem user add NAME [--db DB]      create an account
  tandem user passwd NAME [--db DB]   change an account's password
  tandem user del NAME [--db DB]      delete an account
  tandem user logout NAME [--db DB]   end every session token of an account
  tandem user list [--db DB]          list accounts

NAME is 1 to 32 ASCII letters, digits, '_', '-' and '.'; names are
case-insensitive (Alice and alice are one account, kept as alice).
DB is a SQLite file path or a postgres:// URL (default: $TANDEM_DB, else
./tandem.db). add and passwd read the password as one line from standard
input, or prompt for it twice when standard input is a terminal.
`

const userHelpHint = "Run 'tandem user help' for usage."

// Exit codes of the commands.
const (
	exitOK    = 0
	exitFail  = 1 // the operation failed
	exitUsage = 2 // the command line is wrong
)

// runUser implements "tandem user ...", the account administration
// command. args are the words after "user". It returns the exit code.
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return exitUsage
	}
	sub, rest := args[0], args[1:]
	var wantArgs int // positional arguments after the subcommand
	switch sub {
	case "add", "passwd", "del", "logout":
		wantArgs = 1
	case "list":
		wantArgs = 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, userUsage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "tandem user: unknown subcommand %q\n%s\n", sub, userHelpHint)
		return exitUsage
	}

	prefix := "tandem user " + sub
	fs := flag.NewFlagSet(prefix, flag.ContinueOnError)
	// Errors get one line pointing at the usage, not the usage itself.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	db := fs.String("db", defaultDB(), "SQLite file path or postgres:// URL")
	usageErr := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "%s: %s\n%s\n", prefix, fmt.Sprintf(format, args...), userHelpHint)
		return exitUsage
	}
	ordered, err := flagsFirst(fs, rest)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := fs.Parse(ordered); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, userUsage)
			return exitOK
		}
		return usageErr("%v", err)
	}
	if fs.NArg() < wantArgs {
		return usageErr("missing NAME")
	}
	if fs.NArg() > wantArgs {
		return usageErr("unexpected arguments %q", fs.Args()[wantArgs:])
	}

	switch sub {
	case "add":
		err = userAdd(ctx, *db, fs.Arg(0), stdin, stdout, stderr)
	case "passwd":
		err = userPasswd(ctx, *db, fs.Arg(0), stdin, stdout, stderr)
	case "del":
		err = userDel(ctx, *db, fs.Arg(0), stdout)
	case "logout":
		err = userLogout(ctx, *db, fs.Arg(0), stdout)
	case "list":
		err = userList(ctx, *db, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prefix, err)
		return exitFail
	}
	return exitOK
}

func defaultDB() string {
	if db := os.Getenv("TANDEM_DB"); db != "" {
		return db
	}
	return "./tandem.db"
}

// flagsFirst moves the flags ahead of the positional arguments, because
// flag.Parse stops at the first non-flag and "add bob --db x" must work.
func flagsFirst(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		// A non-boolean flag given as "--db x" takes the next word along.
		if f := fs.Lookup(name); f != nil && !isBoolFlag(f) {
			if i+1 == len(args) {
				// Left to itself it would take the "--" added below.
				return nil, fmt.Errorf("flag needs an argument: -%s", name)
			}
			flags = append(flags, args[i+1])
			i++
		}
	}
	// "--" keeps a positional argument that starts with '-' from being
	// read as a flag.
	return append(append(flags, "--"), positional...), nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// withStore opens the store at db, runs f and closes the store.
func withStore(ctx context.Context, db string, f func(store.Store) error) (err error) {
	s, err := opener.Open(ctx, db)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := s.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	return f(s)
}

// userName folds name as the server does at login (names are
// case-insensitive), and says so when that changed what was typed.
func userName(typed string) (name, note string, err error) {
	name, err = accounts.NormalizeUserName(typed)
	if err != nil {
		return "", "", err
	}
	if name != typed {
		note = " (user names are case-insensitive and kept in lower case)"
	}
	return name, note, nil
}

func userAdd(ctx context.Context, db, typed string, stdin io.Reader, stdout, stderr io.Writer) error {
	name, note, err := userName(typed)
	if err != nil {
		return err
	}
	return withStore(ctx, db, func(s store.Store) error {
		// Checked before asking for the password, so the admin does not
		// type it only to learn the name is taken.
		if _, err := s.GetUser(ctx, name); err == nil {
			return fmt.Errorf("user %q already exists%s", name, note)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		hash, err := newPasswordHash(ctx, stdin, stderr)
		if err != nil {
			return err
		}
		if err := s.CreateUser(ctx, name, hash); err != nil {
			if errors.Is(err, store.ErrUserExists) {
				return fmt.Errorf("user %q already exists%s", name, note)
			}
			return err
		}
		fmt.Fprintf(stdout, "user %q added%s\n", name, note)
		return nil
	})
}

func userPasswd(ctx context.Context, db, typed string, stdin io.Reader, stdout, stderr io.Writer) error {
	name, _, err := userName(typed)
	if err != nil {
		return err
	}
	return withStore(ctx, db, func(s store.Store) error {
		if _, err := s.GetUser(ctx, name); err != nil {
			return userError(name, err)
		}
		hash, err := newPasswordHash(ctx, stdin, stderr)
		if err != nil {
			return err
		}
		if err := s.SetPasswordHash(ctx, name, hash); err != nil {
			return userError(name, err)
		}
		fmt.Fprintf(stdout, "password of user %q changed\n", name)
		return nil
	})
}

func userDel(ctx context.Context, db, typed string, stdout io.Writer) error {
	name, _, err := userName(typed)
	if err != nil {
		return err
	}
	return withStore(ctx, db, func(s store.Store) error {
		if err := s.DeleteUser(ctx, name); err != nil {
			return userError(name, err)
		}
		fmt.Fprintf(stdout, "user %q deleted\n", name)
		return nil
	})
}

func userList(ctx context.Context, db string, stdout io.Writer) error {
	return withStore(ctx, db, func(s store.Store) error {
		users, err := s.ListUsers(ctx)
		if err != nil {
			return err
		}
		// One user per line, tab-separated, so scripts can cut(1) it.
		for _, u := range users {
			fmt.Fprintf(stdout, "%s\t%s\n", u.Name, u.CreatedAt.UTC().Format(time.RFC3339))
		}
		return nil
	})
}

// userError says plainly that the user does not exist, instead of the
// store's wrapped error chain.
func userError(name string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("user %q does not exist", name)
	}
	return err
}

// newPasswordHash reads a new password and returns its hash.
func newPasswordHash(ctx context.Context, stdin io.Reader, stderr io.Writer) (string, error) {
	pw, err := readPassword(ctx, stdin, stderr)
	if err != nil {
		return "", err
	}
	if err := accounts.ValidatePassword(pw); err != nil {
		return "", err
	}
	return accounts.Hash(pw)
}

// readPassword prompts on a terminal, or else reads one line from stdin.
func readPassword(ctx context.Context, stdin io.Reader, stderr io.Writer) (string, error) {
	if stdin == nil {
		return "", errors.New("no password on standard input")
	}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return promptPassword(ctx, int(f.Fd()), stderr)
	}
	return readPasswordLine(stdin)
}

// readPasswordLine reads one line, without its "\n" or "\r\n". It reads
// at most a few bytes past the longest valid password, so that a huge
// input is rejected by validation rather than buffered.
func readPasswordLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, accounts.MaxPasswordLen+3)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	line = strings.TrimSuffix(line, "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

// promptPassword asks twice with echo off. On an interrupt it puts the
// terminal back before returning: term.ReadPassword only does so when the
// read returns, which a killed process never gets to.
func promptPassword(ctx context.Context, fd int, stderr io.Writer) (string, error) {
	state, err := term.GetState(fd)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	read := func(prompt string) (string, error) {
		fmt.Fprint(stderr, prompt)
		type result struct {
			pw  []byte
			err error
		}
		done := make(chan result, 1)
		go func() {
			pw, err := term.ReadPassword(fd)
			done <- result{pw, err}
		}()
		select {
		case r := <-done:
			fmt.Fprintln(stderr) // the user's Enter was not echoed
			if r.err != nil {
				return "", fmt.Errorf("read password: %w", r.err)
			}
			return string(r.pw), nil
		case <-ctx.Done():
			// The reading goroutine stays blocked until the process
			// exits, which it is about to.
			_ = term.Restore(fd, state)
			fmt.Fprintln(stderr)
			return "", fmt.Errorf("read password: %w", context.Cause(ctx))
		}
	}
	pw, err := read("Password: ")
	if err != nil {
		return "", err
	}
	again, err := read("Repeat password: ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", errors.New("passwords do not match")
	}
	return pw, nil
}

// userLogout ends every session token of an account: its players log in
// with the password next time (a session open now goes on until it ends).
func userLogout(ctx context.Context, db, typed string, stdout io.Writer) error {
	name, _, err := userName(typed)
	if err != nil {
		return err
	}
	return withStore(ctx, db, func(s store.Store) error {
		if err := s.EndSessions(ctx, name); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no user %q", name)
			}
			return err
		}
		fmt.Fprintf(stdout, "ended the session tokens of %s\n", name)
		return nil
	})
}
