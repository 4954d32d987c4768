package staff

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/billing"
	"rss/pg"
	"rss/vouchers"
)

// Record kinds, as the API names them in /v1/staff-records/{kind}/{id}.
const (
	KindCredential      = "credentials"
	KindBackgroundCheck = "background-checks"
	KindExperience      = "experience"
)

// kindTable is each kind's table, audit entity type and columns.
var kindTable = map[string]struct{ table, entity, columns string }{
	KindCredential: {"staff_credentials", "staff_credential",
		"id, staff_id, type, issuer, number, valid_from, valid_to, withdrawn_on, " + vouchers.VerificationColumns},
	KindBackgroundCheck: {"background_checks", "background_check",
		"id, staff_id, checked_on, result, agency, " + vouchers.VerificationColumns},
	KindExperience: {"staff_experience", "staff_experience",
		"id, staff_id, kind, service_code, started_on, ended_on, " + vouchers.VerificationColumns},
}

// Verify is how a record is entered verified at once: an admin names the
// document it was checked against. A provider's submission never carries it.
type Verify struct {
	DocumentReference *string `json:"document_reference"`
}

// NewCredential is a licence, certificate, degree or training submitted for
// a staff member.
type NewCredential struct {
	Type      string   `json:"type"`
	Number    *string  `json:"number"`
	Issuer    string   `json:"issuer"`
	ValidFrom rss.Date `json:"valid_from"`
	ValidTo   rss.Date `json:"valid_to"`
	Verify
}

// NewBackgroundCheck is one criminal background check.
type NewBackgroundCheck struct {
	CheckedOn rss.Date `json:"checked_on"`
	Result    string   `json:"result"`
	Agency    string   `json:"agency"`
	Verify
}

// NewExperience is a dated period of work: with the target population, or
// delivering a service (service_code). Months are counted from the dates up
// to each date of service, so the period is what is recorded; ended_on
// null means it continues.
type NewExperience struct {
	Kind        string   `json:"kind"`
	ServiceCode *string  `json:"service_code"`
	StartedOn   rss.Date `json:"started_on"`
	EndedOn     rss.Date `json:"ended_on"`
	Verify
}

// Bounds of plausible record dates and texts.
const (
	maxText          = 200
	maxCredentialYrs = 100 // a credential valid longer than this is a typing error
	maxAheadDays     = 366 // a credential may be recorded up to a year before it takes effect
)

// AddCredential records a credential for a staff member.
func (s *Service) AddCredential(ctx context.Context, staffID int64, n NewCredential) (vouchers.Credential, error) {
	v := &rss.ValidationError{}
	today := s.today()
	n.Issuer = strings.TrimSpace(n.Issuer)
	if strings.TrimSpace(n.Type) == "" {
		v.Add("type", "required", "type is required")
	}
	text(v, "issuer", n.Issuer, true)
	if n.Number != nil {
		text(v, "number", strings.TrimSpace(*n.Number), true)
	}
	switch {
	case n.ValidFrom.IsZero():
		v.Add("valid_from", "required", "valid_from is required")
	case n.ValidFrom.After(today.AddDays(maxAheadDays)):
		v.Add("valid_from", "out_of_range", "valid_from is more than a year ahead (%s)", rss.TodayIs(today))
	}
	if !n.ValidTo.IsZero() && !n.ValidFrom.IsZero() {
		switch {
		case n.ValidTo.Before(n.ValidFrom):
			v.Add("valid_to", "before_start", "valid_to is before valid_from")
		// Calendar years: 100 × 366 days let 2120-03-16 through for a
		// credential from 2020-01-01 (an operations pass).
		case n.ValidTo.After(rss.Date{Time: n.ValidFrom.AddDate(maxCredentialYrs, 0, 0)}):
			v.Add("valid_to", "out_of_range", "valid_to is more than %d years after valid_from", maxCredentialYrs)
		}
	}
	var out vouchers.Credential
	err := addRecord(ctx, s, staffID, KindCredential, n.Verify, v, nil, func(ctx context.Context, tx *sqlx.Tx, st submission) (int64, error) {
		// A credential is held by a working adult: one valid from 1900 for
		// someone born in 1990 was taken (a black-box pass).
		if err := checkLived(ctx, tx, staffID, "valid_from", n.ValidFrom, minWorkingAge); err != nil {
			return 0, err
		}
		var known bool
		if err := tx.GetContext(ctx, &known, `SELECT EXISTS (SELECT 1 FROM credential_types WHERE code = $1)`, n.Type); err != nil {
			return 0, err
		}
		if !known {
			return 0, rss.Invalid("type", "unknown_type", "no credential type %q", n.Type)
		}
		var id int64
		err := tx.GetContext(ctx, &id, `INSERT INTO staff_credentials (staff_id, type, issuer, number, valid_from, valid_to,
				`+st.columns+`) VALUES ($1, $2, $3, $4, $5, $6, `+st.values(7)+`) RETURNING id`,
			append([]any{staffID, n.Type, n.Issuer, trimmed(n.Number), n.ValidFrom, nullDate(n.ValidTo)}, st.args...)...)
		return id, err
	}, &out)
	return out, err
}

