package vouchers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/ledger"
	"rss/pg"
)

// NewVoucherRequest asks for units of one service for one client over a span.
type NewVoucherRequest struct {
	ClientID     int64  `json:"client_id"`
	ProgramCode  string `json:"program_code"`
	ServiceCode  string `json:"service_code"`
	EnrollmentID *int64 `json:"enrollment_id"`
	StaffID      *int64 `json:"staff_id"`
	// Units is nil when left out or null (required); 0 given is out of
	// range, as -1 is (it read "units is required": a black-box pass).
	Units     *int     `json:"units"`
	StartDate rss.Date `json:"start_date"`
	EndDate   rss.Date `json:"end_date"`
	Note      *string  `json:"note"`
}

// units is the units asked for (0 when left out, which validate refuses).
func (n *NewVoucherRequest) units() int {
	if n.Units == nil {
		return 0
	}
	return *n.Units
}

// Input bounds: far above any real request, low enough to refuse nonsense.
const (
	maxUnits    = 100000
	maxSpanDays = 366
	maxNoteLen  = 4000
	// maxLeadDays bounds how far ahead a voucher may start: a year is the
	// furthest a plan of services looks, and a mistyped year (2062 for
	// 2026, 2900) was granted a live authorization that counted toward
	// the episode's caps (black-box pass).
	maxLeadDays = 366
	// maxEligibilityEndDays is how far ahead a Medicaid eligibility span
	// may end: past a year's redetermination, not a mistyped century.
	maxEligibilityEndDays = 3 * 366
)

func (n *NewVoucherRequest) validate(today rss.Date) error {
	v := &rss.ValidationError{}
	v.RequireID("client_id", n.ClientID)
	if n.ServiceCode == "" {
		v.Add("service_code", "required", "service_code is required")
	}
	switch {
	case n.Units == nil:
		// Not given: a missing units read out_of_range where a missing
		// text reads required (a new-user pass).
		v.Add("units", "required", "units is required: a positive whole number")
	case *n.Units <= 0:
		v.Add("units", "out_of_range", "units must be a positive whole number")
	case *n.Units > maxUnits:
		v.Add("units", "out_of_range", "units must not exceed %d", maxUnits)
	}
	if n.StartDate.IsZero() {
		v.Add("start_date", "required", "start_date is required")
	} else if today.DaysUntil(n.StartDate) > maxLeadDays {
		v.Add("start_date", "out_of_range", "start_date may be at most %d days after today (%s)", maxLeadDays, today)
	}
	if n.EndDate.IsZero() {
		v.Add("end_date", "required", "end_date is required")
	}
	if !n.StartDate.IsZero() && !n.EndDate.IsZero() {
		if n.EndDate.Before(n.StartDate) {
			v.Add("end_date", "before_start", "end_date is before start_date")
		} else if n.StartDate.DaysUntil(n.EndDate) >= maxSpanDays {
			v.Add("end_date", "out_of_range", "a voucher span may not exceed %d days", maxSpanDays)
		}
	}
	// A note that shows nothing is none, as a discharge's is: spaces or
	// a zero-width space were kept as a note a reviewer reads as empty
	// (a black-box pass).
	if n.Note != nil && rss.Blank(*n.Note) {
		n.Note = nil
	}
	if n.Note != nil {
		checkText(v, "note", *n.Note, maxNoteLen)
	}
	return v.Err()
}

// VoucherRequest is a request with its decision.
type VoucherRequest struct {
	ID             int64  `json:"id" db:"id"`
	ProviderID     int64  `json:"provider_id" db:"provider_id"`
	ClientID       int64  `json:"client_id" db:"client_id"`
	EnrollmentID   *int64 `json:"enrollment_id" db:"enrollment_id"`
	ProgramCode    string `json:"program_code" db:"program_code"`
	ServiceCode    string `json:"service_code" db:"service_code"`
	StaffID        *int64 `json:"staff_id" db:"staff_id"`
	UnitsRequested int    `json:"units_requested" db:"units_requested"`
	// Rate is the unit price the request was submitted at (the rate in
	// force on its start then); the rules' reasons quote it, as they
	// were decided. GrantedRate is its authorization's, the price granted:
	// another when a reviewer's grant starts later or the rate it was
	// priced at was corrected since (a black-box re-check read a typo's
	// 1250.00 beside an approval at 12.75). Null when nothing was granted.
	Rate        rss.Money  `json:"rate" db:"rate"`
	GrantedRate *rss.Money `json:"granted_rate" db:"granted_rate"`
	// PricedRateID is the rate Rate was, by its id: an approval tells a
	// rate corrected since by it (null for requests priced before
	// migration 00103, told by amount).
	PricedRateID  *int64          `json:"-" db:"priced_rate_id"`
	StartDate     rss.Date        `json:"start_date" db:"start_date"`
	EndDate       rss.Date        `json:"end_date" db:"end_date"`
	Note          *string         `json:"note" db:"note"`
	RulesDecision string          `json:"rules_decision" db:"rules_decision"`
	Decision      string          `json:"decision" db:"decision"`
	UnitsGranted  *int            `json:"units_granted" db:"units_granted"`
	GrantedStart  rss.Date        `json:"granted_start" db:"granted_start"`
	GrantedEnd    rss.Date        `json:"granted_end" db:"granted_end"`
	ReasonCodes   pq.StringArray  `json:"reason_codes" db:"reason_codes"`
	Reasons       []ReasonView    `json:"reasons" db:"-"`
	HitsRaw       []byte          `json:"-" db:"hits"`
	Trace         json.RawMessage `json:"trace,omitempty" db:"trace"`
	// FactsRaw is the stored snapshot, whole: what a reader may see of it
	// is Facts.
	FactsRaw       []byte `json:"-" db:"facts"`
	RuleSetVersion string `json:"rule_set_version" db:"rule_set_version"`
	// Ceiling is the most a grant of this request may carry: the request
	// narrowed by the reduce rules. Null for requests decided before it was kept.
	Ceiling             *Ceiling          `json:"ceiling" db:"-"`
	CeilingUnits        *int              `json:"-" db:"ceiling_units"`
	CeilingStart        rss.Date          `json:"-" db:"ceiling_start"`
	CeilingEnd          rss.Date          `json:"-" db:"ceiling_end"`
	SubmittedAt         time.Time         `json:"submitted_at" db:"submitted_at"`
	DecidedAt           *time.Time        `json:"decided_at" db:"decided_at"`
	AuthorizationID     *int64            `json:"authorization_id" db:"authorization_id"`
	AuthorizationNumber *string           `json:"authorization_number" db:"authorization_number"`
	Review              *ReviewerDecision `json:"review" db:"-"`
	// Withdrawal says who withdrew the request, when and why (decision
	// withdrawn): its agency, or the system at the enrollment's discharge
	// or withdrawal. Null otherwise.
	Withdrawal       *Withdrawal `json:"withdrawal" db:"-"`
	WithdrawnAt      *time.Time  `json:"-" db:"withdrawn_at"`
	WithdrawnBy      *int64      `json:"-" db:"withdrawn_by"`
	WithdrawalReason *string     `json:"-" db:"withdrawal_reason"`
	WithdrawalCause  *string     `json:"-" db:"withdrawal_cause"`
	// TakenBy is the reviewer key holding the pended request (TakeExpiry
	// after TakenAt), so two reviewers do not decide the same one.
	TakenBy *int64     `json:"taken_by,omitempty" db:"taken_by"`
	TakenAt *time.Time `json:"taken_at,omitempty" db:"taken_at"`
	// personHidden: the reader is a provider, shown the snapshot without
	// the person-wide facts (Facts).
	personHidden bool
	// noteShown: the disclosures the reviewer's note made to the reading
	// provider (showTexts), recorded with the reasons' (reasonDisclosures).
	noteShown []access.Event
	// traceCompact: Trace is traceJSON's, as compact as encoding/json
	// would make it (AppendJSON).
	traceCompact bool
}

// Withdrawal is a pended request's withdrawal: it left the queue with no
// reviewer's decision and grants nothing.
type Withdrawal struct {
	WithdrawnAt time.Time `json:"withdrawn_at"`
	// ByKeyID is the key whose act withdrew it (MSC roles only, as a
	// review's reviewer): the agency's, or the one that discharged or
	// withdrew the enrollment.
	ByKeyID int64 `json:"withdrawn_by,omitempty"`
	// Cause is what withdrew it: WithdrawnByAgency (its agency, POST
	// /v1/voucher-requests/{id}/withdraw), or the system at the
	// enrollment's end, WithdrawnByDischarge or WithdrawnByEnrollmentWithdrawal.
	Cause  string `json:"cause"`
	Reason string `json:"reason"`
}

// The causes of a withdrawal (voucher_requests_withdrawal_cause_valid).
const (
	WithdrawnByAgency               = "agency"
	WithdrawnByDischarge            = "discharge"
	WithdrawnByEnrollmentWithdrawal = "enrollment_withdrawal"
)

// ReasonView is a fired rule as the provider sees it: code, plain text and next step.
type ReasonView struct {
	Code     string              `json:"code"`
	Action   adjudication.Action `json:"action"`
	Text     string              `json:"text"`
	NextStep string              `json:"next_step"`
	Detail   string              `json:"detail,omitempty"`
	// Source is the other agency whose records the detail quotes; a
	// provider sees it (and the detail) only under that agency's consent.
	Source int64 `json:"source_provider_id,omitempty"`
	// Sources: every other agency the detail draws on, when more than one
	// (an episode's totals); a provider sees it only under a consent
	// naming each.
	Sources []int64 `json:"source_provider_ids,omitempty"`
	// Episode is the MSC's alone (adjudication.Hit.Episode): redact drops
	// it from every provider's copy.
	Episode *adjudication.EpisodeFigure `json:"episode,omitempty"`
}

