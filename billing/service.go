package billing

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/sql"
)

// Service is the billing domain.
type Service struct {
	db  *sqlx.DB
	now func() time.Time
	loc *time.Location
}

// New returns a Service; now is the injected clock, loc the calendar of "today".
func New(db *sqlx.DB, now func() time.Time, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{db: db, now: now, loc: loc}
}

func (s *Service) today() rss.Date { return rss.NewDate(s.now().In(s.loc)) }

func (s *Service) transact(ctx context.Context, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	return sql.Transact(ctx, s.db, fn)
}
