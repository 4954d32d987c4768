package billing

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/pg"
	"rss/vouchers"
)

// An 837P is a disclosure to the payer (42 CFR Part 2, SPEC §10): only a
// client with a current consent naming the payer goes into one. A claim
// whose client has none is held out of 837P batches, whatever its rules
// found payable, and goes into the first batch closed after a consent is
// on file. A void is never held: it takes back what the payer already has
// and discloses nothing new.

// HoldPayerConsentMissing is the reason an 837P claim is held.
const HoldPayerConsentMissing = "payer_consent_missing"

// Hold is why a claim's payable lines wait out of batches.
type Hold struct {
	Code     string `json:"code"`
	Text     string `json:"text"`
	NextStep string `json:"next_step"`
}

var payerConsentHold = Hold{Code: HoldPayerConsentMissing,
	Text: "The client has no current consent to disclose to the Medicaid payer, so the claim cannot go into an 837P: " +
		"its payable lines wait out of batches.",
	NextStep: "Record the client's signed consent naming the payer (POST /v1/consents, recipient_type payer, purpose payment); " +
		"the claim goes into the next 837P batch."}

// payerConsentMissing is a SQL condition on claim c: true when c may not go
// to the payer on day $<today>, for want of a current consent of its
// client, given by its agency, naming the payer for payment. A claim that
// only takes back what the payer was sent is never held: a void, and a
// claim voided or replaced before any batch took it, whose own lines the
// supersession unbilled and whose waiting lines are the reversals of its
// original's sent ones (a replacement held and then voided kept the
// payer's money until a consent that might never come; a black-box pass).
func payerConsentMissing(today string) string {
	return strings.ReplaceAll(`(c.frequency <> '8' AND c.status NOT IN ('voided', 'replaced') AND NOT EXISTS (SELECT 1 FROM consents k
		WHERE k.client_id = c.client_id AND k.disclosing_provider_id = c.provider_id AND k.recipient_type = 'payer'
		  AND k.payer_route = '`+RouteMedicaid837P+`' AND 'payment' = ANY(k.purposes) AND `+vouchers.ConsentInForce("k", "TODAY")+`))`, "TODAY", today)
}

// HoldRenderedUnqualified is the reason a claim is held whose paid lines
// adverse staff news left unqualified (HoldRendered).
const HoldRenderedUnqualified = "rendered_unqualified"

// renderedHold is the hold of a claim a staff record left unqualified:
// which record, never what it says.
func renderedHold(recordType string, recordID int64, heldAt time.Time) Hold {
	what := map[string]string{"background_check": "background check", "staff_credential": "credential",
		"staff_experience": "experience record"}[recordType]
	return Hold{Code: HoldRenderedUnqualified,
		Text: fmt.Sprintf("A staff record of adverse news (%s %d: a failed background check, or a record the department withdrew), "+
			"recorded %s, leaves paid lines of this claim unqualified: its payable lines wait out of batches.",
			what, recordID, heldAt.Format("2006-01-02")),
		NextStep: "The agency voids the claim (POST /v1/claims/{claim_id}/void) or replaces it; the void or replacement releases the hold " +
			"and goes into the next batch. If the lines qualify after all, the MSC releases the hold " +
			"(POST /v1/batch-holds/{claim_id}/release, finance or admin) and the claim goes into the next batch."}
}

// unheldSQL is true of a claim c a hold never keeps out of batches, as
// payerConsentMissing says: a void, and a claim voided or replaced, whose
// waiting lines take back what the payer or the agency already has (a
// hold must not keep money being given back).
const unheldSQL = `(c.frequency = '8' OR c.status IN ('voided', 'replaced'))`

// heldClaimsSQL lists the claims an open hold keeps out of batches: few,
// so a batch's waiting claims leave them out by one hashed lookup each,
// not a probe per claim (the schema's guard, batch_claims_not_held,
// refuses the same).
const heldClaimsSQL = `SELECT h.claim_id FROM claim_holds h JOIN claims c ON c.id = h.claim_id
	WHERE h.released_at IS NULL AND NOT ` + unheldSQL

