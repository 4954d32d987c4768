package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
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
const benchReportsVersion = 2

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
	fs.SetOutput(errOut)
	b := &reportsBench{cfg: cfg, out: out}
	fs.StringVar(&b.dbName, "db", "rss_bench_reports", "the bench's own database (created, migrated and seeded when missing or of another size)")
	fs.IntVar(&b.lines, "lines", 10_000_000, "claim lines to generate (about; lines per authorization vary around lines/auths)")
	fs.IntVar(&b.auths, "auths", 500_000, "authorizations to generate (about; per client they vary around auths/clients)")
	fs.IntVar(&b.clients, "clients", 100_000, "clients, each with one enrollment")
	fs.IntVar(&b.providers, "providers", 30, "generated providers (besides the demo agencies)")
	fs.IntVar(&b.runs, "runs", 5, "timed runs of each report (the median is printed)")
	fs.BoolVar(&b.rebuild, "rebuild", false, "drop the bench database and generate it again")
	fs.IntVar(&b.chunk, "chunk", 20_000, "authorizations whose claims one statement writes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case b.clients < 100 || b.auths < b.clients || b.lines < b.auths:
		return errors.New("need -clients >= 100, -auths >= -clients and -lines >= -auths")
	case b.lines/b.auths > 30:
		return errors.New("-lines / -auths must be at most 30 (the lines of an authorization fall on distinct days of its 60)")
	case b.auths/b.clients > 5:
		return errors.New("-auths / -clients must be at most 5 (an enrollment's authorizations, 60 days each, follow each other within 18 months)")
	case b.providers < 1 || b.providers > 900:
		return errors.New("-providers must be between 1 and 900")
	case b.runs < 1 || b.runs > 50:
		return errors.New("-runs must be between 1 and 50")
	case b.chunk < 100:
		return errors.New("-chunk must be at least 100")
	case !strings.HasPrefix(b.dbName, "rss_bench_"):
		return errors.New("-db must start with rss_bench_ (the bench never writes another database)")
	}
	return b.run(ctx)
}

func (b *reportsBench) logf(format string, args ...any) {
	fmt.Fprintf(b.out, "bench reports: "+format+"\n", args...)
}

func (b *reportsBench) run(ctx context.Context) error {
	dbURL := withDatabase(b.cfg.DatabaseURL, b.dbName)
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
	if err := pg.EnsureDatabase(ctx, dbURL); err != nil {
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
		// Reusing means the schema may be behind this binary's.
		if err := pg.Migrate(ctx, b.db); err != nil {
			return err
		}
	}
	return b.timeReports(ctx, *size)
}