// ReviewerDecision is a reviewer's decision on a pended request.
type ReviewerDecision struct {
	ID            int64     `json:"id" db:"id"`
	ReviewerKeyID int64     `json:"reviewer_key_id,omitempty" db:"reviewer_key_id"` // MSC roles only
	Action        string    `json:"action" db:"action"`
	Units         *int      `json:"units" db:"units"`
	StartDate     rss.Date  `json:"start_date" db:"start_date"`
	EndDate       rss.Date  `json:"end_date" db:"end_date"`
	Note          string    `json:"note" db:"note"`
	DecidedAt     time.Time `json:"decided_at" db:"decided_at"`
	// Reasons are the reduce rules that held the grant below the request
	// on the facts when it was decided, past the request's own reasons:
	// a staff member's departure recorded while it waited cut the grant
	// and the answer said nothing of why (a black-box pass). Only rules
	// on the request's own records (no other agency's) are listed for the
	// agency; the MSC's read lists after them the cap and duplicate rules
	// the approval lifted as the re-check found them, where the request's
	// own reasons do not say as much (acknowledged since it pended: a
	// black-box pass read an empty list where the re-check had found a
	// third agency's authorization over the days).
	Reasons    []ReasonView `json:"reasons" db:"-"`
	RecheckRaw []byte       `json:"-" db:"recheck_hits"`
	// agencyReasons is how many of Reasons the agency reads (shownTo).
	agencyReasons int
}

// limits sets r.Reasons from the stored re-check: its reduce hits drawn
// from no other agency's records and not among the request's own codes,
// then the pendedSince hits it lifted that no reason of the request
// (pended) reads the same, code and detail: what fired since it pended.
func (r *ReviewerDecision) limits(own []string, pended []ReasonView) error {
	var hits []adjudication.Hit
	if err := json.Unmarshal(r.RecheckRaw, &hits); err != nil {
		return fmt.Errorf("decode re-check hits: %w", err)
	}
	r.Reasons = []ReasonView{}
	var lifted []ReasonView
	for _, h := range hits {
		switch {
		case h.Action == adjudication.ActionReduce && h.Source == 0 && len(h.Sources) == 0 && !contains(own, h.Code):
			r.Reasons = append(r.Reasons, reasonView(h))
		case slices.Contains(pendedSince, h.Code) && !slices.ContainsFunc(pended, func(p ReasonView) bool {
			return p.Code == h.Code && p.Detail == h.Detail
		}):
			lifted = append(lifted, reasonView(h))
		}
	}
	r.agencyReasons = len(r.Reasons)
	r.Reasons = append(r.Reasons, lifted...)
	return nil
}

// Ceiling is the largest grant the reduce rules allow a request.
type Ceiling struct {
	Units     int      `json:"units"`
	StartDate rss.Date `json:"start_date"`
	EndDate   rss.Date `json:"end_date"`
}

// storeDecisionStatement stores a request with its decision, trace and
// facts, its authorization when granted (the ledger's insert) and its
// audit event, in one statement, and returns the request's scalar columns
// as stored. Not the hits, trace and facts: the server has them, having
// just written them, and reading them back cost PostgreSQL the jsonb's
// output and the server its decoding.
var storeDecisionStatement = `WITH v AS (
		INSERT INTO voucher_requests AS v (provider_id, client_id, enrollment_id, program_code,
			service_code, staff_id, units_requested, rate, start_date, end_date, note, rules_decision, decision, units_granted,
			granted_start, granted_end, reason_codes, hits, trace, facts, rule_set_version, submitted_by, submitted_at, decided_at,
			ceiling_units, ceiling_start, ceiling_end, priced_rate_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
			$24, $25, $26, $34)
		RETURNING ` + strings.ReplaceAll(requestScalarColumns, "v.", "") + `),
	a AS (` + ledger.GrantSQL("v", "$27::bigint", "$28::bigint", "$29::bigint", "$33::date") + `),
	ev AS (` + access.EventSQL("v", "$21::bigint", "$30::text", "$1::bigint", "'create'", "'voucher_request'", "x.id::text",
	"x.client_id", "$32::text", "x.decision", "$31::text") + `)
	SELECT ` + requestScalarColumns + `, a.id AS authorization_id, a.number AS authorization_number, a.rate AS granted_rate
	FROM v LEFT JOIN a ON true`

// requestScalarColumns are a request's own columns (its authorization
// aside) less the hits, trace and facts.
const requestScalarColumns = `v.ceiling_units, v.ceiling_start, v.ceiling_end,
	v.id, v.provider_id, v.client_id, v.enrollment_id, v.program_code, v.service_code, v.staff_id,
	v.units_requested, v.rate, v.start_date, v.end_date, v.note, v.rules_decision, v.decision, v.units_granted,
	v.granted_start, v.granted_end, v.reason_codes, v.rule_set_version, v.submitted_at, v.decided_at, v.priced_rate_id`

const requestColumns = `v.ceiling_units, v.ceiling_start, v.ceiling_end,
	v.id, v.provider_id, v.client_id, v.enrollment_id, v.program_code, v.service_code, v.staff_id,
	v.units_requested, v.rate, v.start_date, v.end_date, v.note, v.rules_decision, v.decision, v.units_granted,
	v.granted_start, v.granted_end, v.reason_codes, v.hits, v.trace, v.facts, v.rule_set_version, v.submitted_at, v.decided_at,
	v.priced_rate_id, v.taken_by, v.taken_at, v.withdrawn_at, v.withdrawn_by, v.withdrawal_reason, v.withdrawal_cause, ` +
	ledger.GrantColumns

const requestFrom = ` FROM voucher_requests v ` + ledger.GrantJoin

func (v *VoucherRequest) decode() error {
	var hits []adjudication.Hit
	if err := json.Unmarshal(v.HitsRaw, &hits); err != nil {
		return fmt.Errorf("decode hits: %w", err)
	}
	v.setDecoded(hits)
	return nil
}

// setDecoded sets what a request's columns read: its ceiling, and its
// reasons from its hits.
func (v *VoucherRequest) setDecoded(hits []adjudication.Hit) {
	if v.CeilingUnits != nil {
		v.Ceiling = &Ceiling{Units: *v.CeilingUnits, StartDate: v.CeilingStart, EndDate: v.CeilingEnd}
	}
	if v.WithdrawnAt != nil && v.WithdrawnBy != nil && v.WithdrawalReason != nil && v.WithdrawalCause != nil {
		v.Withdrawal = &Withdrawal{WithdrawnAt: *v.WithdrawnAt, ByKeyID: *v.WithdrawnBy, Cause: *v.WithdrawalCause, Reason: *v.WithdrawalReason}
	}
	v.Reasons = make([]ReasonView, len(hits))
	for i, h := range hits {
		v.Reasons[i] = v.reasonView(h)
	}
}

// reasonView is h as a reason of v, its next step what is left to do once
// v is no longer pended: a reason that pended v waits for no reviewer
// (an approved request's RETRO_AUTHORIZATION still read "A reviewer will
// decide; note why the request is late": a reviews black-box pass of the
// forty-sixth stop), nor does one the rules' denial made moot; a reason
// that cut the units of a request withdrawn or denied has nothing granted
// to use; and a withheld reason of a decided request points at the MSC,
// not at a review (adjudication.DecidedConflictNextStep).
func (v *VoucherRequest) reasonView(h adjudication.Hit) ReasonView {
	r := reasonView(h)
	if v.Decision == string(adjudication.Pended) {
		return r
	}
	switch {
	case h.Code == adjudication.CodeConflictOnFile:
		r.NextStep = adjudication.DecidedConflictNextStep
	case h.Action == adjudication.ActionReduce && (v.Decision == "withdrawn" || v.Decision == string(adjudication.Denied)):
		// Nothing was granted to use ("Use the units granted" on a
		// withdrawn or denied request: a Part 2 re-sweep of the
		// forty-sixth stop).
		r.NextStep = "None: the request was " + v.Decision + ", and nothing was granted; a new request is judged afresh."
	case h.Action != adjudication.ActionPend:
	case v.RulesDecision == string(adjudication.Denied):
		// The rules denied it on another reason: no reviewer saw it (it
		// read "a reviewer has decided": an episode-caps re-check).
		r.NextStep = "None while the request stands denied for another reason; a new request is judged afresh."
	case v.Decision == "withdrawn":
		r.NextStep = "None: the request was withdrawn before a reviewer decided it."
	default:
		r.NextStep = "None: a reviewer has decided the request (see its review)."
	}
	return r
}

func reasonView(h adjudication.Hit) ReasonView {
	r, _ := adjudication.Lookup(h.Code)
	next := r.NextStep
	if h.Source != 0 && r.NextStepOthers != "" {
		next = r.NextStepOthers
	}
	return ReasonView{Code: h.Code, Action: h.Action, Text: r.Text, NextStep: next, Detail: h.Detail, Source: h.Source, Sources: h.Sources,
		Episode: h.Episode}
}

// Submit adjudicates a provider's voucher request and stores the decision,
// its trace and facts, and (when granted) the authorization, in one
// transaction: the facts in two statements (the idempotency key read and
// the episode locked, then the rest), the decision in memory, the answer
// written and returned as stored.
func (s *Service) Submit(ctx context.Context, n NewVoucherRequest) (VoucherRequest, error) {
	a, err := access.Require(ctx, access.RoleProvider)
	if err != nil {
		return VoucherRequest{}, err
	}
	if err := n.validate(s.Today()); err != nil {
		return VoucherRequest{}, err
	}
	var out VoucherRequest
	// The snapshot's first statement reads the request's idempotency key.
	err = pg.DoIntoFolded(ctx, s.db, s.ids, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		sn, err := s.takeSnapshot(ctx, tx, a.ProviderID, &n)
		if err != nil {
			return err
		}
		d := adjudication.DecideVoucher(sn.facts)
		if out, err = s.storeDecision(ctx, tx, a, &n, sn, d); err != nil {
			return err
		}
		if out.AuthorizationID != nil && sn.enrollment != nil {
			if err := s.raiseForEarlierStays(ctx, tx, sn.facts, n.ClientID, sn.enrollment.EpisodeID, n.ServiceCode, *out.AuthorizationID); err != nil {
				return err
			}
		}
		quoted, err := reasonDisclosures(ctx, tx, a, &out)
		if err != nil {
			return err
		}
		// The answer shows what the rules read under consents for
		// treatment (rulesPurpose): disclosed for that.
		return access.Record(ctx, tx, append(forRules(quoted), sn.gpraDisclosures(a)...)...)
	})
	var replayed *pg.Replayed
	if errors.As(err, &replayed) {
		return out, s.replayShownNow(ctx, a, replayed)
	}
	return out, err
}

