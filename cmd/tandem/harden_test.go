package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/servertest"
)

func TestPprofCmdlineHidesTheDatabasePassword(t *testing.T) {
	args := []string{"tandem", "serve", "--db", "postgres://tandem:hunter2@db:5432/t", "--db=postgres://u:pw2@h/t?password=pw3", "--pprof"}
	srv := httptest.NewServer(redactedCmdline(args))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	body := string(b)
	for _, secret := range []string{"hunter2", "pw2", "pw3"} {
		assert.NotContains(t, body, secret)
	}
	assert.Contains(t, body, "postgres://tandem:xxxxx@db:5432/t")
	assert.Contains(t, body, "--pprof")
}

func TestTLS12OnlyWithAEADSuites(t *testing.T) {
	cert := servertest.SelfSignedCert(t, "127.0.0.1")
	ln, err := tls.Listen("tcp", "127.0.0.1:0", serverTLSConfig(cert.Server.Certificates[0]))
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) { _ = c.(*tls.Conn).Handshake(); c.Close() }(c)
		}
	}()
	dial := func(suites ...uint16) error {
		c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{
			RootCAs: cert.Pool, ServerName: "127.0.0.1",
			MaxVersion: tls.VersionTLS12, CipherSuites: suites,
		})
		if err == nil {
			c.Close()
		}
		return err
	}
	assert.NoError(t, dial(tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), "an AEAD suite for the certificate's key")
	for _, cbc := range []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_128_GCM_SHA256} {
		assert.Error(t, dial(cbc), "suite %s", tls.CipherSuiteName(cbc))
	}
}

// Two nodes started without --node on one database both used to be
// "local": the second one's start-up clean-up removed the first one's rooms
// from the list. The default name is now unique per machine and port.
func TestTwoNodesWithDefaultNamesKeepEachOthersRooms(t *testing.T) {
	db := t.TempDir() + "/shared.db"
	start := func() (string, func()) {
		listen := freeAddr(t)
		f, err := parseServeFlags([]string{"--listen", listen, "--db", db, "--dev"}, io.Discard)
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- serve(ctx, f, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
		return listen, func() { cancel(); <-done }
	}
	dial := func(addr string) (net.Conn, *bufio.Reader) {
		var nc net.Conn
		var err error
		require.Eventually(t, func() bool { nc, err = net.Dial("tcp", addr); return err == nil }, 10*time.Second, 20*time.Millisecond)
		t.Cleanup(func() { nc.Close() })
		return nc, bufio.NewReader(nc)
	}
	readUntil := func(r *bufio.Reader, prefix string) string {
		for {
			line, err := r.ReadString('\n')
			require.NoError(t, err)
			if strings.HasPrefix(line, prefix) {
				return strings.TrimSpace(line)
			}
		}
	}
	first, stopFirst := start()
	defer stopFirst()
	nc, r := dial(first)
	fmt.Fprint(nc, "0:alice:pw\n2:on-first\n")
	readUntil(r, "17:")
	require.Eventually(t, func() bool {
		fmt.Fprint(nc, "1\n")
		return readUntil(r, "1:") == "1:on-first-1"
	}, 10*time.Second, 200*time.Millisecond)

	second, stopSecond := start()
	defer stopSecond()
	nc2, r2 := dial(second)
	fmt.Fprint(nc2, "0:bob:pw\n")
	readUntil(r2, "0:")
	time.Sleep(1500 * time.Millisecond) // past the room list cache
	fmt.Fprint(nc2, "1\n")
	assert.Equal(t, "1:on-first-1", readUntil(r2, "1:"), "the second node did not wipe the first one's room")
}
