package vouchers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/ledger"
	"rss/pg"
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
	AuthPending   = ledger.StatusPendingReview
)

// hideEpisode hides the person's shared episode, which MSC keys changed
// the authorization, and why it is held for review, from provider keys.
func hideEpisode(x *Authorization, a access.Actor) {
	if a.IsProvider() {
		x.EpisodeID = 0
		// The rules a hold for review fired may be drawn from another
		// agency's records (42 CFR Part 2): the agency reads its status.
		x.HeldReasons, x.OverlapExceptions = nil, nil
		for i := range x.Events {
			x.Events[i].ActorKeyID = nil
		}
	}
}

// createAuthorization stores the grant of a voucher request at rate,
// issued today.
func createAuthorization(ctx context.Context, tx *sqlx.Tx, vr *VoucherRequest, enr *Enrollment, units int, rate rss.Money,
	start, end, today rss.Date) (Authorization, error) {
	return ledger.Create(ctx, tx, ledger.New{VoucherRequestID: vr.ID, ClientID: vr.ClientID, PersonID: enr.PersonID,
		ProviderID: vr.ProviderID, ProgramCode: vr.ProgramCode, ServiceCode: vr.ServiceCode, EpisodeID: enr.EpisodeID,
		EnrollmentID: enr.ID, Units: units, Rate: rate, Start: start, End: end, IssuedOn: today})
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
		if !a.IsProvider() {
			if out.OverlapExceptions, err = ledger.ExceptedNumbers(ctx, tx, id); err != nil {
				return err
			}
		}
		out.Derive(s.Today())
		hideEpisode(&out, a)
		shown, err := showReasons(ctx, tx, a, &out, s.Today())
		if err != nil {
			return err
		}
		return access.Record(ctx, tx, append(shown,
			access.Event{Action: "read", EntityType: "authorization", EntityID: access.ID(id), ClientID: out.ClientID})...)
	})
	return out, err
}

// showReasons prepares the MSC-written reasons of x's history (void,
// reactivation) for provider a to read today (showTexts): withheld when
// they name an agency a consent revoked or expired since no longer shows,
// and the disclosures returned when they name one a consent does.
func showReasons(ctx context.Context, ext pg.Ext, a access.Actor, x *Authorization, today rss.Date) ([]access.Event, error) {
	texts := []*string{x.VoidReason}
	for i := range x.Events {
		texts = append(texts, &x.Events[i].Reason)
	}
	return showTexts(ctx, ext, a, x.ClientID, today, "authorization", access.ID(x.ID), texts...)
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
	// A service code in lower case, or one that does not exist, is a
	// mistake, not an empty list: atr-tr answered "no authorizations"
	// beside a list of ATR-TR ones (a black-box pass).
	if f.ServiceCode != "" && !codeShape(f.ServiceCode) {
		return List[Authorization]{}, rss.Invalid("service_code", "invalid_value", "service_code is a service code, such as ATR-TR")
	}
	var pid int64
	if a.IsProvider() {
		pid = a.ProviderID
	}
	today := s.Today()
	var rows []Authorization
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if f.ServiceCode != "" {
			if err := knownCode(ctx, tx, "services", "service", "service_code", f.ServiceCode); err != nil {
				return err
			}
		}
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
			disclosed, err := showReasons(ctx, tx, a, &shown[i], today)
			if err != nil {
				return err
			}
			events = append(events, disclosed...)
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
			out, err := ledger.Void(ctx, tx, id, reason, s.now(), by)
			if err != nil {
				return out, err
			}
			return out, s.releaseAfterEnd(ctx, tx, []Authorization{*cur})
		})
}

// releaseAfterEnd lets what an exception raised (the episode's dollar cap,
// a service's unit maximum) fall back once the authorizations ended or
// voided hold less of their episodes: to what the episodes' authorizations
// hold now (ledger.ReleaseEpisodeCap, ReleaseEpisodeUnits), each fall
// audited as cap_released. An exception covers the grant it was made for;
// a cap left raised for a grant voided or ended let later grants, another
// agency's among them, pass the program's cap unreviewed (black-box
// passes, a review). A reviewer's void, a discharge and an agency's
// reactivation run it. The caller holds the episodes locked, and the
// authorizations that stand read with their spans as they will run.
func (s *Service) releaseAfterEnd(ctx context.Context, tx *sqlx.Tx, ended []Authorization) error {
	type held struct {
		episode  int64
		provider int64 // the dollar cap's: whose own cap falls too
		service  string
	}
	today := s.Today()
	done := map[held]bool{}
	var events []access.Event
	for _, x := range ended {
		if ep := (held{episode: x.EpisodeID, provider: x.ProviderID}); !done[ep] {
			done[ep] = true
			if fell, err := ledger.ReleaseEpisodeCap(ctx, tx, x.EpisodeID, x.ProviderID, today); err != nil {
				return err
			} else if fell.Moved() {
				events = append(events, CapReleased(x.EpisodeID, x.ClientID, fell.Outcome()))
			}
		}
		if sv := (held{episode: x.EpisodeID, service: x.ServiceCode}); !done[sv] {
			done[sv] = true
			if maxUnits, fell, err := ledger.ReleaseEpisodeUnits(ctx, tx, x.EpisodeID, x.ServiceCode, today); err != nil {
				return err
			} else if fell {
				events = append(events, CapReleased(x.EpisodeID, x.ClientID, fmt.Sprintf("%s max_units %d", x.ServiceCode, maxUnits)))
			}
		}
	}
	return access.Record(ctx, tx, events...)
}

// CapReleased audits a raised cap falling back, under the client and with
// the figure it fell to, as its raise (cap_exception) is: audited with
// neither, a client's trail showed its cap raised and never lowered (a
// black-box pass). Claims intake (a replacement's released lines) audits
// with it too.
func CapReleased(episodeID, clientID int64, figure string) access.Event {
	return access.Event{Action: "cap_released", EntityType: "episode", EntityID: access.ID(episodeID), ClientID: clientID, Outcome: figure}
}

