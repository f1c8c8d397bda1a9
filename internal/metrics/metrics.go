// Package metrics exposes the nightly job's figures in Prometheus' format (the standard
// client library): run duration per stage, rows and rejects per source, producers per
// status, findings, runs per outcome, and the time of the last success.
package metrics

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/store"
)

// Metrics holds the gauges and counters of one process.
type Metrics struct {
	reg         *prometheus.Registry
	duration    *prometheus.GaugeVec
	rows        *prometheus.GaugeVec
	rejects     *prometheus.GaugeVec
	statuses    *prometheus.GaugeVec
	findings    prometheus.Gauge
	runs        *prometheus.CounterVec
	lastSuccess prometheus.Gauge
	lastRun     prometheus.Gauge
}

// New registers the metrics in a registry of their own (with the Go runtime's).
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		duration: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vpsau_run_stage_seconds",
			Help: "How long each stage of the last successful run took (land's staging overlaps fetch: the stages may add up to more than the run)."}, []string{"stage"}),
		rows: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vpsau_source_rows",
			Help: "Rows read per source entity in the last successful run."}, []string{"source"}),
		rejects: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vpsau_source_rejects",
			Help: "Rows rejected per source entity in the last successful run."}, []string{"source"}),
		statuses: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vpsau_producers",
			Help: "Producers per status after the last successful run (FRIST_OVERSKREDET and DVP_TREKK are breaches)."}, []string{"status"}),
		findings: prometheus.NewGauge(prometheus.GaugeOpts{Name: "vpsau_findings",
			Help: "Plausibility findings of the last successful run."}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vpsau_runs_total",
			Help: "Runs by this process, by outcome."}, []string{"status"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "vpsau_last_success_timestamp_seconds",
			Help: "When the last successful run finished (Unix time)."}),
		lastRun: prometheus.NewGauge(prometheus.GaugeOpts{Name: "vpsau_last_run_seconds",
			Help: "How long the last successful run took."}),
	}
	m.reg.MustRegister(m.duration, m.rows, m.rejects, m.statuses, m.findings, m.runs, m.lastSuccess, m.lastRun,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Observe records a run's outcome; a successful run sets every gauge first, so that a
// scrape that sees the run counted sees its figures too.
func (m *Metrics) Observe(sum nightly.Summary, err error, finished time.Time) {
	if err != nil {
		m.runs.WithLabelValues("failed").Inc()
		return
	}
	m.set(sum, finished)
	m.runs.WithLabelValues("succeeded").Inc()
}

func (m *Metrics) set(sum nightly.Summary, finished time.Time) {
	m.duration.Reset()
	for stage, d := range sum.Stages {
		m.duration.WithLabelValues(stage).Set(d.Seconds())
	}
	m.rows.Reset()
	m.rejects.Reset()
	for _, r := range sum.Sources {
		m.rows.WithLabelValues(r.System + "/" + r.Entity).Set(float64(r.Read))
		m.rejects.WithLabelValues(r.System + "/" + r.Entity).Set(float64(r.Rejected))
	}
	m.statuses.Reset()
	for s, n := range sum.Statuses {
		m.statuses.WithLabelValues(s).Set(float64(n))
	}
	m.findings.Set(float64(sum.Findings))
	m.lastSuccess.Set(float64(finished.Unix()))
	m.lastRun.Set(sum.Took.Seconds())
}

// Load sets the gauges from the last successful run in the database (at start, so that a
// restarted process does not report zeros).
func (m *Metrics) Load(ctx context.Context, db *store.DB) error {
	var stats string
	var finished time.Time
	err := db.SQL().QueryRowContext(ctx, `SELECT stats, finished FROM ops.run WHERE status = 'succeeded' AND stats IS NOT NULL
		ORDER BY run_id DESC LIMIT 1`).Scan(&stats, &finished)
	if err != nil {
		return err
	}
	var sum nightly.Summary
	if err := json.Unmarshal([]byte(stats), &sum); err != nil {
		return err
	}
	m.set(sum, finished)
	return nil
}
