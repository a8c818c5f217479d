package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/servertest"
)

// metricValue reads a counter or gauge from the server's registry.
func metricValue(t testing.TB, srv *servertest.Server, name string) float64 {
	t.Helper()
	families, err := srv.Server.Metrics().Registry.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}
