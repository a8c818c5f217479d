package buildinfo_test

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tandemnet/tandem/server/buildinfo"
)

func TestRead(t *testing.T) {
	info := buildinfo.Read()
	assert.Equal(t, runtime.Version(), info.GoVersion)
	assert.NotEmpty(t, info.Version)
	assert.NotEmpty(t, info.Commit)
}

func TestString(t *testing.T) {
	tests := []struct {
		info buildinfo.Info
		want string
	}{
		{buildinfo.Info{Version: "v1.2.3", Commit: "abc123", GoVersion: "go1.26.0"}, "tandem v1.2.3, commit abc123, built with go1.26.0"},
		{buildinfo.Info{Version: "(devel)", Commit: "abc123", Modified: true, GoVersion: "go1.26.0"}, "tandem (devel), commit abc123 (modified), built with go1.26.0"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.info.String())
	}
}
