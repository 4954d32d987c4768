package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"rss/access"
	"rss/billing"
	"rss/console"
	"rss/outcomes"
	"rss/pg"
	"rss/registry"
	"rss/reports"
	"rss/staff"
	"rss/vouchers"
)

// Options are what a server is built from besides its database. rss serve
// reads them from the environment; tests set the clocks and the logger.
// Zero values take the defaults.
type Options struct {
	Now      func() time.Time // the services' clock (time.Now)
	Location *time.Location   // the calendar that says what "today" is (UTC)
	// Parties are the 837P's parties; the demo parties when left zero.
	Parties *billing.Parties
	// Keys authenticates API keys; when nil one is made with KeyTTL and KeyNow.
	Keys   *access.Keys
	KeyTTL time.Duration    // one second when zero
	KeyNow func() time.Time // the key cache's clock (time.Now)
	Logger *slog.Logger
	// MaxBody and MaxBulkBody cap request bodies (1 MiB and 32 MiB when zero).
	MaxBody, MaxBulkBody int64
	// SessionIdle and SessionAbsolute are the console's session timeouts
	// (access.DefaultIdle and DefaultAbsolute when zero), measured by Now.
	SessionIdle, SessionAbsolute time.Duration
	// SecureCookies marks console cookies Secure on plain HTTP too (rss
	// behind a proxy that terminates TLS).
	SecureCookies bool
	// DBName labels the pool's gauges on /metrics (pg.DatabaseName of
	// DATABASE_URL; "rss" when empty).
	DBName string
	// Build names the binary on /metrics (rss_build_info's commit label;
	// "unknown" when empty).
	Build string
	// ConsolePageSize is how many rows a console list page shows (500
	// when zero); tests set a few to see the pages.
	ConsolePageSize int
}

// Open wires the domain services over db and builds the server: the one
// composition of rss, used by rss serve, rss bench and every test harness,
// so what is tested is what runs.
func Open(db *sqlx.DB, o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.KeyNow == nil {
		o.KeyNow = time.Now
	}
	if o.KeyTTL == 0 {
		o.KeyTTL = time.Second
	}
	keys := o.Keys
	if keys == nil {
		keys = access.NewKeys(db, o.KeyTTL, o.KeyNow)
	}
	b := billing.New(db, o.Now, o.Location)
	if o.Parties != nil {
		b.SetParties(*o.Parties)
	}
	v := vouchers.New(db, o.Now, o.Location)
	st := staff.New(db, o.Now, o.Location)
	reg := registry.New(db, o.Now, o.Location, v)
	rep := reports.New(db, o.Now, o.Location)
	sessions := access.NewSessions(db, o.Now)
	if o.SessionIdle > 0 {
		sessions.Idle = o.SessionIdle
	}
	if o.SessionAbsolute > 0 {
		sessions.Absolute = o.SessionAbsolute
	}
	// The console runs on the very services the API does.
	con := console.New(console.Config{Vouchers: v, Billing: b, Staff: st, Registry: reg, Reports: rep, Keys: keys,
		Sessions: sessions, Logger: o.Logger, SecureCookies: o.SecureCookies, MaxUpload: o.MaxBulkBody, PageSize: o.ConsolePageSize,
		Classify: pg.Classify, LogText: pg.LogText})
	return New(Config{
		DB:          db,
		DBName:      o.DBName,
		Build:       o.Build,
		Vouchers:    v,
		Billing:     b,
		Staff:       st,
		Registry:    reg,
		Outcomes:    outcomes.New(db, o.Now, o.Location, v),
		Reports:     rep,
		Keys:        keys,
		Console:     con,
		Logger:      o.Logger,
		MaxBody:     o.MaxBody,
		MaxBulkBody: o.MaxBulkBody,
		Ready:       func(ctx context.Context) error { return pg.Ready(ctx, db) },
	})
}
