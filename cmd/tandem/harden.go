package main

import (
	"crypto/tls"
	"net"
	"net/http"
	"strings"

	"github.com/tandemnet/tandem/server/store/opener"
)

// serverTLSConfig serves TLS 1.2 and 1.3; TLS 1.2 only with forward-secret
// AEAD suites (no CBC, no RSA key exchange). TLS 1.3 suites are all AEAD
// and not configurable in Go.
func serverTLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
	}
}

// redactedCmdline replaces pprof's /debug/pprof/cmdline, which shows the
// command line as is: a --db postgres:// URL there carries its password.
// Every argument is shown with any database URL in it redacted.
func redactedCmdline(args []string) http.HandlerFunc {
	shown := make([]string, len(args))
	for i, a := range args {
		if name, val, ok := strings.Cut(a, "="); ok && strings.HasPrefix(name, "-") {
			shown[i] = name + "=" + opener.Redact(val)
		} else {
			shown[i] = opener.Redact(a)
		}
	}
	body := strings.Join(shown, "\x00")
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}
}

// nodeName is the --node flag, or a default unique per machine and port:
// a node cleans the rows of its own name at start (its crash leftovers),
// so two nodes on one database that shared the old default "local" wiped
// each other's rooms from the list. The default is stable across restarts
// of the same server, which is what the clean-up needs.
func nodeName(flag string, listen net.Addr) string {
	if flag != "" {
		return flag
	}
	return defaultNodeName(listen.String())
}
