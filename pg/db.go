package pg

import (
	"context"
	stdsql "database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrNoRows is database/sql's, re-exported so callers need one import.
var ErrNoRows = stdsql.ErrNoRows

// Ext is what store functions take: a *sqlx.DB or a *sqlx.Tx.
type Ext = sqlx.ExtContext

// Open connects to url and checks the connection.
func Open(ctx context.Context, url string, maxConns int) (*sqlx.DB, error) {
	c, err := newConnector(withSessionDefaults(url))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := sqlx.NewDb(stdsql.OpenDB(c), "postgres")
	if maxConns <= 0 {
		maxConns = 16
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return db, nil
}

// Migrate brings the schema to the newest embedded migration.
func Migrate(ctx context.Context, db *sqlx.DB) error {
	_, err := migrate(ctx, db)
	return err
}

// Migration is what a Migrate did: the schema's version before and after,
// and how many migrations it applied.
type Migration struct {
	From, To int64
	Applied  int
}

// MigrateReport is Migrate that says what it did (`rss migrate` said
// "schema is up to date" having applied every migration: a black-box
// pass).
func MigrateReport(ctx context.Context, db *sqlx.DB) (Migration, error) {
	return migrate(ctx, db)
}

// MigrateOutOfOrder is Migrate that also applies migrations numbered below
// the database's newest one. Only a scratch database kept between runs
// needs it (rss bench reports reuses one for its 20 minutes of
// generation): one generated on a branch may lack migrations merged below
// its version since. A real database is migrated in order, by Migrate.
func MigrateOutOfOrder(ctx context.Context, db *sqlx.DB) error {
	_, err := migrate(ctx, db, goose.WithAllowOutofOrder(true))
	return err
}

func migrate(ctx context.Context, db *sqlx.DB, opts ...goose.ProviderOption) (Migration, error) {
	var m Migration
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return m, err
	}
	// Replicas of a release started together migrate one at a time (a
	// session advisory lock, retried): two crashed with goose's "partial
	// migration error" where one was migrating (a black-box pass).
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return m, fmt.Errorf("migrations lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB, fsys, append(opts, goose.WithSessionLocker(locker))...)
	if err != nil {
		return m, fmt.Errorf("migrations: %w", err)
	}
	if m.From, err = notNewer(ctx, p); err != nil {
		return m, err
	}
	applied, err := p.Up(ctx)
	if err != nil {
		return m, fmt.Errorf("migrate: %w", err)
	}
	m.To, m.Applied = m.From, len(applied)
	for _, r := range applied {
		m.To = max(m.To, r.Source.Version)
	}
	return m, nil
}

// SchemaVersion is the newest migration this binary carries: the schema
// version `rss migrate` brings a database to.
func SchemaVersion() int64 {
	entries, _ := fs.ReadDir(migrations, "migrations")
	var newest int64
	for _, e := range entries {
		n, err := strconv.ParseInt(strings.SplitN(e.Name(), "_", 2)[0], 10, 64)
		if err == nil {
			newest = max(newest, n)
		}
	}
	return newest
}

// MigrationsFS exposes the embedded migrations (tests hash them to know
// when a template database is stale).
func MigrationsFS() fs.FS {
	fsys, _ := fs.Sub(migrations, "migrations")
	return fsys
}

type txKey struct{}

// txState is the transaction a context carries and what is to run once it
// has committed.
type txState struct {
	tx    *sqlx.Tx
	mu    sync.Mutex
	after []func()
}

// Transact runs fn in a transaction and commits when fn returns nil. When ctx
// already carries a transaction (an outer Transact, or the API's idempotent
// request), fn joins it and the outer owner commits or rolls back.
//
// The owner runs fn again, in a new transaction, when PostgreSQL ended it
// as a deadlock's victim or for a serialization failure (at most
// transactAttempts times in all): the transaction was rolled back whole,
// and once the other side has committed the same work goes through. Locks
// are taken in one order where the paths are known, and still a reviewer's
// void met a claim holding the episode through the client's earlier
// authorization, and a reactivation its stay's discharge, and the loser
// was answered 409 concurrent_change to send it again (black-box passes
// and reviews). So fn must be safe to run again: its effects outside the
// transaction wait for the commit (AfterCommit), and what it hands back
// is set afresh on each run.
func Transact(ctx context.Context, db *sqlx.DB, fn func(ctx context.Context, tx *sqlx.Tx) error) (err error) {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		return fn(ctx, st.tx)
	}
	for attempt := 1; ; attempt++ {
		err = transactOnce(ctx, db, fn)
		if attempt == transactAttempts || !Retryable(err) || ctx.Err() != nil {
			return err
		}
		// A short pause, different for each side, so the two that met do
		// not meet again at once.
		select {
		case <-time.After(time.Duration(attempt*(5+rand.IntN(20))) * time.Millisecond):
		case <-ctx.Done():
			return err
		}
	}
}

// transactAttempts is how many times Transact runs a transaction that
// PostgreSQL ended as a deadlock's victim or for a serialization failure.
const transactAttempts = 3

// Retryable reports whether err is a transaction PostgreSQL ended for a
// deadlock or a serialization failure: rolled back whole, to run again.
func Retryable(err error) bool {
	pe, ok := PgError(err)
	return ok && (pe.Code == CodeDeadlock || pe.Code == CodeSerialization)
}

func transactOnce(ctx context.Context, db *sqlx.DB, fn func(ctx context.Context, tx *sqlx.Tx) error) (err error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	txCtx := WithTx(ctx, tx)
	if err = fn(txCtx, tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	Committed(txCtx)
	return nil
}

// WithTx returns a context whose Transact calls join tx. Whoever commits tx
// calls Committed with that context afterwards.
func WithTx(ctx context.Context, tx *sqlx.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, &txState{tx: tx})
}

// AfterCommit runs fn once the transaction ctx carries has committed, and
// never when it rolls back; without a transaction in ctx it runs fn now.
// It is for effects outside the database that must not run ahead of the
// commit, such as dropping a cache entry: dropped earlier, a concurrent
// reader could cache the row as it was before the commit again.
func AfterCommit(ctx context.Context, fn func()) {
	st, ok := ctx.Value(txKey{}).(*txState)
	if !ok {
		fn()
		return
	}
	st.mu.Lock()
	st.after = append(st.after, fn)
	st.mu.Unlock()
}

// Committed runs what AfterCommit queued on ctx's transaction. The owner of
// a transaction it put in a context with WithTx calls it after Commit.
func Committed(ctx context.Context) {
	st, ok := ctx.Value(txKey{}).(*txState)
	if !ok {
		return
	}
	st.mu.Lock()
	after := st.after
	st.after = nil
	st.mu.Unlock()
	for _, fn := range after {
		fn()
	}
}

// SQLSTATE codes we act on.
const (
	CodeUniqueViolation     = "23505"
	CodeCheckViolation      = "23514"
	CodeForeignKeyViolation = "23503"
	CodeExclusionViolation  = "23P01"
	CodeSerialization       = "40001"
	CodeDeadlock            = "40P01"
	CodeRaiseException      = "P0001"
	CodeNoDatabase          = "3D000" // invalid_catalog_name: the database does not exist
	codeDuplicateDatabase   = "42P04"
)

// PgError returns the *pq.Error inside err, if any.
func PgError(err error) (*pq.Error, bool) {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe, true
	}
	return nil, false
}

