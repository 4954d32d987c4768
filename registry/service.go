package registry

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/pg"
	"rss/vouchers"
)

// Service is the registry domain. Its methods take the actor from ctx and
// own their transactions.
type Service struct {
	db  *sqlx.DB
	ids *pg.Idempotency
	now func() time.Time
	loc *time.Location
	// v judges the authorizations an agency's reactivation gives back
	// (vouchers owns the ledger's rules), in the reactivation's transaction.
	v *vouchers.Service
}

// New returns a Service over db; now is the clock and loc the time zone
// whose calendar says what "today" is; v is the vouchers service on the
// same database and clock.
func New(db *sqlx.DB, now func() time.Time, loc *time.Location, v *vouchers.Service) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{db: db, ids: pg.NewIdempotency(db), now: now, loc: loc, v: v}
}

// Today is the civil date now in the service's time zone.
func (s *Service) Today() rss.Date { return rss.NewDate(s.now().In(s.loc)) }

// transact runs a read, or a write no POST answers (a PATCH), in a transaction.
func (s *Service) transact(ctx context.Context, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	return pg.Transact(ctx, s.db, fn)
}

// write runs a write that answers a POST: the idempotency key is claimed in
// the same transaction and the answer stored with the work (pg.Do).
func write[T any](ctx context.Context, s *Service, out *T, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	return pg.DoInto(ctx, s.db, s.ids, out, fn)
}
