package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/api"
	"rss/fixtures"
	"rss/pg"
	"rss/vouchers"
)

// open opens the database, creating it when missing (migrate and serve),
// and says so on out: a mistyped name in DATABASE_URL made a new empty
// database without a word (an on-call pass). Only the database's name is
// said, never the URL (it may hold a password).
func open(ctx context.Context, cfg config, out io.Writer) (*sqlx.DB, error) {
	created, err := pg.EnsureDatabase(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if created {
		fmt.Fprintf(out, "created database %s (it did not exist)\n", pg.DatabaseName(cfg.DatabaseURL))
	}
	return pg.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
}

// openMigrated opens the database for a command that needs its schema (all
// but migrate and serve, which migrate it): one not migrated is said so,
// where the command failed on a missing table's raw SQL error (a black-box
// pass). It creates no database: `rss export` with a mistyped
// DATABASE_URL created the database it named (a black-box pass); only
// migrate and serve do.
func openMigrated(ctx context.Context, cfg config) (*sqlx.DB, error) {
	db, err := pg.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if pe, ok := pg.PgError(err); ok && pe.Code == pg.CodeNoDatabase {
		// Named, and where the name came from: with DATABASE_URL unset the
		// message blamed a setting the user never made (a new-user pass).
		from := "DATABASE_URL names"
		if os.Getenv("DATABASE_URL") == "" { // as config reads it: empty is unset
			from = "rss uses with DATABASE_URL unset"
		}
		return nil, fmt.Errorf("the database %q %s does not exist: check its name, or run `rss migrate`, which creates it",
			pg.DatabaseName(cfg.DatabaseURL), from)
	}
	if err != nil {
		return nil, err
	}
	if err := pg.Ready(ctx, db); err != nil {
		db.Close()
		if errors.Is(err, pg.ErrSchemaNewer) {
			// rss migrate refuses such a database too: the advice to run it
			// led nowhere (a new-user pass).
			return nil, fmt.Errorf("the database is not at this binary's schema: %w", err)
		}
		return nil, fmt.Errorf("the database is not at the newest schema (%v): run `rss migrate` first", err)
	}
	return db, nil
}

func migrate(ctx context.Context, cfg config, out io.Writer) error {
	db, err := open(ctx, cfg, out)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := pg.MigrateReport(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprint(out, migrationReport(m))
	return nil
}

// migrationReport says what a migrate did. A version is a migration's
// number, and the numbers have gaps: "applied 67 migrations: schema is now
// at migration 73" read as six missing or failed (a black-box pass), so a
// count that is not the difference says why.
func migrationReport(m pg.Migration) string {
	noun := "migrations"
	if m.Applied == 1 {
		noun = "migration"
	}
	switch {
	case m.Applied == 0:
		return fmt.Sprintf("schema is up to date (version %d)\n", m.To)
	case int64(m.Applied) != m.To-m.From:
		return fmt.Sprintf("applied %d %s: the schema is now at version %d (was %d; a version is the number of the last "+
			"migration applied, and the numbers skip some)\n", m.Applied, noun, m.To, m.From)
	}
	return fmt.Sprintf("applied %d %s: the schema is now at version %d (was %d)\n", m.Applied, noun, m.To, m.From)
}

// seed loads the reference data; with -demo, the demo data too (into a
// database with no provider yet). The demo data's API keys are published
// (README, `rss demo-keys`), so it is never loaded unasked: seeding loaded
// them always, an admin's among them (a black-box pass).
func seed(ctx context.Context, cfg config, demo bool, out io.Writer) error {
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if !demo {
		if err := fixtures.LoadReference(ctx, db); err != nil {
			return err
		}
		fmt.Fprintln(out, "reference data loaded (no demo data: `rss seed -demo` loads it into a database with no provider yet)")
		return nil
	}
	today := rss.NewDate(time.Now().In(cfg.Location))
	loaded, err := fixtures.Load(ctx, db, today)
	if err != nil {
		return err
	}
	if loaded {
		fmt.Fprintf(out, "loaded reference and demo data (demo dates around %s; DEMO ONLY: its API keys are published)\n", today)
	} else {
		fmt.Fprintln(out, "reference data refreshed; demo data was not loaded (the database has providers)")
	}
	return nil
}

func demoKeys(ctx context.Context, cfg config, out io.Writer) error {
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	demo, err := fixtures.DemoIDs(ctx, db)
	if err != nil {
		return err
	}
	if demo.Providers["HRA"] == 0 {
		return errors.New("this database holds no demo data (`rss seed -demo` loads it into a database with no provider), so the demo keys open nothing")
	}
	all := make([]string, len(fixtures.DemoKeys))
	for i, k := range fixtures.DemoKeys {
		all[i] = k.Key
	}
	revoked, err := access.Revoked(ctx, db, all)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Demo API keys (DEMO ONLY: published, never load demo data into production):")
	for _, k := range fixtures.DemoKeys {
		who := string(k.Role)
		if k.Provider != "" {
			who += " (" + k.Provider + ")"
		}
		if revoked[k.Key] {
			fmt.Fprintf(out, "  %-18s %s  REVOKED: it opens nothing (`rss apikey create` mints another)\n", who, k.Key)
			continue
		}
		fmt.Fprintf(out, "  %-18s %s\n", who, k.Key)
	}
	port := cfg.Addr
	if _, p, err := net.SplitHostPort(cfg.Addr); err == nil {
		port = ":" + p
	}
	// The curl dates its request in rss's today, RSS_TIMEZONE's (always an
	// IANA name, as TZ takes it): a plain `date` on a host whose clock
	// reads UTC is tomorrow in New York from 19:00 there (a black-box
	// pass of the forty-seventh stop).
	fmt.Fprintf(out, `
First request: Hartford Recovery Alliance asks for 40 units of ATR case management
for demo client Rivera (id %[3]d) from today for 60 days. On the demo data as loaded
it comes back approved. Each send is a new request (a new Idempotency-Key), and the
units granted stay granted, in this database and on a later make run that reuses it:
the second is approved too (80 units over those days, of the 96 the agency's vouchers
of a service over the same days may hold together), the third partial (16
units, OWN_AUTHORIZATION_OVERLAP), the fourth denied (OWN_AUTHORIZATION_AT_VOUCHER_MAX).
A new database (DATABASE_URL) starts afresh.

  curl -s -X POST http://localhost%[2]s/v1/voucher-requests \
    -H 'Authorization: Bearer %[1]s' \
    -H 'Content-Type: application/json' -H "Idempotency-Key: $(date +%%s%%N)" \
    -d '{"client_id":%[3]d,"service_code":"ATR-CM","units":40,"start_date":"'$(TZ=%[4]s date +%%F)'","end_date":"'$(TZ=%[4]s date -d '+59 days' +%%F)'"}'

`, fixtures.Key(access.RoleProvider, "HRA"), port, demo.Clients["Rivera"], cfg.Location.String())
	return nil
}

// agencyID is -provider's value. The flag package's own int reading
// refused "abc" with "parse error" (a CLI black-box pass of the
// forty-sixth stop); this says what the flag takes.
type agencyID int64

func (a *agencyID) String() string { return strconv.FormatInt(int64(*a), 10) }

// Set reads an id as the API and `export batch` read one: "+3" and "03"
// are not agency 3 (a re-check of the forty-seventh stop).
func (a *agencyID) Set(s string) error {
	v, err := strconv.ParseInt(s, 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return errors.New("no agency has an id this large (GET /v1/reference/providers lists them)")
	case err != nil || strconv.FormatInt(v, 10) != s:
		return errors.New("an agency id is a whole number written plainly, such as 3 (GET /v1/reference/providers lists them)")
	}
	*a = agencyID(v)
	return nil
}

func apikey(ctx context.Context, cfg config, args []string, out, errOut io.Writer) error {
	const synopsis = "rss apikey create -role ROLE [-provider ID] -label TEXT"
	fs := flag.NewFlagSet("apikey create", flag.ContinueOnError)
	role := fs.String("role", "", "provider, reviewer, finance or admin")
	var provider agencyID
	fs.Var(&provider, "provider", "the agency's `ID` (provider keys only)")
	label := fs.String("label", "", "who or what the key is for")
	if len(args) == 1 && isHelp(args[0]) { // rss apikey -h: its one subcommand's
		args = []string{"create", args[0]}
	}
	switch {
	case len(args) == 0:
		return errors.New("usage: " + synopsis)
	case args[0] != "create":
		// Said to be unknown: the usage alone left `apikey list` to guess
		// (an admin black-box pass of the forty-sixth stop). Keys are
		// listed and revoked through the API and the console.
		return fmt.Errorf("unknown apikey command %q: the command line only creates keys (usage: %s); list and revoke them "+
			"with GET /v1/api-keys and POST /v1/api-keys/{id}/revoke, or on the console's Keys page", args[0], synopsis)
	}
	if err := parseFlags(fs, synopsis, args[1:], out, errOut); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("apikey create takes no arguments, got %q", fs.Args())
	}
	if *label == "" {
		return errors.New("-label is required")
	}
	// Said in the command's own words: the API's refusal named
	// provider_id, a field the command line does not have (a new-user
	// pass).
	if (*role == string(access.RoleProvider)) != (provider != 0) {
		return errors.New("-provider ID, a positive agency id, is required for a provider key, and only for one (the agency the key opens)")
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	// Minted as the API mints one, by the same checks (the label's: the
	// command stored invisible, control and bidi labels the API refuses, a
	// black-box pass), as an admin acting from the command line.
	ctx = access.WithActor(ctx, access.Actor{Role: access.RoleAdmin, RequestID: "cli", Purpose: "operations"})
	k, err := vouchers.New(db, time.Now, cfg.Location).CreateAPIKey(ctx, access.Role(*role), int64(provider), *label)
	if err != nil {
		return err
	}
	whose := ""
	if k.ProviderID != nil {
		whose = fmt.Sprintf(" for provider %d", *k.ProviderID)
	}
	fmt.Fprintf(out, "created %s key %d%s (%s); it is shown only once:\n%s\n", k.Role, k.ID, whose, k.Label, k.Key)
	return nil
}

// poolBeyondServer says, for the log, when a pool of conns connections is
// more than the database server lets in at all: RSS_DB_MAX_CONNS=100000
// was taken without a word (an on-call pass), and such a pool fails on
// "too many clients" (503s) long before it is full. A warning, not a
// refusal: the server's limit may be raised without restarting rss.
func poolBeyondServer(ctx context.Context, db *sqlx.DB, conns int) string {
	var most int
	if err := db.GetContext(ctx, &most, `SELECT setting::int FROM pg_settings WHERE name = 'max_connections'`); err != nil || conns <= most {
		return ""
	}
	return fmt.Sprintf("RSS_DB_MAX_CONNS=%d is more than the database server's max_connections (%d): requests past it will be answered 503", conns, most)
}

func serve(ctx context.Context, cfg config, out io.Writer) error {
	// The port is bound before the database is touched: a start that
	// cannot serve (the port taken by the running server, a host that
	// does not resolve) migrated the schema first, and the older server
	// beside it went unready (an on-call pass). Connections that arrive
	// meanwhile wait in the listen queue.
	l, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer l.Close()
	db, err := open(ctx, cfg, out)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := pg.MigrateReport(ctx, db)
	if err != nil {
		return err
	}
	// What serve applied is logged, as `rss migrate` prints it: a fresh
	// database went from schema 0 to the newest with nothing said (an
	// on-call black-box pass of the forty-seventh stop).
	if m.Applied > 0 {
		slog.Info("migrated", "applied", m.Applied, "from_version", m.From, "to_version", m.To)
	}
	if warn := poolBeyondServer(ctx, db, cfg.DBMaxConns); warn != "" {
		slog.Warn(warn)
	}
	keys := access.NewKeys(db, cfg.KeyCacheTTL, time.Now)
	// Revocations made by other processes reach this one through
	// PostgreSQL notifications; until the listener is up (and whenever it
	// is down) the cache TTL bounds them instead.
	go func() {
		if err := keys.Listen(ctx, cfg.DatabaseURL, slog.Default()); err == nil {
			slog.Info("listening for API key changes", "channel", access.NotifyChannel)
		}
	}()
	srv := newServer(db, cfg, time.Now, keys)
	hs := &http.Server{
		Addr:              cfg.Addr,
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	// rss says it serves once the port is bound (above): it said so first,
	// and a port already taken still read as a running server in the log
	// (a black-box pass).
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	// The address bound, not the one asked for: port 0 asks for any free
	// port, and rss said it listened on port 0 (a black-box pass).
	addr := l.Addr().String()
	// Said alone too (a bare `rss serve`, a database with no demo data),
	// where no demo key was printed "above" (a black-box pass); on a
	// database with no demo data, without sending to demo-keys, which
	// then refuses, and with what a new one needs (a new-user pass).
	hint := "`rss demo-keys` prints the demo ones, `rss apikey create` mints one"
	if demo, err := fixtures.DemoIDs(ctx, db); err == nil && demo.Providers["HRA"] == 0 {
		hint = "`rss apikey create` mints one; a new database takes its reference data from `rss seed` (and demo data from `rss seed -demo`)"
	}
	// The time zone too: it decides what today is to every rule and
	// report (a new-user pass of the forty-sixth stop).
	slog.Info("serving", "addr", addr, "commit", buildLabel(), "schema_version", pg.SchemaVersion(), "timezone", cfg.Location.String())
	fmt.Fprintf(out, "rss listening on %s\nconsole: %s (sign in with an API key: %s)\n", addr, consoleURL(addr), hint)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownWait)
	defer cancel()
	slog.Info("shutting down")
	if err := hs.Shutdown(sctx); err != nil {
		// Said with what was cut off: it ended on "context deadline
		// exceeded" alone, the requests it dropped logged nowhere (an
		// on-call black-box pass, the database stopped).
		n := srv.InFlight()
		srv.CutOff()
		_ = hs.Close()
		// Their handlers end with their contexts: waited for (a little),
		// each logs its line before the process exits, where the last was
		// never logged (an on-call pass).
		for deadline := time.Now().Add(2 * time.Second); srv.InFlight() > 0 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		slog.Warn("shutdown timed out", "requests_in_flight", n, "wait", cfg.ShutdownWait.String())
		return fmt.Errorf("shutdown: %d requests were still in flight after RSS_SHUTDOWN_TIMEOUT (%s); their connections were closed", n, cfg.ShutdownWait)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// A clean stop is said as such: the log ended on "shutting down", as a
	// process killed in its drain would leave it (an on-call black-box
	// pass).
	slog.Info("stopped", "reason", "signal", "drained", true)
	return nil
}

// newServer wires the API over db and keys, as the tests do (api.Open).
func newServer(db *sqlx.DB, cfg config, now func() time.Time, keys *access.Keys) *api.Server {
	parties := cfg.Parties
	return api.Open(db, api.Options{Now: now, Location: cfg.Location, Parties: &parties, Keys: keys,
		Logger: slog.Default(), MaxBody: cfg.MaxBody, MaxBulkBody: cfg.MaxBulkBody, SecureCookies: cfg.SecureCookies,
		DBName: pg.DatabaseName(cfg.DatabaseURL), Build: buildLabel()})
}

// consoleURL is where a browser on this machine finds the console.
func consoleURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + "/console/"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/console/"
}
