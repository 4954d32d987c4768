// Command rss is the one binary of the service: serve, migrate, seed,
// apikey, and the operator tools. cmd only wires; the work lives in the
// packages.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"rss/adjudication"
	"rss/billing"
	"rss/pg"
)

const usage = `usage: rss <command> [flags]

commands:
  serve             migrate, then serve the API (RSS_ADDR, default :8080)
  migrate           bring the schema to the newest migration
  seed [-demo]      load reference data; -demo also loads the demo data (published keys) into a database with no provider
  demo-keys         print the demo API keys and a first request
  version           print the build (commit), the schema version and the rule sets this binary carries
  apikey create     mint an API key: -role provider|reviewer|finance|admin [-provider ID] -label TEXT
  export batch ID --out FILE   write a batch's 837P or payment register (progress bar on a terminal)
  x12 check FILE    validate an 837P (- reads stdin): envelope, counts, HL links, claim totals, NPIs, required segments, characters, CLM01 once
  x12 import FILE   import the payer's 999, 277CA, 835 or TA1 (- reads stdin) and post it (as POST /v1/payer-files does)
  bench             load-test a server of its own on a scratch database (-duration, -cpuprofile; -clients: client records seeded)
  bench export      time rss export batch of a generated batch on each payer route beside COPY (-lines)
  bench reports     time every report on a generated history of 10,000,000 claim lines (-lines, -runs, -reports)

rss <command> -h says more of a command; configuration is read from the environment; see README.md.
`

// about says what each command without flags does, for its -h.
var about = map[string]string{
	"serve":     "migrate, then serve the API on RSS_ADDR (default :8080)",
	"migrate":   "bring the schema to the newest migration, creating the database DATABASE_URL names when it is missing",
	"demo-keys": "print the demo API keys and a first request (a database loaded by rss seed -demo)",
	"version":   "print the build (its commit), the schema version it migrates to and its rule sets",
}

// x12Commands are the x12 subcommands, each with what it does.
var x12Commands = map[string]string{
	"check":  "rss x12 check FILE    validate an 837P (- reads stdin): envelope, counts, HL links, claim totals, NPIs, required segments, characters and element lengths, each CLM01 once per billing provider",
	"import": "rss x12 import FILE   import the payer's 999, 277CA, 835 or TA1 (- reads stdin) and post it (as POST /v1/payer-files does)",
}

var x12Usage = "usage: " + x12Commands["check"] + "\n       " + x12Commands["import"] + "\n"

func main() {
	// SIGHUP too (a terminal closed, a supervisor's hang-up): it killed
	// the server at once, requests in flight dropped (an on-call pass).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	// The first signal starts a graceful stop; a second interrupt or
	// terminate takes its default action and ends the process at once, as
	// a second Ctrl-C does elsewhere: swallowed, it left a draining server
	// to wait out RSS_SHUTDOWN_TIMEOUT (an on-call pass). A hang-up during
	// the drain is ignored (a supervisor may send one right after its
	// terminate, a terminal closes after its Ctrl-C): it would have cut the
	// drain short.
	go func() {
		<-ctx.Done()
		signal.Ignore(syscall.SIGHUP)
		stop()
	}()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "rss:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("see usage above")

// isHelp reports whether arg asks for help, as the flag package reads one.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--h", "--help":
		return true
	}
	return false
}

// help answers a help request: text on stdout, and flag.ErrHelp, which run
// turns into success. A help request ended on "flag: help requested" and
// exit 1, or was taken for a file or a batch id (a black-box pass).
func help(stdout io.Writer, text string) error {
	fmt.Fprint(stdout, text)
	return flag.ErrHelp
}

// parseFlags parses a command's flags: a help request prints the usage
// line and the flags to stdout (flag.ErrHelp), a mistake prints them to
// stderr after the error.
func parseFlags(fs *flag.FlagSet, synopsis string, args []string, stdout, stderr io.Writer) error {
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s\n", synopsis)
		fs.PrintDefaults()
	}
	err := fs.Parse(args)
	w := stderr
	if errors.Is(err, flag.ErrHelp) {
		w = stdout
	}
	_, _ = buf.WriteTo(w)
	fs.SetOutput(stderr)
	// The flag package has printed the refusal above its usage; returned
	// as it is, main printed it again below (an admin black-box pass of
	// the forty-sixth stop).
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return errUsage
	}
	return err
}

