package vouchers

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/pg"
)

// Service is the vouchers domain. Its methods take the actor from ctx and
// own their transactions (joining the caller's when ctx carries one).
type Service struct {
	db    *sqlx.DB
	ids   *pg.Idempotency
	refs  referenceCache
	stmts *pg.Prepared
	now   func() time.Time
	loc   *time.Location
}

// New returns a Service over db. now is the clock (injected so tests and
// replays are deterministic); loc is the time zone whose calendar says
// what "today" is.
func New(db *sqlx.DB, now func() time.Time, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	s := &Service{db: db, ids: pg.NewIdempotency(db), stmts: pg.NewPrepared(db), now: now, loc: loc}
	// The voucher snapshot's statements are prepared once per connection,
	// so their plans are made once rather than on every request (they are
	// large: planning them took longer than running them). When the schema
	// is not there yet they are prepared per transaction instead.
	if db != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.stmts.Warm(ctx, lockStatement, factsStatement, storeDecisionStatement)
	}
	return s
}

// Today is the civil date now in the service's time zone.
func (s *Service) Today() rss.Date { return rss.NewDate(s.now().In(s.loc)) }

// Now is the service clock.
func (s *Service) Now() time.Time { return s.now() }

// DB exposes the pool to the packages built on this one (billing).
func (s *Service) DB() *sqlx.DB { return s.db }

// transact runs a read, or a write no request answers, in a transaction.
func (s *Service) transact(ctx context.Context, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	return pg.Transact(ctx, s.db, fn)
}

// write runs a write that answers a POST, in its own transaction: the
// request's idempotency key is claimed there, fn does the work and leaves
// the answer in *out, and the answer is stored for a retry before the
// transaction commits (pg.Do). A retry returns *pg.Replayed and runs nothing.
func write[T any](ctx context.Context, s *Service, out *T, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	return pg.DoInto(ctx, s.db, s.ids, out, fn)
}

func actorFrom(ctx context.Context) (access.Actor, error) { return access.ActorFrom(ctx) }