// IsViolation reports whether err is a Postgres error with the SQLSTATE code
// on the named constraint ("" matches any constraint).
func IsViolation(err error, code, constraint string) bool {
	pe, ok := PgError(err)
	if !ok || string(pe.Code) != code {
		return false
	}
	return constraint == "" || pe.Constraint == constraint
}

// ViolationNamed is ": " and the DETAIL of the schema's refusal err, the
// rows it names (the refusals of a change over paid claim lines name the
// lines), or "" when it gave none, for a refusal's message. It is the
// schema's own text, made of ids, codes and days, never input quoted back.
func ViolationNamed(err error) string {
	if pe, ok := PgError(err); ok && pe.Detail != "" {
		return ": " + pe.Detail
	}
	return ""
}

// Ready checks that the database answers and the schema is at the newest
// embedded migration.
func Ready(ctx context.Context, db *sqlx.DB) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB, fsys)
	if err != nil {
		return err
	}
	if _, err := notNewer(ctx, p); err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("check migrations: %w", err)
	}
	if pending {
		return errors.New("migrations pending")
	}
	return nil
}

// ErrSchemaNewer: a newer release migrated the database.
var ErrSchemaNewer = errors.New("schema newer than this binary")

// notNewer refuses a database a newer release migrated: this binary knows
// neither its tables' new constraints nor its triggers, and "up to date"
// and ready were said of it (a black-box pass; a rolled-back binary).
func notNewer(ctx context.Context, p *goose.Provider) (int64, error) {
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("check migrations: %w", err)
	}
	var newest int64
	for _, s := range p.ListSources() {
		newest = max(newest, s.Version)
	}
	if current > newest {
		return current, fmt.Errorf("%w: the database is at migration %d, newer than this binary's newest (%d): run the release that migrated it",
			ErrSchemaNewer, current, newest)
	}
	return current, nil
}

