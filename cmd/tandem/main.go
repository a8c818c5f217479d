// Command tandem is the Tandem server and its tools:
//
//	tandem serve [--listen ADDR] [--db DB] [--dev] ...   run the server
//	tandem user add|passwd|del|list ...                   manage accounts
//	tandem bot --addr HOST:PORT --room NAME --count N     run bots
//	tandem bench ...                                      load test
//	tandem version                                        version, commit, Go version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/tandemnet/tandem/cmd/tandem/internal/bench"
	"github.com/tandemnet/tandem/cmd/tandem/internal/bot"
	"github.com/tandemnet/tandem/server/buildinfo"
)

const usage = `usage: tandem <command> [arguments]

commands:
  serve    run the server (tandem serve --help)
  user     manage accounts: add, passwd, del, logout, list (tandem user help)
  admin    manage admin console accounts: add, del, list (tandem admin help)
  keys     rotate the keys that sign session tokens (tandem keys help)
  bot      connect bots that wander, chat and take objects (tandem bot --help)
  bench    drive a load against a server and report figures (tandem bench --help)
  version  print the version, commit and Go version (also: tandem --version)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "user":
		return runUser(ctx, args[1:], stdin, stdout, stderr)
	case "admin":
		return runAdmin(ctx, args[1:], stdin, stdout, stderr)
	case "keys":
		return runKeys(ctx, args[1:], stdout, stderr)
	case "bot":
		return bot.Run(ctx, args[1:], stdout, stderr)
	case "bench":
		return bench.Run(ctx, args[1:], stdout, stderr)
	case "version", "-version", "--version":
		if len(args) > 1 {
			fmt.Fprintf(stderr, "tandem version: unexpected arguments %q\n", args[1:])
			return exitUsage
		}
		fmt.Fprintln(stdout, buildinfo.Read())
		return exitOK
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "tandem: unknown command %q\nRun 'tandem help' for the commands.\n", args[0])
		return exitUsage
	}
}