// replayShownNow is a retry's answer: the first one, less what the
// consents in force today no longer show. An answer that quoted another
// agency's records (a reason shown under its consent names it as
// source_provider_id) is read back, redacted as a GET of the request would
// be, and rendered again; any other is replayed byte for byte. So a retry
// after the consent was revoked, or has expired, discloses nothing the
// first answer's consent no longer covers.
func (s *Service) replayShownNow(ctx context.Context, a access.Actor, rp *pg.Replayed) error {
	req := pg.RequestFrom(ctx)
	// An answer stored before V30's reason named its source (migration
	// 00072 named it in the decision, not in stored answers) is read back
	// too.
	if !a.IsProvider() || rp.Status >= 300 || req == nil || req.Render == nil ||
		!(bytes.Contains(rp.Body, []byte(`"source_provider_id"`)) || bytes.Contains(rp.Body, []byte(adjudication.CodeGPRAFollowupOverdue))) {
		return rp
	}
	var v VoucherRequest
	if err := json.Unmarshal(rp.Body, &v); err != nil {
		return fmt.Errorf("read a stored voucher request answer: %w", err)
	}
	seen, err := sourcesSeen(ctx, s.db, a, v.ClientID, s.Today())
	if err != nil {
		return err
	}
	// The reasons are redacted afresh from the decision's hits as stored,
	// as a GET does: the answer's own reasons may already hold a
	// CONFLICT_ON_FILE, and redacting them again would show two.
	stored, err := getRequest(ctx, s.db, v.ID)
	if err != nil {
		return err
	}
	redacted := stored.redact(seen)
	// The retry's answer is a showing of what its reasons still quote.
	quoted, err := reasonDisclosures(ctx, s.db, a, &stored)
	if err != nil {
		return err
	}
	if err := access.Record(ctx, s.db, quoted...); err != nil {
		return err
	}
	if !redacted {
		return rp
	}
	v.Reasons, v.ReasonCodes, v.Trace = stored.Reasons, stored.ReasonCodes, nil
	now := req.Render(v)
	return &pg.Replayed{Answer: pg.Answer{Status: rp.Status, ContentType: now.ContentType, Body: now.Body}}
}

// storeDecision writes the request with its decision, trace and facts, and
// the authorization when granted, and returns the request as stored, as
// the provider may see it.
func (s *Service) storeDecision(ctx context.Context, tx *sqlx.Tx, a access.Actor, n *NewVoucherRequest, sn *snapshot,
	d adjudication.VoucherDecision) (VoucherRequest, error) {
	facts, enr, svc := sn.facts, sn.enrollment, sn.ref.Services[n.ServiceCode]
	trace := traceJSON(d.Trace)
	factsJSON, err := json.Marshal(facts)
	if err != nil {
		return VoucherRequest{}, err
	}
	hits, err := json.Marshal(d.Hits)
	if err != nil {
		return VoucherRequest{}, err
	}
	codes := make([]string, len(d.Hits))
	for i, h := range d.Hits {
		codes[i] = h.Code
	}
	var enrollmentID any
	if enr != nil {
		enrollmentID = enr.ID
	}
	staffID := n.StaffID
	if staffID == nil && facts.Staff != nil {
		staffID = &facts.Staff.ID
	}
	var units any
	var gStart, gEnd rss.Date
	var decidedAt any
	now := s.now()
	granted := d.Decision == adjudication.Approved || d.Decision == adjudication.Partial
	if granted {
		units, gStart, gEnd = d.Units, rss.NewDate(d.Start), rss.NewDate(d.End)
	}
	if d.Decision != adjudication.Pended {
		decidedAt = now
	}
	var person, episode, enrollment any
	if enr != nil {
		person, episode, enrollment = enr.PersonID, enr.EpisodeID, enr.ID
	}
	st, err := s.stmts.In(ctx, tx, storeDecisionStatement)
	if err != nil {
		return VoucherRequest{}, err
	}
	// A ceiling of no units (the reduce rules leave nothing to grant) is
	// stored as none: the request may carry no grant.
	var ceilUnits any
	var ceilStart, ceilEnd rss.Date
	if d.Ceiling.Units > 0 {
		ceilUnits, ceilStart, ceilEnd = d.Ceiling.Units, rss.NewDate(d.Ceiling.Start), rss.NewDate(d.Ceiling.End)
	}
	var out VoucherRequest
	err = st.GetContext(ctx, &out,
		a.ProviderID, n.ClientID, enrollmentID, n.ProgramCode, svc.Code, staffID, n.units(), rss.NewMoney(facts.Service.Rate), n.StartDate, n.EndDate,
		n.Note, string(d.Decision), units, gStart, gEnd, pq.Array(codes), string(hits), string(trace), string(factsJSON), d.RuleSetVersion,
		a.KeyID, now, decidedAt, ceilUnits, ceilStart, ceilEnd,
		person, episode, enrollment, string(a.Role), a.RequestID, a.Purpose, s.Today(), sn.rateID)
	if err != nil {
		return VoucherRequest{}, fmt.Errorf("store voucher request: %w", err)
	}
	if granted && out.AuthorizationID == nil {
		return VoucherRequest{}, fmt.Errorf("voucher request %d was granted without an authorization", out.ID)
	}
	// The hits, trace and facts as written; the trace in the form jsonb
	// gives back (traceJSON).
	out.HitsRaw, out.Trace, out.FactsRaw, out.traceCompact = hits, trace, factsJSON, true
	out.setDecoded(d.Hits)
	out.redact(sn.seen(a.ProviderID))
	out.personHidden = true
	return out, nil
}

// shownTo removes from a request what a provider may not see: every reason
// drawn from another agency's records, unless that agency's current consent
// names the reader (see adjudication.Withhold).
func (v *VoucherRequest) shownTo(ctx context.Context, ext pg.Ext, a access.Actor, today rss.Date) error {
	if !a.IsProvider() {
		return nil
	}
	seen, err := sourcesSeen(ctx, ext, a, v.ClientID, today)
	if err != nil {
		return err
	}
	v.redact(seen)
	v.personHidden = true
	// Which MSC key decided, or holds it for review, is the MSC's, as in
	// an authorization's history (a black-box pass read the holder's key
	// id, and a lapsed hold, in the agency's answer).
	v.TakenBy, v.TakenAt = nil, nil
	if v.Withdrawal != nil {
		v.Withdrawal.ByKeyID = 0
	}
	if v.Review != nil {
		v.Review.ReviewerKeyID = 0
		v.Review.Reasons = v.Review.Reasons[:v.Review.agencyReasons]
		for i := range v.Review.Reasons {
			v.Review.Reasons[i].Episode = nil
		}
		v.noteShown, err = showTexts(ctx, ext, a, v.ClientID, today, "voucher_request", access.ID(v.ID), &v.Review.Note)
	}
	return err
}

// A snapshot's facts (adjudication.VoucherFacts, by their JSON names) are
// each classified by whose records they are drawn from, and a provider's
// copy (the console shows the facts each rule read) keeps only its own.
// TestEveryFactClassified fails on a fact added to the snapshot without a
// place here: the GPRA intake date, drawn from another agency's interview
// under its consent, went on showing in the console after the consent was
// revoked, unrecorded, where the other person-wide facts were stripped (a
// black-box pass).
var (
	// ownFacts are drawn from the requesting agency's own records and the
	// reference data alone: its record of the person (and that record's
	// consents, plans and eligibility), its enrollment, staff and agency.
	ownFacts = []string{"today", "request", "program", "service", "provider", "client", "enrollment", "consents", "staff", "care_plans",
		"caseload", "has_clinical_enrollment", "pended_clinical_request", "settings"}
	// personFacts are drawn from the whole person: every agency's
	// authorizations and enrollments (with the episode id) and the episode
	// totals they add up to. The rules judge them for the MSC; a
	// provider's copy goes without them, even under a consent, since they
	// also carry the episode id only the MSC sees. The rank of the
	// request's own designation is the person's too: whether its stay kept
	// it reads the MSC's moves of the designation to other agencies. So
	// are the own caps other agencies' exceptions keep in the episode
	// (others_own_caps): each says another agency serves the person, and
	// the room kept beside the cap for an agency's earlier stay
	// (readmission_room).
	personFacts = []string{"authorizations", "other_enrollments", "episode_units_authorized", "episode_dollars_authorized", "designated_as",
		"others_own_caps", "readmission_room"}
	// sourcedFacts are the requester's own or another agency's, as each
	// says (gpraOwn): the GPRA interviews counted are the stay's own or a
	// consenting agency's. A provider's copy keeps one only when it is
	// wholly its own; another agency's interview was disclosed once, by the
	// decision (README, Roles), not on every later view.
	sourcedFacts = map[string]func(raw json.RawMessage, reader int64) bool{"gpra": gpraOwn}
)

// gpraOwn reports whether the GPRA facts count only the reader's own
// interviews. Facts stored before their agencies were kept say nothing of
// them, and are taken as another's when they count any interview.
func gpraOwn(raw json.RawMessage, reader int64) bool {
	var g adjudication.GPRA
	if json.Unmarshal(raw, &g) != nil {
		return false
	}
	return (!g.IntakeCompleted || g.IntakeProviderID == reader) && (!g.FollowupRecorded || g.FollowupProviderID == reader)
}