// holdableSQL is true of a claim c a hold can still keep out of batches:
// payable lines no batch took yet, and not exempt.
const holdableSQL = `(NOT ` + unheldSQL + `
	AND EXISTS (SELECT 1 FROM claim_lines l WHERE l.claim_id = c.id AND l.billable)
	AND NOT EXISTS (SELECT 1 FROM batch_claims b WHERE b.claim_id = c.id AND b.lines > 0))`

// holdRenderedQuery opens a hold on each claim of $1 that can still be
// held and has none open ($2, $3 the staff record, $4 now, $5 the key),
// and answers the claims held now, by this record or an earlier one.
const holdRenderedQuery = `
	WITH held AS (
		INSERT INTO claim_holds (claim_id, code, record_type, record_id, held_at, held_by_key_id)
		SELECT c.id, '` + HoldRenderedUnqualified + `', $2, $3, $4, $5 FROM claims c
		WHERE c.id = ANY($1) AND ` + holdableSQL + `
		ORDER BY c.id
		ON CONFLICT (claim_id, code) WHERE released_at IS NULL DO NOTHING
		RETURNING claim_id)
	SELECT c.id, c.client_id, c.id IN (SELECT claim_id FROM held) AS new FROM claims c
	WHERE c.id = ANY($1) AND ` + holdableSQL + `
	  AND (c.id IN (SELECT claim_id FROM held) OR EXISTS (SELECT 1 FROM claim_holds h
		WHERE h.claim_id = c.id AND h.code = '` + HoldRenderedUnqualified + `' AND h.released_at IS NULL))
	ORDER BY c.id`

// HoldRendered holds out of batches the claims of paid lines a staff
// record of adverse news (recordType, its audit entity type, and id) left
// unqualified: each that has payable lines no batch took yet (a claim
// already batched is past holding: the payer or the agency has it). It
// answers which of them are held now, this record's holds and earlier
// ones. A re-check found the lines the news listed paid by the next
// register batch, 25 of 29. Staff calls it in the record's transaction
// (staff.RejectRecord, AddBackgroundCheck, VerifyRecord), under the
// agency's intake lock. It takes both routes' batch locks shared, as a
// consent's revocation does, so a close under way finishes first (and
// its claims are then read as batched) and the next close reads the
// holds. Each new hold is audited (hold, on its claim); at is the
// caller's clock.
func HoldRendered(ctx context.Context, ext pg.Ext, at time.Time, recordType string, recordID int64, claims []int64) (map[int64]bool, error) {
	held := map[int64]bool{}
	if len(claims) == 0 {
		return held, nil
	}
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	for _, route := range []string{RouteMedicaid837P, RoutePaymentRegister} {
		if _, err := ext.ExecContext(ctx, `SELECT pg_advisory_xact_lock_shared(`+pg.BatchLockKey+`)`, route); err != nil {
			return nil, fmt.Errorf("batch lock: %w", err)
		}
	}
	key := a.KeyArg()
	var rows []struct {
		ClaimID  int64 `db:"id"`
		ClientID int64 `db:"client_id"`
		New      bool  `db:"new"`
	}
	if err := sqlx.SelectContext(ctx, ext, &rows, holdRenderedQuery, pq.Array(claims), recordType, recordID, at, key); err != nil {
		return nil, fmt.Errorf("hold claims: %w", err)
	}
	var events []access.Event
	for _, r := range rows {
		held[r.ClaimID] = true
		if r.New {
			events = append(events, access.Event{Action: "hold", EntityType: "claim", EntityID: access.ID(r.ClaimID), ClientID: r.ClientID,
				Outcome: fmt.Sprintf("%s by %s %d", HoldRenderedUnqualified, recordType, recordID)})
		}
	}
	return held, access.Record(ctx, ext, events...)
}

// ClaimHold is a hold of a claim out of batches, as stored (claim_holds).
type ClaimHold struct {
	ClaimID           int64      `json:"claim_id" db:"claim_id"`
	Code              string     `json:"code" db:"code"`
	RecordType        string     `json:"record_type" db:"record_type"`
	RecordID          int64      `json:"record_id" db:"record_id"`
	HeldAt            time.Time  `json:"held_at" db:"held_at"`
	HeldByKeyID       *int64     `json:"held_by_key_id" db:"held_by_key_id"`
	ReleasedAt        *time.Time `json:"released_at" db:"released_at"`
	ReleasedByKeyID   *int64     `json:"released_by_key_id" db:"released_by_key_id"`
	ReleaseReason     *string    `json:"release_reason" db:"release_reason"`
	ReleasedByClaimID *int64     `json:"released_by_claim_id" db:"released_by_claim_id"`
}