// CheckRecorded is a background check as stored, with the paid claim
// lines it left unqualified (a failed check over a minor's line).
type CheckRecorded struct {
	vouchers.BackgroundCheck
	PaidLinesUnqualified []UnqualifiedLine `json:"paid_lines_unqualified" db:"-"`
}

// UnqualifiedLine is a paid claim line of the staff member's agency that a
// record of adverse news left unqualified: the line stays paid (a record
// claws no money back), named for the agency or the MSC to void or recoup.
// StaffID is who rendered it: the member, or staff they supervise. Held
// says its claim is now held out of batches (billing.HoldRendered) until
// a void, a replacement or the MSC releases it; false when a batch took
// the claim already (the payer or the agency has it: it is past holding).
type UnqualifiedLine struct {
	ClaimID       int64    `json:"claim_id"`
	ClaimNumber   string   `json:"claim_number"`
	LineNumber    int      `json:"line_number"`
	StaffID       int64    `json:"staff_id"`
	ServiceCode   string   `json:"service_code"`
	DateOfService rss.Date `json:"date_of_service"`
	Held          bool     `json:"held"`
}

// AddBackgroundCheck records a background check for a staff member.
func (s *Service) AddBackgroundCheck(ctx context.Context, staffID int64, n NewBackgroundCheck) (CheckRecorded, error) {
	v := &rss.ValidationError{}
	n.Agency = strings.TrimSpace(n.Agency)
	switch {
	case n.CheckedOn.IsZero():
		v.Add("checked_on", "required", "checked_on is required")
	case n.CheckedOn.After(s.today()):
		v.Add("checked_on", "in_future", "checked_on is after today: %s", rss.TodayIs(s.today()))
	}
	if n.Result != "passed" && n.Result != "failed" {
		v.Add("result", "invalid_value", "result must be passed or failed")
	}
	text(v, "agency", n.Agency, true)
	out := CheckRecorded{PaidLinesUnqualified: []UnqualifiedLine{}}
	var guard *heldTo
	if n.Result == "failed" {
		guard = &heldTo{listed: &out.PaidLinesUnqualified}
	}
	err := addRecord(ctx, s, staffID, KindBackgroundCheck, n.Verify, v, guard, func(ctx context.Context, tx *sqlx.Tx, st submission) (int64, error) {
		if err := checkLived(ctx, tx, staffID, "checked_on", n.CheckedOn, 0); err != nil {
			return 0, err
		}
		var id int64
		err := tx.GetContext(ctx, &id, `INSERT INTO background_checks (staff_id, checked_on, result, agency, `+st.columns+`)
			VALUES ($1, $2, $3, $4, `+st.values(5)+`) RETURNING id`, append([]any{staffID, n.CheckedOn, n.Result, n.Agency}, st.args...)...)
		return id, err
	}, &out)
	return out, err
}

// AddExperience records a period of experience for a staff member.
func (s *Service) AddExperience(ctx context.Context, staffID int64, n NewExperience) (vouchers.Experience, error) {
	v := &rss.ValidationError{}
	today := s.today()
	switch n.Kind {
	case "target_population":
		if n.ServiceCode != nil {
			v.Add("service_code", "not_allowed", "service_code is for service_delivery experience only")
		}
	case "service_delivery":
		if n.ServiceCode == nil || *n.ServiceCode == "" {
			v.Add("service_code", "required", "service_delivery experience names the service delivered")
		}
	case "":
		v.Add("kind", "required", "kind is required")
	default:
		v.Add("kind", "invalid_value", "kind must be target_population or service_delivery")
	}
	switch {
	case n.StartedOn.IsZero():
		v.Add("started_on", "required", "started_on is required")
	case n.StartedOn.After(today):
		v.Add("started_on", "in_future", "started_on is after today (%s): experience is recorded once it is had", rss.TodayIs(today))
	}
	if !n.EndedOn.IsZero() {
		switch {
		case !n.StartedOn.IsZero() && n.EndedOn.Before(n.StartedOn):
			v.Add("ended_on", "before_start", "ended_on is before started_on")
		case n.EndedOn.After(today):
			v.Add("ended_on", "in_future", "ended_on is after today (%s); leave it null while the work continues", rss.TodayIs(today))
		}
	}
	var out vouchers.Experience
	err := addRecord(ctx, s, staffID, KindExperience, n.Verify, v, nil, func(ctx context.Context, tx *sqlx.Tx, st submission) (int64, error) {
		if err := checkLived(ctx, tx, staffID, "started_on", n.StartedOn, minWorkingAge); err != nil {
			return 0, err
		}
		if n.ServiceCode != nil {
			var known bool
			if err := tx.GetContext(ctx, &known, `SELECT EXISTS (SELECT 1 FROM services WHERE code = $1)`, *n.ServiceCode); err != nil {
				return 0, err
			}
			if !known {
				return 0, rss.Invalid("service_code", "unknown_service", "no service %q", *n.ServiceCode)
			}
		}
		var id int64
		err := tx.GetContext(ctx, &id, `INSERT INTO staff_experience (staff_id, kind, service_code, started_on, ended_on, `+st.columns+`)
			VALUES ($1, $2, $3, $4, $5, `+st.values(6)+`) RETURNING id`,
			append([]any{staffID, n.Kind, n.ServiceCode, n.StartedOn, nullDate(n.EndedOn)}, st.args...)...)
		return id, err
	}, &out)
	return out, err
}