// existing returns the size the bench database was generated for, nil when
// it is missing or holds no marker.
func (b *reportsBench) existing(ctx context.Context, dbURL string) (*benchSize, error) {
	admin, err := sqlx.ConnectContext(ctx, "postgres", withDatabase(b.cfg.DatabaseURL, "postgres"))
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

// npi makes a valid NPI (the Luhn check over 80840 and nine digits) from a
// number, for the generated providers.
func npi(n int) string {
	base := fmt.Sprintf("1%08d", n)
	digits := "80840" + base
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return base + strconv.Itoa((10-sum%10)%10)
}

// generate writes the history. Everything is set-based (INSERT ... SELECT
// over generate_series); claims and their lines go in chunks of
// authorizations, each one statement, so the triggers of claim_lines run as
// they do for a bulk intake (the reference checks and the reports' rollup
// included: nothing is bypassed). The ledger's counters (units used on
// each authorization, dollars paid on each episode) are set from the lines
// written, so the database is one the API could have produced: units
// within authorizations, dates of service within their spans, one counted
// line per client, service, day and units.
func (b *reportsBench) generate(ctx context.Context, want benchSize) (*benchSize, error) {
	if err := pg.Migrate(ctx, b.db); err != nil {
		return nil, err
	}
	today := rss.NewDate(time.Now().In(b.cfg.Location))
	if _, err := fixtures.Load(ctx, b.db, today); err != nil {
		return nil, err
	}
	// Data runs over the 18 months before the current one; the report year
	// is the last twelve whole months.
	y, m, _ := today.Date()
	month := rss.NewDate(time.Date(y, m, 1, 0, 0, 0, 0, time.UTC))
	want.DataTo = month.AddDays(-1)
	want.DataFrom = rss.NewDate(time.Date(y, m-18, 1, 0, 0, 0, 0, time.UTC))
	window := want.DataFrom.DaysUntil(want.DataTo) + 1
	linesPerAuthMax := 2*want.Lines/want.Auths - 1
	authsPerClientMax := 2*want.Auths/want.Clients - 1
	staffPerRole := max(2, want.Clients/want.Providers/5/40)
	b.logf("generating %d clients, ~%d authorizations, ~%d claim lines at %d providers over %s..%s into %s",
		want.Clients, want.Auths, want.Lines, want.Providers, want.DataFrom, want.DataTo, b.dbName)

	run := func(what, q string, args ...any) (int64, error) {
		t0 := time.Now()
		res, err := b.db.ExecContext(ctx, q, args...)
		if err != nil {
			return 0, fmt.Errorf("bench reports: %s: %w", what, err)
		}
		n, _ := res.RowsAffected()
		b.logf("  %-34s %10d rows %8s", what, n, time.Since(t0).Round(time.Millisecond))
		return n, nil
	}

	// Providers, each with a provider key (its hash is of nothing anyone
	// holds: the bench never calls the API with it).
	var provs []string
	for i := 1; i <= want.Providers; i++ {
		provs = append(provs, fmt.Sprintf("('GEN-%03d', 'Generated Agency %d', '%s', '%09d', '%d Main Street', 'Hartford', 'CT', '06103', DATE '%s')",
			i, i, npi(900000+i), 100000000+i, i, want.DataFrom.AddDays(-365)))
	}
	if _, err := run("providers", `INSERT INTO providers (code, name, npi, tax_id, address_line1, city, state, zip, agreement_start) VALUES `+
		strings.Join(provs, ", ")); err != nil {
		return nil, err
	}
	steps := []struct{ what, q string }{
		{"provider programs", `INSERT INTO provider_programs (provider_id, program_code)
			SELECT p.id, g.code FROM providers p, unnest('{ATR,RCM,EMP,RSVP}'::text[]) g(code) WHERE p.code LIKE 'GEN-%'`},
		{"provider services", `INSERT INTO provider_services (provider_id, service_code)
			SELECT p.id, s.code FROM providers p, unnest('{ATR-CM,ATR-DT,ATR-TR,RCM-CM,EMP-IPS,EMP-SED,RSVP-DS,RSVP-RC}'::text[]) s(code)
			WHERE p.code LIKE 'GEN-%'`},
		{"provider keys", `INSERT INTO api_keys (prefix, secret_hash, role, provider_id, label)
			SELECT 'gen' || lpad(p.id::text, 6, '0'), sha256(convert_to('bench ' || p.id, 'UTF8')), 'provider', p.id, 'bench reports'
			FROM providers p WHERE p.code LIKE 'GEN-%'`},
		// Staff: per provider and role slot (0 case manager for ATR, 1
		// recovery specialist for RCM, 2 employment specialist for EMP, 3
		// recovery coach for RSVP, 4 lead recovery specialists for RCM),
		// $1 of each.
		{"staff", `INSERT INTO staff (provider_id, first_name, last_name, role, date_of_birth, employment_start)
			SELECT p.id, 'Staff', 'S' || r.slot || '-' || i, r.role, DATE '1980-01-01' + i, DATE '2020-01-01'
			FROM providers p, (VALUES (0, 'case_manager'), (1, 'recovery_specialist'), (2, 'employment_specialist'),
			                          (3, 'recovery_coach'), (4, 'lead_recovery_specialist')) r(slot, role),
			     generate_series(1, $1::int) i
			WHERE p.code LIKE 'GEN-%'`},
		{"bench tables", `CREATE TABLE bench_staff AS
			SELECT s.id, s.provider_id, split_part(substr(s.last_name, 2), '-', 1)::int AS slot,
			       split_part(s.last_name, '-', 2)::int - 1 AS n
			FROM staff s JOIN providers p ON p.id = s.provider_id WHERE p.code LIKE 'GEN-%';
			CREATE UNIQUE INDEX ON bench_staff (provider_id, slot, n);
			CREATE TABLE bench_providers AS SELECT row_number() OVER (ORDER BY id)::int - 1 AS n, id,
			       (SELECT k.id FROM api_keys k WHERE k.provider_id = p.id) AS key_id
			FROM providers p WHERE p.code LIKE 'GEN-%'`},
		// One enrollment per client: program by client number (half ATR,
		// a fifth RCM, a fifth EMP, a tenth RSVP), k authorizations of 60
		// days in a row from its start, discharged some days after the
		// last one ends when that is before the data's end (some stay open
		// past RCM's 270 days).
		{"clients (plan)", `CREATE TABLE bench_c AS
			SELECT g, bp.id AS provider_id, bp.key_id,
			       CASE WHEN g % 10 < 5 THEN 'ATR' WHEN g % 10 < 7 THEN 'RCM' WHEN g % 10 < 9 THEN 'EMP' ELSE 'RSVP' END AS program,
			       1 + ((g::bigint * 7919) % $2::int)::int AS k, NULL::bigint AS person_id, NULL::bigint AS client_id, NULL::bigint AS episode_id,
			       NULL::bigint AS enrollment_id, NULL::bigint AS staff_id, NULL::date AS start_date, NULL::date AS discharge_date
			FROM generate_series(1, $3::int) g JOIN bench_providers bp ON bp.n = g % $4::int`},
		{"clients (dates)", `UPDATE bench_c SET start_date = $5::date + ((g::bigint * 7919) % ($6::int - k * 60 + 1))::int`},
		{"clients (discharge)", `UPDATE bench_c SET discharge_date = start_date + k * 60 - 1 + g % 40
			WHERE start_date + k * 60 - 1 + g % 40 < $7::date - g % 90`},
		{"clients (staff)", `UPDATE bench_c c SET staff_id = s.id FROM bench_staff s
			WHERE s.provider_id = c.provider_id
			  AND s.slot = CASE c.program WHEN 'ATR' THEN 0 WHEN 'RCM' THEN CASE WHEN c.g % 3 = 0 THEN 4 ELSE 1 END WHEN 'EMP' THEN 2 ELSE 3 END
			  AND s.n = (c.g / 31) % $1::int`},
		{"persons", `WITH p AS (INSERT INTO persons (created_at) SELECT now() FROM generate_series(1, $3::int) RETURNING id),
			n AS (SELECT id, row_number() OVER (ORDER BY id)::int AS g FROM p)
			UPDATE bench_c c SET person_id = n.id FROM n WHERE n.g = c.g`},
		{"clients", `WITH made AS (
			INSERT INTO clients (person_id, provider_id, first_name, last_name, date_of_birth, gender, catchment_area)
			SELECT person_id, provider_id, 'Bench', 'Client' || g, DATE '1970-01-01' + g % 12000, (ARRAY['F','M','U'])[1 + g % 3], 'hartford'
			FROM bench_c RETURNING id, person_id)
			UPDATE bench_c c SET client_id = made.id FROM made WHERE made.person_id = c.person_id`},
		{"episodes", `WITH made AS (
			INSERT INTO episodes (person_id, program_code, opened_on, closed_on)
			SELECT person_id, program, start_date, discharge_date FROM bench_c RETURNING id, person_id)
			UPDATE bench_c c SET episode_id = made.id FROM made WHERE made.person_id = c.person_id`},
		{"enrollments", `WITH made AS (
			INSERT INTO enrollments (client_id, person_id, program_code, provider_id, episode_id, assigned_staff_id, primary_case_manager,
			                         start_date, discharge_date, discharge_reason_code, referral_source)
			SELECT client_id, person_id, program, provider_id, episode_id, staff_id, program = 'ATR', start_date, discharge_date,
			       CASE WHEN discharge_date IS NOT NULL THEN (ARRAY['completed','goals_met','lost_contact','moved'])[1 + g % 4] END, 'self'
			FROM bench_c RETURNING id, person_id)
			UPDATE bench_c c SET enrollment_id = made.id FROM made WHERE made.person_id = c.person_id`},
		{"analyze", `ANALYZE bench_c, bench_staff, bench_providers`},
		// A tenth of the enrollments were reassigned 30 days in, from the
		// next specialist of the same role to the one assigned now.
		{"reassignments", `INSERT INTO enrollment_reassignments (enrollment_id, from_staff_id, to_staff_id, reason, caseload_after, actor_key_id, reassigned_at)
			SELECT c.enrollment_id, s.id, c.staff_id, 'caseload balance', 1, c.key_id, (c.start_date + 30)::timestamp AT TIME ZONE $8
			FROM bench_c c JOIN bench_staff cur ON cur.id = c.staff_id
			JOIN bench_staff s ON s.provider_id = cur.provider_id AND s.slot = cur.slot AND s.n = (cur.n + 1) % $1::int
			WHERE c.g % 10 = 3 AND c.start_date + 30 <= coalesce(c.discharge_date, $7::date)`},
		// The authorizations: each an approved voucher request, k per
		// enrollment in a row; units enough for its lines (lines per
		// authorization vary 1..$9, 1 to 4 units each).
		{"authorizations (plan)", `CREATE TABLE bench_a AS
			SELECT row_number() OVER (ORDER BY c.g, j)::int AS seq, c.g, j, c.provider_id, c.key_id, c.client_id, c.person_id, c.program,
			       c.episode_id, c.enrollment_id, c.staff_id,
			       CASE c.program WHEN 'ATR' THEN (ARRAY['ATR-CM','ATR-DT','ATR-TR'])[1 + j % 3] WHEN 'RCM' THEN 'RCM-CM'
			                      WHEN 'EMP' THEN (ARRAY['EMP-IPS','EMP-SED'])[1 + j % 2] ELSE (ARRAY['RSVP-RC','RSVP-DS'])[1 + j % 2] END AS service,
			       c.start_date + j * 60 AS start_date, c.start_date + j * 60 + 59 AS end_date, NULL::bigint AS aid, 0 AS n, 0 AS units
			FROM bench_c c, generate_series(0, c.k - 1) j`},
		{"authorizations (lines)", `UPDATE bench_a SET n = 1 + ((seq::bigint * 7919) % $9::int)::int`},
		{"authorizations (units)", `UPDATE bench_a SET units = n * 4 + 20`},
		{"analyze", `ANALYZE bench_a`},
		{"voucher requests (approved)", `WITH v AS (
			INSERT INTO voucher_requests (provider_id, client_id, enrollment_id, program_code, service_code, staff_id, units_requested, rate,
			  start_date, end_date, rules_decision, decision, units_granted, granted_start, granted_end, trace, facts, rule_set_version,
			  submitted_by, submitted_at, decided_at)
			SELECT provider_id, client_id, enrollment_id, program, service, staff_id, units, bench_rate(service), start_date, end_date,
			  'approved', 'approved', units, start_date, end_date, '[]', '{"bench": true}', 'bench', key_id,
			  (start_date - 3)::timestamp AT TIME ZONE $8 + interval '10 hours', (start_date - 3)::timestamp AT TIME ZONE $8 + interval '10 hours'
			FROM bench_a RETURNING id, enrollment_id, start_date),
			a AS (
			INSERT INTO authorizations (voucher_request_id, client_id, person_id, provider_id, program_code, service_code, episode_id,
			  enrollment_id, units_authorized, rate, start_date, end_date, created_at)
			SELECT v.id, b.client_id, b.person_id, b.provider_id, b.program, b.service, b.episode_id, b.enrollment_id, b.units,
			  bench_rate(b.service), b.start_date, b.end_date, (b.start_date - 3)::timestamp AT TIME ZONE $8
			FROM v JOIN bench_a b ON b.enrollment_id = v.enrollment_id AND b.start_date = v.start_date
			RETURNING id, enrollment_id, start_date)
			UPDATE bench_a b SET aid = a.id FROM a WHERE a.enrollment_id = b.enrollment_id AND a.start_date = b.start_date`},
		{"bench index", `CREATE UNIQUE INDEX ON bench_a (seq); ANALYZE bench_a`},
		// Requests the rules pended, one per 20 authorizations, over the
		// whole window: most a reviewer denied 0 to 19 days later, the
		// last weeks' still waiting.
		{"voucher requests (pended)", `INSERT INTO voucher_requests (provider_id, client_id, enrollment_id, program_code, service_code, staff_id,
			  units_requested, rate, start_date, end_date, rules_decision, decision, reason_codes, trace, facts, rule_set_version,
			  submitted_by, submitted_at, decided_at)
			SELECT b.provider_id, b.client_id, b.enrollment_id, b.program, b.service, b.staff_id, 40, bench_rate(b.service), s.day, s.day + 59,
			  'pended', CASE WHEN s.day + b.seq % 20 < $7::date THEN 'denied' ELSE 'pended' END,
			  (ARRAY['{GPRA_FOLLOWUP_OVERDUE}', '{UNITS_OVER_VOUCHER_MAX}', '{LENGTH_OF_SERVICE_REVIEW}',
			         '{UNITS_OVER_VOUCHER_MAX,EPISODE_UNITS_EXCEEDED}', '{SPAN_OVER_VOUCHER_VALIDITY}'])[1 + b.seq % 5]::text[],
			  '[]', '{"bench": true}', 'bench', b.key_id,
			  s.day::timestamp AT TIME ZONE $8 + make_interval(mins => 480 + b.seq % 540),
			  CASE WHEN s.day + b.seq % 20 < $7::date
			       THEN (s.day + b.seq % 20)::timestamp AT TIME ZONE $8 + interval '15 hours' END
			FROM bench_a b CROSS JOIN LATERAL (SELECT $5::date + ((b.seq::bigint * 7919) % $6::int)::int AS day) s
			WHERE b.seq % 20 = 7`},
		// Employment stage changes: EMP enrollments move up the ladder a
		// step or two every 45 days, some stepping back, some never
		// getting a stage.
		{"employment stage changes", `INSERT INTO employment_stage_changes (enrollment_id, stage, effective_date, actor_key_id, created_at)
			SELECT c.enrollment_id, st.code, c.start_date + 20 + 45 * i, c.key_id, (c.start_date + 20 + 45 * i)::timestamp AT TIME ZONE $8
			FROM bench_c c CROSS JOIN LATERAL generate_series(0, c.g % 6 - 1) i
			JOIN employment_stages st ON st.rank = greatest(1, least(11, 1 + c.g % 3 + i * 2 - CASE WHEN (c.g + i) % 4 = 0 THEN 3 ELSE 0 END))
			WHERE c.program = 'EMP' AND c.start_date + 20 + 45 * i <= coalesce(c.discharge_date, $7::date)`},
	}
	if _, err := b.db.ExecContext(ctx, `CREATE FUNCTION bench_rate(service text) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
		SELECT CASE service WHEN 'ATR-DT' THEN 25.00 WHEN 'RSVP-DS' THEN 25.00 WHEN 'ATR-TR' THEN 12.50 ELSE 15.00 END $$`); err != nil {
		return nil, err
	}
	args := []any{staffPerRole, authsPerClientMax, want.Clients, want.Providers, want.DataFrom, window, want.DataTo,
		b.cfg.Location.String(), linesPerAuthMax}
	for _, s := range steps {
		// Each statement binds only the parameters it names.
		q, bound := bindUsed(s.q, args)
		if _, err := run(s.what, q, bound...); err != nil {
			return nil, err
		}
	}
	var nAuth int
	if err := b.db.GetContext(ctx, &nAuth, `SELECT count(*) FROM bench_a`); err != nil {
		return nil, err
	}
	// Claims and lines, a chunk of authorizations per statement: lines on
	// distinct days of the authorization's 60, 1 to 4 units, one in fifty
	// denied (counted nothing); ten lines a claim. Then the ledger's
	// counters from what was written.
	claims := `WITH l AS (
			SELECT b.aid, b.seq, b.provider_id, b.key_id, b.client_id, b.program, b.service, b.staff_id, b.episode_id, i,
			       b.start_date + (i * 60) / b.n AS dos, 1 + i % 4 AS units, (b.seq * 31 + i) % 50 = 0 AS denied
			FROM bench_a b, generate_series(0, b.n - 1) i WHERE b.seq BETWEEN $1 AND $2),
		c AS (
			INSERT INTO claims (provider_id, client_id, program_code, claim_number, frequency, rendering_staff_id, place_of_service, diagnoses,
			  status, total_charge, total_paid, first_service_date, last_service_date, received_on, received_at, request_hash, submitted_by)
			SELECT provider_id, client_id, program, 'R' || aid || '-' || i / 10, '1', staff_id, '11', '{F1120}',
			  CASE WHEN bool_and(denied) THEN 'denied' WHEN bool_or(denied) THEN 'partial' ELSE 'paid' END,
			  sum(units * bench_rate(service)), coalesce(sum(units * bench_rate(service)) FILTER (WHERE NOT denied), 0),
			  min(dos), max(dos), least(max(dos) + 3, $3::date), (least(max(dos) + 3, $3::date))::timestamp AT TIME ZONE $4,
			  sha256(convert_to('R' || aid || '-' || i / 10, 'UTF8')), key_id
			FROM l GROUP BY aid, i / 10, provider_id, client_id, program, staff_id, key_id
			RETURNING id, provider_id, claim_number)
		INSERT INTO claim_lines (claim_id, line_number, client_id, provider_id, service_code, date_of_service, units, charge,
		  authorization_id, episode_id, status, units_allowed, allowed, paid, rate, rule_set_version, counted, billable)
		SELECT c.id, 1 + l.i % 10, l.client_id, l.provider_id, l.service, l.dos, l.units, l.units * bench_rate(l.service),
		  l.aid, l.episode_id, CASE WHEN l.denied THEN 'denied' ELSE 'paid' END,
		  CASE WHEN l.denied THEN 0 ELSE l.units END, CASE WHEN l.denied THEN 0 ELSE l.units * bench_rate(l.service) END,
		  CASE WHEN l.denied THEN 0 ELSE l.units * bench_rate(l.service) END, bench_rate(l.service), 'bench', NOT l.denied, NOT l.denied
		FROM l JOIN c ON c.provider_id = l.provider_id AND c.claim_number = 'R' || l.aid || '-' || l.i / 10`
	ledgerQ := `WITH u AS (
			SELECT l.authorization_id, sum(l.units_allowed) AS units, sum(l.paid) AS paid, max(l.date_of_service) AS last
			FROM claim_lines l WHERE l.counted AND l.authorization_id IN (SELECT aid FROM bench_a WHERE seq BETWEEN $1 AND $2)
			GROUP BY 1),
		a AS (UPDATE authorizations t SET units_used = u.units, last_service_on = u.last FROM u WHERE t.id = u.authorization_id
		      RETURNING t.episode_id, u.paid)
		UPDATE episodes e SET dollars_paid = e.dollars_paid + s.paid FROM (SELECT episode_id, sum(paid) AS paid FROM a GROUP BY 1) s
		WHERE e.id = s.episode_id`
	t0 := time.Now()
	var written int64
	for lo := 1; lo <= nAuth; lo += b.chunk {
		hi := min(nAuth, lo+b.chunk-1)
		res, err := b.db.ExecContext(ctx, claims, lo, hi, want.DataTo.AddDays(1), b.cfg.Location.String())
		if err != nil {
			return nil, fmt.Errorf("bench reports: claims %d..%d: %w", lo, hi, err)
		}
		n, _ := res.RowsAffected()
		written += n
		if _, err := b.db.ExecContext(ctx, ledgerQ, lo, hi); err != nil {
			return nil, fmt.Errorf("bench reports: ledger %d..%d: %w", lo, hi, err)
		}
		el := time.Since(t0)
		b.logf("  claim lines %10d of ~%d  %6.0f lines/s  %s", written, want.Lines, float64(written)/el.Seconds(), el.Round(time.Second))
	}
	fin := []struct{ what, q string }{
		{"drop bench tables", `DROP TABLE bench_a, bench_c, bench_staff, bench_providers; DROP FUNCTION bench_rate(text)`},
		{"vacuum analyze", `VACUUM (ANALYZE)`},
		{"marker", `CREATE TABLE bench_reports_marker AS SELECT ` + strconv.Itoa(want.Version) + ` AS version, ` +
			strconv.Itoa(want.Lines) + ` AS lines, ` + strconv.Itoa(want.Auths) + ` AS auths, ` + strconv.Itoa(want.Clients) +
			` AS clients, ` + strconv.Itoa(want.Providers) + ` AS providers, DATE '` + want.DataFrom.String() + `' AS data_from, DATE '` +
			want.DataTo.String() + `' AS data_to, now() AS generated_at`},
	}
	for _, s := range fin {
		if _, err := run(s.what, s.q); err != nil {
			return nil, err
		}
	}
	return &want, nil
}

// bindUsed renumbers the $n a statement names to $1.. and returns those
// arguments only (a prepared statement must use every parameter it is
// given).
func bindUsed(q string, args []any) (string, []any) {
	var bound []any
	// At most nine arguments: $1 is never a prefix of another one named.
	for i := 1; i <= len(args); i++ {
		if strings.Contains(q, "$"+strconv.Itoa(i)) {
			bound = append(bound, args[i-1])
			q = strings.ReplaceAll(q, "$"+strconv.Itoa(i), "$#"+strconv.Itoa(len(bound)))
		}
	}
	return strings.ReplaceAll(q, "$#", "$"), bound
}

// benchReport is one report asked the way the state asks it.
type benchReport struct {
	name  string
	build func(*reports.Service, context.Context, url.Values) (*reports.Report, error)
	query url.Values
}

type reportTiming struct {
	name                string
	rows                int64
	jsonMedian, csvMed  time.Duration
	jsonBytes, csvBytes int64
	peakHeap            uint64
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
	}
	var res []reportTiming
	for _, r := range list {
		t := reportTiming{name: r.name}
		var js, cs []time.Duration
		for i := 0; i < b.runs; i++ {
			d, n, err := b.once(ctx, svc, r, false, nil)
			if err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			js, t.jsonBytes = append(js, d), n
			var peak uint64
			d, n, err = b.once(ctx, svc, r, true, &peak)
			if err != nil {
				return fmt.Errorf("%s csv: %w", r.name, err)
			}
			cs, t.csvBytes = append(cs, d), n
			t.peakHeap = max(t.peakHeap, peak)
		}
		t.jsonMedian, t.csvMed = median(js), median(cs)
		t.rows = countLines(ctx, b, svc, r)
		b.logf("  %-30s json %7.1f ms  csv %7.1f ms", r.name, ms(t.jsonMedian), ms(t.csvMed))
		res = append(res, t)
	}
	fmt.Fprintf(b.out, "\nrss bench reports: %s, %s, %d claim lines, %d authorizations, %d clients, %d enrollments, "+
		"%d voucher requests, %d stage changes (%d rollup rows); year %s..%s by month; median of %d runs, %d CPUs\n\n",
		b.dbName, humanBytes(dbBytes), counts.Lines, counts.Auths, counts.Clients, counts.Enrollments, counts.Requests, counts.Stages,
		counts.Rollup, from, to, b.runs, numCPU())
	w := tabwriter.NewWriter(b.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "report\trows\tJSON ms\tCSV ms\tJSON KB\tCSV KB\tpeak heap over start, CSV (KB)\t<= 1 s\t")
	for _, t := range res {
		met := "yes"
		if t.jsonMedian > time.Second || t.csvMed > time.Second {
			met = "no"
		}
		fmt.Fprintf(w, "%s\t%d\t%.1f\t%.1f\t%d\t%d\t%d\t%s\t\n", t.name, t.rows, ms(t.jsonMedian), ms(t.csvMed),
			t.jsonBytes/1024, t.csvBytes/1024, t.peakHeap/1024, met)
	}
	w.Flush()
	fmt.Fprintln(b.out)
	return nil
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

// once builds and writes the report once; for CSV with peak set it samples
// the live heap every millisecond meanwhile and stores the highest value
// above the heap at the start (after a collection), which shows whether
// memory grows with the rows.
func (b *reportsBench) once(ctx context.Context, svc *reports.Service, r benchReport, csv bool, peak *uint64) (time.Duration, int64, error) {
	var stop atomic.Bool
	done := make(chan struct{})
	if peak != nil {
		runtime.GC()
		base := heapLive()
		go func() {
			defer close(done)
			for !stop.Load() {
				if h := heapLive(); h > base && h-base > *peak {
					*peak = h - base
				}
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

func heapLive() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func humanBytes(n int64) string {
	return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
}
