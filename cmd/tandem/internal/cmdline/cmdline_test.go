package cmdline

import (
	"bytes"
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantErr  string // "" for none
		wantHelp bool
	}{
		{"fine", []string{"--n", "3"}, "", false},
		{"help", []string{"--help"}, flag.ErrHelp.Error(), true},
		{"short help", []string{"-h"}, flag.ErrHelp.Error(), true},
		{"unknown flag", []string{"--nope"}, "flag provided but not defined: -nope", false},
		{"bad value", []string{"--n", "x"}, `invalid value "x" for flag -n: parse error`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("tandem x", flag.ContinueOnError)
			fs.Int("n", 1, "how many")
			var help bytes.Buffer
			err := Parse(fs, tt.args, "usage: tandem x\n", &help)
			if tt.wantErr == "" {
				assert.NoError(t, err)
			} else {
				assert.EqualError(t, err, tt.wantErr)
			}
			if tt.wantHelp {
				assert.Equal(t, "usage: tandem x\n  -n int\n    \thow many (default 1)\n", help.String())
			} else {
				assert.Empty(t, help.String(), "a mistake prints no usage")
			}
		})
	}
}

func TestHelpHint(t *testing.T) {
	assert.Equal(t, "Run 'tandem bot --help' for the options.", HelpHint("bot"))
}
