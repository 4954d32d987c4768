package staff

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/pg"
)

// Service is the staff domain. Its methods take the actor from ctx and own
// their transactions.
type Service struct {
	db  *sqlx.DB
	ids *pg.Idempotency
	now func() time.Time
	loc *time.Location
}

// New returns a Service over db; now is the clock and loc the time zone
// whose calendar says what "today" is.
func New(db *sqlx.DB, now func() time.Time, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{db: db, ids: pg.NewIdempotency(db), now: now, loc: loc}
}

// today is the civil date now in the service's time zone.
func (s *Service) today() rss.Date { return rss.NewDate(s.now().In(s.loc)) }

// write runs a write that answers a POST: its idempotency key, the work
// and the answer in one transaction (pg.Do).
func write[T any](ctx context.Context, s *Service, out *T, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	return pg.DoInto(ctx, s.db, s.ids, out, fn)
}