// Facts is the fact snapshot as the reader of the request may see it: the
// stored one, less what another agency's records gave it for a provider.
// It is filtered here, when asked (the console), not on every read: the
// API's answers carry no snapshot.
func (v *VoucherRequest) Facts() ([]byte, error) {
	if !v.personHidden || len(v.FactsRaw) == 0 {
		return v.FactsRaw, nil
	}
	var facts map[string]json.RawMessage
	if err := json.Unmarshal(v.FactsRaw, &facts); err != nil {
		return nil, fmt.Errorf("decode facts: %w", err)
	}
	for k, raw := range facts {
		// A fact of no class (none stored today) is kept from the
		// provider as well: what is not known to be its own is not shown.
		switch own, sourced := sourcedFacts[k]; {
		case sourced && !own(raw, v.ProviderID):
			// Another agency's interview counted: withheld, said so (as
			// "—" it read as no interview where the rule had found one).
			facts[k] = withheldFactJSON
		case !sourced && !slices.Contains(ownFacts, k):
			delete(facts, k)
		}
	}
	// The person-wide facts read so, every one on every provider's copy,
	// whether the snapshot held it or not (so the mark says nothing of
	// what is behind it): left out, they read as the page's "—" for none,
	// and a provider read "no dollars authorized in this episode" where
	// the MSC read 348.00 (a console black-box pass).
	for _, k := range personFacts {
		facts[k] = withheldFactJSON
	}
	// The agency's enrollment is its own but for the episode it joined:
	// an old episode id on a new enrollment says another agency opened
	// the episode (the API withholds it; no rule names it, so no page
	// printed it, but the copy carried it: a Part 2 white-box review).
	if raw, ok := facts["enrollment"]; ok && string(raw) != "null" {
		var e map[string]json.RawMessage
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("decode enrollment fact: %w", err)
		}
		delete(e, "episode_id")
		var err error
		if facts["enrollment"], err = json.Marshal(e); err != nil {
			return nil, err
		}
	}
	if raw, ok := facts["program"]; ok {
		p, err := v.ownProgram(raw, string(facts["gpra"]) == string(withheldFactJSON))
		if err != nil {
			return nil, err
		}
		facts["program"] = p
	}
	return json.Marshal(facts)
}

// ownProgram is the program fact as the agency's own records are judged
// by it. Its episode dollar cap reads the agency's own
// (adjudication.OwnDollarCap), without the agency_cap that says whose the
// episode's is: the episode's cap may be another agency's record (the cap
// of the day it opened the episode, or one its exception raised), and on
// the console's page of V33's facts an agency read 4760.00 for a person
// served elsewhere where a stranger's read 4000.00, the sum of every
// agency's authorizations at the raise (a Part 2 audit). The follow-up
// window goes with a withheld GPRA fact: it is the window of the stay
// whose intake counted, another agency's then.
func (v *VoucherRequest) ownProgram(raw json.RawMessage, gpraWithheld bool) (json.RawMessage, error) {
	var whole adjudication.VoucherFacts
	if err := json.Unmarshal(v.FactsRaw, &whole); err != nil {
		return nil, fmt.Errorf("decode facts: %w", err)
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("decode program fact: %w", err)
	}
	own := adjudication.OwnDollarCap(&whole)
	var err error
	if p["has_dollar_cap"], err = json.Marshal(own.Has); err != nil {
		return nil, err
	}
	if p["episode_dollar_cap"], err = json.Marshal(own.Cap); err != nil {
		return nil, err
	}
	delete(p, "agency_cap")
	if gpraWithheld {
		delete(p, "gpra_followup_close_days")
	}
	return json.Marshal(p)
}

// WithheldFact is what a person-wide fact reads on a provider's copy of
// a request's facts.
const WithheldFact = "withheld: only the MSC reads the whole person's records"

var withheldFactJSON, _ = json.Marshal(WithheldFact)

// redact puts CONFLICT_ON_FILE in place of the reasons seen refuses, in the
// reasons and the reason codes, and then drops the trace: it lists every
// rule in a fixed order, so even a masked entry would say by its place
// which rule fired. Only a rule that fired quotes a record, and every fired
// rule is a reason, so nothing is dropped when no reason is withheld.
//
// A request the agency's own records deny loses its trace whatever others
// hold (adjudication.Withhold drops their reasons then): kept only where
// nothing was withheld, its presence would tell a person another agency
// serves from a stranger. The reasons say why it was denied.
func (v *VoucherRequest) redact(seen func(int64, string) bool) (changed bool) {
	hits := make([]adjudication.Hit, len(v.Reasons))
	for i, r := range v.Reasons {
		hits[i] = adjudication.Hit{Code: r.Code, Action: r.Action, Detail: r.Detail, Source: r.Source, Sources: r.Sources, Episode: r.Episode}
	}
	hits, withheld := providerHits(hits, seen, v.Decision)
	if !withheld && !adjudication.Denies(hits) {
		// Nothing withheld: the reasons stand as they were, less the
		// episode's figure providerHits drops.
		for i := range v.Reasons {
			v.Reasons[i].Episode = nil
		}
		return false
	}
	v.Reasons, v.ReasonCodes, v.Trace = make([]ReasonView, len(hits)), make(pq.StringArray, len(hits)), nil
	for i, h := range hits {
		// Nor does a decided request's withheld reason promise a reviewer
		// in its next step (a denial read "a reviewer decides it if it is
		// pended": a Part 2 sweep); v.reasonView says so.
		v.Reasons[i], v.ReasonCodes[i] = v.reasonView(h), h.Code
	}
	return true
}

// providerHits is a provider's copy of a request's hits, shared by every
// answer that carries them (a request's reasons in redact, a replay's hits
// in Replay), so that no copy says more than another: written twice, the
// replay kept the episode's figure the reasons had lost (a reviews
// black-box pass of the forty-fifth stop).
//   - An episode's figure beside the agency's own is the MSC's whatever
//     the consents: dropped first, it never tells the agency's copy from a
//     stranger's.
//   - Reasons drawn from records seen refuses become CONFLICT_ON_FILE
//     (adjudication.Withhold).
//   - Once decided or withdrawn no review is to come, so the withheld
//     reason does not say the MSC reviews it (a console black-box pass of
//     the forty-fourth stop).
func providerHits(hits []adjudication.Hit, seen func(int64, string) bool, decision string) ([]adjudication.Hit, bool) {
	out := make([]adjudication.Hit, len(hits))
	for i, h := range hits {
		h.Episode = nil
		out[i] = h
	}
	out, withheld := adjudication.Withhold(out, seen)
	if decision != string(adjudication.Pended) {
		for i, h := range out {
			if h.Code == adjudication.CodeConflictOnFile && h.Detail == adjudication.WithheldDetail {
				out[i].Detail = adjudication.WithheldDeniedDetail
			}
		}
	}
	return out, withheld
}

// reasonDisclosures are the disclosures a provider's reading of v makes:
// each other agency whose records a reason it is shown quotes (under that
// agency's consent naming the reader; redact has taken out the rest),
// recorded against that agency's record of the person, as a read of the
// agency's enrollments or care plans is. The admin's accounting of
// disclosures left these out (a black-box pass).
func reasonDisclosures(ctx context.Context, ext pg.Ext, a access.Actor, v *VoucherRequest) ([]access.Event, error) {
	if !a.IsProvider() {
		return nil, nil
	}
	var agencies []int64
	for _, r := range v.Reasons {
		for _, p := range append([]int64{r.Source}, r.Sources...) {
			if p != 0 && p != a.ProviderID && !slices.Contains(agencies, p) {
				agencies = append(agencies, p)
			}
		}
	}
	if len(agencies) == 0 {
		return v.noteShown, nil
	}
	var records []struct {
		ID         int64 `db:"id"`
		ProviderID int64 `db:"provider_id"`
	}
	if err := sqlx.SelectContext(ctx, ext, &records, `SELECT c.id, c.provider_id FROM clients c
		WHERE c.person_id = (SELECT person_id FROM clients WHERE id = $1) AND c.provider_id = ANY ($2) ORDER BY c.id`,
		v.ClientID, pq.Array(agencies)); err != nil {
		return nil, fmt.Errorf("quoted agencies' records: %w", err)
	}
	shown := make([]disclosed, len(records))
	for i, r := range records {
		shown[i] = disclosed{access.ID(v.ID), r.ID, r.ProviderID}
	}
	// A record the note named too is one disclosure.
	out := disclosures(a, "voucher_request", shown...)
	for _, e := range v.noteShown {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// sourcesSeen returns a test of whether the actor may read details that
// quote agency p's records of a kind about the person behind clientID.
func sourcesSeen(ctx context.Context, ext pg.Ext, a access.Actor, clientID int64, today rss.Date) (func(p int64, records string) bool, error) {
	if !a.IsProvider() {
		return func(int64, string) bool { return true }, nil
	}
	var personID int64
	if err := sqlx.GetContext(ctx, ext, &personID, `SELECT person_id FROM clients WHERE id = $1`, clientID); err != nil {
		return nil, fmt.Errorf("client person: %w", err)
	}
	v, err := personView(ctx, ext, a, personID, today)
	if err != nil {
		return nil, err
	}
	return func(p int64, records string) bool { return p == 0 || v.sees(p, records) }, nil
}

func getRequest(ctx context.Context, ext pg.Ext, id int64) (VoucherRequest, error) {
	var v VoucherRequest
	err := sqlx.GetContext(ctx, ext, &v, `SELECT `+requestColumns+requestFrom+`WHERE v.id = $1`, id)
	if errors.Is(err, pg.ErrNoRows) {
		return v, fmt.Errorf("%w: voucher request %d", rss.ErrNotFound, id)
	}
	if err != nil {
		return v, err
	}
	if err := v.decode(); err != nil {
		return v, err
	}
	var rd ReviewerDecision
	err = sqlx.GetContext(ctx, ext, &rd, `SELECT id, reviewer_key_id, action, units, start_date, end_date, note, decided_at,
		recheck_hits FROM reviewer_decisions WHERE voucher_request_id = $1`, id)
	if err == nil {
		v.Review = &rd
		if err := rd.limits(v.ReasonCodes, v.Reasons); err != nil {
			return v, err
		}
	} else if !errors.Is(err, pg.ErrNoRows) {
		return v, err
	}
	return v, nil
}

// Request reads one voucher request with its decision and trace.
func (s *Service) Request(ctx context.Context, id int64) (VoucherRequest, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return VoucherRequest{}, err
	}
	var out VoucherRequest
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		out, err = getRequest(ctx, tx, id)
		if err == nil && !a.SeesProvider(out.ProviderID) {
			err = fmt.Errorf("%w: voucher request %d", rss.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		if err := out.shownTo(ctx, tx, a, s.Today()); err != nil {
			return err
		}
		quoted, err := reasonDisclosures(ctx, tx, a, &out)
		if err != nil {
			return err
		}
		return access.Record(ctx, tx, append(quoted,
			access.Event{Action: "read", EntityType: "voucher_request", EntityID: access.ID(id), ClientID: out.ClientID})...)
	})
	return out, err
}

// RequestFilter narrows a list of voucher requests.
type RequestFilter struct {
	Decision string
	ClientID int64
	// The reviewer queue's filters (QueueFilter).
	ProgramCode     string
	ProviderID      int64
	Reason          string
	SubmittedBefore *time.Time
}

var decisions = []string{"approved", "partial", "pended", "denied", "withdrawn"}

// Requests lists voucher requests the actor may see, newest last.
func (s *Service) Requests(ctx context.Context, f RequestFilter, p Page) (List[VoucherRequest], error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return List[VoucherRequest]{}, err
	}
	after, limit, err := p.after()
	if err != nil {
		return List[VoucherRequest]{}, err
	}
	if f.Decision != "" && !contains(decisions, f.Decision) {
		return List[VoucherRequest]{}, rss.Invalid("status", "invalid_value", "status must be approved, partial, pended, denied or withdrawn")
	}
	var pid any
	if a.IsProvider() {
		pid = a.ProviderID
	}
	var rows []VoucherRequest
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &rows, `SELECT `+requestColumns+requestFrom+`
			WHERE v.id > $1 AND ($2::bigint IS NULL OR v.provider_id = $2) AND ($3 = '' OR v.decision = $3)
			  AND ($4::bigint = 0 OR v.client_id = $4)
			  AND ($6 = '' OR v.program_code = $6) AND ($7::bigint = 0 OR v.provider_id = $7)
			  AND ($8 = '' OR $8 = ANY (v.reason_codes)) AND ($9::timestamptz IS NULL OR v.submitted_at <= $9)
			ORDER BY v.id LIMIT $5`, after, pid, f.Decision, f.ClientID, limit+1,
			f.ProgramCode, f.ProviderID, f.Reason, f.SubmittedBefore); err != nil {
			return fmt.Errorf("list voucher requests: %w", err)
		}
		shown := rows[:min(len(rows), limit)]
		events := make([]access.Event, len(shown))
		for i := range shown {
			if err := shown[i].decode(); err != nil {
				return err
			}
			shown[i].Trace, shown[i].FactsRaw = nil, nil // lists stay small; GET one request for its trace
			if err := shown[i].shownTo(ctx, tx, a, s.Today()); err != nil {
				return err
			}
			events[i] = access.Event{Action: "read", EntityType: "voucher_request", EntityID: access.ID(shown[i].ID), ClientID: shown[i].ClientID}
			quoted, err := reasonDisclosures(ctx, tx, a, &shown[i])
			if err != nil {
				return err
			}
			events = append(events, quoted...)
		}
		return access.Record(ctx, tx, events...)
	})
	if err != nil {
		return List[VoucherRequest]{}, err
	}
	return page(rows, limit, func(v VoucherRequest) int64 { return v.ID }), nil
}

