package ledger

import (
	"time"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/adjudication"
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
	// LastServiceOn is the latest date of service counted against it;
	// ReactivatedOn the day a reviewer last reactivated it. With the
	// program's InactivateAfterDays they say when it goes inactive.
	LastServiceOn rss.Date `json:"last_service_on" db:"last_service_on"`
	ReactivatedOn rss.Date `json:"reactivated_on" db:"reactivated_on"`
	// IssuedOn is the day it was issued (zero for one issued before
	// migration 00079, read as issued on its start): a retro grant's idle
	// days count from it, not from a start long past.
	IssuedOn rss.Date `json:"issued_on" db:"issued_on"`
	// EpisodeMaxThen is its service's episode unit maximum the day it was
	// granted (migration 00084; the largest integer for a service with
	// none then): its units were set aside under it, and its lines are
	// paid within it though the maximum was lowered, or first set, since.
	// Not shown.
	EpisodeMaxThen      *int `json:"-" db:"episode_max_then"`
	InactivateAfterDays *int `json:"inactivate_after_days" db:"inactivate_after_days"`
	// InactivitySince is the first day of the program's last stricter
	// setting (switched on or shortened, the day after the change; zero
	// when it never was, migration 00095): it goes inactive no earlier,
	// and a service dated before it is covered. Read as it stands for every day, a window
	// switched on reached back over days the old one left live: a service
	// delivered under an active voucher was denied 197, and paid again
	// once the setting was put back (an operations black-box pass).
	InactivitySince rss.Date `json:"inactivity_since,omitzero" db:"inactivity_since"`
	// InactiveFrom is the day it went inactive under a looser setting,
	// kept when a stricter one came after, or when one loosened held it
	// for review (migration 00120; zero otherwise): it stays inactive from
	// then, InactivitySince's floor notwithstanding, until a reviewer
	// reactivates or gives it back, or the setting is switched off (one
	// held keeps it). Floored, one idle for weeks came back active with
	// all its units the day the setting was shortened, unjudged (a
	// black-box pass).
	InactiveFrom rss.Date `json:"inactive_from,omitzero" db:"inactive_from"`
	// InactiveOn is the first day it is inactive unless claimed on or
	// reactivated before (null when its program never inactivates).
	InactiveOn rss.Date  `json:"inactive_on" db:"-"`
	CreatedAt  time.Time `json:"created_at" db:"created_at"`
	// ClaimsDueBy is the last day a claim for its last day is received in
	// time: its end plus its program's filing limit.
	ClaimsDueBy rss.Date `json:"claims_due_by" db:"claims_due_by"`
	// DollarsPaid is what its counted lines were paid (migration 00090):
	// what it holds of the episode's dollar cap for the units it used.
	DollarsPaid rss.Money `json:"dollars_paid" db:"dollars_paid"`
	// HeldFrom is the first day its agency's reactivation held it out
	// for review (migration 00113; zero when not held): it reads cut
	// the day before, as the deactivation cut it, until a reviewer gives
	// it back, judged from HeldJudgedFrom, or ends it. Not shown: its
	// status says it. HeldReasons are the rules that fired, shown to the
	// MSC only (review_reasons; they may be drawn from another agency's
	// records).
	HeldFrom       rss.Date       `json:"-" db:"held_from"`
	HeldJudgedFrom rss.Date       `json:"-" db:"held_judged_from"`
	HeldReasons    pq.StringArray `json:"review_reasons,omitempty" db:"held_reasons"`
	// OverlapExceptions are the other agencies' authorizations, by number,
	// a reviewer's acknowledged give-back kept it over (ExceptOverlaps,
	// either side): read with one authorization for the MSC, never shown to
	// an agency (they say the person is known elsewhere).
	OverlapExceptions []string `json:"overlap_exceptions,omitempty" db:"-"`
	// Events are its lifecycle changes, oldest first (one authorization's
	// read only).
	// Present, [] when there are none, on that read (a black-box pass
	// found the key missing where README promised the history); left out
	// of lists (nil).
	Events []Event `json:"events,omitzero" db:"-"`
}

