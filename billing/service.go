package billing

import (
	"context"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/pg"
)

// Service is the billing domain.
type Service struct {
	db      *sqlx.DB
	now     func() time.Time
	loc     *time.Location
	ref     referenceCache
	stmts   *pg.Prepared
	parties Parties
	ids     *pg.Idempotency
	groups  claimGroups
	// claimsPerSet is the CLM loops a new batch's 837P sets hold: the
	// guide's 5,000 (tests lower it to make several sets of a few claims).
	claimsPerSet int
}

// SetParties sets the 837P submitter, receiver and payer for new batches.
func (s *Service) SetParties(p Parties) { s.parties = p }

// New returns a Service; now is the injected clock, loc the calendar of "today".
func New(db *sqlx.DB, now func() time.Time, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	s := &Service{db: db, now: now, loc: loc, stmts: pg.NewPrepared(db), parties: DefaultParties(),
		ids: pg.NewIdempotency(db), claimsPerSet: maxCLMPerST}
	// Warm the intake's statements now; if the schema is not there yet they
	// are prepared per transaction instead, which is slower but correct.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.stmts.Warm(ctx, writeQuery, factsQuery); err != nil {
		slog.Warn("billing statements not prepared up front", "error", err.Error())
	}
	return s
}

func (s *Service) today() rss.Date { return rss.NewDate(s.now().In(s.loc)) }

func (s *Service) transact(ctx context.Context, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	return pg.Transact(ctx, s.db, fn)
}

func sqlxSelect(ctx context.Context, ext pg.Ext, dest any, q string, args ...any) error {
	return sqlx.SelectContext(ctx, ext, dest, q, args...)
}

// write runs a write that answers a POST, in its own transaction: the
// request's idempotency key is claimed there, fn does the work and leaves
// the answer in *out, and the answer is stored for a retry before the
// transaction commits (pg.Do). A retry returns *pg.Replayed and runs nothing.
func write[T any](ctx context.Context, s *Service, out *T, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	return pg.DoInto(ctx, s.db, s.ids, out, fn)
}
