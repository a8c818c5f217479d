package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServeClusterFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, f *serveFlags)
	}{
		{name: "no cluster: one process, node named when listening", args: nil, check: func(t *testing.T, f *serveFlags) {
			assert.Nil(t, f.clusterCfg)
			assert.Empty(t, f.node, "derived from the host and the listening port at start (nodeName)")
		}},
		{name: "SQLite refused", args: []string{"--cluster", "nats://127.0.0.1:4222", "--db", "./tandem.db"}, wantErr: "needs a PostgreSQL database"},
		{name: "bad node name", args: []string{"--cluster", "nats://x:4222", "--db", "postgres://p@h/d", "--node", "a.b"}, wantErr: "--node"},
		{name: "creds without cluster", args: []string{"--cluster-creds", "x.creds"}, wantErr: "need --cluster"},
		{name: "default node name from host and port", args: []string{"--cluster", "nats://x:4222", "--db", "postgres://p@h/d", "--listen", ":7801"}, check: func(t *testing.T, f *serveFlags) {
			require.NotNil(t, f.clusterCfg)
			assert.Regexp(t, `^[A-Za-z0-9_-]+-7801$`, f.node)
			assert.Equal(t, "postgres://p@h/d", f.clusterCfg.DatabaseURL)
		}},
		{name: "named node", args: []string{"--cluster", "nats://x:4222", "--db", "postgres://p@h/d", "--node", "eu-1", "--node-timeout", "2s"}, check: func(t *testing.T, f *serveFlags) {
			assert.Equal(t, "eu-1", f.node)
			assert.Equal(t, "2s", f.clusterCfg.NodeTimeout.String())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TANDEM_NODE", "")
			t.Setenv("TANDEM_CLUSTER", "")
			f, err := parseServeFlags(tt.args, io.Discard)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, f)
		})
	}
}
