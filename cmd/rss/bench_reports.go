package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/fixtures"
	"rss/pg"
	"rss/reports"
)

// benchReportsVersion changes when the generator does: a database made by
// another version is rebuilt rather than reused.
const benchReportsVersion = 4

// reportsBench is `rss bench reports`: it generates, in a database of its
// own (kept between runs), a program's year and a half of history at the
// size asked — clients enrolled with a specialist, authorizations in a row
// over each enrollment, claims whose lines stay within them, voucher
// requests pended and decided, employment stage changes — then times every
// report of package reports over the last twelve whole months grouped by
// month, as JSON and as CSV, and samples the Go heap while the CSV streams.
type reportsBench struct {
	cfg       config
	out       io.Writer
	dbName    string
	lines     int
	auths     int
	clients   int
	providers int
	runs      int
	rebuild   bool
	chunk     int
	only      string
	db        *sqlx.DB
}

// size is what a database was generated for, kept in bench_reports_marker.
type benchSize struct {
	Version   int      `db:"version"`
	Lines     int      `db:"lines"`
	Auths     int      `db:"auths"`
	Clients   int      `db:"clients"`
	Providers int      `db:"providers"`
	DataFrom  rss.Date `db:"data_from"`
	DataTo    rss.Date `db:"data_to"`
}

func benchReports(ctx context.Context, cfg config, args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("bench reports", flag.ContinueOnError)
	b := &reportsBench{cfg: cfg, out: out}
	fs.StringVar(&b.dbName, "db", "rss_bench_reports", "the bench's own database (created, migrated and seeded when missing or of another size)")
	fs.IntVar(&b.lines, "lines", 10_000_000, "claim lines to generate (about; lines per authorization vary around lines/auths)")
	fs.IntVar(&b.auths, "auths", 500_000, "authorizations to generate (about; per client they vary around auths/clients)")
	fs.IntVar(&b.clients, "clients", 100_000, "clients, each with one enrollment")
	fs.IntVar(&b.providers, "providers", 30, "generated providers (besides the demo agencies)")
	fs.IntVar(&b.runs, "runs", 5, "timed runs of each report (the median is printed)")
	fs.BoolVar(&b.rebuild, "rebuild", false, "drop the bench database and generate it again")
	fs.IntVar(&b.chunk, "chunk", 20_000, "authorizations whose claims one statement writes")
	fs.StringVar(&b.only, "reports", "", "time only the reports whose names contain one of these comma-separated words")
	if err := parseFlags(fs, "rss bench reports [flags]", args, out, errOut); err != nil {
		return err
	}
	if err := (fixtures.HistorySize{Lines: b.lines, Auths: b.auths, Clients: b.clients, Providers: b.providers, Chunk: b.chunk,
		DataFrom: rss.MustDate("2025-01-01"), DataTo: rss.MustDate("2026-06-30")}).Check(); err != nil {
		return err
	}
	switch {
	case b.runs < 1 || b.runs > 50:
		return errors.New("-runs must be between 1 and 50")
	case !strings.HasPrefix(b.dbName, "rss_bench_"):
		return errors.New("-db must start with rss_bench_ (the bench never writes another database)")
	case fs.NArg() > 0:
		// "rss bench reports utilization", meant as -reports, generated
		// the whole history (an on-call pass).
		return fmt.Errorf("bench reports takes no arguments, got %q (-reports picks reports)", fs.Args())
	}
	return b.run(ctx)
}

func (b *reportsBench) logf(format string, args ...any) {
	fmt.Fprintf(b.out, "bench reports: "+format+"\n", args...)
}