// ReactivateAuthorization reactivates an inactive authorization (reviewer):
// it counts again and draws claims, its idle days among them, and its
// days without a claim are counted afresh from today; what it gives back
// is judged from its first idle day (limitsOnReactivation). One its agency's reactivation held for review
// (pending_review, ReturnAuthorizations) is given back so: its span runs
// to its end again, once a request for its unused units from the day the
// hold judges from passes the rules on the facts of the day, as an
// inactive one's from today must (limitsOnReactivation), what fires
// refusing it unless acknowledged. The reviewer ends it instead with
// EndHeldAuthorization.
func (s *Service) ReactivateAuthorization(ctx context.Context, id int64, reason string, ack Acknowledgement) (Authorization, error) {
	if _, err := access.Require(ctx, access.RoleReviewer); err != nil {
		return Authorization{}, err
	}
	v := &rss.ValidationError{}
	if ack.check(v); v.Err() != nil {
		return Authorization{}, v.Err()
	}
	return s.changeAuthorization(ctx, id, reason, []access.Role{access.RoleReviewer}, ledger.EventReactivate,
		func(ctx context.Context, tx *sqlx.Tx, cur *Authorization, by ledger.By) (Authorization, error) {
			var raise bool
			var excepted []int64
			var err error
			switch st := cur.StatusOn(s.Today()); st {
			case AuthInactive:
				// Judged from its first idle day, not today: its lines
				// for the idle days are paid once it is active again, and
				// another agency may have been granted them meanwhile.
				// Judged from today, a voucher over idle days wholly past
				// was not seen, and both agencies were paid for one day
				// (a black-box pass).
				idle := *cur
				idle.Derive(s.Today())
				raise, excepted, err = s.limitsOnReactivation(ctx, tx, cur, idle.InactiveOn, cur.EndDate, nil, ack, "leave it inactive")
			case AuthPending:
				// Judged over its own span, not the cut one it reads, and
				// holding only its used units, as the reactivation judged
				// it: the units asked for are its unused ones.
				whole := *cur
				if err := tx.GetContext(ctx, &whole.EndDate, `SELECT end_date FROM authorizations WHERE id = $1`, id); err != nil {
					return Authorization{}, err
				}
				raise, excepted, err = s.limitsOnReactivation(ctx, tx, &whole, cur.HeldJudgedFrom, whole.EndDate, func(f *adjudication.VoucherFacts) {
					for i := range f.Authorizations {
						if f.Authorizations[i].ID == id {
							f.Authorizations[i].Inactive = true
						}
					}
				}, ack, fmt.Sprintf("end it (POST /v1/authorizations/%d/end)", id))
			default:
				// Say what is reactivated, and what to do with this one
				// instead (a black-box pass read only what it was not).
				next := map[string]string{
					AuthActive:    "it draws claims as it is",
					AuthExhausted: "its units are used up: the agency requests a new voucher",
					AuthExpired:   "its span has ended: the agency requests a new voucher",
					AuthVoid:      "a void is final: the agency requests a new voucher",
				}[st]
				return Authorization{}, rss.Coded(rss.ErrConflict, "not_inactive",
					"authorization %d is %s; only an inactive one, or one held for review (pending_review), is reactivated: %s", id, st, next)
			}
			if err != nil {
				return Authorization{}, err
			}
			var out Authorization
			if cur.StatusOn(s.Today()) == AuthPending {
				out, err = ledger.GiveBack(ctx, tx, id, reason, s.Today(), s.now(), by)
			} else {
				out, err = ledger.Reactivate(ctx, tx, id, reason, s.Today(), s.now(), by)
			}
			if err != nil {
				return out, err
			}
			// The overlap acknowledged stands, as an approval's does: the
			// agencies' next reactivations read it (overlapExcepted). Kept
			// nowhere, it was judged again there, and the authorization
			// held again for the overlap the reviewer had lifted (a
			// black-box pass).
			if err := ledger.ExceptOverlaps(ctx, tx, id, excepted, s.now()); err != nil {
				return out, err
			}
			if err := s.raiseEpisodeUnits(ctx, tx, cur.ClientID, cur.EpisodeID, cur.ServiceCode, id); err != nil {
				return out, err
			}
			if raise {
				return out, raiseEpisodeCap(ctx, tx, cur.ClientID, cur.EpisodeID, id, s.Today())
			}
			// Given back on rules that leave out the agency's earlier stays
			// another agency keeps in the episode, its dollars may pass the
			// cap unacknowledged (nothing else does).
			return out, s.raiseReadmissionRoom(ctx, tx, cur.ClientID, cur.EpisodeID, id)
		})
}

// holdRevived judges the authorizations idle (read inactive before a
// program's inactivity setting was lengthened or switched off) that the
// new setting makes active again: each gives back its idle days and its
// unused units, as a reviewer's reactivation does, and is judged as that
// is, from its first idle day (limitsOnReactivation; no deny rule keeps
// it, as at its agency's reactivation). One the rules refuse is held for
// review (pending_review, cut the day before its first idle day), its
// agency told in its history, for a reviewer to give back or end. Given
// back unjudged, an authorization idle while another agency was granted
// and paid its days came back over them, both paid for one night, and an
// episode passed its cap unreviewed (a black-box pass). The caller holds
// the program locked.
func (s *Service) holdRevived(ctx context.Context, tx *sqlx.Tx, idle []Authorization, by ledger.By) error {
	if len(idle) == 0 {
		return nil
	}
	ids := make([]int64, len(idle))
	for i := range idle {
		ids[i] = idle[i].ID
	}
	if err := ledger.LockAll(ctx, tx, ids); err != nil {
		return err
	}
	heldBy := "the program's inactivity setting loosened on " + s.Today().String()
	var events []access.Event
	for _, was := range idle {
		cur, err := ledger.Lock(ctx, tx, was.ID)
		if err != nil {
			return err
		}
		// Given back are the days from its first idle one: all of them
		// when it is active again, else those before its new first idle
		// day. Judged only when it came back active, a lengthening that
		// left it inactive from a later day gave the days between back
		// unjudged, and another agency granted them meanwhile was paid
		// for them beside it (a black-box pass).
		cur.Derive(s.Today())
		from, end := was.InactiveOn, cur.EndDate
		switch st := cur.StatusOn(s.Today()); {
		case st == AuthActive:
		case st == AuthInactive && cur.InactiveOn.After(from):
			end = cur.InactiveOn.AddDays(-1)
		default:
			continue // idle from the same day under the new setting, or changed meanwhile
		}
		_, _, err = s.limitsOnReactivation(ctx, tx, &cur, from, end, func(f *adjudication.VoucherFacts) {
			for i := range f.Authorizations {
				if f.Authorizations[i].ID == cur.ID {
					f.Authorizations[i].Inactive = true // its unused units are what is asked for
				}
			}
		}, Acknowledgement{}, "end it")
		var refused *rss.CodedError
		if !errors.As(err, &refused) || refused.Kind != rss.ErrConflict {
			if err != nil {
				return err
			}
			continue
		}
		if err := ledger.Hold(ctx, tx, &cur, from, from, refused.Reasons, heldBy, s.now(), by); err != nil {
			return err
		}
		// Held, it is still idle from that day, as it was before the
		// change: its unused units stay off the caps, its late lines for
		// the live days before checked against them at intake, as an
		// inactive one's are. Read held (its span cut), it held all its
		// units until its claims were due, and the next change, its
		// agency's reactivation, held authorizations the rules had granted
		// for a cap it filled with units it could never bill (a black-box
		// re-check). A reviewer's give-back clears the day.
		if err := ledger.KeepInactive(ctx, tx, []Authorization{was}); err != nil {
			return err
		}
		events = append(events, access.Event{Action: ledger.EventHold, EntityType: "authorization", EntityID: access.ID(cur.ID),
			ClientID: cur.ClientID})
	}
	return access.Record(ctx, tx, events...)
}

