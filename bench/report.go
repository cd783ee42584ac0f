package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Phase is one measured step of a run: an operation repeated Count times.
type Phase struct {
	Name   string `json:"name"`
	Count  int64  `json:"count"`
	Errors int64  `json:"errors"`
	// Seconds is the phase's wall time; RatePerSec is Count/Seconds.
	Seconds    float64  `json:"seconds"`
	RatePerSec float64  `json:"rate_per_sec"`
	Latency    *Summary `json:"latency,omitempty"`
	// ServerCPUMsPerOp is the server's CPU time (user + system) over the
	// phase divided by Count, in milliseconds, when -pid or -spawn gives
	// the server's process (post, deep-history).
	ServerCPUMsPerOp float64 `json:"server_cpu_ms_per_op,omitempty"`
}

// Result is the outcome of one scenario run.
type Result struct {
	Name     string    `json:"name"`
	Scenario string    `json:"scenario"`
	Config   RunConfig `json:"config"`
	Start    time.Time `json:"start"`
	Seconds  float64   `json:"seconds"`
	// Passed is false when anything was lost, duplicated or failed;
	// Failures says what.
	Passed   bool     `json:"passed"`
	Failures []string `json:"failures,omitempty"`
	Notes    []string `json:"notes,omitempty"`
	Phases   []Phase  `json:"phases"`
	// Delivery is the completeness accounting of scenarios that post.
	Delivery *Delivery `json:"delivery,omitempty"`
	// LastDelivery is the distribution of each message's time to its
	// last recipient (fan-out).
	LastDelivery *Summary `json:"last_delivery,omitempty"`
	// Connections held open, and memory per connection on each side.
	Connections        int        `json:"connections,omitempty"`
	ServerBytesPerConn float64    `json:"server_bytes_per_conn,omitempty"`
	ClientBytesPerConn float64    `json:"client_bytes_per_conn,omitempty"`
	Server             *ProcStats `json:"server,omitempty"`
	Client             *ProcStats `json:"client,omitempty"`
}

// fail records a failure.
func (r *Result) fail(format string, args ...any) {
	r.Passed = false
	r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
}

// Report is the outcome of a suite of runs against one server.
type Report struct {
	Tool          string    `json:"tool"`
	URL           string    `json:"url"`
	ServerVersion string    `json:"server_version"`
	Start         time.Time `json:"start"`
	Passed        bool      `json:"passed"`
	Runs          []Result  `json:"runs"`
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write JSON report: %w", err)
	}
	return nil
}

func fmtMs(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 1:
		return fmt.Sprintf("%.3f", v)
	case v < 100:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}

func fmtBytes(b float64) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", b/(1<<10))
	default:
		return fmt.Sprintf("%.0f B", b)
	}
}

// WriteMarkdown writes the report as two Markdown tables: one row per
// phase with its latency figures, then one row per run with completeness,
// memory and the verdict, then the failures.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	verdict := "PASS"
	if !r.Passed {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "## liftoff-bench: %s (server %s) — %s\n\n", r.URL, r.ServerVersion, verdict)
	b.WriteString("| run | phase | count | errors | rate/s | p50 ms | p90 ms | p99 ms | max ms | server CPU ms/op |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, run := range r.Runs {
		for _, p := range run.Phases {
			lat := "– | – | – | –"
			if l := p.Latency; l != nil {
				lat = fmtMs(l.P50Ms) + " | " + fmtMs(l.P90Ms) + " | " + fmtMs(l.P99Ms) + " | " + fmtMs(l.MaxMs)
			}
			cpu := "–"
			if p.ServerCPUMsPerOp > 0 {
				cpu = fmt.Sprintf("%.3f", p.ServerCPUMsPerOp)
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %d | %.0f | %s | %s |\n", run.Name, p.Name, p.Count, p.Errors, p.RatePerSec, lat, cpu)
		}
	}
	b.WriteString("\n| run | delivered / expected | lost | dup | conns | server bytes/conn | client bytes/conn | server RSS MiB (start→end, peak) | server CPU % | result |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---|---:|---|\n")
	for _, run := range r.Runs {
		deliv, lost, dup := "–", "–", "–"
		if d := run.Delivery; d != nil {
			deliv = fmt.Sprintf("%d / %d", d.Delivered, d.Expected)
			lost, dup = fmt.Sprint(d.Lost), fmt.Sprint(d.Duplicates)
		}
		conns, sb, cb := "–", "–", "–"
		if run.Connections > 0 {
			conns = fmt.Sprint(run.Connections)
			if run.ServerBytesPerConn != 0 {
				sb = fmtBytes(run.ServerBytesPerConn)
			}
			if run.ClientBytesPerConn != 0 {
				cb = fmtBytes(run.ClientBytesPerConn)
			}
		}
		rss, cpu := "–", "–"
		if s := run.Server; s != nil {
			rss = fmt.Sprintf("%.1f→%.1f, %.1f", s.RSSStartMB, s.RSSEndMB, s.RSSPeakMB)
			cpu = fmt.Sprintf("%.0f", s.CPUPercent)
		}
		res := "PASS"
		if !run.Passed {
			res = "**FAIL**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", run.Name, deliv, lost, dup, conns, sb, cb, rss, cpu, res)
	}
	for _, run := range r.Runs {
		for _, f := range run.Failures {
			fmt.Fprintf(&b, "\n- **%s failed**: %s", run.Name, f)
		}
		for _, n := range run.Notes {
			fmt.Fprintf(&b, "\n- %s: %s", run.Name, n)
		}
	}
	b.WriteString("\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write Markdown report: %w", err)
	}
	return nil
}