// checkLived refuses a record dated before the staff member was age
// years old: a background check from before their birth, experience or a
// credential from before the age a hire may start work. Both feed the qualification paths
// (experience months above all), and a black-box pass recorded them from
// 1900 and from the day of birth.
func checkLived(ctx context.Context, tx *sqlx.Tx, staffID int64, field string, on rss.Date, age int) error {
	var born rss.Date
	if err := tx.GetContext(ctx, &born, `SELECT date_of_birth FROM staff WHERE id = $1`, staffID); err != nil {
		return err
	}
	if from := rss.NewDate(born.AddDate(age, 0, 0)); on.Before(from) {
		if age == 0 {
			return rss.Invalid(field, "out_of_range", "%s is before the staff member's date of birth", field)
		}
		return rss.Invalid(field, "out_of_range", "%s is before the staff member was %d", field, age)
	}
	return nil
}

// recordsLived refuses a date of birth the member's records on file would
// be dated too early for, as checkLived refuses each on entry: the first
// such record is named (422 out_of_range on date_of_birth).
func recordsLived(ctx context.Context, tx *sqlx.Tx, staffID int64, born rss.Date) error {
	var early []struct {
		Kind string   `db:"kind"`
		ID   int64    `db:"id"`
		On   rss.Date `db:"day"`
	}
	// The age bound as checkLived computes it. A credential withdrawn as of
	// a day (rejected, withdrawn_on set) still counts before that day.
	working := rss.NewDate(born.AddDate(minWorkingAge, 0, 0))
	if err := tx.SelectContext(ctx, &early, `
		(SELECT 'experience' AS kind, id, started_on AS day FROM staff_experience
		 WHERE staff_id = $1 AND verification_status <> 'rejected' AND started_on < $3)
		UNION ALL
		(SELECT 'credential', id, valid_from FROM staff_credentials
		 WHERE staff_id = $1 AND (verification_status <> 'rejected' OR withdrawn_on IS NOT NULL) AND valid_from < $3)
		UNION ALL
		(SELECT 'background check', id, checked_on FROM background_checks
		 WHERE staff_id = $1 AND verification_status <> 'rejected' AND checked_on < $2)
		ORDER BY 3, 2 LIMIT 1`, staffID, born, working); err != nil {
		return fmt.Errorf("records before the date of birth: %w", err)
	}
	if len(early) == 0 {
		return nil
	}
	r := early[0]
	if r.Kind == "background check" {
		return rss.Invalid("date_of_birth", "out_of_range", "the staff member's background check %d of %s would be before their date of birth",
			r.ID, r.On)
	}
	return rss.Invalid("date_of_birth", "out_of_range", "the staff member's %s %d from %s would be from before they were %d",
		r.Kind, r.ID, r.On, minWorkingAge)
}

// submission is who submits a record and, for an admin naming a
// document, its verification at once.
type submission struct {
	columns string
	args    []any
}

func (st submission) values(first int) string {
	p := make([]string, len(st.args))
	for i := range p {
		p[i] = fmt.Sprintf("$%d", first+i)
	}
	return strings.Join(p, ", ")
}