// Authorization statuses.
const (
	StatusActive    = "active"
	StatusInactive  = "inactive"
	StatusExhausted = "exhausted"
	StatusExpired   = "expired"
	StatusVoid      = "void"
	// StatusPendingReview is one its agency's reactivation held for a
	// reviewer (Hold): what a voucher request meets for many reasons, a
	// pend, where an automatic end told the agency another's records
	// stood in the way.
	StatusPendingReview = "pending_review"
)

// Statuses are the statuses an authorization may have, for a filter.
var Statuses = []string{StatusActive, StatusInactive, StatusExhausted, StatusExpired, StatusVoid, StatusPendingReview}

// LastActivity is the day its inactivity is counted from: the latest of its
// start, its last counted date of service, its last reactivation and the
// day it was issued (a retro grant was inactive the day it was issued: two
// black-box passes).
func (a *Authorization) LastActivity() rss.Date {
	d := a.StartDate
	for _, x := range []rss.Date{a.LastServiceOn, a.ReactivatedOn, a.IssuedOn} {
		if x.After(d) {
			d = x
		}
	}
	return d
}

// inactiveOn is the first day with InactivateAfterDays full days without
// activity behind it, or the zero Date when the program never inactivates.
func (a *Authorization) inactiveOn() rss.Date {
	var on rss.Date
	if a.InactivateAfterDays != nil {
		on = a.LastActivity().AddDays(*a.InactivateAfterDays + 1)
		if a.InactivitySince.After(on) {
			on = a.InactivitySince
		}
	}
	// The day kept stands whatever the setting: one held when the
	// setting was switched off stays idle from its first idle day
	// (vouchers.holdRevived; the switch clears every other).
	if !a.InactiveFrom.IsZero() && (on.IsZero() || a.InactiveFrom.Before(on)) {
		return a.InactiveFrom
	}
	return on
}

// StatusOn is the authorization's status on today, the one place it is
// decided (StatusSQL says the same in SQL for a list's filter): void, then
// pending review, then exhausted, then expired, then inactive, else active. Nothing stores a
// status: it is always current when read.
func (a *Authorization) StatusOn(today rss.Date) string {
	switch {
	case a.VoidedAt != nil:
		return StatusVoid
	case !a.HeldFrom.IsZero():
		return StatusPendingReview
	case a.UnitsUsed >= a.UnitsAuthorized:
		return StatusExhausted
	case a.EndDate.Before(today), a.EndDate.Before(a.StartDate):
		// A span its agency's deactivation cut to nothing (it would have
		// started on or after the day) never runs: it read active with all
		// its units, though no day of it could be billed (a black-box pass).
		return StatusExpired
	}
	if on := a.inactiveOn(); !on.IsZero() && !today.Before(on) {
		return StatusInactive
	}
	return StatusActive
}

// Derive fills the computed fields: remaining units, the status on today,
// and the day it goes inactive. A void authorization has nothing left to
// bill and never goes inactive: it read its unbilled units as remaining,
// and a day it would go inactive, which a provider took for units still
// to deliver (a black-box pass). Nor does one that would go inactive only
// after its last day, or one exhausted (StatusOn reads them expired and
// exhausted): one ended at a discharge read a day to go inactive a month
// after its end (a black-box pass).
func (a *Authorization) Derive(today rss.Date) {
	a.Status = a.StatusOn(today)
	if a.VoidedAt != nil {
		a.UnitsRemaining, a.InactiveOn = 0, rss.Date{}
		return
	}
	a.UnitsRemaining = a.UnitsAuthorized - a.UnitsUsed
	a.InactiveOn = a.inactiveOn()
	if a.InactiveOn.After(a.EndDate) || a.UnitsRemaining <= 0 {
		a.InactiveOn = rss.Date{}
	}
}

// idleOn reports whether the authorization has gone inactive by today, as
// the caps read it (HeldSQL): one held for review reads pending_review,
// not inactive, but its idleness frees its room all the same (a hold
// beginning later, its authorization idle meanwhile, counted all its units
// in Go and its used units in SQL: a white-box review).
func (a *Authorization) idleOn(today rss.Date) bool {
	if a.HeldFrom.IsZero() || a.VoidedAt != nil {
		return a.StatusOn(today) == StatusInactive
	}
	on := a.inactiveOn()
	return !on.IsZero() && !today.Before(on)
}