// EndHeldAuthorization ends an authorization its agency's reactivation
// held for review (reviewer): the day before the deactivation took
// effect, as a discharge ends one, voided when it would only have started
// from then; its used days stay billable within the filing limit, and
// what an exception raised for it falls back (releaseAfterEnd). The
// agency reads the reviewer's reason in its history.
func (s *Service) EndHeldAuthorization(ctx context.Context, id int64, reason string) (Authorization, error) {
	return s.changeAuthorization(ctx, id, reason, []access.Role{access.RoleReviewer}, ledger.EventEnd,
		func(ctx context.Context, tx *sqlx.Tx, cur *Authorization, by ledger.By) (Authorization, error) {
			if st := cur.StatusOn(s.Today()); st != AuthPending {
				return Authorization{}, rss.Coded(rss.ErrConflict, "not_pending_review", "authorization %d is %s, not pending_review", id, st)
			}
			out := *cur
			if err := ledger.End(ctx, tx, &out, cur.HeldFrom.AddDays(-1), reason, s.now(), by); err != nil {
				return out, err
			}
			return out, s.releaseAfterEnd(ctx, tx, []Authorization{out})
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
// two agencies, with no review). What a deny rule refuses that request, or
// the agency's own other authorizations over its days hold of the
// per-voucher maximum (ownStacking), refuses it whatever is acknowledged.
// It reports whether an acknowledged dollar cap is to be raised, and the
// other agencies' authorizations an acknowledged overlap lifts (excepted,
// for ledger.ExceptOverlaps). The
// request runs from from (zero: today) to end, on facts patch may amend
// (nil: as read; one held for review is judged holding only its used
// units, and no deny rule refuses it: ReactivateAuthorization); otherwise
// tells the reviewer what else to do. The caller holds the episode locked.
func (s *Service) limitsOnReactivation(ctx context.Context, tx *sqlx.Tx, cur *Authorization, from, end rss.Date,
	patch func(f *adjudication.VoucherFacts), ack Acknowledgement, otherwise string) (raise bool, excepted []int64, err error) {
	acknowledge := ack.Codes
	f, episode, left, start, err := s.unusedUnitsFacts(ctx, tx, cur, from, end)
	if err != nil {
		return false, nil, err
	}
	if left == 0 {
		// Used up, nothing comes back but its days, and with them those a
		// void of one of its claims lets it bill again: another agency's
		// authorization over them is the overlap alone (judgeUsedUp).
		d, judged, start, ok, err := s.judgeUsedUp(ctx, tx, cur, from, end, patch)
		switch {
		case err != nil || !ok || len(d.Hits) == 0:
			return false, nil, err
		case slices.Contains(acknowledge, adjudication.CodeDuplicateOtherProvider):
			excepted = overlappedBy(judged, cur.ProviderID)
			return false, excepted, ack.coversOverlaps(judged, excepted, otherwise)
		}
		reason, _ := adjudication.Lookup(adjudication.CodeDuplicateOtherProvider)
		return false, nil, &rss.CodedError{Kind: rss.ErrConflict, Code: "limits_exceeded", Reasons: []string{adjudication.CodeDuplicateOtherProvider},
			Overlaps: numbersOf(judged, overlappedBy(judged, cur.ProviderID)),
			Message: fmt.Sprintf("its units are used up, but it gives back its days from %s, which a void of one of its claims "+
				"would let it bill again, and this rule fires on them: %s (%s %s); to give it back as an exception do it "+
				"again with it in acknowledge and the authorizations this answer's overlaps list in acknowledge_overlaps, or %s", start, adjudication.CodeDuplicateOtherProvider, reason.Text, d.Hits[0].Detail, otherwise)}
	}
	d, judged := decideGivenBack(f, episode, cur.ServiceCode, patch)
	// What a deny rule refuses a request for these units, it refuses their
	// return: they are granted again (the staff member has left; the
	// payment consent was revoked, which stops new grants though claims
	// under a live authorization stay payable). An agency's reactivation
	// differs: it gives back live authorizations its deactivation took,
	// and ends none for a deny rule (ReturnAuthorizations).
	// One held at its agency's reactivation is that reactivation's to
	// finish: a deny rule alone did not hold it and does not keep it.
	if denied, why := deniedHits(d); len(denied) > 0 && patch == nil {
		return false, nil, &rss.CodedError{Kind: rss.ErrConflict, Code: "denied_by_rules", Reasons: denied,
			Message: "the rules now deny a request for this authorization's unused units, so it cannot be reactivated: " +
				strings.Join(why, "; ") + "; " + otherwise}
	}
	// Nor are they given back, acknowledged or not, past the agency's own
	// authorizations of the service over its days: a request for them
	// would be cut or denied by the per-voucher maximum those hold, a
	// reduce rule's limit no reviewer lifts (SPEC §5). A black-box pass
	// reactivated 90 nights beside the 30-night voucher the agency was
	// granted for the same days while this one was inactive, the reviewer
	// told of the caps only.
	if codes, why := ownStacking(f, cur); len(codes) > 0 {
		return false, nil, &rss.CodedError{Kind: rss.ErrConflict, Code: "own_authorization_overlap", Reasons: codes,
			Message: fmt.Sprintf("reactivating gives back %d units from %s over days the agency's own authorizations of %s "+
				"already hold, and a request for them would be cut or denied: %s; no reviewer lifts a per-voucher maximum: "+
				"void the agency's other authorization over those days if it is unused, or let it run and have the agency "+
				"request a voucher for the days after it; else %s",
				left, start, cur.ServiceCode, strings.Join(why, "; "), otherwise)}
	}
	acknowledged := func(code string) bool { return slices.Contains(acknowledge, code) }
	over, why := guardHits(d, acknowledged)
	raise = slices.ContainsFunc(d.Hits, func(h adjudication.Hit) bool {
		return h.Code == adjudication.CodeEpisodeDollarsExceeded && acknowledged(h.Code)
	})
	if len(over) > 0 {
		var overlaps []string
		if slices.Contains(over, adjudication.CodeDuplicateOtherProvider) {
			overlaps = numbersOf(judged, overlappedBy(judged, cur.ProviderID))
		}
		return false, nil, &rss.CodedError{Kind: rss.ErrConflict, Code: "limits_exceeded", Reasons: over, Overlaps: overlaps,
			Message: fmt.Sprintf("reactivating gives back %d units from %s, and these rules fire on them: %s; "+
				"to reactivate it as an exception do it again with them in acknowledge (an acknowledged %s raises the episode's cap; "+
				"an acknowledged %s names the authorizations this answer's overlaps list in acknowledge_overlaps), "+
				"or %s", left, start, strings.Join(why, "; "), adjudication.CodeEpisodeDollarsExceeded, adjudication.CodeDuplicateOtherProvider, otherwise)}
	}
	if slices.ContainsFunc(d.Hits, func(h adjudication.Hit) bool { return h.Code == adjudication.CodeDuplicateOtherProvider }) {
		excepted = overlappedBy(judged, cur.ProviderID)
		if err := ack.coversOverlaps(judged, excepted, otherwise); err != nil {
			return false, nil, err
		}
	}
	return raise, excepted, nil
}

// Acknowledgement is what a reviewer's reactivation or give-back lifts:
// the pend reasons (Codes, as an approval's acknowledge) and, with the
// duplicate rule among them, the other agencies' authorizations it is
// lifted over, by number (Overlaps, as the 409 listed them). By code
// alone it covered an authorization granted between the 409 the reviewer
// read and the retry, unseen (a black-box pass).
type Acknowledgement struct {
	Codes    []string
	Overlaps []string
}

// maxAcknowledgeOverlaps bounds Acknowledgement.Overlaps: more than a
// person's authorizations of one service at other agencies in any real
// case.
const maxAcknowledgeOverlaps = 50

// check adds the acknowledgement's field errors to v; the overlaps'
// numbers are read as rss issues them (capitals, unpadded).
func (k *Acknowledgement) check(v *rss.ValidationError) {
	addAcknowledgeErrors(v, k.Codes)
	if len(k.Overlaps) > 0 && !slices.Contains(k.Codes, adjudication.CodeDuplicateOtherProvider) {
		v.Add("acknowledge_overlaps", "not_allowed", "acknowledge_overlaps names the authorizations an acknowledged %s is lifted over: "+
			"put %s in acknowledge too", adjudication.CodeDuplicateOtherProvider, adjudication.CodeDuplicateOtherProvider)
	}
	if len(k.Overlaps) > maxAcknowledgeOverlaps {
		v.Add("acknowledge_overlaps", "too_many", "at most %d authorizations are named", maxAcknowledgeOverlaps)
		return
	}
	for i, n := range k.Overlaps {
		k.Overlaps[i] = strings.ToUpper(strings.TrimSpace(n))
		field := fmt.Sprintf("acknowledge_overlaps[%d]", i)
		switch {
		case k.Overlaps[i] == "" || len(k.Overlaps[i]) > 30 || !alnum(k.Overlaps[i]):
			v.Add(field, "invalid_format", "an authorization's number, as the 409's overlaps list it")
		case slices.Contains(k.Overlaps[:i], k.Overlaps[i]):
			v.Add(field, "duplicate", "%s is listed twice", k.Overlaps[i])
		}
	}
}

// coversOverlaps refuses an acknowledged duplicate whose other agencies'
// authorizations (excepted, of the judged facts) are not each named in
// Overlaps: the reviewer lifts the overlaps they read, and one granted
// since the 409 they read is told, not lifted unseen.
func (k Acknowledgement) coversOverlaps(judged adjudication.VoucherFacts, excepted []int64, otherwise string) error {
	var unnamed []string
	for _, n := range numbersOf(judged, excepted) {
		if !slices.Contains(k.Overlaps, n) {
			unnamed = append(unnamed, n)
		}
	}
	if len(unnamed) == 0 {
		return nil
	}
	return &rss.CodedError{Kind: rss.ErrConflict, Code: "limits_exceeded", Reasons: []string{adjudication.CodeDuplicateOtherProvider},
		Overlaps: unnamed,
		Message: fmt.Sprintf("%s is acknowledged, but it would be lifted over %s, not named in acknowledge_overlaps: "+
			"name each other agency's authorization the acknowledgement covers, as this answer's overlaps list them, or %s",
			adjudication.CodeDuplicateOtherProvider, strings.Join(unnamed, ", "), otherwise)}
}

// numbersOf are the numbers of the authorizations ids of f, in its order.
func numbersOf(f adjudication.VoucherFacts, ids []int64) []string {
	var out []string
	for _, a := range f.Authorizations {
		if slices.Contains(ids, a.ID) {
			out = append(out, a.Number)
		}
	}
	return out
}

// ownStacking names the limits the agency's own other authorizations of
// cur's service make the request of f (unusedUnitsFacts: cur's unused
// units, from today to its end) meet: the per-voucher maximum they hold over its days (V38) and,
// for a service counted by the day, hour or quarter hour, the units
// those days hold (V27). The units asked are what one voucher may carry
// (a request for more is cut to it first, V22), the span is cur's whole
// (GivenBack), and cur itself, whose units are asked for, is left out.
// A hit counts when it is not the same without the agency's other
// authorizations: cur's own units past what its days hold come back
// whole, as judgeUnusedUnits judges them, while what the others add is
// the stack a request would be refused. An inactive authorization holds
// only its used units of the maximum (V38), so the agency may be granted
// a full voucher over its days while it is inactive; given back beside
// it, both stood over the same days past the maximum (a black-box pass).
func ownStacking(f adjudication.VoucherFacts, cur *Authorization) (codes, why []string) {
	if most := f.Service.PerVoucherMax; most > 0 {
		f.Request.Units = min(f.Request.Units, most)
	}
	judge := func(keep func(a adjudication.Authorization) bool) []adjudication.Hit {
		g := f
		g.Authorizations = make([]adjudication.Authorization, 0, len(f.Authorizations))
		for _, a := range f.Authorizations {
			if a.ID != cur.ID && keep(a) {
				g.Authorizations = append(g.Authorizations, a)
			}
		}
		return adjudication.DecideVoucher(&g).Hits
	}
	stacked := judge(func(adjudication.Authorization) bool { return true })
	alone := judge(func(a adjudication.Authorization) bool {
		return a.ProviderID != cur.ProviderID || a.ServiceCode != cur.ServiceCode
	})
	for _, h := range stacked {
		switch h.Code {
		case adjudication.CodeOwnAuthorizationOverlap, adjudication.CodeOwnAuthorizationAtMax, adjudication.CodeUnitsOverSpanDays:
		default:
			continue
		}
		if slices.ContainsFunc(alone, func(o adjudication.Hit) bool { return o.Code == h.Code && o.Detail == h.Detail }) {
			continue
		}
		codes = append(codes, h.Code)
		why = append(why, h.Code+" ("+h.Detail+")")
	}
	return codes, why
}

// judgeUnusedUnits decides a request for the unused units of cur from
// from (zero: today; never before its start) to end, with the
// authorization's rate, no per-voucher maximum and no cut to the days
// left, on a snapshot patch may amend (nil: as read). left is 0, and
// nothing is decided, when there is nothing to give back.
func (s *Service) judgeUnusedUnits(ctx context.Context, tx *sqlx.Tx, cur *Authorization, from, end rss.Date,
	patch func(f *adjudication.VoucherFacts)) (d adjudication.VoucherDecision, left int, start rss.Date, err error) {
	f, episode, left, start, err := s.unusedUnitsFacts(ctx, tx, cur, from, end)
	if err != nil || left == 0 {
		return d, left, start, err
	}
	d, _ = decideGivenBack(f, episode, cur.ServiceCode, patch)
	return d, left, start, nil
}

// decideGivenBack decides the request of f (unusedUnitsFacts) with no
// per-voucher maximum and no cut to the days left, on facts patch may
// amend (nil: as read), the episode's totals summed again over the
// authorizations as patched. It returns the facts decided too.
func decideGivenBack(f adjudication.VoucherFacts, episode int64, service string, patch func(f *adjudication.VoucherFacts)) (
	adjudication.VoucherDecision, adjudication.VoucherFacts) {
	// All of them come back, however many a voucher may carry today: cut
	// to the per-voucher maximum first, the caps judged fewer units than
	// were given back (a black-box pass reactivated 90 units judged as 30,
	// and 99 were paid of an episode's 90).
	f.Service.PerVoucherMax = 0
	// Nor cut to the days left (UNITS_OVER_SPAN_DAYS, read from the unit):
	// the ledger holds all of a live authorization's units toward the caps
	// whatever days are left (Authorization.Holds, everywhere the caps are
	// counted), so the check counts what the ledger will hold. Holding only
	// the units that fit would make one authorization count differently
	// from every other; cut, a black-box pass gave back 90 day units judged
	// as 30, and the episode held 5,080.00 of a 4,000.00 cap with no
	// exception recorded. (What the agency's own other authorizations hold
	// of those limits is judged apart: ownStacking.)
	f.Service.Unit = ""
	if patch != nil {
		patch(&f)
		// The episode's totals are sums over the authorizations as patched.
		if episode != 0 {
			f.EpisodeUnitsAuthorized, f.EpisodeDollarsAuthorized = ledger.EpisodeTotals(f.Authorizations, episode, service, f.Today)
		}
	}
	return adjudication.DecideVoucher(&f), f
}

// overlappedBy names the other agencies' authorizations the duplicate
// rule (DUPLICATE_SERVICE_OTHER_PROVIDER) fires on for the request of f,
// agency provider's: each judged alone beside the agency's own. Its hit
// names agencies, not authorizations, and an exception kept by agency
// would lift one the agency is granted later over the same days, which no
// reviewer saw.
func overlappedBy(f adjudication.VoucherFacts, provider int64) []int64 {
	var out []int64
	for _, a := range f.Authorizations {
		if a.ProviderID == provider || a.ServiceCode != f.Service.Code {
			continue
		}
		g := f
		g.Authorizations = slices.DeleteFunc(slices.Clone(f.Authorizations), func(o adjudication.Authorization) bool {
			return o.ProviderID != provider && o.ID != a.ID
		})
		if slices.ContainsFunc(adjudication.DecideVoucher(&g).Hits, func(h adjudication.Hit) bool {
			return h.Code == adjudication.CodeDuplicateOtherProvider
		}) {
			out = append(out, a.ID)
		}
	}
	return out
}

// unusedUnitsFacts are the facts of a request for the unused units of cur
// from from (zero: today; never before its start) to end, as
// judgeUnusedUnits judges them before it sets the per-voucher maximum and
// the days aside: the authorization's rate, given back whole
// (VoucherFacts.GivenBack), under the episode maximum it was granted
// under. episode is the request's episode (0 when it has no enrollment).
// left is 0, and the facts are not read, when there is nothing to give
// back.
func (s *Service) unusedUnitsFacts(ctx context.Context, tx *sqlx.Tx, cur *Authorization, from, end rss.Date) (
	f adjudication.VoucherFacts, episode int64, left int, start rss.Date, err error) {
	left = cur.UnitsAuthorized - cur.UnitsUsed
	start = s.Today()
	if !from.IsZero() {
		start = from
	}
	if cur.StartDate.After(start) {
		start = cur.StartDate
	}
	if left <= 0 || end.Before(start) {
		return f, 0, 0, start, nil
	}
	f, episode, err = s.givenBackFacts(ctx, tx, cur, start, end, left)
	if err != nil {
		return f, 0, 0, start, err
	}
	return f, episode, left, start, nil
}

// judgeUsedUp decides, for cur used up, whether another agency's
// authorization overlaps the days given back from from (as
// unusedUnitsFacts reads it) to end, on facts patch may amend: d holds the
// duplicate rule's hit alone, judged on a request for one unit. Nothing
// comes back with a used-up authorization but its span, and with it the
// days a void of one of its claims lets it bill again: given back
// unjudged at its agency's reactivation, another agency's grant over days
// the agency was out stood beside it, and both were paid for one day once
// the agency voided a claim (a black-box pass). judged is false, and d
// empty, when it is not used up, no day is given back, or a request for
// it could not be made as granted (it comes back as it did).
func (s *Service) judgeUsedUp(ctx context.Context, tx *sqlx.Tx, cur *Authorization, from, end rss.Date,
	patch func(f *adjudication.VoucherFacts)) (d adjudication.VoucherDecision, f adjudication.VoucherFacts, start rss.Date, judged bool, err error) {
	start = s.Today()
	if !from.IsZero() {
		start = from
	}
	if cur.StartDate.After(start) {
		start = cur.StartDate
	}
	if cur.UnitsUsed < cur.UnitsAuthorized || end.Before(start) {
		return d, f, start, false, nil
	}
	f, _, err = s.givenBackFacts(ctx, tx, cur, start, end, 1)
	var outdated *rss.CodedError
	if errors.As(err, &outdated) && outdated.Code == "reactivation_outdated" {
		return d, f, start, false, nil
	}
	if err != nil {
		return d, f, start, false, err
	}
	if patch != nil {
		patch(&f)
	}
	all := adjudication.DecideVoucher(&f)
	d.Hits = slices.DeleteFunc(all.Hits, func(h adjudication.Hit) bool { return h.Code != adjudication.CodeDuplicateOtherProvider })
	return d, f, start, true, nil
}

// givenBackFacts are the facts of a request for units of cur from start to
// end (unusedUnitsFacts, judgeUsedUp).
func (s *Service) givenBackFacts(ctx context.Context, tx *sqlx.Tx, cur *Authorization, start, end rss.Date, units int) (
	f adjudication.VoucherFacts, episode int64, err error) {
	enrollment := cur.EnrollmentID
	// The request for its units names the staff member the granted request
	// named, as the agency asking again would: judged by the enrollment's
	// assigned staff instead, a reactivation ended a live authorization as
	// STAFF_NOT_QUALIFIED where the same request was approved at once (an
	// operations black-box pass). One that named none is judged by the
	// enrollment's, as it was granted.
	var staff *int64
	if err := tx.GetContext(ctx, &staff, `SELECT staff_id FROM voucher_requests WHERE id = $1`, cur.VoucherRequestID); err != nil {
		return f, 0, fmt.Errorf("the granted request's staff: %w", err)
	}
	n := NewVoucherRequest{ClientID: cur.ClientID, ProgramCode: cur.ProgramCode, ServiceCode: cur.ServiceCode,
		EnrollmentID: &enrollment, StaffID: staff, Units: &units, StartDate: start, EndDate: end}
	sn, err := s.takeSnapshot(ctx, tx, cur.ProviderID, &n)
	var ve *rss.ValidationError
	if errors.As(err, &ve) {
		return f, 0, rss.Coded(rss.ErrConflict, "reactivation_outdated",
			"the authorization's units can no longer be given back as granted (%s); leave it inactive and request a voucher", ve.Error())
	}
	if err != nil {
		return f, 0, err
	}
	f = *sn.facts
	f.Service.Rate = cur.Rate.Decimal // its units are worth what it was granted at
	// Not cut to the span a reduction would cut (a staff member's
	// departure, a care plan's end): it comes back whole, so the guards
	// judge it whole.
	f.GivenBack = true
	// Judged against the episode unit maximum it was granted under when
	// the MSC has lowered the service's since, as claims intake holds its
	// lines to the larger of the two: a limit's change is for requests
	// made after it. Judged by today's, a maximum lowered after the grant
	// ended authorizations a deactivation undone in error had never
	// touched, their units lost (an operations pass). None today is none.
	if then := cur.EpisodeMaxThen; then != nil && f.Service.PerEpisodeMax > 0 {
		f.Service.PerEpisodeMax = max(f.Service.PerEpisodeMax, *then)
	}
	if sn.enrollment != nil {
		episode = sn.enrollment.EpisodeID
	}
	return f, episode, nil
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
	requireReason(v, reason, "reason is required")
	if err := v.Err(); err != nil {
		return Authorization{}, err
	}
	var out Authorization
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		// The authorization with its episode, in the order claims intake
		// takes them: the episode first and the authorization after, a
		// void and a claim on it each held one and waited a deadlock
		// timeout for the other (a race black-box pass). Not the client's
		// other authorizations with it: holding all their episodes, a void
		// deadlocked with another agency's claims and discharge and with an
		// agency's reactivation (a review); a claim holding the episode
		// through the client's earlier authorization may still meet it, a
		// retryable 409 (README, Known gaps).
		if err := ledger.LockAll(ctx, tx, []int64{id}); err != nil {
			return err
		}
		cur, err := ledger.Lock(ctx, tx, id)
		if err != nil {
			return err
		}
		// The agency reads the reason in the authorization's history.
		if err := s.CheckMSCText(ctx, tx, cur.ClientID, cur.ProviderID, "reason", reason); err != nil {
			return err
		}
		if out, err = change(ctx, tx, &cur, ledger.By{KeyID: a.KeyID, Role: string(a.Role)}); err != nil {
			return err
		}
		if out.Events, err = ledger.Events(ctx, tx, id); err != nil {
			return err
		}
		// The reviewer reads which other agencies' authorizations an
		// acknowledged give-back kept it over (ExceptOverlaps).
		if !a.IsProvider() {
			if out.OverlapExceptions, err = ledger.ExceptedNumbers(ctx, tx, id); err != nil {
				return err
			}
		}
		out.Derive(s.Today())
		did := action
		if did == ledger.EventEnd && out.VoidedAt != nil { // an end before it began voids it (ledger.End)
			did = ledger.EventVoid
		}
		return access.Record(ctx, tx, access.Event{Action: did, EntityType: "authorization", EntityID: access.ID(id), ClientID: out.ClientID})
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
	if err := access.Record(ctx, tx, events...); err != nil {
		return err
	}
	// What an exception raised falls back with them, as with a reviewer's
	// void: a discharge voided the grant a raised cap was made for, the
	// cap stayed raised, and later grants, another agency's among them,
	// passed the program's cap unreviewed (an enrollment black-box pass).
	// EndAtDischarge holds their episodes.
	return s.releaseAfterEnd(ctx, tx, ended)
}

// AuthorizationEnded is one of an agency's authorizations its reactivation
// did not give back: ended the day before its deactivation took effect,
// or voided when it would only have started from that day, with the rules
// a request for its unused units fired (ReturnAuthorizations).
type AuthorizationEnded struct {
	ID          int64    `json:"id"`
	Number      string   `json:"number"`
	ClientID    int64    `json:"client_id"`
	Status      string   `json:"status"`
	EndDate     rss.Date `json:"end_date"`
	UnitsUnused int      `json:"units_unused"`
	ReasonCodes []string `json:"reason_codes"`
	// Note says why when no rule could be run: a request for its units
	// could not be made as granted today.
	Note string `json:"note,omitempty"`
	// auth is the authorization as ended, for ReleaseNotGivenBack.
	auth Authorization
}

// ReturnAuthorizations decides, for an agency being reactivated, which of
// the authorizations its deactivation cut short get their span back. While
// the agency was out they held only their used units of the person's caps
// and pended no other agency's request, so more may have been granted into
// the room they left: giving one back returns its unused units, as a
// request for them from today to its end would be granted. Each is judged
// so, in id order, on the person's authorizations as they then stand
// (those given back already with their spans, the rest still cut), and
// one that a guard of what was granted meanwhile (the episode's units and
// dollars, another agency's authorization over the same days) fires on is
// not given back (a deny rule alone does not end it: a live
// authorization outlives the facts they read, its claims judged line by
// line): it ends the day before the
// deactivation took effect, as a discharge ends one (voided when it would
// only have started from then). No one acknowledges a cap here: the admin
// reactivating an agency is not the reviewer who may lift one; the agency
// requests again what it needs and a reviewer decides. An inactive one
// gets its span back and stays inactive (its reactivation is judged then);
// one with no unused units simply gets it back. One whose days from the
// deactivation all lie before resumes (the agency's first day back in
// service; the deactivation's own day when it took none) is not given
// back either: the suspension keeps those days out of service, and given
// back it read units left and counted again in the reports (a black-box
// pass). The caller holds the provider locked, its deactivation still in
// force, lifts it after, and then lets what exceptions raised for those
// not given back fall (ReleaseNotGivenBack).
func (s *Service) ReturnAuthorizations(ctx context.Context, tx *sqlx.Tx, providerID int64, deactivatedOn, resumes rss.Date) (
	ended, held []AuthorizationEnded, err error) {
	a, err := access.Require(ctx, access.RoleAdmin)
	if err != nil {
		return nil, nil, err
	}
	by := ledger.By{KeyID: a.KeyID, Role: string(a.Role)}
	var cut []struct {
		ID   int64    `db:"id"`
		End  rss.Date `db:"end_date"`
		Held bool     `db:"held"`
	}
	if err := tx.SelectContext(ctx, &cut, `SELECT id, end_date, held_from IS NOT NULL AS held FROM authorizations
		WHERE provider_id = $1 AND voided_at IS NULL AND end_date >= $2 ORDER BY id`, providerID, deactivatedOn); err != nil {
		return nil, nil, fmt.Errorf("authorizations the deactivation cut: %w", err)
	}
	ids := make([]int64, len(cut))
	for i, c := range cut {
		ids[i] = c.ID
	}
	if err := ledger.LockAll(ctx, tx, ids); err != nil {
		return nil, nil, err
	}
	today, cutOn := s.Today(), deactivatedOn.AddDays(-1)
	back := map[int64]adjudication.Authorization{} // given back so far, with their spans
	var events []access.Event
	for _, c := range cut {
		// Held with its episode by LockAll above.
		cur, err := ledger.Lock(ctx, tx, c.ID)
		if err != nil {
			return nil, nil, err
		}
		if c.Held {
			// Held for review at an earlier reactivation: it stays held, a
			// reviewer's to decide, over the days this deactivation cut too
			// (given back by this one, they came back unreviewed).
			judged := resumes
			if cur.StartDate.After(judged) {
				judged = cur.StartDate
			}
			if err := ledger.Hold(ctx, tx, &cur, deactivatedOn, judged, nil, ledger.ReactivationHold(today), s.now(), by); err != nil {
				return nil, nil, err
			}
			held = append(held, AuthorizationEnded{ID: cur.ID, Number: cur.Number, ClientID: cur.ClientID, Status: AuthPending,
				EndDate: cur.EndDate, UnitsUnused: cur.UnitsAuthorized - cur.UnitsUsed, ReasonCodes: cur.HeldReasons, auth: cur})
			events = append(events, access.Event{Action: ledger.EventHold, EntityType: "authorization", EntityID: access.ID(cur.ID),
				ClientID: cur.ClientID})
			continue
		}
		whole := cur
		whole.EndDate = c.End
		suspended := c.End.Before(resumes)
		if !suspended && whole.StatusOn(today) == AuthInactive {
			back[c.ID] = whole.Rule(today)
			continue
		}
		var d adjudication.VoucherDecision
		var left int
		var judgedFrom rss.Date // the first day given back, the request's start
		asStands := func(f *adjudication.VoucherFacts) {
			f.Provider.DeactivatedOn = time.Time{}
			for i := range f.Authorizations {
				if r, ok := back[f.Authorizations[i].ID]; ok {
					f.Authorizations[i] = r
				}
				// The one judged holds only its used units, as an inactive
				// one does: its unused units are what is asked for. Before
				// a deactivation's day it still runs and held them all, and
				// was judged to pass its caps twice over.
				if f.Authorizations[i].ID == cur.ID {
					f.Authorizations[i].Inactive = true
				}
			}
		}
		usedUp := false
		if !suspended {
			// From the first day given back to service: an in_error
			// reactivation gives back the days the agency was out, and
			// judged from today only, another agency's authorization
			// granted for days of them wholly past was never seen, and
			// both were paid for the same day (a black-box pass).
			d, left, judgedFrom, err = s.judgeUnusedUnits(ctx, tx, &cur, resumes, c.End, asStands)
			if err == nil && left == 0 {
				// Used up, it is judged for the overlap alone.
				d, _, judgedFrom, usedUp, err = s.judgeUsedUp(ctx, tx, &cur, resumes, c.End, asStands)
			}
		}
		codes := []string{} // an array in the answer, empty beside a note (openapi)
		var note string
		var outdated *rss.CodedError
		switch {
		case suspended:
			note = fmt.Sprintf("its days from %s lie in the agency's suspension, out of service", deactivatedOn)
		case errors.As(err, &outdated) && outdated.Code == "reactivation_outdated":
			// A request for its units could not even be made as granted
			// today: they do not come back unjudged.
			note = outdated.Message
		case err != nil:
			return nil, nil, err
		case left == 0 && !usedUp:
			back[c.ID] = whole.Rule(today)
			continue
		default:
			// Only what was granted into its room meanwhile keeps it from
			// coming back. A deny rule that fires today (the area taken out
			// of the agency's list, the staff member the voucher named has
			// left) ends no live authorization, whose claims are judged line
			// by line; judged here, a deactivation undone in error ended or
			// voided authorizations it never touched (an operations pass).
			over, _ := guardHits(d, func(string) bool { return false })
			if slices.Contains(over, adjudication.CodeDuplicateOtherProvider) {
				excepted, err := s.overlapExcepted(ctx, tx, &cur, resumes, c.End, asStands)
				if err != nil {
					return nil, nil, err
				}
				if excepted {
					over = slices.DeleteFunc(over, func(code string) bool { return code == adjudication.CodeDuplicateOtherProvider })
				}
			}
			if codes = over; len(codes) == 0 {
				back[c.ID] = whole.Rule(today)
				continue
			}
			// Held for review, not ended: what fired may be drawn from
			// another agency's records (its authorization over the same
			// days, the caps its grants fill), and ended so, voided when
			// it had not begun, where a stranger's with the same history
			// was given back, the agency read void beside active: a
			// 42 CFR Part 2 signal (an operations black-box pass). Given
			// back instead, two agencies held the same days past the caps
			// with no reviewer. A hold is what a request meets for many
			// reasons, its own caps among them, as a pend is: kept cut, it
			// reads pending_review to the agency with no rule named, and a
			// reviewer gives it back, judged on the facts of that day, or
			// ends it (GiveBackAuthorization, EndHeldAuthorization).
			if err := ledger.Hold(ctx, tx, &cur, deactivatedOn, judgedFrom, codes, ledger.ReactivationHold(today), s.now(), by); err != nil {
				return nil, nil, err
			}
			held = append(held, AuthorizationEnded{ID: cur.ID, Number: cur.Number, ClientID: cur.ClientID, Status: AuthPending,
				EndDate: cur.EndDate, UnitsUnused: cur.UnitsAuthorized - cur.UnitsUsed, ReasonCodes: codes, auth: cur})
			events = append(events, access.Event{Action: ledger.EventHold, EntityType: "authorization", EntityID: access.ID(cur.ID),
				ClientID: cur.ClientID})
			continue
		}
		// The agency reads the reason in its authorization's history: it
		// names no rule, since one could say another agency serves the
		// person. The answer, the admin's, lists them.
		// From the first day given back: an in_error reactivation judges
		// from the deactivation's day, and "from today" named days never
		// judged (a black-box pass).
		reason := fmt.Sprintf("not given back at the agency's reactivation on %s: a request for its %d unused units "+
			"from %s would not be granted; request them again", today, cur.UnitsAuthorized-cur.UnitsUsed, judgedFrom)
		begun := !cur.StartDate.After(cutOn)
		switch {
		case suspended && begun:
			reason = fmt.Sprintf("not given back at the agency's reactivation on %s: its days from %s were out of service",
				today, deactivatedOn)
		case suspended:
			reason = fmt.Sprintf("not given back at the agency's reactivation on %s: its days, from its start on %s, were out of service",
				today, cur.StartDate)
		}
		cur.EndDate = c.End
		if begun {
			err = ledger.End(ctx, tx, &cur, cutOn, reason, s.now(), by)
		} else {
			// Voided as End voids one that would only have started after
			// its end, in words of its own: End's "…, before the
			// authorization started" read "its days from D were out of
			// service, before the authorization started", D its start (a
			// black-box pass).
			cur, err = ledger.Void(ctx, tx, cur.ID, reason, s.now(), by)
		}
		if err != nil {
			return nil, nil, err
		}
		status, action := "ended", ledger.EventEnd
		if cur.VoidedAt != nil {
			// Voided, it keeps its own span: the one read back was cut by
			// the deactivation still in force (a black-box pass).
			status, action, cur.EndDate = AuthVoid, ledger.EventVoid, c.End
		}
		ended = append(ended, AuthorizationEnded{ID: cur.ID, Number: cur.Number, ClientID: cur.ClientID, Status: status,
			EndDate: cur.EndDate, UnitsUnused: cur.UnitsAuthorized - cur.UnitsUsed, ReasonCodes: codes, Note: note, auth: cur})
		events = append(events, access.Event{Action: action, EntityType: "authorization", EntityID: access.ID(cur.ID), ClientID: cur.ClientID})
	}
	// Those given back say so in their history, after the deactivation's
	// cut (ledger.DeactivationCut).
	if err := ledger.GivenBack(ctx, tx, slices.Sorted(maps.Keys(back)), today, s.now(), by); err != nil {
		return nil, nil, err
	}
	return ended, held, access.Record(ctx, tx, events...)
}

// ReleaseNotGivenBack lets what an exception raised fall back for the
// authorizations an agency's reactivation did not give back
// (ReturnAuthorizations), as a reviewer's void or a discharge does: the
// grant a reviewer's exception was made for, voided or ended so, left the
// cap raised for later grants unreviewed (a review). The caller runs it in
// ReturnAuthorizations' transaction, which holds the episodes, once the
// agency's deactivation is lifted: under it the authorizations given back
// still read cut, holding only their used units, and the cap raised for
// one of them fell with the void of another.
func (s *Service) ReleaseNotGivenBack(ctx context.Context, tx *sqlx.Tx, ended []AuthorizationEnded) error {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return err
	}
	auths := make([]Authorization, len(ended))
	for i := range ended {
		auths[i] = ended[i].auth
	}
	return s.releaseAfterEnd(ctx, tx, auths)
}

// overlapExcepted reports whether the overlap with other agencies' days
// that a request for cur's unused units meets (DUPLICATE_SERVICE_OTHER_PROVIDER)
// is one a reviewer lifted, approving cur or another agency's authorization
// over cur's days after it, or giving one of them back over the other
// (ledger.ExceptOverlaps): re-running the rules never
// overrides a reviewer's decision (SPEC §5), and a black-box pass found an
// agency's reactivation ending an authorization approved with the
// duplicate acknowledged. The exception covers the agencies it named, not
// one granted days over cur's while its agency was out (cut, cur pended no
// one as a duplicate): the rule is run again without the named agencies'
// authorizations and must not fire. The caps are not lifted so: a
// reviewer's exception to the dollar cap is recorded as the episode's
// raised cap, which the rules judge against, and lifted again here they
// would let the episode hold past it what was granted into cur's room
// meanwhile, which no reviewer saw. (A raised unit maximum is the claims'
// and the ledger's, not yet the voucher rules': README Known gaps.)
func (s *Service) overlapExcepted(ctx context.Context, tx *sqlx.Tx, cur *Authorization, from, end rss.Date,
	patch func(f *adjudication.VoucherFacts)) (bool, error) {
	// The reasons the request pended for and those the reviewer
	// acknowledged are kept in the request's hits and the decision's
	// re-check (README: acknowledge is not stored apart). Read for cur's
	// own approval, and for each other agency's approval granted after
	// cur over the same service of the person: a reviewer who lifted the
	// overlap with cur's agency there saw cur, and judged the two may
	// stand together. Honoured on the approved side only, the same lifted
	// overlap ended cur, granted first by the rules, at its agency's next
	// reactivation (a black-box pass).
	var approvals []struct {
		ID         int64  `db:"id"`
		ProviderID int64  `db:"provider_id"`
		Action     string `db:"action"`
		Hits       []byte `db:"hits"`
		Recheck    []byte `db:"recheck_hits"`
	}
	err := tx.SelectContext(ctx, &approvals, `SELECT a.id, a.provider_id, d.action, v.hits, d.recheck_hits
		FROM authorizations a
		JOIN voucher_requests v ON v.id = a.voucher_request_id
		JOIN reviewer_decisions d ON d.voucher_request_id = v.id
		WHERE d.action IN ('`+ReviewApprove+`', '`+ReviewApproveModified+`')
		  AND (a.id = $1 OR (a.id > $1 AND a.provider_id <> $2 AND a.service_code = $3
		       AND a.person_id = (SELECT person_id FROM authorizations WHERE id = $1)))
		ORDER BY a.id`, cur.ID, cur.ProviderID, cur.ServiceCode)
	if err != nil {
		return false, fmt.Errorf("reviewer's exception: %w", err)
	}
	named := map[int64]bool{}     // agencies cur's own approval lifted the overlap with
	liftedFor := map[int64]bool{} // later authorizations whose approval lifted it with cur's agency
	for _, ap := range approvals {
		// A modified grant lifted what its own days met (the re-check
		// judges the grant): a reviewer who moved the start past the
		// other agency's days granted none of them, and read as lifting
		// the overlap the request met, the other agency's authorization
		// was given back over the grant's days at its reactivation, both
		// agencies holding them with no reviewer's word (a re-check).
		raws := [][]byte{ap.Hits, ap.Recheck}
		if ap.Action == ReviewApproveModified {
			raws = raws[1:]
		}
		for _, raw := range raws {
			var hits []adjudication.Hit
			if err := json.Unmarshal(raw, &hits); err != nil {
				return false, fmt.Errorf("decode reviewed hits: %w", err)
			}
			for _, h := range hits {
				if h.Code != adjudication.CodeDuplicateOtherProvider {
					continue
				}
				for _, p := range append([]int64{h.Source}, h.Sources...) {
					switch {
					case p == 0:
					case ap.ID == cur.ID:
						named[p] = true
					case p == cur.ProviderID:
						liftedFor[ap.ID] = true
					}
				}
			}
		}
	}
	// And the overlaps a reviewer's give-back lifted, of cur over other
	// agencies' authorizations or of theirs over cur (migration 00116):
	// each with the authorizations it was judged beside, as the reviewer
	// saw them. Unread, an agency's next reactivation held again the
	// authorization given back, or the one it was given back beside (a
	// black-box pass).
	givenBack, err := ledger.OverlapsExcepted(ctx, tx, cur.ID)
	if err != nil {
		return false, err
	}
	if len(named) == 0 && len(liftedFor) == 0 && len(givenBack) == 0 {
		return false, nil
	}
	d, _, _, err := s.judgeUnusedUnits(ctx, tx, cur, from, end, func(f *adjudication.VoucherFacts) {
		patch(f)
		// Only what the reviewer saw: the named agencies' authorizations
		// granted before cur (ids run in order; cur was granted by the
		// approval), and those approved over cur. One granted to them
		// since, while cur's agency was out, was given back beside cur
		// unreviewed (a re-check).
		f.Authorizations = slices.DeleteFunc(f.Authorizations, func(a adjudication.Authorization) bool {
			return (named[a.ProviderID] && a.ID < cur.ID) || liftedFor[a.ID] || slices.Contains(givenBack, a.ID)
		})
	})
	if err != nil {
		return false, err
	}
	// Only the duplicate rule is read from this decision: the caps were
	// judged with every agency's authorizations.
	return !slices.ContainsFunc(d.Hits, func(h adjudication.Hit) bool { return h.Code == adjudication.CodeDuplicateOtherProvider }), nil
}
