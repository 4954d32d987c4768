package main

import (
	"context"
	"runtime/pprof"

	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/billing"
	"rss/fixtures"
	"rss/pg"
)

// benchExport is `rss bench export`: it fills a scratch database with N
// billable lines on each payer route, closes a batch of each, and exports
// both with `rss export batch` as a child process, reporting wall time and
// the child's peak RSS next to COPY (SELECT ...) TO STDOUT of the same
// rows through psql, the floor any exporter has to stand on.
func benchExport(ctx context.Context, cfg config, args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("bench export", flag.ContinueOnError)
	lines := fs.Int("lines", 1000000, "billable lines per payer route")
	keep := fs.Bool("keep", false, "keep the scratch database")
	if err := parseFlags(fs, "rss bench export [flags]", args, out, errOut); err != nil {
		return err
	}
	if *lines < 50 || *lines > 5000000 {
		return fmt.Errorf("-lines must be between 50 and 5000000")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench export takes no arguments, got %q", fs.Args())
	}
	logf := func(format string, a ...any) { fmt.Fprintf(errOut, "bench export: "+format+"\n", a...) }
	sc, err := newScratch(ctx, cfg, "rss_bench_export")
	if err != nil {
		return err
	}
	defer sc.close(*keep)
	db, url, today, demo := sc.db, sc.url, sc.today, sc.demo
	claims := *lines / 50
	routes := []struct{ route, program, service, provider, staff, rate string }{
		{billing.RouteMedicaid837P, "MHW", "MHW-RA", "ECRA", "Kowalski", "7.25"},
		{billing.RoutePaymentRegister, "ATR", "ATR-CM", "HRA", "Okafor", "15.00"},
	}
	for _, r := range routes {
		start := time.Now()
		if err := fillLines(ctx, db, demo.Providers[r.provider], demo.Staff[r.staff], r.program, r.service, r.rate, claims, today); err != nil {
			return err
		}
		logf("%d %s lines in %s", claims*50, r.program, time.Since(start).Round(time.Millisecond))
	}

	b := billing.New(db, time.Now, cfg.Location)
	fin := access.WithActor(ctx, access.Actor{Role: access.RoleFinance, KeyID: keyOf(ctx, db, access.RoleFinance), RequestID: "bench"})
	self, err := os.Executable()
	if err != nil {
		return err
	}
	type result struct {
		kind          string
		lines         int
		batch, export time.Duration
		rssMB         float64
		bytes         int64
		copyFloor     time.Duration
		copyErr       string
	}
	var results []result
	for _, r := range routes {
		start := time.Now()
		bt, err := b.CreateBatch(fin, billing.NewBatch{PayerRoute: r.route, ThroughDate: today})
		if err != nil {
			return err
		}
		res := result{kind: billing.FileKind(r.route), lines: bt.LineCount, batch: time.Since(start)}
		logf("batch %d (%s): %d lines closed in %s", bt.ID, r.route, bt.LineCount, res.batch.Round(time.Millisecond))

		f, err := os.CreateTemp("", "rss-export-*")
		if err != nil {
			return err
		}
		f.Close()
		defer os.Remove(f.Name())
		cmd := exec.CommandContext(ctx, self, "export", "batch", strconv.FormatInt(bt.ID, 10), "--out", f.Name())
		cmd.Env = append(os.Environ(), "DATABASE_URL="+url)
		cmd.Stderr = errOut
		start = time.Now()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("export child: %w", err)
		}
		res.export = time.Since(start)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			res.rssMB = float64(ru.Maxrss) / 1024 // kilobytes on Linux
		}
		if st, err := os.Stat(f.Name()); err == nil {
			res.bytes = st.Size()
		}

		if psql, err := exec.LookPath("psql"); err == nil {
			q := strings.ReplaceAll(billing.ExportQuery(), "$1", strconv.FormatInt(bt.ID, 10))
			q = strings.Join(strings.Fields(q), " ")
			c := exec.CommandContext(ctx, psql, "-X", "-q", "-d", url, "-c", "COPY ("+q+") TO STDOUT")
			c.Stdout = io.Discard
			var stderr strings.Builder
			c.Stderr = &stderr
			start = time.Now()
			if err := c.Run(); err != nil {
				res.copyErr = strings.TrimSpace(stderr.String())
			}
			res.copyFloor = time.Since(start)
		} else {
			res.copyErr = "psql not installed"
		}
		results = append(results, res)
	}

	fmt.Fprintf(out, "\nrss bench export: one batch per payer route, exported by `rss export batch` as a child process\n\n")
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "file\tlines\tbatch close s\texport s\tlines/s\tpeak RSS MB\tfile MB\tCOPY floor s\texport ÷ COPY\t")
	for _, r := range results {
		ratio := "-"
		if r.copyErr == "" && r.copyFloor > 0 {
			ratio = fmt.Sprintf("%.2f", r.export.Seconds()/r.copyFloor.Seconds())
		}
		fmt.Fprintf(w, "%s\t%d\t%.2f\t%.2f\t%.0f\t%.1f\t%.1f\t%.2f\t%s\t\n", r.kind, r.lines, r.batch.Seconds(), r.export.Seconds(),
			float64(r.lines)/r.export.Seconds(), r.rssMB, float64(r.bytes)/(1<<20), r.copyFloor.Seconds(), ratio)
	}
	w.Flush()
	for _, r := range results {
		if r.copyErr != "" {
			fmt.Fprintf(out, "COPY floor for %s not measured: %s\n", r.kind, r.copyErr)
		}
	}
	fmt.Fprintln(out)
	return nil
}