// QueueItem is a pended request in the reviewer queue.
type QueueItem struct {
	VoucherRequest
	AgeHours int `json:"age_hours"`
	AgeDays  int `json:"age_days"`
}

// QueueFilter narrows the reviewer queue. The query applies it, so a page
// holds the first requests that match, oldest first, and the cursor pages
// on through the matches (the console filtered each page after reading it,
// and a reviewer looking for one program's requests saw a page of others').
type QueueFilter struct {
	ProgramCode string
	ProviderID  int64
	// Reason is a reason code the request pended (or was reduced) for.
	Reason string
	// MinAgeDays keeps the requests waiting at least that many whole days.
	MinAgeDays int
}

// codeShape is a reference code's shape (programs, services): capitals,
// digits, '-' and '_', at most 40, as the catalog takes them (32 refused a
// service of 33 to 40 characters its own list showed: an operations
// black-box pass); a filter of any other shape matches nothing and is
// refused as a mistake.
func codeShape(s string) bool {
	if len(s) == 0 || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// knownCode refuses a filter's code that names no row of table, a program
// or a service (what): 422 unknown_program or unknown_service, as the
// reports answer it.
func knownCode(ctx context.Context, tx *sqlx.Tx, table, what, field, code string) error {
	var ok bool
	if err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE code = $1)`, code); err != nil {
		return err
	}
	if !ok {
		return rss.Invalid(field, "unknown_"+what, "no %s %s", what, code)
	}
	return nil
}

// MaxQueueAgeDays bounds QueueFilter.MinAgeDays (ten years).
const MaxQueueAgeDays = 3660

func (f QueueFilter) validate() error {
	v := &rss.ValidationError{}
	if f.ProgramCode != "" && !codeShape(f.ProgramCode) {
		v.Add("program", "invalid_value", "program is a program code")
	}
	if f.Reason != "" {
		// CONFLICT_ON_FILE is the code a provider reads in place of reasons
		// withheld from it; no request is stored with it, so a filter on it
		// would show an empty queue however many wait.
		// Only what a pended request carries: a pend or reduce reason. A deny
		// code or GRANTED matches no request in the queue.
		switch r, ok := adjudication.Lookup(f.Reason); {
		case f.Reason == adjudication.CodeConflictOnFile:
			v.Add("reason", "invalid_value", "CONFLICT_ON_FILE is what a provider reads in place of reasons withheld from it; "+
				"a reviewer filters on the reasons themselves")
		case !ok || r.Kind != "voucher" || (r.Action != adjudication.ActionPend && r.Action != adjudication.ActionReduce):
			v.Add("reason", "invalid_value", "reason is a voucher reason code that pends or reduces a request (GET /v1/reason-codes)")
		}
	}
	if f.MinAgeDays < 0 || f.MinAgeDays > MaxQueueAgeDays {
		v.Add("min_age_days", "out_of_range", "min_age_days is a whole number of days, 0 to %d", MaxQueueAgeDays)
	}
	return v.Err()
}

// Queue lists pended requests for reviewers, oldest first, with their age.
func (s *Service) Queue(ctx context.Context, f QueueFilter, p Page) (List[QueueItem], error) {
	if _, err := access.Require(ctx, access.RoleReviewer, access.RoleAdmin); err != nil {
		return List[QueueItem]{}, err
	}
	if err := f.validate(); err != nil {
		return List[QueueItem]{}, err
	}
	// A program that does not exist is a mistake, not an empty queue: a
	// reviewer who typed BOGUS read "nothing pended" (a black-box pass).
	// So is an agency that does not exist: provider=999 read an empty
	// queue beside an unknown program's 422 (a console black-box pass).
	if f.ProgramCode != "" || f.ProviderID != 0 {
		if err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
			if f.ProgramCode != "" {
				if err := knownCode(ctx, tx, "programs", "program", "program", f.ProgramCode); err != nil {
					return err
				}
			}
			if f.ProviderID == 0 {
				return nil
			}
			var ok bool
			if err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM providers WHERE id = $1)`, f.ProviderID); err != nil {
				return err
			}
			if !ok {
				return rss.Invalid("provider_id", "unknown_id", "no provider %d", f.ProviderID)
			}
			return nil
		}); err != nil {
			return List[QueueItem]{}, err
		}
	}
	now := s.now()
	rf := RequestFilter{Decision: "pended", ProgramCode: f.ProgramCode, ProviderID: f.ProviderID, Reason: f.Reason}
	if f.MinAgeDays > 0 {
		// AgeDays counts whole days of 24 hours, as below.
		before := now.Add(-time.Duration(f.MinAgeDays) * 24 * time.Hour)
		rf.SubmittedBefore = &before
	}
	list, err := s.Requests(ctx, rf, p)
	if err != nil {
		return List[QueueItem]{}, err
	}
	out := List[QueueItem]{NextCursor: list.NextCursor, Items: make([]QueueItem, len(list.Items))}
	for i, v := range list.Items {
		age := now.Sub(v.SubmittedAt)
		out.Items[i] = QueueItem{VoucherRequest: v, AgeHours: int(age.Hours()), AgeDays: int(age.Hours() / 24)}
	}
	return out, nil
}

// Review is a reviewer's decision on a pended request.
type Review struct {
	Action    string   `json:"action"`
	Units     *int     `json:"units"`
	StartDate rss.Date `json:"start_date"`
	EndDate   rss.Date `json:"end_date"`
	Note      string   `json:"note"`
	// Acknowledge lists pend reasons that fire on the grant although the
	// request did not pend for them (pendedSince): the reviewer lifts them
	// as an exception, as the reasons it pended for.
	Acknowledge []string `json:"acknowledge"`
}

// maxAcknowledge bounds Review.Acknowledge: more than the pend rules that
// can refuse an approval (pendedSince) is a mistake, not a decision.
const maxAcknowledge = 5

// pendedSince are the pend rules an approval is judged on again: they guard
// against what was granted while the request waited (the episode's units
// and dollars, another agency's authorization over the same days), so one
// that fires now, for a request that did not pend for it, refuses the
// approval unless the reviewer acknowledges it. The other pend rules are
// not: time passing alone makes them fire (a request reviewed late is a
// retro one), and the reviewer is lifting them already.
var pendedSince = []string{adjudication.CodeEpisodeUnitsExceeded, adjudication.CodeEpisodeDollarsExceeded,
	adjudication.CodeDuplicateOtherProvider}

// Reviewer actions.
const (
	ReviewApprove         = "approve"
	ReviewApproveModified = "approve_modified"
	ReviewDeny            = "deny"
)

// Validate checks a decision's own fields, all of them at once, before any
// record is read: what Decide refuses first (the console shows them beside
// its own form's).
func (r *Review) Validate() error {
	v := &rss.ValidationError{}
	if rss.Blank(r.Note) {
		v.Add("note", "required", "a reviewer decision carries a note")
	} else {
		checkText(v, "note", r.Note, maxNoteLen)
	}
	switch r.Action {
	case ReviewApprove, ReviewDeny:
		if r.Units != nil || !r.StartDate.IsZero() || !r.EndDate.IsZero() {
			v.Add("action", "not_allowed", "units and dates are only given with approve_modified")
		}
	case ReviewApproveModified:
		switch {
		case r.Units == nil: // left out or null, as a missing date is
			v.Add("units", "required", "units is required with approve_modified: a positive whole number")
		case *r.Units <= 0:
			v.Add("units", "out_of_range", "units must be a positive whole number")
		}
		if r.StartDate.IsZero() {
			v.Add("start_date", "required", "start_date is required")
		}
		if r.EndDate.IsZero() {
			v.Add("end_date", "required", "end_date is required")
		}
		if !r.StartDate.IsZero() && !r.EndDate.IsZero() && r.EndDate.Before(r.StartDate) {
			v.Add("end_date", "before_start", "end_date is before start_date")
		}
	case "":
		v.Add("action", "required", "action is required: approve, approve_modified or deny")
	default:
		v.Add("action", "invalid_value", "action must be approve, approve_modified or deny")
	}
	if len(r.Acknowledge) > 0 && r.Action == ReviewDeny {
		v.Add("acknowledge", "not_allowed", "acknowledge is only given with an approval")
	}
	addAcknowledgeErrors(v, r.Acknowledge)
	return v.Err()
}

