package main

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

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
