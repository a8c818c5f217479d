// Package buildinfo reads what the Go toolchain stamped into the binary:
// the module version, the VCS commit and the Go version, for
// "tandem version", the start log and the build-info metric.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Info describes the running binary.
type Info struct {
	Version   string // module version, "(devel)" for a build from a checkout without a tag
	Commit    string // VCS revision, "unknown" when not stamped (go run, go test)
	Modified  bool   // built from a work tree with uncommitted changes
	GoVersion string
}

// Read returns the running binary's build information.
func Read() Info {
	info := Info{Version: "(devel)", Commit: "unknown", GoVersion: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	if bi.Main.Version != "" {
		info.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		info.GoVersion = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Commit = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// String is the one line "tandem version" prints.
func (i Info) String() string {
	commit := i.Commit
	if i.Modified {
		commit += " (modified)"
	}
	return fmt.Sprintf("tandem %s, commit %s, built with %s", i.Version, commit, i.GoVersion)
}