// addAcknowledgeErrors checks the pend reasons a reviewer acknowledges (an
// approval's, a reactivation's): voucher pend codes, each once, a few.
func addAcknowledgeErrors(v *rss.ValidationError, codes []string) {
	if len(codes) > maxAcknowledge {
		v.Add("acknowledge", "too_many", "at most %d reason codes are acknowledged", maxAcknowledge)
	}
	for i, code := range codes {
		field := fmt.Sprintf("acknowledge[%d]", i)
		reason, ok := adjudication.Lookup(code)
		switch {
		case !ok || reason.Kind != "voucher":
			v.Add(field, "invalid_value", "%q is not a voucher reason code (GET /v1/reason-codes lists them)", code)
		// A provider's stand-in for withheld reasons, no rule's: it lifted
		// nothing, yet was taken (a black-box pass), where the queue's
		// filter refuses it.
		case code == adjudication.CodeConflictOnFile:
			v.Add(field, "not_allowed", "CONFLICT_ON_FILE is what a provider reads in place of reasons withheld from it; "+
				"acknowledge the reasons themselves")
		case reason.Action != adjudication.ActionPend:
			v.Add(field, "not_allowed", "%s is a %s reason; a reviewer lifts only what pends", code, reason.Action)
		case slices.Contains(codes[:i], code):
			v.Add(field, "duplicate", "%s is listed twice", code)
		}
	}
}

