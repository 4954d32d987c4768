package vouchers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/pg"
)

// Authorization is the units a provider may deliver and bill.
type Authorization struct {
	ID               int64      `json:"id" db:"id"`
	Number           string     `json:"number" db:"number"`
	VoucherRequestID int64      `json:"voucher_request_id" db:"voucher_request_id"`
	ClientID         int64      `json:"client_id" db:"client_id"`
	ProviderID       int64      `json:"provider_id" db:"provider_id"`
	ProgramCode      string     `json:"program_code" db:"program_code"`
	ServiceCode      string     `json:"service_code" db:"service_code"`
	EpisodeID        int64      `json:"episode_id,omitempty" db:"episode_id"` // MSC roles only
	EnrollmentID     int64      `json:"enrollment_id" db:"enrollment_id"`
	UnitsAuthorized  int        `json:"units_authorized" db:"units_authorized"`
	UnitsUsed        int        `json:"units_used" db:"units_used"`
	UnitsRemaining   int        `json:"units_remaining" db:"-"`
	Rate             rss.Money  `json:"rate" db:"rate"`
	StartDate        rss.Date   `json:"start_date" db:"start_date"`
	EndDate          rss.Date   `json:"end_date" db:"end_date"`
	Status           string     `json:"status" db:"-"`
	VoidedAt         *time.Time `json:"voided_at" db:"voided_at"`
	VoidReason       *string    `json:"void_reason" db:"void_reason"`
	CreatedAt        time.Time  `json:"created_at" db:"created_at"`
}

// Authorization statuses.
const (
	AuthActive    = "active"
	AuthExhausted = "exhausted"
	AuthExpired   = "expired"
	AuthVoid      = "void"
)

const authorizationColumns = `a.id, a.number, a.voucher_request_id, a.client_id, a.provider_id, a.program_code, a.service_code,
	a.episode_id, a.enrollment_id, a.units_authorized, a.units_used, a.rate, a.start_date, a.end_date, a.voided_at, a.void_reason, a.created_at`

// Derive fills the computed fields: remaining units and the status on
// today (void, then exhausted, then expired, else active).
func (a *Authorization) Derive(today rss.Date) {
	a.UnitsRemaining = a.UnitsAuthorized - a.UnitsUsed
	switch {
	case a.VoidedAt != nil:
		a.Status = AuthVoid
	case a.UnitsRemaining <= 0:
		a.Status = AuthExhausted
	case a.EndDate.Before(today):
		a.Status = AuthExpired
	default:
		a.Status = AuthActive
	}
}

// shownTo hides the person's shared episode from provider keys.
func (x *Authorization) shownTo(a access.Actor) {
	if a.IsProvider() {
		x.EpisodeID = 0
	}
}

func (a *Authorization) rule() adjudication.Authorization {
	return adjudication.Authorization{ID: a.ID, Number: a.Number, ProviderID: a.ProviderID, ServiceCode: a.ServiceCode,
		EpisodeID: a.EpisodeID, Start: a.StartDate.Time, End: a.EndDate.Time, UnitsAuthorized: a.UnitsAuthorized,
		UnitsUsed: a.UnitsUsed, Rate: a.Rate.Decimal, Void: a.VoidedAt != nil}
}

// Rule converts to the adjudicator's view.
func (a *Authorization) Rule() adjudication.Authorization { return a.rule() }

// AuthorizationColumns is the select list billing uses to read authorizations.
const AuthorizationColumns = authorizationColumns

// createAuthorization stores the grant of a voucher request.
func createAuthorization(ctx context.Context, tx *sqlx.Tx, vr *VoucherRequest, enr *Enrollment, units int, start, end rss.Date) (Authorization, error) {
	var a Authorization
	err := tx.GetContext(ctx, &a, `INSERT INTO authorizations AS a (voucher_request_id, client_id, person_id, provider_id, program_code,
			service_code, episode_id, enrollment_id, units_authorized, rate, start_date, end_date)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING `+authorizationColumns,
		vr.ID, vr.ClientID, enr.PersonID, vr.ProviderID, vr.ProgramCode, vr.ServiceCode, enr.EpisodeID, enr.ID, units, vr.Rate, start, end)
	if err != nil {
		return a, fmt.Errorf("create authorization: %w", err)
	}
	return a, nil
}

// AuthorizationFilter narrows a list of authorizations.
type AuthorizationFilter struct {
	ClientID    int64
	ServiceCode string
	Status      string
}

// Authorization reads one authorization by id.
func (s *Service) Authorization(ctx context.Context, id int64) (Authorization, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Authorization{}, err
	}
	var out Authorization
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &out, `SELECT `+authorizationColumns+` FROM authorizations a WHERE a.id = $1`, id)
		if errors.Is(err, pg.ErrNoRows) || (err == nil && !a.SeesProvider(out.ProviderID)) {
			return fmt.Errorf("%w: authorization %d", rss.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		out.Derive(s.Today())
		out.shownTo(a)
		return access.Record(ctx, tx, access.Event{Action: "read", EntityType: "authorization", EntityID: access.ID(id), ClientID: out.ClientID})
	})
	return out, err
}

// Authorizations lists authorizations the actor may see.
func (s *Service) Authorizations(ctx context.Context, f AuthorizationFilter, p Page) (List[Authorization], error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return List[Authorization]{}, err
	}
	after, limit, err := p.after()
	if err != nil {
		return List[Authorization]{}, err
	}
	switch f.Status {
	case "", AuthActive, AuthExhausted, AuthExpired, AuthVoid:
	default:
		return List[Authorization]{}, rss.Invalid("status", "invalid_value", "status must be active, exhausted, expired or void")
	}
	var pid any
	if a.IsProvider() {
		pid = a.ProviderID
	}
	today := s.Today()
	var rows []Authorization
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &rows, `SELECT `+authorizationColumns+` FROM authorizations a
			WHERE a.id > $1 AND ($2::bigint IS NULL OR a.provider_id = $2)
			  AND ($3::bigint = 0 OR a.client_id = $3) AND ($4 = '' OR a.service_code = $4)
			  AND CASE $5
			      WHEN '' THEN true
			      WHEN 'void' THEN a.voided_at IS NOT NULL
			      WHEN 'exhausted' THEN a.voided_at IS NULL AND a.units_used >= a.units_authorized
			      WHEN 'expired' THEN a.voided_at IS NULL AND a.units_used < a.units_authorized AND a.end_date < $6
			      ELSE a.voided_at IS NULL AND a.units_used < a.units_authorized AND a.end_date >= $6 END
			ORDER BY a.id LIMIT $7`, after, pid, f.ClientID, f.ServiceCode, f.Status, today, limit+1); err != nil {
			return fmt.Errorf("list authorizations: %w", err)
		}
		shown := rows[:min(len(rows), limit)]
		events := make([]access.Event, len(shown))
		for i := range shown {
			shown[i].Derive(today)
			shown[i].shownTo(a)
			events[i] = access.Event{Action: "read", EntityType: "authorization", EntityID: access.ID(shown[i].ID), ClientID: shown[i].ClientID}
		}
		return access.Record(ctx, tx, events...)
	})
	if err != nil {
		return List[Authorization]{}, err
	}
	return page(rows, limit, func(x Authorization) int64 { return x.ID }), nil
}
