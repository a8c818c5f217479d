// Package exitcode holds the exit statuses every tandem command uses, so
// the commands in their own packages agree with each other and with main.
package exitcode

const (
	OK    = 0
	Fail  = 1 // the operation failed
	Usage = 2 // the command line is wrong
)