// noArgs refuses flags and arguments to a command that takes none; -h
// says what it does.
func noArgs(command string, args []string, stdout io.Writer) error {
	switch {
	case len(args) == 0:
		return nil
	case len(args) == 1 && isHelp(args[0]):
		return help(stdout, fmt.Sprintf("usage: rss %s\n\n%s; it takes no flags (configuration is read from the environment, see README.md)\n",
			command, about[command]))
	}
	// The mistake alone, and where help is: printed after the whole
	// usage, it was missed (a new-user pass).
	return fmt.Errorf("%s takes no flags or arguments, got %q (rss %s -h says what it does)", command, args, command)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	// `rss help seed` is `rss seed -h`: it printed the general usage (a
	// new-user pass).
	if args[0] == "help" && len(args) > 1 {
		return run(ctx, append(slices.Clone(args[1:]), "-h"), stdout, stderr)
	}
	if args[0] == "help" || isHelp(args[0]) {
		fmt.Fprint(stdout, usage)
		return nil
	}
	if args[0] == "version" || args[0] == "-version" || args[0] == "--version" {
		// Before the configuration: it reads none, and on call it is asked
		// of a binary whose environment may be the trouble.
		if err := noArgs("version", args[1:], stdout); errors.Is(err, flag.ErrHelp) {
			return nil
		} else if err != nil {
			return err
		}
		fmt.Fprint(stdout, version())
		return nil
	}
	// `rss x12 check` reads a file and nothing else: a DATABASE_URL it
	// never uses, malformed, refused it (an on-call black-box pass).
	var cfg config
	var err error
	if !(len(args) > 1 && args[0] == "x12" && args[1] == "check") {
		cfg, err = loadConfig()
	}
	if err != nil {
		return err
	}
	slog.SetDefault(slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel})))
	// RSS_CPU_PROFILE=file profiles any command (rss bench sets it for the
	// server it starts when asked to).
	if path := os.Getenv("RSS_CPU_PROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			// Named, as every other setting's refusal is (a new-user
			// pass of the forty-sixth stop read the bare open error).
			return fmt.Errorf("RSS_CPU_PROFILE: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if err := command(ctx, cfg, args, stdout, stderr); !errors.Is(err, flag.ErrHelp) {
		return err
	}
	return nil // help was asked for, and given
}

