// Command liftoff-bench drives a Rocket.Chat-compatible server (Liftoff or
// Rocket.Chat itself) through its public REST and DDP API and reports
// throughput, latency, completeness and memory. See docs/bench.md.
//
// It exits 0 when every run passed, 1 when a run lost, duplicated or failed
// something, and 2 on a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"liftoff/bench"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command's flags.
type options struct {
	target              bench.Target
	sourceIPs           string
	scenario            string
	suite, config, json string
	spawn               string
	quiet               bool
	run                 bench.RunConfig
}

func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("liftoff-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: liftoff-bench -url URL -admin-user U -admin-pass P (-scenario NAME [flags] | -suite standard | -config suite.json)\n\nscenarios: %s\n\n", strings.Join(bench.Scenarios, ", "))
		fs.PrintDefaults()
	}
	env := func(k, def string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return def
	}
	t := &o.target
	fs.StringVar(&t.URL, "url", env("BENCH_URL", "http://127.0.0.1:3000"), "server root URL (env BENCH_URL)")
	fs.StringVar(&t.AdminUser, "admin-user", env("ADMIN_USERNAME", "admin"), "admin username, to create users and rooms (env ADMIN_USERNAME)")
	fs.StringVar(&t.AdminPass, "admin-pass", env("ADMIN_PASS", ""), "admin password (env ADMIN_PASS)")
	fs.StringVar(&t.Password, "user-pass", "bench-pass-1", "password of the bench users")
	fs.StringVar(&t.Prefix, "prefix", "bench", "prefix of the user and room names the tool creates")
	fs.StringVar(&o.sourceIPs, "source-ips", "", "local source addresses for DDP connections, e.g. 127.0.0.1-127.0.0.20 (empty: system's choice)")
	fs.IntVar(&t.PID, "pid", 0, "server process id to sample RSS and CPU from /proc (same machine only)")
	fs.StringVar(&t.StateFile, "state", "", "file caching bench users' tokens between invocations (optional)")
	fs.StringVar(&o.scenario, "scenario", "", "scenario to run: "+strings.Join(bench.Scenarios, ", "))
	fs.StringVar(&o.suite, "suite", "", "named suite to run: standard")
	fs.StringVar(&o.config, "config", "", "JSON suite file: {\"runs\":[{\"scenario\":\"chat\",\"users\":200,...}]}")
	fs.StringVar(&o.json, "json", "", "write the report as JSON to this file")
	fs.BoolVar(&o.quiet, "quiet", false, "no live progress on stderr")
	fs.StringVar(&o.spawn, "spawn", "", "path of a liftoff binary to start fresh (free port, empty data folder, sampled by -pid) and stop after the runs; overrides -url, -admin-user, -admin-pass and -pid")
	c := &o.run
	fs.StringVar(&c.Name, "name", "", "label of the run in the report (default: the scenario)")
	fs.IntVar(&c.Users, "users", 0, "distinct users (chat, connections, storm)")
	fs.IntVar(&c.Rooms, "rooms", 0, "rooms the users are spread over (chat, connections)")
	fs.IntVar(&c.Senders, "senders", 0, "users who post (chat)")
	fs.Float64Var(&c.Rate, "rate", 0, "target messages per second over all senders (chat)")
	dur := fs.Duration("duration", 0, "how long to post (chat) or hold connections (connections)")
	grace := fs.Duration("grace", 0, "how long to wait for outstanding deliveries after posting (default 5s, fanout 10s)")
	fs.IntVar(&c.Members, "members", 0, "online members of the fan-out room (fanout)")
	fs.IntVar(&c.Messages, "messages", 0, "messages to post (fanout) or history room size (history)")
	fs.IntVar(&c.Connections, "connections", 0, "DDP connections to hold (connections)")
	fs.IntVar(&c.Concurrency, "concurrency", 0, "parallel connects, logins and setup calls")
	fs.IntVar(&c.Pages, "pages", 0, "history pages to read per method (history)")
	fs.IntVar(&c.PageSize, "page-size", 0, "messages per history page (history, default 50)")
	fs.IntVar(&c.Workers, "workers", 0, "concurrent history readers (history)")
	randomSpan := fs.Duration("random-span", 0, "history: read each page before a random time within this span back from now (default: walk back from the newest message)")
	fs.IntVar(&c.SeedWorkers, "seed-workers", 0, "concurrent REST posters seeding the history room (history)")
	fs.IntVar(&c.MsgSize, "msg-size", 0, "bytes per posted message (default 64)")
	fs.StringVar(&c.Via, "via", "", "post with ddp (sendMessage) or rest (chat.sendMessage); default ddp")
	fs.BoolVar(&c.NoUserStreams, "no-user-streams", false, "do not subscribe to stream-notify-user events")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	c.Duration, c.Grace, c.Scenario = bench.Duration(*dur), bench.Duration(*grace), o.scenario
	c.RandomSpan = bench.Duration(*randomSpan)
	ips, err := bench.ParseSourceIPs(o.sourceIPs)
	if err != nil {
		return nil, err
	}
	t.SourceIPs = ips
	chosen := 0
	for _, s := range []string{o.scenario, o.suite, o.config} {
		if s != "" {
			chosen++
		}
	}
	if chosen != 1 {
		return nil, errors.New("choose exactly one of -scenario, -suite and -config")
	}
	return o, nil
}

func (o *options) runs() ([]bench.RunConfig, error) {
	switch {
	case o.config != "":
		return bench.LoadSuite(o.config)
	case o.suite != "":
		s, ok := bench.Suites()[o.suite]
		if !ok {
			names := make([]string, 0)
			for n := range bench.Suites() {
				names = append(names, n)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("unknown suite %q (have %s)", o.suite, strings.Join(names, ", "))
		}
		return s, nil
	default:
		c := o.run.Defaults()
		if err := c.Validate(); err != nil {
			return nil, err
		}
		return []bench.RunConfig{o.run}, nil
	}
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "liftoff-bench:", err)
		return 2
	}
	runs, err := o.runs()
	if err != nil {
		fmt.Fprintln(stderr, "liftoff-bench:", err)
		return 2
	}
	if !o.quiet {
		o.target.Progress = bench.NewProgress(stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.spawn != "" {
		srv, err := bench.Spawn(ctx, o.spawn)
		if err != nil {
			fmt.Fprintln(stderr, "liftoff-bench:", err)
			return 1
		}
		defer func() {
			if err := srv.Stop(); err != nil {
				fmt.Fprintln(stderr, "liftoff-bench:", err)
			}
		}()
		t := &o.target
		t.URL, t.AdminUser, t.AdminPass, t.PID = srv.URL, srv.AdminUser, srv.AdminPass, srv.PID
		fmt.Fprintf(stderr, "liftoff-bench: started %s at %s (pid %d)\n", o.spawn, srv.URL, srv.PID)
	}
	setupCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	r, err := bench.NewRunner(setupCtx, o.target)
	cancel()
	if err != nil {
		fmt.Fprintln(stderr, "liftoff-bench:", err)
		return 1
	}
	rep := r.RunAll(ctx, runs)
	if err := r.Close(); err != nil {
		fmt.Fprintln(stderr, "liftoff-bench:", err)
	}
	if o.json != "" {
		if err := writeJSON(o.json, rep); err != nil {
			fmt.Fprintln(stderr, "liftoff-bench:", err)
			return 1
		}
	}
	if err := rep.WriteMarkdown(stdout); err != nil {
		fmt.Fprintln(stderr, "liftoff-bench:", err)
		return 1
	}
	if !rep.Passed {
		return 1
	}
	return 0
}

func writeJSON(path string, rep *bench.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	return nil
}
