package vouchers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/ledger"
)

// Authorization is the units a provider may deliver and bill; the ledger
// package owns it.
type Authorization = ledger.Authorization

// Authorization statuses.
const (
	AuthActive    = ledger.StatusActive
	AuthInactive  = ledger.StatusInactive
	AuthExhausted = ledger.StatusExhausted
	AuthExpired   = ledger.StatusExpired
	AuthVoid      = ledger.StatusVoid
)

// hideEpisode hides the person's shared episode, and which MSC keys
// changed the authorization, from provider keys.
func hideEpisode(x *Authorization, a access.Actor) {
	if a.IsProvider() {
		x.EpisodeID = 0
		for i := range x.Events {
			x.Events[i].ActorKeyID = nil
		}
	}
}

// createAuthorization stores the grant of a voucher request at rate.
func createAuthorization(ctx context.Context, tx *sqlx.Tx, vr *VoucherRequest, enr *Enrollment, units int, rate rss.Money,
	start, end rss.Date) (Authorization, error) {
	return ledger.Create(ctx, tx, ledger.New{VoucherRequestID: vr.ID, ClientID: vr.ClientID, PersonID: enr.PersonID,
		ProviderID: vr.ProviderID, ProgramCode: vr.ProgramCode, ServiceCode: vr.ServiceCode, EpisodeID: enr.EpisodeID,
		EnrollmentID: enr.ID, Units: units, Rate: rate, Start: start, End: end})
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
		if out.Events, err = ledger.Events(ctx, tx, id); err != nil {
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
	if f.Status != "" && !slices.Contains(ledger.Statuses, f.Status) {
		return List[Authorization]{}, rss.Invalid("status", "invalid_value", "status must be one of %s", strings.Join(ledger.Statuses, ", "))
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

// VoidAuthorization voids an authorization (reviewer or admin): claims no
// longer draw on it, the units it used stay used, and the rest stop
// counting toward the episode's caps and the duplicate rule.
func (s *Service) VoidAuthorization(ctx context.Context, id int64, reason string) (Authorization, error) {
	return s.changeAuthorization(ctx, id, reason, []access.Role{access.RoleReviewer, access.RoleAdmin}, ledger.EventVoid,
		func(ctx context.Context, tx *sqlx.Tx, cur *Authorization, by ledger.By) (Authorization, error) {
			if cur.VoidedAt != nil {
				return Authorization{}, rss.Coded(rss.ErrConflict, "already_void", "authorization %d is already void", id)
			}
			return ledger.Void(ctx, tx, id, reason, s.now(), by)
		})
}

// ReactivateAuthorization reactivates an inactive authorization (reviewer):
// it counts again and draws claims, and its days without a claim are
// counted afresh from today.
func (s *Service) ReactivateAuthorization(ctx context.Context, id int64, reason string, acknowledge []string) (Authorization, error) {
	if _, err := access.Require(ctx, access.RoleReviewer); err != nil {
		return Authorization{}, err
	}
	v := &rss.ValidationError{}
	if addAcknowledgeErrors(v, acknowledge); v.Err() != nil {
		return Authorization{}, v.Err()
	}
	return s.changeAuthorization(ctx, id, reason, []access.Role{access.RoleReviewer}, ledger.EventReactivate,
		func(ctx context.Context, tx *sqlx.Tx, cur *Authorization, by ledger.By) (Authorization, error) {
			if st := cur.StatusOn(s.Today()); st != AuthInactive {
				return Authorization{}, rss.Coded(rss.ErrConflict, "not_inactive", "authorization %d is %s, not inactive", id, st)
			}
			raise, err := s.limitsOnReactivation(ctx, tx, cur, acknowledge)
			if err != nil {
				return Authorization{}, err
			}
			out, err := ledger.Reactivate(ctx, tx, id, reason, s.Today(), s.now(), by)
			if err != nil || !raise {
				return out, err
			}
			return out, raiseEpisodeCap(ctx, tx, cur.EpisodeID, id, s.Today())
		})
}

// limitsOnReactivation judges what a reactivation gives back. An inactive
// authorization holds toward the episode's caps and the duplicate rule only
// the units it used, so more may have been granted into the room it left;
// reactivating it gives its unused units back, as a request for them from
// today to its end would be granted. The rules that guard what was granted
// meanwhile (pendedSince: the episode's units and dollars, another agency's
// authorization over the same days) judge that request, and one that fires
// refuses the reactivation (409 limits_exceeded) unless the reviewer
// acknowledges it, as an approval's does (a black-box pass paid 19 units in
// an episode whose maximum is 10, and authorized 42 ATR-DT units of 40 at
// two agencies, with no review). It reports whether an acknowledged dollar
// cap is to be raised. The caller holds the episode locked.
func (s *Service) limitsOnReactivation(ctx context.Context, tx *sqlx.Tx, cur *Authorization, acknowledge []string) (bool, error) {
	left := cur.UnitsAuthorized - cur.UnitsUsed
	start := s.Today()
	if cur.StartDate.After(start) {
		start = cur.StartDate
	}
	if left <= 0 || cur.EndDate.Before(start) {
		return false, nil
	}
	enrollment := cur.EnrollmentID
	n := NewVoucherRequest{ClientID: cur.ClientID, ProgramCode: cur.ProgramCode, ServiceCode: cur.ServiceCode,
		EnrollmentID: &enrollment, Units: left, StartDate: start, EndDate: cur.EndDate}
	sn, err := s.takeSnapshot(ctx, tx, cur.ProviderID, access.DefaultPurpose(access.RoleProvider), &n)
	var ve *rss.ValidationError
	if errors.As(err, &ve) {
		return false, rss.Coded(rss.ErrConflict, "reactivation_outdated",
			"the authorization's units can no longer be given back as granted (%s); leave it inactive and request a voucher", ve.Error())
	}
	if err != nil {
		return false, err
	}
	f := *sn.facts
	f.Service.Rate = cur.Rate.Decimal // its units are worth what it was granted at
	// All of them come back, however many a voucher may carry today: cut
	// to the per-voucher maximum first, the caps judged fewer units than
	// were given back (a black-box pass reactivated 90 units judged as 30,
	// and 99 were paid of an episode's 90).
	f.Service.PerVoucherMax = 0
	d := adjudication.DecideVoucher(&f)
	// What a deny rule refuses a request for these units, it refuses their
	// return: claims against them would be denied for it (the staff member
	// has left, the consent was revoked).
	if denied, why := deniedHits(d); len(denied) > 0 {
		return false, &rss.CodedError{Kind: rss.ErrConflict, Code: "denied_by_rules", Reasons: denied,
			Message: "the rules now deny a request for this authorization's unused units, so it cannot be reactivated: " +
				strings.Join(why, "; ") + "; leave it inactive"}
	}
	acknowledged := func(code string) bool { return slices.Contains(acknowledge, code) }
	over, why := guardHits(d, acknowledged)
	raise := slices.ContainsFunc(d.Hits, func(h adjudication.Hit) bool {
		return h.Code == adjudication.CodeEpisodeDollarsExceeded && acknowledged(h.Code)
	})
	if len(over) > 0 {
		return false, &rss.CodedError{Kind: rss.ErrConflict, Code: "limits_exceeded", Reasons: over,
			Message: fmt.Sprintf("reactivating gives back %d units from %s, and these rules fire on them: %s; "+
				"to reactivate it as an exception do it again with them in acknowledge (an acknowledged %s raises the episode's cap), "+
				"or leave it inactive", left, start, strings.Join(why, "; "), adjudication.CodeEpisodeDollarsExceeded)}
	}
	return raise, nil
}

// changeAuthorization runs a lifecycle change of one authorization under
// its lock, audited with who and why, and answers with the authorization
// and its history.
func (s *Service) changeAuthorization(ctx context.Context, id int64, reason string, roles []access.Role, action string,
	change func(ctx context.Context, tx *sqlx.Tx, cur *Authorization, by ledger.By) (Authorization, error)) (Authorization, error) {
	a, err := access.Require(ctx, roles...)
	if err != nil {
		return Authorization{}, err
	}
	v := &rss.ValidationError{}
	if rss.Blank(reason) {
		v.Add("reason", "required", "reason is required")
	} else {
		checkText(v, "reason", reason, maxReasonLen)
	}
	if err := v.Err(); err != nil {
		return Authorization{}, err
	}
	var out Authorization
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := ledger.LockEpisodeOf(ctx, tx, id); err != nil {
			return err
		}
		cur, err := ledger.Lock(ctx, tx, id)
		if err != nil {
			return err
		}
		// The agency reads the reason in the authorization's history.
		if err := s.checkShowsNothingWithheld(ctx, tx, cur.ClientID, cur.ProviderID, "reason", reason); err != nil {
			return err
		}
		if out, err = change(ctx, tx, &cur, ledger.By{KeyID: a.KeyID, Role: string(a.Role)}); err != nil {
			return err
		}
		if out.Events, err = ledger.Events(ctx, tx, id); err != nil {
			return err
		}
		out.Derive(s.Today())
		return access.Record(ctx, tx, access.Event{Action: action, EntityType: "authorization", EntityID: access.ID(id), ClientID: out.ClientID})
	})
	return out, err
}

// endAuthorizations ends the enrollment's authorizations at its discharge
// (ledger.EndAtDischarge), in the discharge's transaction, each audited.
func (s *Service) endAuthorizations(ctx context.Context, tx *sqlx.Tx, a access.Actor, e *Enrollment, on rss.Date) error {
	ended, err := ledger.EndAtDischarge(ctx, tx, ledger.Discharged{EnrollmentID: e.ID, ClientID: e.ClientID, ProviderID: e.ProviderID, On: on},
		s.now(), ledger.By{KeyID: a.KeyID, Role: string(a.Role)})
	if err != nil {
		return err
	}
	events := make([]access.Event, len(ended))
	for i := range ended {
		action := ledger.EventEnd
		if ended[i].VoidedAt != nil {
			action = ledger.EventVoid
		}
		events[i] = access.Event{Action: action, EntityType: "authorization", EntityID: access.ID(ended[i].ID), ClientID: ended[i].ClientID}
	}
	return access.Record(ctx, tx, events...)
}