// command runs the command args names.
func command(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	switch args[0] {
	case "serve", "migrate", "demo-keys":
		// No flags: anything after the command is a mistake said so, not
		// ignored (`rss seed --help` seeded, a black-box pass).
		if err := noArgs(args[0], args[1:], stdout); err != nil {
			return err
		}
		switch args[0] {
		case "serve":
			serverGC()
			return serve(ctx, cfg, stdout)
		case "migrate":
			return migrate(ctx, cfg, stdout)
		}
		return demoKeys(ctx, cfg, stdout)
	case "seed":
		fs := flag.NewFlagSet("seed", flag.ContinueOnError)
		demo := fs.Bool("demo", false, "also load the demo data (published API keys: never in production) into a database with no provider")
		if err := parseFlags(fs, "rss seed [-demo]", args[1:], stdout, stderr); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("seed takes no arguments, got %q (rss seed -h says what it does)", fs.Args())
		}
		return seed(ctx, cfg, *demo, stdout)
	case "apikey":
		return apikey(ctx, cfg, args[1:], stdout, stderr)
	case "bench":
		return runBench(ctx, cfg, args[1:], stdout, stderr)
	case "export":
		return exportBatch(ctx, cfg, args[1:], stdout, stderr)
	case "x12":
		// A help request is answered here, before a FILE: `x12 check -h`
		// opened a file named "-h" (a black-box pass).
		switch {
		case len(args) == 2 && isHelp(args[1]):
			return help(stdout, x12Usage)
		case len(args) == 3 && isHelp(args[2]) && x12Commands[args[1]] != "":
			return help(stdout, "usage: "+x12Commands[args[1]]+"\n")
		case len(args) > 1 && args[1] == "import":
			return x12Import(ctx, cfg, args[1:], stdout)
		case len(args) > 1 && args[1] == "check":
			return x12Check(args[1:], stdout)
		}
		fmt.Fprint(stderr, x12Usage)
		return errUsage
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// config is everything read from the environment.
type config struct {
	DatabaseURL  string
	Addr         string
	Location     *time.Location
	LogLevel     slog.Level
	MaxBody      int64
	MaxBulkBody  int64
	DBMaxConns   int
	KeyCacheTTL  time.Duration
	ShutdownWait time.Duration
	Parties      billing.Parties
	// SecureCookies marks the console's cookies Secure on plain HTTP too
	// (behind a proxy that terminates TLS); over TLS they always are.
	SecureCookies bool
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// loadZone loads the service's time zone. Its name goes to PostgreSQL too
// (reports and reconciliation count days in it there), and PostgreSQL
// knows no zone named "Local": with RSS_TIMEZONE=Local the pended-queue,
// RCM monthly and reconciliation reads were 500s (a black-box pass). Local
// is read as the host's IANA name, from TZ or the /etc/localtime link,
// and refused at start when the host gives none.
func loadZone(name, tz, localtime string) (*time.Location, error) {
	if name != "Local" {
		return time.LoadLocation(name)
	}
	host := strings.TrimPrefix(tz, ":")
	if host == "" {
		if target, err := os.Readlink(localtime); err == nil {
			if _, after, ok := strings.Cut(target, "zoneinfo/"); ok {
				host = after
			}
		}
	}
	if host == "" || host == "Local" || strings.HasPrefix(host, "/") {
		return nil, fmt.Errorf("Local: the host's zone has no IANA name (TZ or the /etc/localtime link) to give PostgreSQL; " +
			"set RSS_TIMEZONE to one, such as America/New_York")
	}
	loc, err := time.LoadLocation(host)
	if err != nil {
		return nil, fmt.Errorf("Local (the host's %s): %w", host, err)
	}
	return loc, nil
}

// maxKeyCacheTTL bounds RSS_KEY_CACHE_TTL: a revocation made in another
// process is seen here within it while the listener is down.
const maxKeyCacheTTL = time.Hour

func loadConfig() (config, error) {
	c := config{
		DatabaseURL: env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rss?sslmode=disable"),
		Addr:        env("RSS_ADDR", ":8080"),
	}
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		return c, fmt.Errorf("DATABASE_URL: %w", err)
	}
	// Checked with the rest, before any database is touched: a malformed
	// address was found only once the database had been created and
	// migrated (an on-call black-box pass).
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || !validPort(port) {
		return c, fmt.Errorf("RSS_ADDR: %q is not host:port, such as :8080 or 127.0.0.1:8080", c.Addr)
	}
	loc, err := loadZone(env("RSS_TIMEZONE", "America/New_York"), os.Getenv("TZ"), "/etc/localtime")
	if err != nil {
		return c, fmt.Errorf("RSS_TIMEZONE: %w", err)
	}
	c.Location = loc
	// The four levels the README names, not slog's offsets: "ERROR+100"
	// was taken and silenced every line, ERRORs too, and a refusal named
	// the logging library (a black-box pass).
	switch lv := env("RSS_LOG_LEVEL", "info"); strings.ToLower(lv) {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info":
		c.LogLevel = slog.LevelInfo
	case "warn":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		return c, fmt.Errorf("RSS_LOG_LEVEL: %q is not debug, info, warn or error", lv)
	}
	ints := []struct {
		name string
		def  int64
		dst  *int64
	}{
		{"RSS_MAX_BODY_BYTES", 1 << 20, &c.MaxBody},
		{"RSS_MAX_BULK_BODY_BYTES", 32 << 20, &c.MaxBulkBody},
	}
	for _, i := range ints {
		v, err := strconv.ParseInt(env(i.name, strconv.FormatInt(i.def, 10)), 10, 64)
		if err != nil || v <= 0 {
			return c, fmt.Errorf("%s must be a positive integer", i.name)
		}
		*i.dst = v
	}
	conns, err := strconv.Atoi(env("RSS_DB_MAX_CONNS", "20"))
	if err != nil || conns < 2 {
		// A client-level report audits what it shows on a connection of
		// its own while its read holds another: with one, every such
		// report waited for itself and answered 500 (an on-call pass).
		return c, errors.New("RSS_DB_MAX_CONNS must be an integer of at least 2 (a client-level report audits its reads on a second connection)")
	}
	c.DBMaxConns = conns
	// The TTL is how long a key revoked in another process stays usable
	// here while the notification listener is down: a 100-year TTL was
	// taken (an on-call pass), and with it such a revocation never took.
	if c.KeyCacheTTL, err = time.ParseDuration(env("RSS_KEY_CACHE_TTL", "10s")); err != nil || c.KeyCacheTTL < 0 || c.KeyCacheTTL > maxKeyCacheTTL {
		return c, fmt.Errorf("RSS_KEY_CACHE_TTL must be a duration from 0 (no cache) to %s, like 10s", maxKeyCacheTTL)
	}
	// A shutdown of no time at all dropped every request in flight on
	// SIGTERM (a black-box pass set 0).
	if c.ShutdownWait, err = time.ParseDuration(env("RSS_SHUTDOWN_TIMEOUT", "20s")); err != nil || c.ShutdownWait <= 0 {
		return c, fmt.Errorf("RSS_SHUTDOWN_TIMEOUT must be a positive duration, like 20s")
	}
	// strconv's words in any case (true, TRUE, tRuE, t, 1, false, ...):
	// TRUE was refused, then tRuE though the README said any case (black-box
	// passes).
	if c.SecureCookies, err = strconv.ParseBool(strings.ToLower(env("RSS_SECURE_COOKIES", "false"))); err != nil {
		return c, fmt.Errorf("RSS_SECURE_COOKIES: %q is not true or false in any case, t, f, 1 or 0", env("RSS_SECURE_COOKIES", ""))
	}
	p := billing.DefaultParties()
	parties := func(p *billing.Parties) map[string]*string {
		return map[string]*string{
			"RSS_X12_SENDER_QUAL": &p.SenderQual, "RSS_X12_SENDER_ID": &p.SenderID, "RSS_X12_RECEIVER_QUAL": &p.ReceiverQual,
			"RSS_X12_RECEIVER_ID": &p.ReceiverID, "RSS_X12_APP_SENDER": &p.AppSender, "RSS_X12_APP_RECEIVER": &p.AppReceiver,
			"RSS_X12_SUBMITTER_NAME": &p.SubmitterName, "RSS_X12_SUBMITTER_ETIN": &p.SubmitterETIN,
			"RSS_X12_CONTACT_NAME": &p.ContactName, "RSS_X12_CONTACT_PHONE": &p.ContactPhone, "RSS_X12_RECEIVER_NAME": &p.ReceiverName,
			"RSS_X12_RECEIVER_ETIN": &p.ReceiverETIN, "RSS_X12_PAYER_NAME": &p.PayerName, "RSS_X12_PAYER_ID": &p.PayerID,
			"RSS_X12_USAGE": &p.Usage,
		}
	}
	for name, dst := range parties(&p) {
		*dst = env(name, *dst)
		// A party of blanks only is none: ISA08 went out as fifteen
		// spaces, and the checker, which reads ISA ids padded, took it
		// (a black-box pass).
		if strings.TrimSpace(*dst) == "" {
			return c, fmt.Errorf("%s is blank: the 837P needs every party", name)
		}
		// Each judged beside the defaults, so the refusal names the
		// variable to mend, not the X12 element ("ISA06 has 21
		// characters": an on-call black-box pass of the forty-seventh
		// stop).
		one := billing.DefaultParties()
		*parties(&one)[name] = *dst
		if err := one.Check(); err != nil && name != "RSS_X12_USAGE" {
			return c, fmt.Errorf("%s: %w", name, err)
		}
	}
	if p.Usage != "P" && p.Usage != "T" {
		return c, errors.New("RSS_X12_USAGE must be P or T")
	}
	if err := p.Check(); err != nil {
		return c, fmt.Errorf("RSS_X12_*: the 837P's parties: %w", err)
	}
	c.Parties = p
	return c, nil
}

// checkDatabaseURL refuses a DATABASE_URL the driver would misread, never
// quoting it (it may hold a password): with a mistyped scheme
// ("postgress://user:PW@...") the driver read the whole URL as a setting's
// name and sent it to the default server, whose log and rss's error then
// held the password; with no database name it migrated the cluster's
// maintenance database (an on-call black-box pass). A URL names
// postgres:// or postgresql:// and a database; key=value settings name a
// dbname.
func checkDatabaseURL(raw string) error {
	if scheme, _, ok := strings.Cut(raw, "://"); ok {
		if scheme != "postgres" && scheme != "postgresql" {
			return errors.New("the scheme must be postgres:// or postgresql://")
		}
		if _, err := url.Parse(raw); err != nil {
			return errors.New("is not a valid URL (check its host and port; a password with a character such as @, / or # must be percent-encoded)")
		}
	} else if !strings.Contains(raw, "=") {
		return errors.New("is neither a postgres:// URL nor key=value settings")
	}
	name := pg.DatabaseName(raw)
	if name == "" {
		return errors.New("names no database: end the URL with one, such as /rss, or set dbname=")
	}
	// Named twice, the driver reads one (the last setting; a URL's
	// settings sorted) and rss checked and labelled another: the guard
	// against the maintenance database was passed, and /metrics named a
	// database not served (an on-call pass).
	if err := pg.CheckNamesOneDatabase(raw); err != nil {
		return err
	}
	// A trailing slash or space is part of the name the driver reads, and
	// `rss serve` would create that database and serve it empty (an
	// on-call pass). The name is not secret; it is quoted.
	if strings.TrimSpace(name) != name || strings.Contains(name, "/") {
		return fmt.Errorf("names the database %q: a slash or white space at its ends is part of the name; remove it", name)
	}
	return nil
}

// validPort reports whether p is a port number (0 asks for any free one).
func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535
}