const claimHoldColumns = `claim_id, code, record_type, record_id, held_at, held_by_key_id, released_at, released_by_key_id,
	release_reason, released_by_claim_id`

// ReleaseHold releases the claim's open rendered_unqualified hold (finance
// and admin: the MSC), with a reason: the lines qualify after all (the
// news corrected, a record the department reviewed again), or the MSC
// recoups otherwise. The claim goes into the next batch. 404 for a claim
// that does not exist, 409 not_held for one no such hold keeps out (none
// taken, released already, or released by its void or replacement).
func (s *Service) ReleaseHold(ctx context.Context, claimID int64, reason string) (ClaimHold, error) {
	a, err := access.Require(ctx, access.RoleFinance, access.RoleAdmin)
	if err != nil {
		return ClaimHold{}, err
	}
	reason = strings.TrimSpace(reason)
	v := &rss.ValidationError{}
	if rss.Blank(reason) {
		v.Add("reason", "required", "reason is required")
	} else {
		vouchers.CheckText(v, "reason", reason, 1000)
	}
	if err := v.Err(); err != nil {
		return ClaimHold{}, err
	}
	var out ClaimHold
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		var clientID int64
		err := tx.GetContext(ctx, &clientID, `SELECT client_id FROM claims WHERE id = $1`, claimID)
		if errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("%w: claim %d", rss.ErrNotFound, claimID)
		}
		if err != nil {
			return err
		}
		key := a.KeyArg()
		err = tx.GetContext(ctx, &out, `UPDATE claim_holds SET released_at = $3, released_by_key_id = $4, release_reason = $5
			WHERE claim_id = $1 AND code = $2 AND released_at IS NULL RETURNING `+claimHoldColumns,
			claimID, HoldRenderedUnqualified, s.now(), key, reason)
		if errors.Is(err, pg.ErrNoRows) {
			return rss.Coded(rss.ErrConflict, "not_held", "claim %d is not held out of batches for a staff record (%s): nothing to release",
				claimID, HoldRenderedUnqualified)
		}
		if err != nil {
			return fmt.Errorf("release hold: %w", err)
		}
		return access.Record(ctx, tx, access.Event{Action: "release_hold", EntityType: "claim", EntityID: access.ID(claimID),
			ClientID: clientID, Outcome: HoldRenderedUnqualified + " released: " + reason})
	})
	return out, err
}

// releaseSupersededQuery releases the open holds of the originals a
// submission voided or replaced ($1 originals, $2 'voided' or
// 'replaced', $3 the claim that did, $4 now, $5 the key): what waits of
// them is a take-back, which no hold keeps (unheldSQL), and the hold
// says so rather than stay open on a claim nothing holds.
const releaseSupersededQuery = `
	WITH r AS (
		UPDATE claim_holds h SET released_at = $4, released_by_key_id = $5, release_reason = x.status, released_by_claim_id = x.by
		FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS x(original, status, by)
		WHERE h.claim_id = x.original AND h.released_at IS NULL
		RETURNING h.claim_id, h.code, x.status, x.by)
	SELECT r.claim_id, c.client_id, r.code, r.status, r.by FROM r JOIN claims c ON c.id = r.claim_id ORDER BY r.claim_id`

