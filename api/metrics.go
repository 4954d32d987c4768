package api

import (
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"rss/adjudication"
	"rss/pg"
)

// metrics are registered on the server's own registry, so two servers in
// one process (the tests run several) never collide.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	decisions *prometheus.CounterVec
	reviews   *prometheus.CounterVec
	lines     *prometheus.CounterVec
	// inFlight counts requests being served: one that hangs (a database
	// that does not answer) shows here at once, where the request counters
	// see it only when it ends (a black-box pass). A shutdown that times
	// out says how many it cut off (Server.InFlight).
	inFlight atomic.Int64
	// cutting is set once a shutdown that timed out closes the requests
	// left (Server.CutOff): their ends are the server's doing, not their
	// clients'.
	cutting atomic.Bool
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rss_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rss_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rss_voucher_decisions_total", Help: "Voucher requests by the rules' decision at submission.",
		}, []string{"decision"}),
		// A reviewer's decision of a pended request was counted nowhere
		// (an on-call pass).
		reviews: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rss_voucher_reviews_total", Help: "Reviewers' decisions of pended voucher requests by outcome.",
		}, []string{"decision"}),
		lines: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rss_claim_lines_total", Help: "Adjudicated claim lines by status.",
		}, []string{"status"}),
	}
	inFlight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "rss_http_requests_in_flight", Help: "HTTP requests being served.",
	}, func() float64 { return float64(m.inFlight.Load()) })
	m.reg.MustRegister(m.requests, m.duration, m.decisions, m.reviews, m.lines, inFlight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// build registers rss_build_info, always 1, whose labels say which build
// serves (commit), the schema it migrates to and the rule sets it decides
// by: on call there was no telling which release a server ran (an
// on-call pass).
func (m *metrics) build(commit string) {
	if commit == "" {
		commit = "unknown"
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "rss_build_info", Help: "The build serving: its commit, schema version and rule sets (always 1).",
		ConstLabels: prometheus.Labels{"commit": commit, "schema_version": strconv.FormatInt(pg.SchemaVersion(), 10),
			"voucher_rules": adjudication.VoucherRuleSetVersion, "claim_rules": adjudication.ClaimRuleSetVersion},
	})
	g.Set(1)
	m.reg.MustRegister(g)
}
