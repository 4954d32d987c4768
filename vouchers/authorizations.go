package vouchers

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/ledger"
)

// Authorization is the units a provider may deliver and bill; the ledger
// package owns it.
type Authorization = ledger.Authorization

// Authorization statuses.
const (
	AuthActive    = ledger.StatusActive
	AuthExhausted = ledger.StatusExhausted
	AuthExpired   = ledger.StatusExpired
	AuthVoid      = ledger.StatusVoid
)

// hideEpisode hides the person's shared episode from provider keys.
func hideEpisode(x *Authorization, a access.Actor) {
	if a.IsProvider() {
		x.EpisodeID = 0
	}
}

// createAuthorization stores the grant of a voucher request.
func createAuthorization(ctx context.Context, tx *sqlx.Tx, vr *VoucherRequest, enr *Enrollment, units int, start, end rss.Date) (Authorization, error) {
	return ledger.Create(ctx, tx, ledger.New{VoucherRequestID: vr.ID, ClientID: vr.ClientID, PersonID: enr.PersonID,
		ProviderID: vr.ProviderID, ProgramCode: vr.ProgramCode, ServiceCode: vr.ServiceCode, EpisodeID: enr.EpisodeID,
		EnrollmentID: enr.ID, Units: units, Rate: vr.Rate, Start: start, End: end})
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
		var err error
		out, err = ledger.Get(ctx, tx, id)
		if errors.Is(err, rss.ErrNotFound) || (err == nil && !a.SeesProvider(out.ProviderID)) {
			return fmt.Errorf("%w: authorization %d", rss.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		out.Derive(s.Today())
		hideEpisode(&out, a)
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
	var pid int64
	if a.IsProvider() {
		pid = a.ProviderID
	}
	today := s.Today()
	var rows []Authorization
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		var err error
		rows, err = ledger.List(ctx, tx, ledger.Filter{ProviderID: pid, ClientID: f.ClientID, ServiceCode: f.ServiceCode,
			Status: f.Status, Today: today, After: after, Limit: limit + 1})
		if err != nil {
			return err
		}
		shown := rows[:min(len(rows), limit)]
		events := make([]access.Event, len(shown))
		for i := range shown {
			shown[i].Derive(today)
			hideEpisode(&shown[i], a)
			events[i] = access.Event{Action: "read", EntityType: "authorization", EntityID: access.ID(shown[i].ID), ClientID: shown[i].ClientID}
		}
		return access.Record(ctx, tx, events...)
	})
	if err != nil {
		return List[Authorization]{}, err
	}
	return page(rows, limit, func(x Authorization) int64 { return x.ID }), nil
}