// releaseSuperseded releases the holds of the originals d superseded, once
// their voids and replacements are written (ids by claim number), and
// audits each release on its claim.
func releaseSuperseded(ctx context.Context, tx *sqlx.Tx, a access.Actor, d *decided, ids map[string]int64) error {
	if len(d.superseded) == 0 {
		return nil
	}
	orig, status, by := make([]int64, len(d.superseded)), make([]string, len(d.superseded)), make([]int64, len(d.superseded))
	for i, x := range d.superseded {
		orig[i], status[i], by[i] = x.original, x.status, ids[x.by]
	}
	key := a.KeyArg()
	var rows []struct {
		ClaimID  int64  `db:"claim_id"`
		ClientID int64  `db:"client_id"`
		Code     string `db:"code"`
		Status   string `db:"status"`
		By       int64  `db:"by"`
	}
	if err := tx.SelectContext(ctx, &rows, releaseSupersededQuery, pq.Array(orig), pq.Array(status), pq.Array(by), d.now, key); err != nil {
		return fmt.Errorf("release superseded holds: %w", err)
	}
	events := make([]access.Event, len(rows))
	for i, r := range rows {
		events[i] = access.Event{Action: "release_hold", EntityType: "claim", EntityID: access.ID(r.ClaimID), ClientID: r.ClientID,
			Outcome: fmt.Sprintf("%s released: %s by claim %d", r.Code, r.Status, r.By)}
	}
	return access.Record(ctx, tx, events...)
}

// heldQuery lists the claims with payable lines no batch holds yet that a
// hold keeps out of batches ($1 today, $2 the provider or 0, $3 the last
// claim id seen, $4 the page size, $5 one claim or 0, $6 a payer route or
// ”): an open rendered_unqualified hold (claim_holds), or, on the 837P
// route, no consent of the client naming the payer. The consent's hold is
// today's state, not part of the claim: it lifts the moment a consent is
// recorded, so it is asked for here rather than stored on the claim.
var heldQuery = `SELECT c.id, c.provider_id, c.client_id, c.claim_number, c.program_code, p.payer_route, c.total_paid,
		count(l.id) AS lines, sum(l.paid) AS amount_waiting, min(l.date_of_service) AS first_service_date, max(l.date_of_service) AS last_service_date,
		h.record_type, h.record_id, h.held_at,
		(p.payer_route = '` + RouteMedicaid837P + `' AND ` + payerConsentMissing("$1::date") + `) AS consent_missing
	FROM claims c
	JOIN programs p ON p.code = c.program_code AND ($6 = '' OR p.payer_route = $6)
	JOIN claim_lines l ON l.claim_id = c.id AND l.billable
		AND NOT EXISTS (SELECT 1 FROM batch_claims b WHERE b.claim_id = c.id AND b.lines > 0)
	LEFT JOIN claim_holds h ON h.claim_id = c.id AND h.code = '` + HoldRenderedUnqualified + `' AND h.released_at IS NULL
		AND NOT ` + unheldSQL + `
	WHERE ($2::bigint = 0 OR c.provider_id = $2) AND ($5::bigint = 0 OR c.id = $5) AND c.id > $3
	  AND (h.id IS NOT NULL OR (p.payer_route = '` + RouteMedicaid837P + `' AND ` + payerConsentMissing("$1::date") + `))
	GROUP BY c.id, p.code, h.id ORDER BY c.id LIMIT $4`

// HeldClaim is a claim held out of batches, with why.
type HeldClaim struct {
	ClaimID     int64     `json:"claim_id" db:"id"`
	ProviderID  int64     `json:"provider_id" db:"provider_id"`
	ClientID    int64     `json:"client_id" db:"client_id"`
	ClaimNumber string    `json:"claim_number" db:"claim_number"`
	ProgramCode string    `json:"program_code" db:"program_code"`
	PayerRoute  string    `json:"payer_route" db:"payer_route"`
	TotalPaid   rss.Money `json:"total_paid" db:"total_paid"`
	// AmountWaiting is what the lines waiting pay, what the batch the
	// hold keeps the claim out of would take: a replacement's total_paid
	// is its net of the original it reverses, which a replacement of a
	// claim never sent does not send (the hold list read 7.25 where 14.50
	// waited: a finance black-box pass).
	AmountWaiting    rss.Money `json:"amount_waiting" db:"amount_waiting"`
	Lines            int       `json:"lines_waiting" db:"lines"`
	FirstServiceDate rss.Date  `json:"first_service_date" db:"first_service_date"`
	LastServiceDate  rss.Date  `json:"last_service_date" db:"last_service_date"`
	// Hold is the first of Holds (a staff record's before a consent's):
	// the field the answer had when a claim had one reason only.
	Hold  Hold   `json:"hold" db:"-"`
	Holds []Hold `json:"holds" db:"-"`
}

