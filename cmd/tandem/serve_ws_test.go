package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/servertest"
)

// "tandem serve --ws-listen --web" with TLS, as the command line builds it:
// the page over https and the protocol over wss on one listener.
func TestServeWebSocketWithTLSAndWebPage(t *testing.T) {
	cert := servertest.SelfSignedCert(t, "127.0.0.1")
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.Server.Certificates[0].PrivateKey)
	require.NoError(t, err)
	keyPath := filepath.Join(t.TempDir(), "key.pem")
	require.NoError(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))

	listen, wsAddr := freeAddr(t), freeAddr(t)
	f, err := parseServeFlags([]string{"--listen", listen, "--db", t.TempDir() + "/t.db", "--dev",
		"--tls-cert", cert.PEMPath, "--tls-key", keyPath, "--ws-listen", wsAddr, "--web", "--ws-origins", "*.example.com"}, io.Discard)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, f, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()

	httpClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool, MinVersion: tls.VersionTLS12}}, Timeout: 10 * time.Second}
	var page string
	require.Eventually(t, func() bool {
		resp, err := httpClient.Get("https://" + wsAddr + "/")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		page = string(b)
		return resp.StatusCode == http.StatusOK
	}, 10*time.Second, 50*time.Millisecond)
	assert.Contains(t, page, `<script type="module" src="app.js">`)

	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	defer dcancel()
	h := http.Header{"Origin": []string{"https://game.example.com"}}
	ws, _, err := websocket.Dial(dctx, "wss://"+wsAddr+"/ws", &websocket.DialOptions{HTTPClient: httpClient, HTTPHeader: h})
	require.NoError(t, err)
	defer ws.CloseNow()
	require.NoError(t, ws.Write(dctx, websocket.MessageText, []byte("0:webby:pw\n2:r\n3:1:hi")))
	var got []string
	for !strings.Contains(strings.Join(got, ""), "3:1:hi\n") {
		_, msg, err := ws.Read(dctx)
		require.NoError(t, err)
		got = append(got, string(msg))
	}
	assert.Regexp(t, `^0:1(:[^:\n]*:[^:\n]*)?\n`, got[0], "login answer: %q", got)

	h.Set("Origin", "https://elsewhere.example.org")
	_, resp, err := websocket.Dial(dctx, "wss://"+wsAddr+"/ws", &websocket.DialOptions{HTTPClient: httpClient, HTTPHeader: h})
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestServeWebSocketFlags(t *testing.T) {
	_, err := parseServeFlags([]string{"--web"}, io.Discard)
	require.ErrorContains(t, err, "--ws-listen")
	_, err = parseServeFlags([]string{"--ws-path", "GET /x"}, io.Discard)
	require.ErrorContains(t, err, "--ws-path")
	_, err = parseServeFlags([]string{"--ws-origins", "[bad"}, io.Discard)
	require.ErrorContains(t, err, "--ws-origins")

	t.Setenv("TANDEM_WS_LISTEN", "127.0.0.1:7780")
	t.Setenv("TANDEM_WS_ORIGINS", "a.example,b.example")
	f, err := parseServeFlags([]string{"--web"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, wsFlags{listen: "127.0.0.1:7780", path: "/ws", origins: "a.example,b.example",
		maxMessage: 128 << 10, handshake: 10 * time.Second, web: true}, f.ws)
}