// addRecord is the common frame of the three submissions: role and agency,
// the staff member locked, the insert, the audit event, the answer. A
// record that can take a qualification away (a failed background check,
// which counts from the day it is reported) lists the paid lines it
// leaves unqualified (guard: holdPaidLines, then listLeft), as its
// verification does. It is taken with its true date whatever they are:
// refused over a paid line to a minor, neither the agency nor the
// department could record the failure, and the member went on clearing
// minors' vouchers and claims (an operations black-box pass).
func addRecord[T any](ctx context.Context, s *Service, staffID int64, kind string, ver Verify, v *rss.ValidationError, guard *heldTo,
	insert func(ctx context.Context, tx *sqlx.Tx, st submission) (int64, error), out *T) error {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return err
	}
	if ver.DocumentReference != nil {
		if a.Role != access.RoleAdmin {
			return rss.Coded(rss.ErrForbidden, "verification_by_department", "only the department (an admin key) verifies staff records")
		}
		text(v, "document_reference", strings.TrimSpace(*ver.DocumentReference), true)
	}
	if err := v.Err(); err != nil {
		return err
	}
	st := submission{columns: "submitted_at, submitted_by_key_id, submitted_by_role", args: []any{s.now(), keyOrNull(a), string(a.Role)}}
	if ver.DocumentReference != nil {
		st.columns += ", verification_status, reviewed_at, reviewed_by_key_id, document_reference"
		st.args = append(st.args, vouchers.VerificationVerified, s.now(), keyOrNull(a), strings.TrimSpace(*ver.DocumentReference))
	}
	k := kindTable[kind]
	return write(ctx, s, out, func(ctx context.Context, tx *sqlx.Tx) error {
		var providerID int64
		err := tx.GetContext(ctx, &providerID, `SELECT provider_id FROM staff WHERE id = $1`, staffID)
		if errors.Is(err, pg.ErrNoRows) || (err == nil && !a.SeesProvider(providerID)) {
			return fmt.Errorf("%w: staff %d", rss.ErrNotFound, staffID)
		}
		if err != nil {
			return err
		}
		// The agency's intake lock before the member's row, the order a
		// staff change (Update) takes them in.
		var held *paidLines
		if guard != nil {
			if held, err = s.holdPaidLines(ctx, tx, staffID, guard.from); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM staff WHERE id = $1 FOR KEY SHARE`, staffID); err != nil {
			return err
		}
		id, err := insert(ctx, tx, st)
		if err != nil {
			return constraintError(err)
		}
		if held != nil {
			if err := held.listLeft(ctx, tx, s.now(), k.entity, id, guard.listed); err != nil {
				return err
			}
		}
		events := []access.Event{{Action: "create", EntityType: k.entity, EntityID: access.ID(id)}}
		if ver.DocumentReference != nil {
			events = append(events, access.Event{Action: "verify", EntityType: k.entity, EntityID: access.ID(id)})
		}
		if err := access.Record(ctx, tx, events...); err != nil {
			return err
		}
		return tx.GetContext(ctx, out, `SELECT `+k.columns+` FROM `+k.table+` WHERE id = $1`, id)
	})
}

// Reviewed is a record after its review.
type Reviewed struct {
	Kind    string `json:"kind" db:"-"`
	ID      int64  `json:"id" db:"id"`
	StaffID int64  `json:"staff_id" db:"staff_id"`
	// WithdrawnOn is a credential's withdrawal day (RejectRecord).
	WithdrawnOn *rss.Date `json:"withdrawn_on,omitempty" db:"withdrawn_on"`
	vouchers.Verification
	// PaidLinesUnqualified are the paid lines the review left unqualified
	// (a withdrawal, a failed check verified), empty when none.
	PaidLinesUnqualified []UnqualifiedLine `json:"paid_lines_unqualified" db:"-"`
}

// VerifyRecord marks a pending record verified (admin only): who (the key),
// when, and the document it was checked against.
func (s *Service) VerifyRecord(ctx context.Context, kind string, id int64, documentReference string) (Reviewed, error) {
	ref := strings.TrimSpace(documentReference)
	v := &rss.ValidationError{}
	text(v, "document_reference", ref, true)
	return s.review(ctx, kind, id, v, "verify", func(cur reviewing) error {
		if cur.Status != vouchers.VerificationPending {
			return rss.Coded(rss.ErrConflict, "already_reviewed", "the record is %s; only a pending record is verified", cur.Status)
		}
		return nil
	}, `verification_status = 'verified', document_reference = $4, rejection_reason = NULL`, ref, nil,
		func(string, *rss.Date) *heldTo {
			// A failed background check, verified, counts against its
			// holder from its day (a reported one counts already, so
			// this lists nothing unless it was on file from before
			// reports counted): the lines it leaves unqualified are
			// listed. Only a background check can fail.
			if kind != KindBackgroundCheck {
				return nil
			}
			return &heldTo{}
		})
}

// heldTo says which paid lines a record of adverse news is read against
// (holdPaidLines: from which day) and, for a submission, where in its
// answer the ones it leaves unqualified go (a review puts them in
// Reviewed's own field).
type heldTo struct {
	from   rss.Date
	listed *[]UnqualifiedLine
}

// RejectRecord rejects a record with a reason (admin only). A pending
// record is rejected on review; a verified one is withdrawn (a licence
// revoked, a document found false), keeping the document it was verified
// against. From then on it counts for nothing, or, for a credential
// withdrawn as of a day (effectiveOn, not after today), for nothing from
// that day: the days before keep it. A withdrawal is adverse news, taken
// over paid lines as a failed check is: the answer lists the ones it
// leaves unqualified.
func (s *Service) RejectRecord(ctx context.Context, kind string, id int64, reason string, effectiveOn rss.Date) (Reviewed, error) {
	return s.reject(ctx, kind, id, reason, effectiveOn, false)
}

// RejectPending rejects a record still waiting for verification, and
// refuses one verified meanwhile (409 already_reviewed) rather than
// withdraw it: the console's queue lists pending records, and a reject
// sent from a page loaded before another tab verified the record withdrew
// the credential just verified, whole (a black-box re-check). Withdrawing
// a verified credential is RejectRecord's.
func (s *Service) RejectPending(ctx context.Context, kind string, id int64, reason string) (Reviewed, error) {
	return s.reject(ctx, kind, id, reason, rss.Date{}, true)
}

func (s *Service) reject(ctx context.Context, kind string, id int64, reason string, effectiveOn rss.Date, pendingOnly bool) (Reviewed, error) {
	reason = strings.TrimSpace(reason)
	v := &rss.ValidationError{}
	switch {
	case rss.Blank(reason):
		v.Add("reason", "required", "reason is required")
	default:
		vouchers.CheckText(v, "reason", reason, 1000)
	}
	var withdrawn any
	if !effectiveOn.IsZero() {
		switch {
		case kind != KindCredential:
			v.Add("effective_on", "not_allowed", "effective_on withdraws a credential as of a day; a %s is rejected whole", kindTable[kind].entity)
		case effectiveOn.After(s.today()):
			v.Add("effective_on", "out_of_range", "effective_on cannot be after today (%s)", s.today())
		}
		withdrawn = effectiveOn
	}
	set := `verification_status = 'rejected', rejection_reason = $4`
	if kind == KindCredential && withdrawn == nil {
		set += `, withdrawn_on = NULL` // rejected whole, a withdrawal as of a day included
	}
	return s.review(ctx, kind, id, v, "reject", func(r reviewing) error {
		cur, was := r.Status, r.Withdrawn
		// Withdrawn as of a day it covered: on or before its valid_from
		// the withdrawal covers no day, and one "as of" 2020-01-01 read
		// so on a credential valid from 2028 (an operations black-box
		// pass). That is the whole record's rejection, said as such.
		// After its valid_to likewise: a lapsed CADC read "rejected,
		// withdrawn from" a day it never covered (a re-check).
		coversADay := func() error {
			if r.ValidFrom != nil && !effectiveOn.IsZero() && !effectiveOn.After(*r.ValidFrom) {
				return rss.Invalid("effective_on", "out_of_range",
					"effective_on %s is not after the credential's valid_from %s: the withdrawal would cover no day; reject it whole, without effective_on",
					effectiveOn, *r.ValidFrom)
			}
			if r.ValidTo != nil && !effectiveOn.IsZero() && effectiveOn.After(*r.ValidTo) {
				return rss.Invalid("effective_on", "out_of_range",
					"effective_on %s is after the credential's valid_to %s: it had lapsed and the withdrawal would cover no day",
					effectiveOn, *r.ValidTo)
			}
			return nil
		}
		// A credential withdrawn as of a day is withdrawn again from an
		// earlier day, or whole, when the department learns the licence
		// went earlier: refused, the days between kept qualifying and a
		// line of them was paid (a black-box pass). It lists the paid lines
		// it leaves unqualified as the first withdrawal does; never moved
		// later (that gives days back, a verification's to do).
		if cur == vouchers.VerificationRejected && was != nil && !pendingOnly {
			if !effectiveOn.IsZero() && !effectiveOn.Before(*was) {
				return rss.Coded(rss.ErrConflict, "already_withdrawn",
					"the credential is withdrawn from %s: a withdrawal moves only to an earlier day (or the whole record, without effective_on)", *was)
			}
			return coversADay()
		}
		if cur == vouchers.VerificationRejected {
			return rss.Coded(rss.ErrConflict, "already_reviewed", "the record is already rejected")
		}
		if pendingOnly && cur == vouchers.VerificationVerified {
			return rss.Coded(rss.ErrConflict, "already_reviewed", "the record is verified (it may have been verified meanwhile): a verified record is withdrawn as of a day, "+
				"POST /v1/staff-records/{kind}/{id}/reject with effective_on")
		}
		if withdrawn != nil && cur != vouchers.VerificationVerified {
			return rss.Coded(rss.ErrConflict, "not_verified", "the credential is %s: only a verified one is withdrawn as of a day; reject it without effective_on", cur)
		}
		return coversADay()
	}, set, reason, withdrawn, func(was string, withdrawnOn *rss.Date) *heldTo {
		if was != vouchers.VerificationVerified && withdrawnOn == nil {
			return nil // a record never verified qualified no one
		}
		// Taken from its true day, paid lines or not: refused (409
		// claims_after_withdrawal) until the agency voided its claims,
		// a licence revoked or a passed check found false kept
		// qualifying, or was withdrawn from a false later day (an
		// operations black-box pass). The lines are listed instead.
		return &heldTo{from: effectiveOn}
	})
}

// paidLines is what a change to staff records is read against: the lines
// that stand paid for services a staff member, or staff they supervise,
// rendered (from a day on, any day when zero), and which of them already
// failed the claim rules before the change. Judged by what the change
// takes away, not by the lines' state after it: a line that failed
// already (a failed check reported earlier) refused every later change of
// the member, a departure after every line and the same role sent again
// among them (a re-check).
//
// Two kinds of change meet them. The agency's own corrections of a staff
// member (role, supervisor, date of birth, employment dates) are refused
// over a line they would leave unqualified (check, 409): each was taken,
// the next batch paid the line and the same service sent after was denied
// 185 (operations black-box passes), and a correction made by mistake
// must not unqualify what was paid. Adverse news (a failed background
// check reported or verified, the department's withdrawal of a verified
// record) is true whatever was paid: it is taken from its own day, and
// listLeft names and audits the lines it leaves unqualified, which stay
// paid for the agency or the MSC to void or recoup (refused, the news
// could not be recorded and the member kept qualifying: a black-box pass).
//
// holdPaidLines takes the agency's intake lock alone, which waits for
// claims in flight and holds new ones until the change commits (so the
// list is whole and every later claim sees the change), and reads the
// lines and their state before the change.
type paidLines struct {
	provider int64
	lines    []billing.RenderedLine
	failed   map[[2]int64]bool // claim id and line number
}

func (s *Service) holdPaidLines(ctx context.Context, tx *sqlx.Tx, staffID int64, from rss.Date) (*paidLines, error) {
	g := &paidLines{}
	if err := tx.GetContext(ctx, &g.provider, `SELECT provider_id FROM staff WHERE id = $1`, staffID); err != nil {
		return nil, fmt.Errorf("staff agency: %w", err)
	}
	if err := pg.LockIntakeAlone(ctx, tx, g.provider); err != nil {
		return nil, err
	}
	var staff []int64
	if err := tx.SelectContext(ctx, &staff, `SELECT id FROM staff WHERE id = $1
		OR id IN (SELECT staff_id FROM staff_supervisions WHERE supervisor_id = $1) ORDER BY id`, staffID); err != nil {
		return nil, fmt.Errorf("supervised staff: %w", err)
	}
	var err error
	if g.lines, err = billing.PaidLinesRenderedBy(ctx, tx, g.provider, staff, from); err != nil || len(g.lines) == 0 {
		return g, err
	}
	failed, err := g.failing(ctx, tx)
	g.failed = map[[2]int64]bool{}
	for _, l := range failed {
		g.failed[[2]int64{l.ClaimID, int64(l.LineNumber)}] = true
	}
	return g, err
}

// failing lists the held lines the claim rules refuse on the staff records
// as they stand in tx.
func (g *paidLines) failing(ctx context.Context, tx *sqlx.Tx) ([]billing.RenderedLine, error) {
	ref, err := vouchers.LoadReference(ctx, tx, 0)
	if err != nil {
		return nil, err
	}
	var out []billing.RenderedLine
	for _, l := range g.lines {
		svc, ok := ref.RuleService(l.ServiceCode)
		if !ok {
			continue
		}
		client := adjudication.Client{DateOfBirth: l.ClientBorn.Time}
		if ok, _ := adjudication.MayRender(ref.RuleStaff(l.StaffID), g.provider, &svc, &client, l.DateOfService.Time, &ref.Settings); !ok {
			out = append(out, l)
		}
	}
	return out, nil
}

// left lists the held lines the change written in tx since holdPaidLines
// left unqualified that qualified before.
func (g *paidLines) left(ctx context.Context, tx *sqlx.Tx) ([]billing.RenderedLine, error) {
	if len(g.lines) == 0 {
		return nil, nil
	}
	now, err := g.failing(ctx, tx)
	if err != nil {
		return nil, err
	}
	var left []billing.RenderedLine
	for _, l := range now {
		if !g.failed[[2]int64{l.ClaimID, int64(l.LineNumber)}] {
			left = append(left, l)
		}
	}
	return left, nil
}

// check refuses the change written in tx since holdPaidLines when it left
// a held line unqualified that qualified before.
func (g *paidLines) check(ctx context.Context, tx *sqlx.Tx, code, advice string) error {
	left, err := g.left(ctx, tx)
	if err != nil {
		return err
	}
	return paidLinesConflict(left, code, "paid claim lines would no longer qualify", advice)
}

// listLeft puts in out the held lines the record (entity id) written in
// tx left unqualified, and audits each (left_unqualified, on its claim and
// client, the line and the record in its outcome), so the MSC finds them
// in the audit log as the agency finds them in the answer. They are the
// agency's own lines: holdPaidLines reads none of another agency's. Their
// claims no batch took yet are held out of batches (billing.HoldRendered,
// at the time at): listed and audited only, a re-check found the next
// register batch paying 25 of 29 of them.
func (g *paidLines) listLeft(ctx context.Context, tx *sqlx.Tx, at time.Time, entity string, id int64, out *[]UnqualifiedLine) error {
	left, err := g.left(ctx, tx)
	if err != nil {
		return err
	}
	var claims []int64
	seen := map[int64]bool{}
	for _, l := range left {
		if !seen[l.ClaimID] {
			seen[l.ClaimID] = true
			claims = append(claims, l.ClaimID)
		}
	}
	held, err := billing.HoldRendered(ctx, tx, at, entity, id, claims)
	if err != nil {
		return err
	}
	list := make([]UnqualifiedLine, 0, len(left))
	events := make([]access.Event, 0, len(left))
	for _, l := range left {
		list = append(list, UnqualifiedLine{ClaimID: l.ClaimID, ClaimNumber: l.ClaimNumber, LineNumber: l.LineNumber, StaffID: l.StaffID,
			ServiceCode: l.ServiceCode, DateOfService: l.DateOfService, Held: held[l.ClaimID]})
		events = append(events, access.Event{Action: "left_unqualified", EntityType: "claim", EntityID: access.ID(l.ClaimID),
			ClientID: l.ClientID, Outcome: fmt.Sprintf("line %d (%s on %s, staff %d) left unqualified by %s %d",
				l.LineNumber, l.ServiceCode, l.DateOfService, l.StaffID, entity, id)})
	}
	*out = list
	return access.Record(ctx, tx, events...)
}

// outsideEmployment refuses new employment dates of r (as the UPDATE will
// write them) that leave out a day its member rendered a held paid line on,
// naming the lines; the schema's trigger refuses the same, unnamed. The
// lines are the ones held before the change (holdPaidLines, under the
// agency's intake lock, so no line is paid meanwhile): read again here,
// the member's lines were read twice.
func (g *paidLines) outsideEmployment(r *staffRow) error {
	var out []billing.RenderedLine
	for _, l := range g.lines {
		if l.StaffID == r.ID && (l.DateOfService.Before(r.EmploymentStart) || (!r.EmploymentEnd.IsZero() && r.EmploymentEnd.Before(l.DateOfService))) {
			out = append(out, l)
		}
	}
	return paidLinesConflict(out, "claims_outside_employment", "paid claim lines this staff member rendered fall outside the employment dates",
		"void or replace those claims first")
}

// paidLinesConflict is the refusal (code) of a change over the paid lines
// it names, the first ten of them, or nil when there are none.
func paidLinesConflict(lines []billing.RenderedLine, code, what, advice string) error {
	if len(lines) == 0 {
		return nil
	}
	const shown = 10
	var left []string
	for _, l := range lines[:min(len(lines), shown)] {
		left = append(left, fmt.Sprintf("claim %s line %d (%s on %s, staff %d)", l.ClaimNumber, l.LineNumber, l.ServiceCode, l.DateOfService, l.StaffID))
	}
	more := ""
	if len(lines) > shown {
		more = fmt.Sprintf(" and %d more", len(lines)-shown)
	}
	return rss.Coded(rss.ErrConflict, code, "%s: %s%s; %s", what, strings.Join(left, ", "), more, advice)
}

// RecordVerification reads a record's verification as it stands (admin
// only): the console tells a verification or rejection sent twice, whose
// first post did what the second asks, from one refused.
func (s *Service) RecordVerification(ctx context.Context, kind string, id int64) (Reviewed, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return Reviewed{}, err
	}
	k, ok := kindTable[kind]
	if !ok {
		return Reviewed{}, fmt.Errorf("%w: no record kind %q", rss.ErrNotFound, kind)
	}
	out := Reviewed{Kind: kind}
	err := s.db.GetContext(ctx, &out, `SELECT id, staff_id, `+vouchers.VerificationColumns+` FROM `+k.table+` WHERE id = $1`, id)
	if errors.Is(err, pg.ErrNoRows) {
		return Reviewed{}, fmt.Errorf("%w: %s %d", rss.ErrNotFound, k.entity, id)
	}
	return out, err
}

// reviewing is a record's state as a review finds it (locked).
type reviewing struct {
	Status    string    `db:"verification_status"`
	StaffID   int64     `db:"staff_id"`
	Withdrawn *rss.Date `db:"withdrawn_on"` // a credential's, null for the other kinds
	ValidFrom *rss.Date `db:"valid_from"`   // likewise
	ValidTo   *rss.Date `db:"valid_to"`     // likewise (null: no end)
	Reason    *string   `db:"rejection_reason"`
}

func (s *Service) review(ctx context.Context, kind string, id int64, v *rss.ValidationError, action string,
	allowed func(cur reviewing) error, set string, arg string, withdrawnOn any,
	guard func(was string, withdrawn *rss.Date) *heldTo) (Reviewed, error) {
	a, err := access.Require(ctx, access.RoleAdmin)
	if err != nil {
		return Reviewed{}, err
	}
	k, ok := kindTable[kind]
	if !ok {
		return Reviewed{}, fmt.Errorf("%w: no record kind %q", rss.ErrNotFound, kind)
	}
	if err := v.Err(); err != nil {
		return Reviewed{}, err
	}
	out := Reviewed{Kind: kind}
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		var cur reviewing
		dates := "NULL::date AS withdrawn_on, NULL::date AS valid_from, NULL::date AS valid_to"
		if kind == KindCredential {
			dates = "withdrawn_on, valid_from, valid_to"
		}
		err := tx.GetContext(ctx, &cur, `SELECT verification_status, staff_id, `+dates+`, rejection_reason FROM `+k.table+`
			WHERE id = $1 FOR UPDATE`, id)
		if errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("%w: %s %d", rss.ErrNotFound, k.entity, id)
		}
		if err != nil {
			return err
		}
		if err := allowed(cur); err != nil {
			return err
		}
		var held *paidLines
		h := guard(cur.Status, cur.Withdrawn)
		if h != nil {
			if held, err = s.holdPaidLines(ctx, tx, cur.StaffID, h.from); err != nil {
				return err
			}
		}
		q := `UPDATE ` + k.table + ` SET ` + set + `, reviewed_at = $2, reviewed_by_key_id = $3
			WHERE id = $1 RETURNING id, staff_id, NULL::date AS withdrawn_on, ` + vouchers.VerificationColumns
		args := []any{id, s.now(), keyOrNull(a), arg}
		if withdrawnOn != nil {
			q = `UPDATE ` + k.table + ` SET ` + set + `, reviewed_at = $2, reviewed_by_key_id = $3, withdrawn_on = $5
				WHERE id = $1 RETURNING id, staff_id, withdrawn_on, ` + vouchers.VerificationColumns
			args = append(args, withdrawnOn)
		}
		if err := tx.GetContext(ctx, &out, q, args...); err != nil {
			return constraintError(err)
		}
		out.PaidLinesUnqualified = []UnqualifiedLine{}
		if held != nil {
			if err := held.listLeft(ctx, tx, s.now(), k.entity, id, &out.PaidLinesUnqualified); err != nil {
				return err
			}
		}
		return access.Record(ctx, tx, access.Event{Action: action, EntityType: k.entity, EntityID: access.ID(id),
			Outcome: reviewOutcome(action, arg, withdrawnOn, cur.Status, cur.Withdrawn, cur.Reason)})
	})
	return out, err
}

// reviewOutcome is what a review decided, for its audit event: a
// withdrawal moved to an earlier day overwrites the record's day and
// reason, and the events said only "reject", so the first withdrawal's day
// and reason were in no record (an operations black-box pass). A
// verification says nothing more than its action.
func reviewOutcome(action, reason string, withdrawnOn any, was string, wasFrom *rss.Date, wasReason *string) string {
	if action != "reject" {
		return ""
	}
	out := "rejected whole: " + reason
	if d, ok := withdrawnOn.(rss.Date); ok {
		out = "withdrawn from " + d.String() + ": " + reason
	}
	if was == vouchers.VerificationRejected {
		before := "rejected whole"
		if wasFrom != nil {
			before = "withdrawn from " + wasFrom.String()
		}
		if wasReason != nil {
			before += ": " + *wasReason
		}
		out += " (it was " + before + ")"
	}
	return out
}

func text(v *rss.ValidationError, field, value string, required bool) {
	switch {
	case rss.Blank(value) && required:
		// A zero-width space is not white space: an issuer of one was
		// taken, a licence from no one to verify (black-box pass).
		v.Add(field, "required", "%s is required", field)
	case strings.ContainsAny(value, "\n\r\t"):
		// One line each (a type, an issuer, a number, an agency, a
		// document's reference): a line break in a licence's issuer was
		// taken (black-box pass).
		v.Add(field, "invalid_character", "%s is one line, without tabs or line breaks", field)
	default:
		// At most maxText characters and no control characters, as the
		// rest of the house holds free text.
		vouchers.CheckText(v, field, value, maxText)
	}
}

func trimmed(p *string) *string {
	if p == nil {
		return nil
	}
	t := strings.TrimSpace(*p)
	return &t
}

func keyOrNull(a access.Actor) any {
	if a.KeyID == 0 {
		return nil
	}
	return a.KeyID
}
