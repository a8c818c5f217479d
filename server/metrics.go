package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tandemnet/tandem/server/buildinfo"
)

// Metrics are the server's Prometheus instruments, registered on a registry
// of their own (no global state) that the admin listener serves.
type Metrics struct {
	Registry *prometheus.Registry

	Connections       prometheus.Gauge
	Sessions          prometheus.Gauge
	Rooms             prometheus.Gauge
	Objects           prometheus.Gauge
	MessagesIn        prometheus.Counter
	BytesIn           prometheus.Counter
	FramesOut         prometheus.Counter
	BytesOut          prometheus.Counter
	Writes            prometheus.Counter
	SlowConsumerWarns prometheus.Counter
	SlowConsumerKicks prometheus.Counter
	MergedUpdates     prometheus.Counter
	LoginFailures     prometheus.Counter
	LoginQueue        prometheus.Gauge
	Logins            prometheus.Counter
	RateLimited       prometheus.Counter
	Errors            *prometheus.CounterVec
	StoreErrors       prometheus.Counter
	DeliveryLatency   prometheus.Histogram

	// Per transport ("tcp", "websocket"); the totals above cover both.
	TransportConnections *prometheus.GaugeVec
	TransportBytesIn     *prometheus.CounterVec
	TransportBytesOut    *prometheus.CounterVec
	WebSocketRefused     prometheus.Counter
}

// transport is one way clients connect, with its instruments resolved once
// so the per-line paths do no label lookups.
type transport struct {
	name     string
	conns    prometheus.Gauge
	bytesIn  prometheus.Counter
	bytesOut prometheus.Counter
}

// Transport names, the "transport" label of the per-transport metrics.
const (
	TransportTCP       = "tcp"
	TransportWebSocket = "websocket"
)

func (m *Metrics) transport(name string) *transport {
	return &transport{
		name:     name,
		conns:    m.TransportConnections.WithLabelValues(name),
		bytesIn:  m.TransportBytesIn.WithLabelValues(name),
		bytesOut: m.TransportBytesOut.WithLabelValues(name),
	}
}

func newMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{Registry: reg}
	g := func(name, help string) prometheus.Gauge {
		x := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "tandem", Name: name, Help: help})
		reg.MustRegister(x)
		return x
	}
	c := func(name, help string) prometheus.Counter {
		x := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "tandem", Name: name, Help: help})
		reg.MustRegister(x)
		return x
	}
	m.Connections = g("connections", "Open client connections.")
	m.Sessions = g("sessions", "Logged-in sessions.")
	m.Rooms = g("rooms", "Live rooms on this node.")
	m.Objects = g("objects", "Live network objects on this node.")
	m.MessagesIn = c("messages_in_total", "Lines received from clients.")
	m.BytesIn = c("bytes_in_total", "Bytes received from clients.")
	m.FramesOut = c("frames_out_total", "Lines written to clients.")
	m.BytesOut = c("bytes_out_total", "Bytes written to clients.")
	m.Writes = c("writes_total", "Socket write calls (each may carry many lines).")
	m.SlowConsumerWarns = c("slow_consumer_warnings_total", "Outbound queues that passed the soft limit.")
	m.SlowConsumerKicks = c("slow_consumer_disconnects_total", "Clients cut for passing the hard outbound limit.")
	m.MergedUpdates = c("merged_updates_total", "Object updates merged into a queued one for a slow recipient.")
	m.LoginFailures = c("login_failures_total", "Failed logins.")
	m.Logins = c("logins_total", "Successful logins.")
	m.LoginQueue = g("login_queue", "Logins waiting for a password-hashing slot.")
	m.RateLimited = c("rate_limited_total", "Lines refused by the per-connection rate limit.")
	m.StoreErrors = c("store_errors_total", "Failed store operations.")
	m.Errors = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "tandem", Name: "errors_total", Help: "Error lines sent, by code."}, []string{"code"})
	reg.MustRegister(m.Errors)
	m.DeliveryLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "tandem", Name: "write_latency_seconds",
		Help:    "Time from a frame's first enqueue in a batch to the end of its socket write.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	})
	reg.MustRegister(m.DeliveryLatency)
	m.TransportConnections = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "tandem", Name: "transport_connections", Help: "Open client connections, by transport."}, []string{"transport"})
	m.TransportBytesIn = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "tandem", Name: "transport_bytes_in_total", Help: "Line bytes received from clients, by transport."}, []string{"transport"})
	m.TransportBytesOut = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "tandem", Name: "transport_bytes_out_total", Help: "Line bytes written to clients, by transport (without WebSocket framing)."}, []string{"transport"})
	reg.MustRegister(m.TransportConnections, m.TransportBytesIn, m.TransportBytesOut)
	m.WebSocketRefused = c("websocket_refused_total", "WebSocket handshakes refused (bad request, disallowed Origin).")
	// The usual build_info gauge: always 1, the build in its labels, so a
	// dashboard can show which version each node runs.
	bi := buildinfo.Read()
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "tandem", Name: "build_info",
		Help: "Always 1; the labels say which build is running."}, []string{"version", "commit", "goversion"})
	build.WithLabelValues(bi.Version, bi.Commit, bi.GoVersion).Set(1)
	reg.MustRegister(build)
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