// Decide records a reviewer's decision on a pended request: approve,
// approve modified, or deny. A reviewer lifts what pended (that is what
// exception review is) but never a reduce rule's limit: an approval grants
// at most the request's ceiling (the request narrowed by the per-voucher
// maximum, voucher validity and length of service), as the rules give it
// both when the request was made and now. And before anything is granted
// the rules run again on the facts of this moment, judging the units and
// span granted: when a deny rule fires (the consent was revoked, the
// enrollment discharged since, the staff member gone by the granted
// start), the approval is refused with a problem naming it, and the
// reviewer can deny. So is one that meets a cap or another agency's
// authorization granted while the request waited (pendedSince), unless the
// reviewer acknowledges it: then it is lifted as an exception, and an
// acknowledged dollar cap is raised as for a request pended for it. A granted
// request gets its authorization in the same transaction. A request is
// decided once; re-running the rules never overrides a reviewer's decision.
func (s *Service) Decide(ctx context.Context, id int64, r Review) (VoucherRequest, error) {
	a, err := access.Require(ctx, access.RoleReviewer)
	if err != nil {
		return VoucherRequest{}, err
	}
	if err := r.Validate(); err != nil {
		return VoucherRequest{}, err
	}
	var out VoucherRequest
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		// The request's enrollment is held before the request, the order a
		// discharge takes them in (its enrollment, then the pended
		// requests it withdraws): the re-check held the enrollment after
		// the request, and a decision sent while the agency discharged the
		// client deadlocked with it, one of the two answered 409 after a
		// second's stall (a black-box pass). Held, the decision waits for
		// the discharge and finds the request withdrawn.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM enrollments
			WHERE id = (SELECT enrollment_id FROM voucher_requests WHERE id = $1) FOR SHARE`, id); err != nil {
			return fmt.Errorf("hold the request's enrollment: %w", err)
		}
		var vr VoucherRequest
		err := tx.GetContext(ctx, &vr, `SELECT `+requestColumns+requestFrom+`WHERE v.id = $1 FOR UPDATE OF v`, id)
		if errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("%w: voucher request %d", rss.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		if err := vr.decode(); err != nil {
			return err
		}
		if vr.Decision != "pended" {
			return rss.Coded(rss.ErrConflict, "not_pended", "voucher request %d is %s, not pended", id, vr.Decision)
		}
		if held, err := vr.heldByAnother(ctx, tx, a.KeyID, s.now()); err != nil || held {
			if err != nil {
				return err
			}
			return rss.Coded(rss.ErrConflict, "taken", "voucher request %d is taken by another reviewer until %s",
				id, vr.TakenAt.Add(TakeExpiry).UTC().Format(time.RFC3339))
		}
		if err := s.CheckMSCText(ctx, tx, vr.ClientID, vr.ProviderID, "note", r.Note); err != nil {
			return err
		}
		g := grantDecision{decision: "denied"}
		recheck := adjudication.VoucherDecision{Hits: []adjudication.Hit{}}
		if r.Action != ReviewDeny {
			if recheck, g, err = s.recheck(ctx, tx, &vr, r); err != nil {
				return err
			}
		}
		// The decision records what it grants (the schema requires it for
		// both approvals).
		var dUnits any
		var dStart, dEnd rss.Date
		if g.enr != nil {
			dUnits, dStart, dEnd = g.units, g.start, g.end
		}
		// The re-check keeps the grant's hits and the reduce rules that
		// cut the request as made to the grant's ceiling (the grant, cut
		// already, no longer meets them): the review's reasons.
		hits, err := json.Marshal(append(recheck.Hits, g.cutBy...))
		if err != nil {
			return err
		}
		var version any
		if recheck.RuleSetVersion != "" {
			version = recheck.RuleSetVersion
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO reviewer_decisions (voucher_request_id, reviewer_key_id, action, units,
				start_date, end_date, note, decided_at, recheck_hits, recheck_rule_set_version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			id, a.KeyID, r.Action, dUnits, dStart, dEnd, r.Note, s.now(), string(hits), version); err != nil {
			if pg.IsViolation(err, pg.CodeUniqueViolation, "reviewer_decisions_one_per_request") {
				return rss.Coded(rss.ErrConflict, "not_pended", "voucher request %d was already decided", id)
			}
			return err
		}
		// The take ends with the decision: a lapsed one another reviewer
		// decided past still read as held (a black-box pass); the review
		// says who decided.
		if _, err := tx.ExecContext(ctx, `UPDATE voucher_requests SET decision = $2, units_granted = $3, granted_start = $4,
			granted_end = $5, decided_at = $6, taken_by = NULL, taken_at = NULL WHERE id = $1`, id, g.decision, dUnits, dStart, dEnd, s.now()); err != nil {
			return err
		}
		if g.enr != nil {
			auth, err := createAuthorization(ctx, tx, &vr, g.enr, g.units, g.rate, g.start, g.end, s.Today())
			if err != nil {
				return err
			}
			if contains(vr.ReasonCodes, adjudication.CodeEpisodeDollarsExceeded) ||
				slices.Contains(r.Acknowledge, adjudication.CodeEpisodeDollarsExceeded) {
				if err := raiseEpisodeCap(ctx, tx, vr.ClientID, g.enr.EpisodeID, auth.ID, s.Today()); err != nil {
					return err
				}
			}
			if err := s.raiseEpisodeUnits(ctx, tx, vr.ClientID, g.enr.EpisodeID, vr.ServiceCode, auth.ID); err != nil {
				return err
			}
			// Judged without the agency's earlier stays another agency
			// keeps in the episode, the grant's dollars may pass the cap.
			if g.earlierStays {
				if err := s.raiseReadmissionRoom(ctx, tx, vr.ClientID, g.enr.EpisodeID, auth.ID); err != nil {
					return err
				}
			}
		}
		if err := access.Record(ctx, tx, access.Event{Action: "decide", EntityType: "voucher_request", EntityID: access.ID(id),
			ClientID: vr.ClientID, Outcome: r.Action}); err != nil {
			return err
		}
		out, err = getRequest(ctx, tx, id)
		return err
	})
	return out, err
}

// grantDecision is what a reviewer's approval grants, against enr, and the
// rate its authorization carries.
type grantDecision struct {
	decision   string
	units      int
	start, end rss.Date
	rate       rss.Money
	enr        *Enrollment
	// cutBy are the reduce hits of the request as made, on the facts now,
	// that the grant's own decision no longer shows.
	cutBy []adjudication.Hit
	// earlierStays: the facts held the agency's own earlier stays another
	// agency keeps in the episode, which the rules left out
	// (adjudication.EarlierStaysHeld).
	earlierStays bool
}

// keepRuleChoices puts back into f, today's facts of a pended request, the
// program's rule choices as they stood when it was received (its stored
// facts): which rules apply to a program is data switched by PATCH, and
// each switch applies to requests received after it (README). Read from
// today's program, a rule switched on while the request waited
// (requires_waiver_plan) refused its approval, denied_by_rules, the
// reviewer's only way on a denial (an operations black-box pass). The
// facts themselves (the client's plan, consents, staff) are today's.
func keepRuleChoices(f *adjudication.VoucherFacts, stored []byte) error {
	if len(stored) == 0 {
		return nil
	}
	var then struct {
		Program *adjudication.Program `json:"program"`
	}
	if err := json.Unmarshal(stored, &then); err != nil {
		return fmt.Errorf("the request's stored facts: %w", err)
	}
	if p := then.Program; p != nil && p.Code == f.Program.Code {
		f.Program.Clinical, f.Program.ZeroReject, f.Program.GPRARequired = p.Clinical, p.ZeroReject, p.GPRARequired
		f.Program.RequiresWaiverPlan, f.Program.CarePlanRequired = p.RequiresWaiverPlan, p.CarePlanRequired
		f.Program.DisabledRules = p.DisabledRules
	}
	return nil
}

// recheck runs the rules on the request as it stands now and returns what
// an approval may grant: held to the ceiling the reduce rules set (now and
// when the request was made), and refused outright when a deny rule fires
// on the grant. The rules judge the grant, not the request: a reviewer who
// moves the start moves the day the staff member must be qualified on and
// the rate in force, and an approval of fewer units is what counts toward
// the episode's caps. A pend rule that guards against what was granted
// meanwhile (pendedSince) and fires now, for a request that did not pend
// for it, refuses the approval too, unless the reviewer acknowledges it.
// The decision returned is the grant's.
func (s *Service) recheck(ctx context.Context, tx *sqlx.Tx, vr *VoucherRequest, r Review) (adjudication.VoucherDecision, grantDecision, error) {
	var none grantDecision
	n := NewVoucherRequest{ClientID: vr.ClientID, ProgramCode: vr.ProgramCode, ServiceCode: vr.ServiceCode,
		EnrollmentID: vr.EnrollmentID, StaffID: vr.StaffID, Units: &vr.UnitsRequested, StartDate: vr.StartDate, EndDate: vr.EndDate}
	// What the agency's own request may see: its reads' purpose.
	sn, err := s.takeSnapshot(ctx, tx, vr.ProviderID, &n)
	var ve *rss.ValidationError
	if errors.As(err, &ve) {
		// What the request names no longer holds: its enrollment is gone
		// from under it, or its staff member left the agency.
		if len(ve.Fields) > 0 && ve.Fields[0].Field == "enrollment_id" {
			return adjudication.VoucherDecision{}, none, rss.Coded(rss.ErrConflict, "no_enrollment",
				"the client has no enrollment to authorize against; deny the request")
		}
		return adjudication.VoucherDecision{}, none, rss.Coded(rss.ErrConflict, "request_outdated",
			"the request can no longer be granted as made (%s); deny it", ve.Error())
	}
	if err != nil {
		return adjudication.VoucherDecision{}, none, err
	}
	if err := keepRuleChoices(sn.facts, vr.FactsRaw); err != nil {
		return adjudication.VoucherDecision{}, none, err
	}
	// The request as made, on today's facts, gives the ceiling.
	asMade := adjudication.DecideVoucher(sn.facts)
	ceiling := Ceiling{Units: asMade.Ceiling.Units, StartDate: rss.NewDate(asMade.Ceiling.Start), EndDate: rss.NewDate(asMade.Ceiling.End)}
	if c := vr.Ceiling; c != nil {
		ceiling.Units = min(ceiling.Units, c.Units)
		if c.StartDate.After(ceiling.StartDate) {
			ceiling.StartDate = c.StartDate
		}
		if c.EndDate.Before(ceiling.EndDate) {
			ceiling.EndDate = c.EndDate
		}
	}
	// A reviewer's narrower grant is held to the units the rules leave on
	// its own days: judged on the request's whole span, the agency's own
	// authorization over some of its days left "nothing to grant" for the
	// days it does not cover, which a new request for them was granted (a
	// voucher black-box pass; OWN_AUTHORIZATION_AT_VOUCHER_MAX counts
	// authorizations sharing a day with the span judged). The span's own
	// bounds stay the request's as made.
	units, limits := ceiling.Units, asMade
	if r.Action == ReviewApproveModified && !r.StartDate.Before(ceiling.StartDate) && !r.EndDate.After(ceiling.EndDate) &&
		!r.EndDate.Before(r.StartDate) {
		f := *sn.facts
		f.Request.Start, f.Request.End = r.StartDate.Time, r.EndDate.Time
		limits = adjudication.DecideVoucher(&f)
		units = limits.Ceiling.Units
		if c := vr.Ceiling; c != nil {
			units = min(units, c.Units)
		}
	}
	// No span, or no units: the agency's own authorization over the same
	// days holding the per-voucher maximum leaves none (a reviewer's
	// approval of such a request was a 500 on the decision's CHECK: a
	// black-box pass).
	if ceiling.EndDate.Before(ceiling.StartDate) || units <= 0 {
		// A deny rule besides the per-voucher maximum and the days' hold
		// (which are the limits leaving nothing) refuses the grant whatever
		// is left: answered as one, with its codes, not as "nothing to
		// grant" with none (a reviewer's approval after the client's
		// consent was revoked: a voucher black-box pass).
		if denied, why := deniedHits(limits); slices.ContainsFunc(denied, func(c string) bool {
			return c != adjudication.CodeOwnAuthorizationAtMax && c != adjudication.CodeUnitsOverSpanDays
		}) {
			return asMade, none, &rss.CodedError{Kind: rss.ErrConflict, Code: "denied_by_rules", Reasons: denied,
				Message: "the rules now deny this request, so it cannot be approved: " + strings.Join(why, "; ") + "; deny it instead"}
		}
		// The rules that fired on what was to be granted: the request, or
		// the days a reviewer's modified grant names.
		var codes, why []string
		for _, h := range limits.Hits {
			if h.Action == adjudication.ActionReduce || h.Action == adjudication.ActionDeny {
				codes = append(codes, h.Code)
				why = append(why, h.Code+": "+h.Detail)
			}
		}
		cut := ""
		if len(why) > 0 {
			cut = " (" + strings.Join(why, "; ") + ")"
		}
		return asMade, none, &rss.CodedError{Kind: rss.ErrConflict, Code: "nothing_to_grant", Reasons: codes,
			// Over the days named: other days of the request may still
			// have room (approve_modified), which "deny the request" told a
			// reviewer away from (a voucher black-box pass).
			Message: "the limits of the rules leave nothing to grant over these days" + cut +
				"; approve modified over days they leave free, if any, or deny the request"}
	}
	g := grantDecision{units: ceiling.Units, start: ceiling.StartDate, end: ceiling.EndDate, enr: sn.enrollment}
	if r.Action == ReviewApproveModified {
		v := &rss.ValidationError{}
		if *r.Units > units {
			v.Add("units", "out_of_range", "a reviewer may grant at most %d units: the %d the agency asked for, cut by the rules' limits", units, vr.UnitsRequested)
		}
		// Nor a wider span: that would authorize days the request never
		// sought, past the program's validity or length of service.
		if r.StartDate.Before(ceiling.StartDate) {
			v.Add("start_date", "out_of_range", "a reviewer may not start the grant before %s", ceiling.StartDate)
		}
		if r.EndDate.After(ceiling.EndDate) {
			v.Add("end_date", "out_of_range", "a reviewer may not end the grant after %s (the request and the rules' limits)", ceiling.EndDate)
		}
		if err := v.Err(); err != nil {
			return asMade, none, err
		}
		g.units, g.start, g.end = *r.Units, r.StartDate, r.EndDate
	}
	// A grant from the request's start keeps the rate the request was
	// priced at, a rate dated back since notwithstanding (README, rates);
	// one the reviewer starts later is priced as a request starting then
	// would be, at the rate in force on its start.
	// Except a rate corrected since: the rate the request was priced at was
	// entered wrong (a correction says it never held), and an approval
	// made after the admin said so granted it, a claim then paying
	// 14,800.00 for 148.00 of service (a black-box pass). It is granted at
	// the correction, not at the rate in force on its start now, which may
	// be one dated back since (an operations black-box pass granted 16.00
	// for a 15.00 typo corrected to 14.00).
	g.rate = vr.Rate
	rates := sn.ref.Services[vr.ServiceCode].Rates
	rate, ok := rates.On(g.start)
	if !g.start.Equal(vr.StartDate) {
		if !ok {
			return asMade, none, rss.Invalid("start_date", "no_rate_in_force", "service %s has no rate in force on %s", vr.ServiceCode, g.start)
		}
		g.rate = rate
	} else if rates.mayBeCorrected(vr.Rate, vr.PricedRateID, rate, ok) {
		history, err := LoadRateHistory(ctx, tx, vr.ServiceCode)
		if err != nil {
			return asMade, none, err
		}
		if fixed, ok := history.correction(vr.StartDate, vr.Rate, vr.PricedRateID); ok {
			g.rate = fixed
		}
	}
	granted := *sn.facts
	granted.Request.Units, granted.Request.Start, granted.Request.End = g.units, g.start.Time, g.end.Time
	granted.Service.Rate = g.rate.Decimal
	d := adjudication.DecideVoucher(&granted)
	if denied, why := deniedHits(d); len(denied) > 0 {
		return d, none, &rss.CodedError{Kind: rss.ErrConflict, Code: "denied_by_rules", Reasons: denied,
			Message: "the rules now deny this request, so it cannot be approved: " + strings.Join(why, "; ") + "; deny it instead"}
	}
	if g.enr == nil {
		return d, none, rss.Coded(rss.ErrConflict, "no_enrollment", "the client has no enrollment to authorize against; deny the request")
	}
	// A later start can meet a reduce rule the request's own start did not
	// (Medicaid eligibility or a waiver plan that ends sooner): the grant
	// is held to it too.
	if d.Ceiling.Units < g.units || d.Ceiling.End.Before(g.end.Time) {
		v := &rss.ValidationError{}
		if d.Ceiling.Units < g.units {
			v.Add("units", "out_of_range", "a reviewer may grant at most %d units from %s", d.Ceiling.Units, g.start)
		}
		if end := rss.NewDate(d.Ceiling.End); end.Before(g.end) {
			v.Add("end_date", "out_of_range", "a reviewer may not end a grant starting %s after %s", g.start, end)
		}
		return d, none, v.Err()
	}
	// What was granted while the request waited may make the grant pass
	// the episode's caps, or overlap another agency's authorization: the
	// reviewer decided on reasons that no longer tell the whole story.
	// A cap the request pended for is lifted by the approval as the
	// reviewer saw it, unless more was authorized in the episode since: a
	// black-box pass approved a request pended "600.00 asked, 460.00 left"
	// when 10.00 was left, and the cap was raised 590.00, not 140.00.
	grown := capsGrown(vr.FactsRaw, sn.facts)
	// So is a duplicate the request pended for, when an authorization the
	// reviewer was not shown overlaps the grant now: a third agency's
	// granted the same days while the request waited was taken as lifted,
	// and three agencies held one service with no reviewer told of the
	// third (a black-box pass).
	if slices.ContainsFunc(d.Hits, func(h adjudication.Hit) bool { return h.Code == adjudication.CodeDuplicateOtherProvider }) &&
		duplicateGrown(vr, &granted) {
		grown[adjudication.CodeDuplicateOtherProvider] = true
	}
	since, sinceWhy := guardHits(d, func(code string) bool {
		return (contains(vr.ReasonCodes, code) && !grown[code]) || slices.Contains(r.Acknowledge, code)
	})
	if len(since) > 0 {
		return d, none, &rss.CodedError{Kind: rss.ErrConflict, Code: "pended_since", Reasons: since,
			Message: "since the request pended, these rules fire on the grant: " + strings.Join(sinceWhy, "; ") +
				"; to grant it as an exception decide again with them in acknowledge (an acknowledged " +
				adjudication.CodeEpisodeDollarsExceeded + " raises the episode's cap), or grant less, or deny it"}
	}
	for _, h := range asMade.Hits {
		if h.Action == adjudication.ActionReduce && !slices.ContainsFunc(d.Hits, func(o adjudication.Hit) bool { return o.Code == h.Code }) {
			g.cutBy = append(g.cutBy, h)
		}
	}
	g.earlierStays = adjudication.EarlierStaysHeld(&granted)
	g.decision = "approved"
	if g.units < vr.UnitsRequested || g.start.After(vr.StartDate) || g.end.Before(vr.EndDate) {
		g.decision = "partial"
	}
	return d, g, nil
}

// capsGrown names the episode caps more was authorized against since the
// request's facts were stored (the units of its service, the dollars):
// its pend for that cap told the reviewer of less than now stands in the
// way. A request stored without those facts (the demo's) names none.
func capsGrown(stored []byte, now *adjudication.VoucherFacts) map[string]bool {
	var then struct {
		Units   *int             `json:"episode_units_authorized"`
		Dollars *decimal.Decimal `json:"episode_dollars_authorized"`
	}
	grown := map[string]bool{}
	if json.Unmarshal(stored, &then) != nil {
		return grown
	}
	if then.Units != nil && now.EpisodeUnitsAuthorized > *then.Units {
		grown[adjudication.CodeEpisodeUnitsExceeded] = true
	}
	if then.Dollars != nil && now.EpisodeDollarsAuthorized.GreaterThan(*then.Dollars) {
		grown[adjudication.CodeEpisodeDollarsExceeded] = true
	}
	return grown
}

// duplicateGrown reports whether the duplicate rule fires on the grant
// (facts now) for an authorization the reviewer was not shown when vr
// pended for it: one of an agency its pended reason did not name, or one
// its named agencies were granted since (not in its stored facts). The
// rule is run again without the authorizations the pended reason covered
// and must not fire, as an agency's reactivation reads a reviewer's lifted
// overlap (overlapExcepted). A request stored without its facts (the
// demo's) names none.
func duplicateGrown(vr *VoucherRequest, now *adjudication.VoucherFacts) bool {
	named := map[int64]bool{}
	for _, r := range vr.Reasons {
		if r.Code == adjudication.CodeDuplicateOtherProvider {
			for _, p := range append([]int64{r.Source}, r.Sources...) {
				named[p] = p != 0
			}
		}
	}
	var then struct {
		Today          time.Time                    `json:"today"`
		Authorizations []adjudication.Authorization `json:"authorizations"`
	}
	if len(named) == 0 || json.Unmarshal(vr.FactsRaw, &then) != nil || then.Today.IsZero() {
		return false
	}
	shown := map[int64]bool{}
	for _, a := range then.Authorizations {
		shown[a.ID] = named[a.ProviderID]
	}
	f := *now
	f.Authorizations = make([]adjudication.Authorization, 0, len(now.Authorizations))
	for _, a := range now.Authorizations {
		if !shown[a.ID] {
			f.Authorizations = append(f.Authorizations, a)
		}
	}
	return slices.ContainsFunc(adjudication.DecideVoucher(&f).Hits, func(h adjudication.Hit) bool {
		return h.Code == adjudication.CodeDuplicateOtherProvider
	})
}

// deniedHits are the codes of the deny rules that fired in d and, for a
// problem's text, each with its reason: what refuses a grant outright.
func deniedHits(d adjudication.VoucherDecision) (codes, why []string) {
	for _, h := range d.Hits {
		if h.Action == adjudication.ActionDeny {
			reason, _ := adjudication.Lookup(h.Code)
			codes = append(codes, h.Code)
			why = append(why, h.Code+" ("+reason.Text+")")
		}
	}
	return codes, why
}

// guardHits are the codes of the pendedSince rules that fired in d and are
// not lifted (a reason the request pended for, or one acknowledged), each
// with its reason and detail for a problem's text: what refuses a grant
// (an approval, a reactivation) unless acknowledged.
func guardHits(d adjudication.VoucherDecision, lifted func(code string) bool) (codes, why []string) {
	for _, h := range d.Hits {
		if slices.Contains(pendedSince, h.Code) && !lifted(h.Code) {
			reason, _ := adjudication.Lookup(h.Code)
			codes = append(codes, h.Code)
			why = append(why, h.Code+" ("+reason.Text+" "+h.Detail+")")
		}
	}
	return codes, why
}

// Replay re-runs the stored facts through the current rules. It changes
// nothing: a stored decision, and above all a reviewer's, stands.
type Replay struct {
	VoucherRequestID  int64            `json:"voucher_request_id"`
	StoredDecision    string           `json:"stored_decision"`
	StoredRuleSet     string           `json:"stored_rule_set_version"`
	ReplayedDecision  ReplayedDecision `json:"replayed"`
	RulesDecisionSame bool             `json:"rules_decision_same"`
}

// ReplayedDecision is what the current rules decide, in the API's terms:
// dates as dates, and null where nothing is granted (the rules' own value
// read "0001-01-01T00:00:00Z"; a black-box pass).
type ReplayedDecision struct {
	Decision       adjudication.Decision     `json:"decision"`
	Units          int                       `json:"units,omitempty"`
	Start          *rss.Date                 `json:"start"`
	End            *rss.Date                 `json:"end"`
	Ceiling        ReplayedCeiling           `json:"ceiling"`
	Hits           []adjudication.Hit        `json:"hits"`
	Trace          []adjudication.TraceEntry `json:"trace"`
	RuleSetVersion string                    `json:"rule_set_version"`
}

// ReplayedCeiling is the most a grant of the request may carry.
type ReplayedCeiling struct {
	Units int       `json:"units"`
	Start *rss.Date `json:"start"`
	End   *rss.Date `json:"end"`
}

func replayed(d adjudication.VoucherDecision) ReplayedDecision {
	date := func(t time.Time) *rss.Date {
		if t.IsZero() {
			return nil
		}
		d := rss.NewDate(t)
		return &d
	}
	return ReplayedDecision{Decision: d.Decision, Units: d.Units, Start: date(d.Start), End: date(d.End),
		Ceiling: ReplayedCeiling{Units: d.Ceiling.Units, Start: date(d.Ceiling.Start), End: date(d.Ceiling.End)},
		Hits:    d.Hits, Trace: d.Trace, RuleSetVersion: d.RuleSetVersion}
}

// Replay re-runs a request's stored facts through the current rules.
func (s *Service) Replay(ctx context.Context, id int64) (Replay, error) {
	vr, err := s.Request(ctx, id)
	if err != nil {
		return Replay{}, err
	}
	var f adjudication.VoucherFacts
	if err := json.Unmarshal(vr.FactsRaw, &f); err != nil {
		return Replay{}, fmt.Errorf("decode stored facts: %w", err)
	}
	// A request stored without its facts (the demo data's, loaded by seed)
	// would replay an empty snapshot: every deny rule fires on nothing and
	// the answer reads as if today's rules refused it. Say there is nothing
	// to replay instead.
	if f.Request.Start.IsZero() || f.Today.IsZero() {
		return Replay{}, rss.Coded(rss.ErrConflict, "no_fact_snapshot",
			"voucher request %d was recorded without a fact snapshot (rule set %q); there is nothing to replay", id, vr.RuleSetVersion)
	}
	d := adjudication.DecideVoucher(&f)
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Replay{}, err
	}
	seen, err := sourcesSeen(ctx, s.db, a, vr.ClientID, s.Today())
	if err != nil {
		return Replay{}, err
	}
	// A provider's replay is its copy of the hits (providerHits, as a
	// request's reasons are), and its trace goes with any reason withheld
	// or when its own records deny, as redact drops a request's.
	if a.IsProvider() {
		var withheld bool
		if d.Hits, withheld = providerHits(d.Hits, seen, vr.Decision); withheld || adjudication.Denies(d.Hits) {
			d.Trace = nil
		}
	}
	return Replay{VoucherRequestID: id, StoredDecision: vr.Decision, StoredRuleSet: vr.RuleSetVersion,
		ReplayedDecision: replayed(d), RulesDecisionSame: string(d.Decision) == vr.RulesDecision}, nil
}

// raiseEpisodeUnits records, when a reviewer's grant (or reactivation)
// leaves the episode holding more of the service than its maximum (an
// exception the reviewer acknowledged), the maximum as raised, so claims
// against the grant are paid (ledger.RaiseEpisodeUnits), and audits it
// under the client, with the new maximum: audited without either, a
// client's audit trail never showed its cap raised, nor by how much (a
// reviewer black-box pass).
func (s *Service) raiseEpisodeUnits(ctx context.Context, tx *sqlx.Tx, clientID, episodeID int64, service string, grant int64) error {
	maxUnits, raised, err := ledger.RaiseEpisodeUnits(ctx, tx, episodeID, service, grant, s.Today(), s.now())
	if err != nil || !raised {
		return err
	}
	return access.Record(ctx, tx, access.Event{Action: "cap_exception", EntityType: "episode", EntityID: access.ID(episodeID),
		ClientID: clientID, Outcome: fmt.Sprintf("%s max_units %d", service, maxUnits)})
}

// raiseEpisodeCap records a reviewer's dollar-cap exception on the ledger
// for the authorization grant (ledger.RaiseEpisodeCap) and audits it,
// under the client and with the new cap, when the cap rose: the episode's,
// or, where the episode's needed no raise, the agency's own cap alone.
func raiseEpisodeCap(ctx context.Context, tx *sqlx.Tx, clientID, episodeID, grant int64, today rss.Date) error {
	r, err := ledger.RaiseEpisodeCap(ctx, tx, episodeID, grant, today)
	if err != nil || !r.Moved() {
		return err
	}
	return access.Record(ctx, tx, access.Event{Action: "cap_exception", EntityType: "episode", EntityID: access.ID(episodeID),
		ClientID: clientID, Outcome: r.Outcome()})
}