// EnsureDatabase creates the database named in url when it does not exist,
// connecting to the server's postgres database to do it, and reports
// whether it did: a mistyped name in DATABASE_URL made a new empty
// database silently, and migrate's "applied 87 migrations" was the only
// sign (an on-call pass).
//
// A URL (postgres:// or postgresql://) or key=value settings name it
// (DatabaseName); the server's is reached as they name it, the database
// changed (WithDatabase). Neither is ever echoed: it may hold a password (a
// key=value string was read as a URL and printed whole, password and all,
// in the error; a black-box pass).
func EnsureDatabase(ctx context.Context, rawURL string) (created bool, err error) {
	name := DatabaseName(rawURL)
	if name == "" || name == "postgres" {
		return false, nil
	}
	adminURL, err := WithDatabase(rawURL, "postgres")
	if err != nil {
		return false, err
	}
	admin, err := sqlx.ConnectContext(ctx, "postgres", adminURL)
	if err != nil {
		// The server is read first to see whether the database exists:
		// "connect to create database" of one that exists, the server
		// being down, misled (a new-user pass).
		return false, fmt.Errorf("connect to the PostgreSQL server DATABASE_URL names (to find database %s, or create it if missing): %w", name, err)
	}
	defer admin.Close()
	var exists bool
	if err := admin.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name); err != nil {
		return false, err
	}
	if exists {
		return false, nil
	}
	_, err = admin.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name))
	if IsViolation(err, CodeUniqueViolation, "") || isDuplicateDatabase(err) {
		return false, nil // another process created it first
	}
	if err != nil {
		return false, fmt.Errorf("create database %s: %w", name, err)
	}
	return true, nil
}

func isDuplicateDatabase(err error) bool {
	pe, ok := PgError(err)
	return ok && pe.Code == codeDuplicateDatabase
}

// Prepared caches statements prepared once per pool and reused inside
// transactions, so the hot paths skip re-parsing and re-planning their
// large queries on every request. Statements are prepared up front by Warm:
// preparing on the pool later, while a caller holds a connection for its
// transaction, could wait forever on a pool that is exhausted by callers
// doing the same. A statement that was not warmed is prepared on the
// caller's own transaction instead.
type Prepared struct {
	db *sqlx.DB
	mu sync.RWMutex
	m  map[string]*sqlx.Stmt
}

// NewPrepared returns an empty cache over db.
func NewPrepared(db *sqlx.DB) *Prepared { return &Prepared{db: db, m: map[string]*sqlx.Stmt{}} }

// Warm prepares queries on the pool.
func (p *Prepared) Warm(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		st, err := p.db.PreparexContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		p.mu.Lock()
		if prev, ok := p.m[q]; ok {
			_ = prev.Close()
		}
		p.m[q] = st
		p.mu.Unlock()
	}
	return nil
}

// In returns query bound to tx: the warmed statement when there is one,
// else one prepared on tx itself.
func (p *Prepared) In(ctx context.Context, tx *sqlx.Tx, query string) (*sqlx.Stmt, error) {
	p.mu.RLock()
	st, ok := p.m[query]
	p.mu.RUnlock()
	if ok {
		return tx.StmtxContext(ctx, st), nil
	}
	st, err := tx.PreparexContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	return st, nil
}

// withSessionDefaults adds to the connection string what rss's sessions
// rely on, each unless the string sets it itself:
//   - binary_parameters: lib/pq sends parameters without a separate
//     describe round trip (and []byte as binary, which bytea columns want);
//   - jit off, a run-time parameter PostgreSQL takes at connection: rss's
//     statements are index probes and short scans, whose estimated cost on
//     tables the planner has not yet seen analyzed can pass jit_above_cost,
//     and compiling them took longer than running them (80 ms a statement
//     in the batch close; a batch preview took 3-9 s against 0.1-0.2 s
//     without, and twenty at once had every provider's read wait past its
//     deadline: an on-call black-box pass). The close and the reports set
//     it off themselves as well.
//
// A setting counts as the string's own however it is written: "jit=on",
// "jit = on", or within options ("-c jit=on", percent-encoded in a URL).
func withSessionDefaults(raw string) string {
	for _, p := range []string{"binary_parameters=yes", "jit=off"} {
		key, _, _ := strings.Cut(p, "=")
		switch {
		case regexp.MustCompile(`(?i)(^|[^a-z_])` + key + `\s*(=|%3D)`).MatchString(raw):
		case strings.Contains(raw, "://") && strings.Contains(raw, "?"):
			raw += "&" + p
		case strings.Contains(raw, "://"):
			raw += "?" + p
		default:
			raw += " " + p
		}
	}
	return raw
}