func keyOf(ctx context.Context, db *sqlx.DB, role access.Role) int64 {
	var id int64
	_ = db.GetContext(ctx, &id, `SELECT id FROM api_keys WHERE role = $1 ORDER BY id LIMIT 1`, string(role))
	return id
}

// fillLines writes claims of 50 paid, billable lines each for bench clients
// of one provider and program, in SQL. The lines are not counted on the
// ledger: this data exists to be batched and exported.
func fillLines(ctx context.Context, db *sqlx.DB, provider, staff int64, program, service, rate string, claims int, today rss.Date) error {
	clients := max(1, claims/20)
	lit := strings.NewReplacer("$prov", strconv.FormatInt(provider, 10), "$staff", strconv.FormatInt(staff, 10),
		"$prog", "'"+program+"'", "$svc", "'"+service+"'", "$rate", rate, "$claims", strconv.Itoa(claims),
		"$clients", strconv.Itoa(clients), "$today", "'"+today.String()+"'::date")
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS bench_export_clients (id bigint PRIMARY KEY, person_id bigint NOT NULL, program text NOT NULL, n int NOT NULL)`,
		`WITH p AS (INSERT INTO persons (created_at) SELECT now() FROM generate_series(1, $clients) RETURNING id),
		      q AS (SELECT id, (row_number() OVER (ORDER BY id))::int AS g FROM p),
		      made AS (
			INSERT INTO clients (person_id, provider_id, first_name, last_name, date_of_birth, gender, medicaid_id, catchment_area,
				address_line1, city, state, zip)
			SELECT q.id, $prov, 'Bench', 'Export' || q.g, DATE '1970-01-01' + q.g % 9000, 'U', 'BX' || $prog || lpad(q.g::text, 8, '0'),
				'hartford', '1 Bench Way', 'Hartford', 'CT', '06101'
			FROM q RETURNING id, person_id)
		 INSERT INTO bench_export_clients SELECT id, person_id, $prog, row_number() OVER (ORDER BY id) - 1 FROM made`,
		// An 837P discloses to the payer: each client consents to it.
		`INSERT INTO consents (client_id, disclosing_provider_id, recipient_type, recipient_name, payer_route, purposes, information,
			expires_on, signed_on)
		 SELECT id, $prov, 'payer', 'Bench Medicaid', 'medicaid_837p', '{payment}', 'Claims', $today + 365, $today - 41
		 FROM bench_export_clients WHERE program = $prog`,
		`INSERT INTO episodes (person_id, program_code, opened_on) SELECT person_id, $prog, $today - 40 FROM bench_export_clients WHERE program = $prog`,
		`INSERT INTO enrollments (client_id, person_id, program_code, provider_id, episode_id, assigned_staff_id, start_date, primary_case_manager)
		 SELECT b.id, b.person_id, $prog, $prov, e.id, $staff, $today - 40, $prog = 'ATR'
		 FROM episodes e JOIN bench_export_clients b ON b.person_id = e.person_id AND b.program = $prog WHERE e.program_code = $prog`,
		`WITH v AS (
			INSERT INTO voucher_requests (provider_id, client_id, enrollment_id, program_code, service_code, units_requested, rate,
				start_date, end_date, rules_decision, decision, units_granted, granted_start, granted_end, trace, facts, rule_set_version,
				submitted_by, decided_at)
			SELECT $prov, e.client_id, e.id, $prog, $svc, 99999, $rate, $today - 40, $today + 60, 'approved', 'approved', 99999,
				$today - 40, $today + 60, '[]', '{"bench": true}', 'bench', (SELECT min(id) FROM api_keys), now()
			FROM enrollments e JOIN bench_export_clients b ON b.id = e.client_id AND b.program = $prog
			RETURNING id, client_id, enrollment_id)
		 INSERT INTO authorizations (voucher_request_id, client_id, person_id, provider_id, program_code, service_code, episode_id, enrollment_id,
			units_authorized, rate, start_date, end_date)
		 SELECT v.id, v.client_id, e.person_id, $prov, $prog, $svc, e.episode_id, v.enrollment_id, 99999, $rate, $today - 40, $today + 60
		 FROM v JOIN enrollments e ON e.id = v.enrollment_id`,
		`INSERT INTO claims (provider_id, client_id, program_code, claim_number, frequency, rendering_staff_id, place_of_service, diagnoses,
			status, total_charge, total_paid, first_service_date, last_service_date, received_on, request_hash, submitted_by)
		 SELECT $prov, b.id, $prog, 'BX-' || $prog || '-' || g, '1', $staff, '12', '{F331}', 'paid', 100 * $rate, 100 * $rate,
			$today - 27, $today, $today, '\x00', (SELECT min(id) FROM api_keys)
		 FROM generate_series(1, $claims) g
		 JOIN bench_export_clients b ON b.program = $prog AND b.n = g % $clients`,
		`INSERT INTO claim_lines (claim_id, line_number, client_id, provider_id, service_code, date_of_service, units, charge,
			authorization_number, authorization_id, episode_id, status, units_allowed, allowed, paid, rate, adjustments, trace,
			rule_set_version, counted, billable)
		 SELECT c.id, k, c.client_id, $prov, $svc, $today - k % 28, 2, 2 * $rate, a.number, a.id, a.episode_id, 'paid', 2,
			2 * $rate, 2 * $rate, $rate, '[]', '[]', 'bench', false, true
		 FROM claims c
		 JOIN authorizations a ON a.client_id = c.client_id AND a.provider_id = $prov
		 CROSS JOIN generate_series(1, 50) k
		 WHERE c.claim_number LIKE 'BX-' || $prog || '-%'`,
		// Lines arrive over weeks in production and autovacuum has long
		// marked their pages all-visible by the time a batch is closed.
		`VACUUM ANALYZE`,
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, lit.Replace(q)); err != nil {
			return fmt.Errorf("bench export data: %w", err)
		}
	}
	return nil
}

// closeResult is one timed batch close.
type closeResult struct {
	lines   int
	elapsed time.Duration
}

// benchClose is the close phase of `rss bench`: on a scratch database of
// the same server it writes lines paid and billable on the 837P route (in
// SQL, as `rss bench export` does) and times closing them into one batch,
// its file written and checked, as finance's POST /v1/batches does.
func benchClose(ctx context.Context, cfg config, lines int, profile string, logf func(string, ...any)) (closeResult, error) {
	if lines < 50 || lines > 5000000 {
		return closeResult{}, fmt.Errorf("-close-lines must be between 50 and 5000000")
	}
	sc, err := newScratch(ctx, cfg, "rss_bench_close")
	if err != nil {
		return closeResult{}, err
	}
	defer sc.close(false)
	db, today, demo := sc.db, sc.today, sc.demo
	start := time.Now()
	if err := fillLines(ctx, db, demo.Providers["ECRA"], demo.Staff["Kowalski"], "MHW", "MHW-RA", "7.25", lines/50, today); err != nil {
		return closeResult{}, err
	}
	logf("%d lines written in %s", lines/50*50, time.Since(start).Round(time.Millisecond))
	b := billing.New(db, time.Now, cfg.Location)
	fin := access.WithActor(ctx, access.Actor{Role: access.RoleFinance, KeyID: keyOf(ctx, db, access.RoleFinance), RequestID: "bench"})
	if profile != "" {
		f, err := os.Create(profile + ".close")
		if err != nil {
			return closeResult{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return closeResult{}, err
		}
		defer pprof.StopCPUProfile()
	}
	serverGC() // the close runs here as it would in `rss serve`
	start = time.Now()
	bt, err := b.CreateBatch(fin, billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: today})
	if err != nil {
		return closeResult{}, err
	}
	return closeResult{lines: bt.LineCount, elapsed: time.Since(start)}, nil
}

// scratch is a database of its own on the configured server, migrated and
// loaded with the demo data, for a benchmark to fill.
type scratch struct {
	cfg   config
	name  string
	url   string
	db    *sqlx.DB
	today rss.Date
	demo  fixtures.Demo
}

func newScratch(ctx context.Context, cfg config, prefix string) (*scratch, error) {
	sc := &scratch{cfg: cfg, name: fmt.Sprintf("%s_%d", prefix, time.Now().Unix())}
	var err error
	if sc.url, err = pg.WithDatabase(cfg.DatabaseURL, sc.name); err != nil {
		return nil, err
	}
	if _, err := pg.EnsureDatabase(ctx, sc.url); err != nil {
		return nil, err
	}
	if sc.db, err = pg.Open(ctx, sc.url, 4); err != nil {
		dropDatabase(cfg.DatabaseURL, sc.name)
		return nil, err
	}
	sc.today = rss.NewDate(time.Now().In(cfg.Location))
	if err = pg.Migrate(ctx, sc.db); err == nil {
		if _, err = fixtures.Load(ctx, sc.db, sc.today); err == nil {
			sc.demo, err = fixtures.DemoIDs(ctx, sc.db)
		}
	}
	if err != nil {
		sc.close(false)
		return nil, err
	}
	return sc, nil
}

// close closes the pool and drops the database unless kept.
func (sc *scratch) close(keep bool) {
	sc.db.Close()
	if !keep {
		dropDatabase(sc.cfg.DatabaseURL, sc.name)
	}
}