func (b *reportsBench) run(ctx context.Context) error {
	dbURL, err := pg.WithDatabase(b.cfg.DatabaseURL, b.dbName)
	if err != nil {
		return err
	}
	want := benchSize{Version: benchReportsVersion, Lines: b.lines, Auths: b.auths, Clients: b.clients, Providers: b.providers}
	var size *benchSize
	if !b.rebuild {
		var err error
		if size, err = b.existing(ctx, dbURL); err != nil {
			return err
		}
	}
	if size != nil && (size.Version != want.Version || size.Lines != want.Lines || size.Auths != want.Auths ||
		size.Clients != want.Clients || size.Providers != want.Providers) {
		b.logf("%s holds another size", b.dbName)
		size = nil
	}
	if size == nil {
		// A database without the marker of this size (another size, or a
		// generation cut short) is made again from nothing.
		b.logf("(re)creating %s", b.dbName)
		dropDatabase(b.cfg.DatabaseURL, b.dbName)
	}
	if _, err := pg.EnsureDatabase(ctx, dbURL); err != nil {
		return err
	}
	db, err := pg.Open(ctx, dbURL, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	b.db = db
	if size == nil {
		t0 := time.Now()
		if size, err = b.generate(ctx, want); err != nil {
			return err
		}
		b.logf("generated in %s", time.Since(t0).Round(time.Second))
	} else {
		b.logf("reusing %s (generated for this size; -rebuild to make it again)", b.dbName)
		// Reusing means the schema may be behind this binary's, with
		// gaps when it was generated on a branch.
		if err := pg.MigrateOutOfOrder(ctx, b.db); err != nil {
			return err
		}
	}
	return b.timeReports(ctx, *size)
}

// existing returns the size the bench database was generated for, nil when
// it is missing or holds no marker.
func (b *reportsBench) existing(ctx context.Context, dbURL string) (*benchSize, error) {
	adminURL, err := pg.WithDatabase(b.cfg.DatabaseURL, "postgres")
	if err != nil {
		return nil, err
	}
	admin, err := sqlx.ConnectContext(ctx, "postgres", adminURL)
	if err != nil {
		return nil, err
	}
	var n int
	err = admin.GetContext(ctx, &n, `SELECT count(*) FROM pg_database WHERE datname = $1`, b.dbName)
	admin.Close()
	if err != nil || n == 0 {
		return nil, err
	}
	db, err := pg.Open(ctx, dbURL, 1)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	b.db = db
	return b.marker(ctx)
}

func (b *reportsBench) marker(ctx context.Context) (*benchSize, error) {
	var ok bool
	if err := b.db.GetContext(ctx, &ok, `SELECT to_regclass('bench_reports_marker') IS NOT NULL`); err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	var s benchSize
	err := b.db.GetContext(ctx, &s, `SELECT version, lines, auths, clients, providers, data_from, data_to FROM bench_reports_marker`)
	if errors.Is(err, pg.ErrNoRows) {
		return nil, nil
	}
	return &s, err
}

// generate migrates the empty bench database, loads the reference and
// demo data, writes the history and marks the database with its size.
// Data runs over the 18 months before the current one; the report year is
// the last twelve whole months.
func (b *reportsBench) generate(ctx context.Context, want benchSize) (*benchSize, error) {
	if err := pg.Migrate(ctx, b.db); err != nil {
		return nil, err
	}
	today := rss.NewDate(time.Now().In(b.cfg.Location))
	if _, err := fixtures.Load(ctx, b.db, today); err != nil {
		return nil, err
	}
	y, m, _ := today.Date()
	want.DataTo = rss.NewDate(time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)).AddDays(-1)
	want.DataFrom = rss.NewDate(time.Date(y, m-18, 1, 0, 0, 0, 0, time.UTC))
	size := fixtures.HistorySize{Lines: want.Lines, Auths: want.Auths, Clients: want.Clients, Providers: want.Providers,
		Chunk: b.chunk, DataFrom: want.DataFrom, DataTo: want.DataTo, Database: b.dbName}
	if err := fixtures.GenerateHistory(ctx, b.db, size, b.cfg.Location, b.logf); err != nil {
		return nil, err
	}
	_, err := b.db.ExecContext(ctx, `CREATE TABLE bench_reports_marker AS SELECT `+strconv.Itoa(want.Version)+` AS version, `+
		strconv.Itoa(want.Lines)+` AS lines, `+strconv.Itoa(want.Auths)+` AS auths, `+strconv.Itoa(want.Clients)+
		` AS clients, `+strconv.Itoa(want.Providers)+` AS providers, DATE '`+want.DataFrom.String()+`' AS data_from, DATE '`+
		want.DataTo.String()+`' AS data_to, now() AS generated_at`)
	return &want, err
}

// benchReport is one report asked the way the state asks it.
type benchReport struct {
	name  string
	build func(*reports.Service, context.Context, url.Values) (*reports.Report, error)
	query url.Values
}

type reportTiming struct {
	name                string
	cpu                 time.Duration // median CPU of one JSON answer, serial: database backend + this process
	rows                int64
	jsonMedian, csvMed  time.Duration
	jsonBytes, csvBytes int64
	peak                heapPeak
}