// Rule converts to the adjudicator's view on today; it is the one converter
// of an authorization, for voucher requests and claims alike.
func (a *Authorization) Rule(today rss.Date) adjudication.Authorization {
	r := adjudication.Authorization{ID: a.ID, Number: a.Number, ProviderID: a.ProviderID, ServiceCode: a.ServiceCode,
		EpisodeID: a.EpisodeID, EnrollmentID: a.EnrollmentID, Start: a.StartDate.Time, End: a.EndDate.Time, UnitsAuthorized: a.UnitsAuthorized,
		UnitsUsed: a.UnitsUsed, Rate: a.Rate.Decimal, Void: a.VoidedAt != nil, Inactive: a.idleOn(today),
		LastActivity: a.LastActivity().Time}
	if a.VoidedAt != nil {
		// Its UTC day, a day late for an evening's void in the service's
		// zone: the duplicate rule reads it as the last day the void one
		// may have billed, and a day more holds nothing it did not.
		r.VoidedOn = time.Date(a.VoidedAt.Year(), a.VoidedAt.Month(), a.VoidedAt.Day(), 0, 0, 0, 0, time.UTC)
	}
	if a.InactivateAfterDays != nil {
		r.IdleDays, r.IdleSince = *a.InactivateAfterDays, a.InactivitySince.Time
	}
	r.IdleFrom = a.InactiveFrom.Time
	if a.EpisodeMaxThen != nil {
		r.EpisodeMaxThen = *a.EpisodeMaxThen
	}
	r.Paid = decimal.NullDecimal{Decimal: a.DollarsPaid.Decimal, Valid: true}
	// An authorization whose span has ended (its end date passed, a
	// discharge cut it, its agency's deactivation did) holds all its units
	// of the episode's caps until its claims are due (claims_due_by: its
	// last day plus its program's filing limit) or it goes inactive,
	// whichever comes first, for every reader alike: its own agency's next
	// voucher, another agency's, the reviewer's exception, claims intake
	// (endedHeldSQL says the same for its sums). A late claim for a day it
	// covered may come until then. Freed at its end, another agency was
	// granted the room, and the holder's late line was denied 119 where a
	// stranger's identical one was paid, which told it another agency
	// served the person (a claims black-box pass; 42 CFR Part 2); and the
	// caps were granted twice over while late claims could arrive. Read
	// one way by its own agency and another by the rest (tried at the
	// thirty-third stop), the same units were counted twice: its agency's
	// next grant took the room its own view freed. A retro grant, issued
	// after its last day, was the first held so: freed at once, six past
	// days of 8 units each were approved against a maximum of 40, their
	// last line denied at the cap (a black-box pass). A void one frees its
	// unused units at once (nothing draws on it); a span cut to nothing
	// never ran. Set only once it has ended: Holds reads it no earlier,
	// and a running one's stored facts stay as they were.
	if a.VoidedAt == nil && a.EndDate.Before(today) && !a.EndDate.Before(a.StartDate) && !a.ClaimsDueBy.IsZero() {
		r.HeldThrough = a.ClaimsDueBy.Time
		if idle := a.inactiveOn(); !idle.IsZero() && !idle.After(a.ClaimsDueBy) {
			r.HeldThrough = idle.AddDays(-1).Time
		}
	}
	return r
}

// Event is one change of an authorization's lifecycle: who, when, why.
type Event struct {
	ID         int64     `json:"id" db:"id"`
	Action     string    `json:"action" db:"action"`
	Reason     string    `json:"reason" db:"reason"`
	EndBefore  rss.Date  `json:"end_before,omitempty" db:"end_before"`
	EndAfter   rss.Date  `json:"end_after,omitempty" db:"end_after"`
	ActorKeyID *int64    `json:"actor_key_id,omitempty" db:"actor_key_id"` // MSC roles only
	ActorRole  string    `json:"actor_role" db:"actor_role"`
	CreatedAt  time.Time `json:"created_at" db:"created_at"`
}

// Event actions.
const (
	EventVoid       = "void"
	EventEnd        = "end"
	EventReactivate = "reactivate"
	EventHold       = "hold"
	// EventDeactivation is its agency's deactivation cutting it (the day
	// before it took effect its end when read): DeactivationCut.
	EventDeactivation = "deactivation"
)
