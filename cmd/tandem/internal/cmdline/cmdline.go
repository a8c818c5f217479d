// Package cmdline parses a subcommand's flags the way the tandem commands
// agree on: -h/--help prints the whole usage where help goes (stdout); a
// mistake prints nothing here, so the caller shows the error and one line
// pointing at --help, and the error does not scroll away under the usage.
package cmdline

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// Parse parses args into fs. On -h/--help it writes usage and fs's
// defaults to help and returns flag.ErrHelp.
func Parse(fs *flag.FlagSet, args []string, usage string, help io.Writer) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(help, usage)
		fs.SetOutput(help)
		fs.PrintDefaults()
	}
	return err
}

// HelpHint is the line printed under a command-line error of command
// ("bot", "bench").
func HelpHint(command string) string {
	return fmt.Sprintf("Run 'tandem %s --help' for the options.", command)
}