// time runs every report over the last twelve whole months by month,
// runs times as JSON and as CSV, through the reports service as the API
// calls it (an admin actor: every agency), and prints the medians.
func (b *reportsBench) timeReports(ctx context.Context, size benchSize) error {
	from := rss.NewDate(time.Date(size.DataTo.Year(), size.DataTo.Month()-11, 1, 0, 0, 0, 0, time.UTC))
	to := size.DataTo
	var dbBytes int64
	if err := b.db.GetContext(ctx, &dbBytes, `SELECT pg_database_size(current_database())`); err != nil {
		return err
	}
	var counts struct {
		Lines       int64 `db:"lines"`
		Auths       int64 `db:"auths"`
		Clients     int64 `db:"clients"`
		Enrollments int64 `db:"enrollments"`
		Requests    int64 `db:"requests"`
		Stages      int64 `db:"stages"`
		Rollup      int64 `db:"rollup"`
	}
	if err := b.db.GetContext(ctx, &counts, `SELECT
		(SELECT reltuples::bigint FROM pg_class WHERE relname = 'claim_lines') AS lines,
		(SELECT count(*) FROM authorizations) AS auths, (SELECT count(*) FROM clients) AS clients,
		(SELECT count(*) FROM enrollments) AS enrollments, (SELECT count(*) FROM voucher_requests) AS requests,
		(SELECT count(*) FROM employment_stage_changes) AS stages,
		(SELECT reltuples::bigint FROM pg_class WHERE relname = 'report_claim_use') AS rollup`); err != nil {
		return err
	}
	svc := reports.New(b.db, func() time.Time { return time.Now() }, b.cfg.Location)
	ctx = access.WithActor(ctx, access.Actor{Role: access.RoleAdmin, Purpose: "operations"})
	year := url.Values{"from": {from.String()}, "to": {to.String()}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range year {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	list := []benchReport{
		{"utilization (month)", (*reports.Service).Utilization, with("group", "month")},
		{"utilization (week)", (*reports.Service).Utilization, with("group", "week")},
		{"caseload (as of year end)", (*reports.Service).Caseload, url.Values{"as_of": {to.String()}}},
		{"length of service", (*reports.Service).LengthOfService, with("as_of", to.String())},
		{"pended queue (as of year end)", (*reports.Service).PendedQueue, url.Values{"as_of": {to.String()}}},
		{"employment movement (month)", (*reports.Service).EmploymentMovement, with("group", "month")},
		{"rsvp outcomes (month)", (*reports.Service).RSVPOutcomes, with("group", "month")},
		{"gpra", (*reports.Service).GPRA, with()},
		// Client-level: each run audits every enrollment shown (as an admin
		// with no key, in the bench database), so each run writes its rows'
		// audit events too, as the API would.
		{"rcm monthly", (*reports.Service).RCMMonthly, with()},
		{"state extract", (*reports.Service).Extract, with()},
		{"days past 24 hours", (*reports.Service).DaysPast24Hours, with()},
	}
	// CPU is measured on a connection of its own with parallel query off,
	// so one backend process does all the database's work and its CPU time
	// can be read from /proc: what the report costs whatever else runs on
	// the machine (wall clock on a shared machine says more about the
	// neighbours).
	dbURL, err := pg.WithDatabase(b.cfg.DatabaseURL, b.dbName)
	if err != nil {
		return err
	}
	cpuDB, err := pg.Open(ctx, dbURL, 1)
	if err != nil {
		return err
	}
	defer cpuDB.Close()
	cpuDB.SetMaxOpenConns(1)
	cpuDB.SetMaxIdleConns(1)
	var backend int
	if err := cpuDB.GetContext(ctx, &backend, `SELECT pg_backend_pid()`); err != nil {
		return err
	}
	if _, err := cpuDB.ExecContext(ctx, `SET max_parallel_workers_per_gather = 0`); err != nil {
		return err
	}
	cpuSvc := reports.New(cpuDB, func() time.Time { return time.Now() }, b.cfg.Location)
	var res []reportTiming
	for _, r := range list {
		if !b.picked(r.name) {
			continue
		}
		t := reportTiming{name: r.name}
		var js, cs []time.Duration
		for i := 0; i < b.runs; i++ {
			d, n, err := b.once(ctx, svc, r, false, nil)
			if err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			js, t.jsonBytes = append(js, d), n
			var peak heapPeak
			d, n, err = b.once(ctx, svc, r, true, &peak)
			if err != nil {
				return fmt.Errorf("%s csv: %w", r.name, err)
			}
			cs, t.csvBytes = append(cs, d), n
			t.peak = heapPeak{max(t.peak.objects, peak.objects), max(t.peak.live, peak.live), max(t.peak.gcs, peak.gcs)}
		}
		t.jsonMedian, t.csvMed = median(js), median(cs)
		t.rows = countLines(ctx, b, svc, r)
		var cpus []time.Duration
		for i := 0; i < b.runs; i++ {
			db0, go0, ok := cpuNow(backend)
			_, _, err := b.once(ctx, cpuSvc, r, false, nil)
			if errors.Is(err, reports.ErrPoolTooSmall) {
				// A client-level report needs a second connection for its
				// audit, so one backend's CPU is not all it costs: no figure.
				break
			}
			if err != nil {
				return fmt.Errorf("%s cpu: %w", r.name, err)
			}
			db1, go1, _ := cpuNow(backend)
			if ok {
				cpus = append(cpus, db1-db0+go1-go0)
			}
		}
		if len(cpus) > 0 {
			t.cpu = median(cpus)
		}
		b.logf("  %-30s json %7.1f ms  csv %7.1f ms  cpu %7.1f ms", r.name, ms(t.jsonMedian), ms(t.csvMed), ms(t.cpu))
		res = append(res, t)
	}
	fmt.Fprintf(b.out, "\nrss bench reports: %s, %s, %d claim lines, %d authorizations, %d clients, %d enrollments, "+
		"%d voucher requests, %d stage changes (%d rollup rows); year %s..%s by month; median of %d runs, %d CPUs\n\n",
		b.dbName, humanBytes(dbBytes), counts.Lines, counts.Auths, counts.Clients, counts.Enrollments, counts.Requests, counts.Stages,
		counts.Rollup, from, to, b.runs, numCPU())
	w := tabwriter.NewWriter(b.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "report\trows\tJSON ms\tCSV ms\tCPU ms (serial, JSON)\tJSON KB\tCSV KB\tCSV heap peak / live peak KB (GCs)\t<= 1 s (wall)\t")
	for _, t := range res {
		met := "yes"
		if t.jsonMedian > time.Second || t.csvMed > time.Second {
			met = "no"
		}
		fmt.Fprintf(w, "%s\t%d\t%.1f\t%.1f\t%.0f\t%d\t%d\t%d / %d (%d)\t%s\t\n", t.name, t.rows, ms(t.jsonMedian), ms(t.csvMed), ms(t.cpu),
			t.jsonBytes/1024, t.csvBytes/1024, t.peak.objects/1024, t.peak.live/1024, t.peak.gcs, met)
	}
	w.Flush()
	fmt.Fprintln(b.out)
	return nil
}

func (b *reportsBench) picked(name string) bool {
	if b.only == "" {
		return true
	}
	for _, w := range strings.Split(b.only, ",") {
		if w = strings.TrimSpace(w); w != "" && strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// cpuNow reads the CPU time used so far by the database backend pid (from
// /proc: the server runs on this machine) and by this process; ok is false
// when the backend's is not readable.
func cpuNow(pid int) (db, self time.Duration, ok bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, self, false
	}
	// The fields after the command's closing parenthesis: utime and stime
	// are the 12th and 13th, in clock ticks (100 a second on Linux).
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	if len(f) < 13 {
		return 0, self, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, self, false
	}
	return time.Duration(u+st) * 10 * time.Millisecond, self, true
}

// countingWriter discards what it is given and counts it.
type countingWriter struct{ n, lines int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	for _, b := range p {
		if b == '\n' {
			c.lines++
		}
	}
	return len(p), nil
}

// heapPeak is what the heap did while a CSV streamed: the highest bytes
// in heap objects (garbage not yet collected included) and the highest live
// heap a collection found, each above its level at the start (after a
// collection), and the collections meanwhile. Live bytes that stay flat
// over many collections while the rows go by are memory that does not grow
// with the rows.
type heapPeak struct{ objects, live, gcs uint64 }

// once builds and writes the report once; for CSV with peak set it samples
// the heap every millisecond meanwhile.
func (b *reportsBench) once(ctx context.Context, svc *reports.Service, r benchReport, csv bool, peak *heapPeak) (time.Duration, int64, error) {
	var stop atomic.Bool
	done := make(chan struct{})
	if peak != nil {
		runtime.GC()
		base := heapSample()
		go func() {
			defer close(done)
			for !stop.Load() {
				h := heapSample()
				if h.objects > base.objects {
					peak.objects = max(peak.objects, h.objects-base.objects)
				}
				if h.live > base.live {
					peak.live = max(peak.live, h.live-base.live)
				}
				peak.gcs = max(peak.gcs, h.gcs-base.gcs)
				time.Sleep(time.Millisecond)
			}
		}()
	} else {
		close(done)
	}
	w := &countingWriter{}
	t0 := time.Now()
	rep, err := r.build(svc, ctx, r.query)
	if err == nil {
		err = rep.Write(ctx, w, csv)
	}
	d := time.Since(t0)
	stop.Store(true)
	<-done
	return d, w.n, err
}

// countLines returns the report's rows: its CSV's lines less the notice and
// the header.
func countLines(ctx context.Context, b *reportsBench, svc *reports.Service, r benchReport) int64 {
	w := &countingWriter{}
	rep, err := r.build(svc, ctx, r.query)
	if err != nil || rep.Write(ctx, w, true) != nil {
		return -1
	}
	return w.lines - 2
}

func heapSample() heapPeak {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return heapPeak{objects: s[0].Value.Uint64(), live: s[1].Value.Uint64(), gcs: s[2].Value.Uint64()}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func humanBytes(n int64) string {
	return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
}