// serverGC sets how often the server collects garbage. The server keeps
// little alive (tens of MB: caches, prepared statements, one chunk of a
// file being written) and allocates fast (JSON, rows, segments): at the
// default GOGC=100 collecting took a third of a batch close's CPU, and at
// four times the live heap a close of a million lines measured 5.1 s
// against 6-8.7 s, with memory still flat. The command-line tools (rss
// export) keep the default, for the smallest footprint. GOGC in the
// environment still decides.
func serverGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// buildCommit is the commit the binary was built from, set by `make
// build` (-ldflags -X): the machines rss is built on may turn Go's own
// VCS stamping off (GOFLAGS=-buildvcs=false), which version reads
// otherwise.
var buildCommit string

// commit is the build's commit for the start-up log and /metrics: the
// stamped one, or Go's own VCS stamp, or "" when neither is there
// (buildLabel says so in words).
func commit() string {
	if buildCommit != "" {
		return buildCommit
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+modified"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return rev + modified
}

// buildLabel is commit, or "unknown" when the binary carries none: the
// log and /metrics say the same word (the log read "" where /metrics read
// unknown: a re-check).
func buildLabel() string {
	if c := commit(); c != "" {
		return c
	}
	return "unknown"
}

// version says what this binary is: the commit it was built from (with
// "+modified" when the tree had uncommitted changes), the schema version
// `rss migrate` brings a database to and the rule sets it decides by. On
// call there was no way to tell which release a server ran (an on-call
// pass).
func version() string {
	build := "rss (built without version control information)"
	if c := commit(); c != "" {
		build = "rss " + c
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		build += ", " + bi.GoVersion
	}
	return fmt.Sprintf("%s\nschema version %d\nrule sets %s, %s\n", build, pg.SchemaVersion(),
		adjudication.VoucherRuleSetVersion, adjudication.ClaimRuleSetVersion)
}
