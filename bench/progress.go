package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Progress redraws a one-line status on a terminal, or prints plain lines
// at a slower pace when the output is not a terminal. A nil *Progress
// prints nothing.
type Progress struct {
	w        io.Writer
	tty      bool
	interval time.Duration
}

// NewProgress writes progress to w; it redraws in place when w is a terminal.
func NewProgress(w io.Writer) *Progress {
	p := &Progress{w: w, interval: 5 * time.Second}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.interval = true, 250*time.Millisecond
		}
	}
	return p
}

// Track shows status() until the returned function is called, which
// prints the final status on its own line.
func (p *Progress) Track(ctx context.Context, status func() string) (stop func()) {
	if p == nil || p.w == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tk := time.NewTicker(p.interval)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				p.line(status(), false)
			}
		}
	}()
	return func() {
		cancel()
		<-done
		p.line(status(), true)
	}
}

// Printf prints one plain line (ending any redrawn line first).
func (p *Progress) Printf(format string, args ...any) {
	if p == nil || p.w == nil {
		return
	}
	p.line(fmt.Sprintf(format, args...), true)
}

func (p *Progress) line(s string, final bool) {
	switch {
	case p.tty && final:
		fmt.Fprintf(p.w, "\r\033[K%s\n", s)
	case p.tty:
		fmt.Fprintf(p.w, "\r\033[K%s", s)
	default:
		fmt.Fprintln(p.w, s)
	}
}

// bar renders a fraction in [0,1] as a bar of the given width.
func bar(frac float64, width int) string {
	frac = min(max(frac, 0), 1)
	n := int(frac*float64(width) + 0.5)
	return "[" + strings.Repeat("=", n) + strings.Repeat(" ", width-n) + "]" + fmt.Sprintf(" %3.0f%%", frac*100)
}

// rate is a running rate: events per second since the previous call (or
// since it was made, for the first call).
type rate struct {
	prev   int64
	prevAt time.Time
}

func newRate() *rate { return &rate{prevAt: time.Now()} }

func (r *rate) per(now time.Time, v int64) float64 {
	dt := now.Sub(r.prevAt).Seconds()
	if dt <= 0 {
		return 0
	}
	x := float64(v-r.prev) / dt
	r.prev, r.prevAt = v, now
	return x
}

// si renders a count compactly (12.3k, 4.5M).
func si(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}