// heldRow is a row of heldQuery: the claim and which holds keep it.
type heldRow struct {
	HeldClaim
	RecordType     *string    `db:"record_type"`
	RecordID       *int64     `db:"record_id"`
	HeldAt         *time.Time `db:"held_at"`
	ConsentMissing bool       `db:"consent_missing"`
}

// Holds lists the claims held out of batches today, of one payer route
// or both (route ”), or whether one claim is (claimID not 0): the MSC
// roles see every agency's, a provider its own (the agency reads here
// the claims a staff record the department entered holds).
func (s *Service) Holds(ctx context.Context, claimID int64, route string, p vouchers.Page) (vouchers.List[HeldClaim], error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return vouchers.List[HeldClaim]{}, err
	}
	if route != "" && route != RouteMedicaid837P && route != RoutePaymentRegister {
		return vouchers.List[HeldClaim]{}, rss.Invalid("payer_route", "invalid_value", "payer_route must be medicaid_837p or payment_register")
	}
	after, limit, err := p.After()
	if err != nil {
		return vouchers.List[HeldClaim]{}, err
	}
	var pid int64
	if a.IsProvider() {
		pid = a.ProviderID
	}
	var rows []heldRow
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &rows, heldQuery, s.today(), pid, after, limit+1, claimID, route); err != nil {
			return fmt.Errorf("held claims: %w", err)
		}
		shown := rows[:min(len(rows), limit)]
		events := make([]access.Event, len(shown))
		for i := range shown {
			r := &shown[i]
			r.Holds = []Hold{}
			if r.RecordType != nil && r.RecordID != nil && r.HeldAt != nil {
				r.Holds = append(r.Holds, renderedHold(*r.RecordType, *r.RecordID, r.HeldAt.In(s.loc)))
			}
			if r.ConsentMissing {
				r.Holds = append(r.Holds, payerConsentHold)
			}
			if len(r.Holds) > 0 {
				r.Hold = r.Holds[0]
			}
			events[i] = access.Event{Action: "read", EntityType: "claim", EntityID: access.ID(r.ClaimID), ClientID: r.ClientID}
		}
		return access.Record(ctx, tx, events...)
	})
	if err != nil {
		return vouchers.List[HeldClaim]{}, err
	}
	out := make([]HeldClaim, len(rows))
	for i := range rows {
		out[i] = rows[i].HeldClaim
	}
	return vouchers.Paginate(out, limit, func(h HeldClaim) int64 { return h.ClaimID }), nil
}

// heldCount counts the claims of route held out of batches today whose
// lines all fall on or before through, those a close through that day
// would take but for the hold, for a preview and a refused close to say
// so: "no payable lines are waiting" read as nothing owed while a paid
// claim waited for a payer consent (a finance black-box pass).
func (s *Service) heldCount(ctx context.Context, tx *sqlx.Tx, route string, through rss.Date) (int, error) {
	var n int
	err := tx.GetContext(ctx, &n, `SELECT count(DISTINCT id) FROM (`+heldQuery+`) h WHERE h.last_service_date <= $7`,
		s.today(), 0, 0, math.MaxInt32, 0, route, through)
	if err != nil {
		return 0, fmt.Errorf("held claims: %w", err)
	}
	return n, nil
}

// disclosedQuery names the clients whose claims an 837P batch sends to the
// payer ($1 the batch), for the accounting of disclosures.
const disclosedQuery = `SELECT DISTINCT client_id FROM batch_loops WHERE in_file ORDER BY 1`

// disclosures records, per client, that the batch sent their claims to the payer.
func (s *Service) disclosures(ctx context.Context, tx *sqlx.Tx, batchID int64) error {
	var clients []int64
	if err := tx.SelectContext(ctx, &clients, disclosedQuery); err != nil {
		return fmt.Errorf("batch disclosures: %w", err)
	}
	events := make([]access.Event, len(clients))
	for i, c := range clients {
		events[i] = access.Event{Action: "disclose", EntityType: "batch", EntityID: access.ID(batchID), ClientID: c,
			Purpose: "payment", Recipient: "payer:" + s.parties.PayerID}
	}
	return access.Record(ctx, tx, events...)
}
