package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/tandemnet/tandem/server"
)

// clusterFlags are the serve options that make a node one of a cluster.
type clusterFlags struct {
	url, creds, tlsCA string
	nodeTimeout       time.Duration
}

func addClusterFlags(fs *flag.FlagSet, c *clusterFlags) {
	fs.StringVar(&c.url, "cluster", os.Getenv("TANDEM_CLUSTER"), "NATS URL (nats://HOST:4222; user:password@ or a token may be in it) to run as one node of a cluster; needs a postgres:// --db (env TANDEM_CLUSTER)")
	fs.StringVar(&c.creds, "cluster-creds", "", "NATS credentials file (.creds) or NKey seed file (.nk) for --cluster")
	fs.StringVar(&c.tlsCA, "cluster-tls-ca", "", "PEM file of the CA of the NATS server's certificate: the link to NATS uses TLS")
	fs.DurationVar(&c.nodeTimeout, "node-timeout", server.DefaultNodeTimeout, "a node not heard from for this long is taken as dead: its clients leave rooms elsewhere and its rooms end")
}

// clusterConfig checks the cluster options against the database and the
// node name, and fills in the default node name. Without --cluster it
// returns nil and changes nothing.
func (f *serveFlags) clusterConfig(nodeGiven bool) (*server.ClusterConfig, error) {
	c := f.cluster
	if c.url == "" {
		if c.creds != "" || c.tlsCA != "" {
			return nil, errors.New("--cluster-creds and --cluster-tls-ca need --cluster")
		}
		return nil, nil
	}
	if !strings.HasPrefix(f.db, "postgres://") && !strings.HasPrefix(f.db, "postgresql://") {
		return nil, errors.New("--cluster needs a PostgreSQL database shared by every node (--db postgres://...): a SQLite file belongs to one process, so the nodes could not share accounts, client ids, room lists and room homes")
	}
	if c.nodeTimeout < 100*time.Millisecond {
		return nil, fmt.Errorf("--node-timeout %s is too short (at least 100ms)", c.nodeTimeout)
	}
	if !nodeGiven {
		f.node = defaultNodeName(f.listen)
	}
	if err := server.ValidateNodeName(f.node); err != nil {
		return nil, fmt.Errorf("--node: %w", err)
	}
	return &server.ClusterConfig{URL: c.url, Creds: c.creds, TLSCA: c.tlsCA, NodeTimeout: c.nodeTimeout, DatabaseURL: f.db}, nil
}

// defaultNodeName is the host name and the client port: stable across
// restarts of the same node, and unique as long as no two nodes share a
// host and a port (which they cannot).
func defaultNodeName(listen string) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "node"
	}
	if _, port, err := net.SplitHostPort(listen); err == nil && port != "" {
		host += "-" + port
	}
	return server.SanitizeNodeName(host)
}
