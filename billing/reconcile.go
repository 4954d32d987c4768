package billing

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/access"
)

// PayerAnswerDaysSetting is the setting that says how many days after a
// batch closes each of its claims should have had an answer from the payer.
const PayerAnswerDaysSetting = "payer_answer_days"

// ReconcileFilter picks what a reconciliation covers: one 837P batch, or
// the 837P batches closed from..to (dates in the service's calendar),
// either narrowed to one provider.
type ReconcileFilter struct {
	BatchID    int64    `json:"batch_id,omitempty"`
	ProviderID int64    `json:"provider_id,omitempty"`
	From       rss.Date `json:"from,omitzero"`
	To         rss.Date `json:"to,omitzero"`
}

// Reconciliation sets what rss billed against what the payer answered,
// per batch and provider. Every CLM loop is in exactly one of four
// states: rejected (the 277CA or 999 turned it away, and nothing has
// corrected it yet), posted (the 835's current posting), replaced (not
// posted, and a later batch replaced it: its lines' reversals went out, or
// closed unsent, with a replacement; a rejected loop so corrected is
// replaced, not rejected: read as rejected for good, one service rejected
// in one batch and corrected and paid in the next counted as rejected
// money to chase in the first — a black-box pass; so is a rejected void
// loop sent again, its resend's lines reversing its own), or open (no answer
// yet, accepted and awaiting payment, or reversed and not corrected). So
//
//	difference = billed − paid − adjustments = rejected + open + replaced + unexplained
//
// where unexplained is what the payer's charge (CLP03) of posted claims
// differs from what we billed: zero when every cent is accounted for.
type Reconciliation struct {
	Report              string                    `json:"report"`
	Notice              string                    `json:"notice"`
	Filter              ReconcileFilter           `json:"filter"`
	AsOf                rss.Date                  `json:"as_of"`
	PayerAnswerDays     int                       `json:"payer_answer_days"`
	Rows                []ReconcileRow            `json:"rows"`
	Totals              ReconcileRow              `json:"totals"`
	ProviderAdjustments []PayerProviderAdjustment `json:"provider_adjustments"`
	// ProviderAdjustmentTotal sums ProviderAdjustments (PLB amounts, as
	// the payer signs them: positive reduces its payment): finance added
	// them up by hand to match the deposits (a payer black-box pass).
	ProviderAdjustmentTotal rss.Money         `json:"provider_adjustment_total"`
	Unmatched               []UnmatchedItem   `json:"unmatched"`
	Unanswered              []UnansweredClaim `json:"unanswered"`
	SupersededPaid          []SupersededPaid  `json:"superseded_paid"`
}

// ReconcileRow is one batch and provider (totals: batch and provider 0).
type ReconcileRow struct {
	BatchID          int64            `json:"batch_id,omitempty" db:"batch_id"`
	ProviderID       int64            `json:"provider_id,omitempty" db:"provider_id"`
	Claims           int              `json:"claims" db:"claims"`
	Billed           rss.Money        `json:"billed" db:"billed"`
	AcceptedClaims   int              `json:"accepted_claims" db:"accepted_claims"`
	Accepted         rss.Money        `json:"accepted" db:"accepted"`
	RejectedClaims   int              `json:"rejected_claims" db:"rejected_claims"`
	Rejected         rss.Money        `json:"rejected" db:"rejected"`
	PaidClaims       int              `json:"paid_claims" db:"paid_claims"`
	DeniedClaims     int              `json:"denied_claims" db:"denied_claims"`
	ForwardedClaims  int              `json:"forwarded_claims" db:"forwarded_claims"`
	ZeroPaidClaims   int              `json:"zero_paid_claims" db:"zero_paid_claims"`
	Paid             rss.Money        `json:"paid" db:"paid"`
	Adjustments      []CARCAdjustment `json:"adjustments" db:"-"`
	AdjustmentTotal  rss.Money        `json:"adjustment_total" db:"-"`
	OpenClaims       int              `json:"open_claims" db:"open_claims"`
	Open             rss.Money        `json:"open" db:"open"`
	ReplacedClaims   int              `json:"replaced_claims" db:"replaced_claims"`
	Replaced         rss.Money        `json:"replaced" db:"replaced"`
	UnansweredClaims int              `json:"unanswered_claims" db:"unanswered_claims"`
	Difference       rss.Money        `json:"difference" db:"-"`
	Unexplained      rss.Money        `json:"unexplained" db:"-"`
}

// CARCAdjustment is the sum of one group and CARC's adjustments.
type CARCAdjustment struct {
	Group  string    `json:"group" db:"group_code"`
	CARC   string    `json:"carc" db:"carc"`
	Amount rss.Money `json:"amount" db:"amount"`
}

// UnansweredClaim is a CLM loop the payer has said nothing about
// payer_answer_days after its batch closed.
type UnansweredClaim struct {
	BatchID    int64     `json:"batch_id" db:"batch_id"`
	ProviderID int64     `json:"provider_id" db:"provider_id"`
	ClaimID    int64     `json:"claim_id" db:"claim_id"`
	CLM01      string    `json:"clm01" db:"clm01"`
	Billed     rss.Money `json:"billed" db:"billed"`
	SentOn     rss.Date  `json:"sent_on" db:"sent_on"`
}

// SupersededPaid is a payment standing on a CLM loop of a claim rss has
// since voided or replaced: money the payer holds for a claim rss took
// back. Until the payer answers the void or replacement with a reversal it
// is in flight; SupersedingPaid is what stands paid on the claim that
// carries the service now, the last of the replacement chain (a
// replacement replaced before it went out sends the last one as a new
// claim, which the first version read past; summed down the chain, a
// middle one's own payment counted again: re-checks): above zero, the
// same service paid twice, which the rows' totals
// showed as two payments of ordinary claims (a known gap, from a black-box
// pass that reached it through a payer file imported twice).
type SupersededPaid struct {
	BatchID         int64     `json:"batch_id" db:"batch_id"`
	ProviderID      int64     `json:"provider_id" db:"provider_id"`
	ClaimID         int64     `json:"claim_id" db:"claim_id"`
	CLM01           string    `json:"clm01" db:"clm01"`
	Paid            rss.Money `json:"paid" db:"paid"`
	Status          string    `json:"status" db:"status"` // voided or replaced
	SupersededBy    int64     `json:"superseded_by" db:"superseded_by"`
	SupersedingPaid rss.Money `json:"superseding_paid" db:"superseding_paid"`
}

// reconcileLoops is every CLM loop the filter covers ($1 batch or 0, $2
// provider or 0, $3..$4 the dates the batches closed, $5 the calendar)
// with its state; $6 is the last day a batch may have closed for its
// unanswered loops to be overdue.
//
// Both steps are MATERIALIZED: inlined, every reference the sums below
// make to a column such as replaced copied its subquery into the plan
// (eight copies of the replacement chain's recursive probe), and a
// reconciliation of one batch of six claims took 75 ms to plan and 50 ms
// to run; materialized, 19 ms and 15 ms, the same rows (a reports
// black-box pass timed it at 130-600 ms a call).
const reconcileLoops = `
	WITH loop_states AS MATERIALIZED (
		SELECT x.batch_id, x.provider_id, x.claim_id, x.part, x.clm01, (b.created_at AT TIME ZONE $5)::date AS sent_on,
		       x.line_ids, x.legacy_sv1, x.frequency,
		       (CASE WHEN x.frequency = '8' THEN -1 ELSE 1 END) *
		       (SELECT COALESCE(sum(CASE WHEN x.legacy_sv1 THEN l.charge ELSE abs(l.paid) END), 0)
		        FROM claim_lines l WHERE l.id = ANY (x.line_ids)) AS billed,
		       ` + loopRejectedX + ` AS rejected,
		       (SELECT s.accepted FROM payer_claim_statuses s WHERE s.batch_id = x.batch_id AND s.claim_id = x.claim_id
		          AND s.part = x.part ORDER BY s.reported_at DESC, s.id DESC LIMIT 1) AS ack,
		       (SELECT sum(p.paid) FROM payer_claim_payments p
		        WHERE p.batch_id = x.batch_id AND p.claim_id = x.claim_id AND p.part = x.part AND p.unmatched_reason IS NULL
		          AND NOT p.reversal AND ` + standsP + `) AS current_paid,
		       (SELECT ` + unpaidStateSQL + ` FROM payer_claim_payments p
		        WHERE p.batch_id = x.batch_id AND p.claim_id = x.claim_id AND p.part = x.part AND p.unmatched_reason IS NULL
		          AND NOT p.reversal AND ` + standsP + `) AS unpaid_state,
		       (SELECT sum(p.paid) FROM payer_claim_payments p
		        WHERE p.batch_id = x.batch_id AND p.claim_id = x.claim_id AND p.part = x.part AND p.unmatched_reason IS NULL) AS paid,
		       EXISTS (SELECT 1 FROM claim_lines rl
		               JOIN batch_claims rb ON rb.claim_id = rl.claim_id AND rb.lines > 0 AND rb.batch_id > x.batch_id
		               WHERE rl.reverses_line_id = ANY (x.line_ids)
		                 -- A void's loop does not replace the loop it voids,
		                 -- but a resend's replaces the void loop it sends again.
		                 AND (x.frequency = '8' OR NOT EXISTS (SELECT 1 FROM batch_x12_claims v WHERE v.batch_id = rb.batch_id
		                                 AND v.claim_id = rl.claim_id AND v.frequency = '8' AND rl.id = ANY (v.line_ids))))
		       -- Nor does the void the payer rejected, but its resend closed
		       -- unsent (the payer had taken the loop back itself) does,
		       -- as the void closed unsent would have: the loop read open
		       -- for good (a black-box re-check).
		       -- So does a resend of a resend closed unsent, at any depth:
		       -- only the first resend was read, and the loop read open
		       -- for good after the second closed unsent (a re-check).
		       OR (x.frequency <> '8' AND EXISTS (
		               WITH RECURSIVE sends (id, depth) AS (
		                   SELECT vl.id, 0 FROM claim_lines vl WHERE vl.reverses_line_id = ANY (x.line_ids)
		                   UNION ALL
		                   SELECT sl.id, s.depth + 1 FROM sends s JOIN claim_lines sl ON sl.reverses_line_id = s.id)
		               SELECT 1 FROM sends s
		               JOIN claim_lines sl ON sl.id = s.id
		               JOIN batch_claims sb ON sb.claim_id = sl.claim_id AND sb.lines > 0 AND sb.batch_id > x.batch_id
		               WHERE s.depth > 0
		                 AND NOT EXISTS (SELECT 1 FROM batch_x12_claims v WHERE v.batch_id = sb.batch_id
		                                 AND v.claim_id = sl.claim_id AND sl.id = ANY (v.line_ids)))) AS replaced
		FROM batch_x12_claims x
		JOIN batches b ON b.id = x.batch_id
		WHERE ($1 = 0 OR x.batch_id = $1) AND ($2 = 0 OR x.provider_id = $2)
		  AND ($1 <> 0 OR (b.created_at AT TIME ZONE $5)::date BETWEEN $3 AND $4)),
	loops AS MATERIALIZED (
		SELECT x.*,
		       -- The part of a replaced loop the payer had split that the
		       -- replacement voided (its lines' reversals went out in a
		       -- void loop of the replacement's, one per payer claim, beside
		       -- the loop that replaced the first): open, to net with that
		       -- void loop, as a loop voided whole is, not replaced (a
		       -- void's own loops replace nothing: a rejected void resent
		       -- keeps its original replaced). Counted whole as
		       -- replaced, the void loop read open for good (a payer
		       -- black-box pass). Asked of replaced loops alone.
		       CASE WHEN x.replaced AND x.frequency <> '8' THEN
		           (SELECT COALESCE(sum(CASE WHEN x.legacy_sv1 THEN l.charge ELSE abs(l.paid) END), 0)
		            FROM claim_lines l WHERE l.id = ANY (x.line_ids) AND EXISTS (SELECT 1 FROM claim_lines rl
		                JOIN claims rc ON rc.id = rl.claim_id AND rc.frequency = '7'
		                JOIN batch_claims rb ON rb.claim_id = rl.claim_id AND rb.lines > 0 AND rb.batch_id > x.batch_id
		                JOIN batch_x12_claims v ON v.batch_id = rb.batch_id AND v.claim_id = rl.claim_id AND v.frequency = '8'
		                                       AND rl.id = ANY (v.line_ids)
		                WHERE rl.reverses_line_id = l.id))
		       ELSE 0 END AS voided_billed
		FROM loop_states x)`

const reconcileRowsQuery = reconcileLoops + `
	SELECT batch_id, provider_id, count(*) AS claims, COALESCE(sum(billed), 0) AS billed,
	       count(*) FILTER (WHERE NOT rejected AND (ack OR paid IS NOT NULL)) AS accepted_claims,
	       COALESCE(sum(billed) FILTER (WHERE NOT rejected AND (ack OR paid IS NOT NULL)), 0) AS accepted,
	       count(*) FILTER (WHERE rejected AND NOT replaced) AS rejected_claims,
	       COALESCE(sum(billed) FILTER (WHERE rejected AND NOT replaced), 0) AS rejected,
	       count(*) FILTER (WHERE current_paid > 0) AS paid_claims,
	       count(*) FILTER (WHERE current_paid = 0 AND unpaid_state = '` + PayerDenied + `') AS denied_claims,
	       count(*) FILTER (WHERE current_paid = 0 AND unpaid_state = '` + PayerForwarded + `') AS forwarded_claims,
	       count(*) FILTER (WHERE current_paid = 0 AND unpaid_state = '` + PayerZeroPaid + `') AS zero_paid_claims,
	       COALESCE(sum(paid), 0) AS paid,
	       count(*) FILTER (WHERE NOT rejected AND current_paid IS NULL AND (NOT replaced OR voided_billed <> 0)) AS open_claims,
	       COALESCE(sum(billed) FILTER (WHERE NOT rejected AND current_paid IS NULL AND NOT replaced), 0)
	           + COALESCE(sum(voided_billed) FILTER (WHERE NOT rejected AND current_paid IS NULL AND replaced), 0) AS open,
	       count(*) FILTER (WHERE current_paid IS NULL AND replaced) AS replaced_claims,
	       COALESCE(sum(billed - CASE WHEN rejected THEN 0 ELSE voided_billed END) FILTER (WHERE current_paid IS NULL AND replaced), 0) AS replaced,
	       count(*) FILTER (WHERE NOT rejected AND NOT replaced AND ack IS NULL AND paid IS NULL AND sent_on <= $6) AS unanswered_claims
	FROM loops GROUP BY batch_id, provider_id ORDER BY batch_id, provider_id`

const reconcileUnansweredQuery = reconcileLoops + `
	SELECT batch_id, provider_id, claim_id, clm01, billed, sent_on FROM loops
	WHERE NOT rejected AND NOT replaced AND ack IS NULL AND paid IS NULL AND sent_on <= $6
	ORDER BY batch_id, provider_id, claim_id, part`

const reconcileSupersededQuery = reconcileLoops + `
	SELECT l.batch_id, l.provider_id, l.claim_id, l.clm01, l.current_paid AS paid, c.status, c.superseded_by,
	       COALESCE((WITH RECURSIVE chain (id) AS (
	                     SELECT c.superseded_by
	                     UNION SELECT s.superseded_by FROM claims s JOIN chain ON s.id = chain.id WHERE s.superseded_by IS NOT NULL)
	                 SELECT sum(p.paid) FROM payer_current_postings p
	                 WHERE p.claim_id = (SELECT k.id FROM claims k WHERE k.id IN (SELECT id FROM chain) AND k.superseded_by IS NULL)), 0)
	         AS superseding_paid
	FROM loops l JOIN claims c ON c.id = l.claim_id
	WHERE l.current_paid > 0 AND c.status IN ('voided', 'replaced')
	ORDER BY l.batch_id, l.provider_id, l.claim_id, l.part`

// reconcileAdjustments sums the CAS of every posting (reversals
// included, so an undone adjustment nets out) by batch, provider, group
// and CARC; a pair netted out to nothing is not listed (a black-box pass
// read 0.00 rows after every reversal).
const reconcileAdjustments = `
	SELECT x.batch_id, x.provider_id, a.group_code, a.carc, sum(a.amount) AS amount
	FROM payer_adjustments a
	JOIN payer_claim_payments p ON p.id = a.claim_payment_id AND p.unmatched_reason IS NULL
	JOIN batch_x12_claims x ON x.batch_id = p.batch_id AND x.claim_id = p.claim_id AND x.part = p.part
	JOIN batches b ON b.id = x.batch_id
	WHERE ($1 = 0 OR x.batch_id = $1) AND ($2 = 0 OR x.provider_id = $2)
	  AND ($1 <> 0 OR (b.created_at AT TIME ZONE $5)::date BETWEEN $3 AND $4)
	GROUP BY 1, 2, 3, 4 HAVING sum(a.amount) <> 0 ORDER BY 1, 2, 3, 4`

// reconcileFiles are the payer files a reconciliation lists the unmatched
// items and provider-level adjustments of: for a batch, the files that
// answered anything of it; otherwise the files imported from..to ($1
// batch or 0, $2..$3 the dates, $4 the calendar).
const reconcileFiles = `
	SELECT COALESCE(array_agg(f.id ORDER BY f.id), '{}') FROM payer_files f
	WHERE CASE WHEN $1 = 0 THEN (f.imported_at AT TIME ZONE $4)::date BETWEEN $2 AND $3
	      ELSE EXISTS (SELECT 1 FROM payer_set_acks a WHERE a.file_id = f.id AND a.batch_id = $1)
	        OR EXISTS (SELECT 1 FROM payer_claim_statuses s WHERE s.file_id = f.id AND s.batch_id = $1)
	        OR EXISTS (SELECT 1 FROM payer_claim_payments cp JOIN payer_payments y ON y.id = cp.payment_id
	                   WHERE y.file_id = f.id AND cp.batch_id = $1) END`

// Reconcile sets billed against the payer's answers (finance, admin).
func (s *Service) Reconcile(ctx context.Context, f ReconcileFilter) (Reconciliation, error) {
	if _, err := access.Require(ctx, access.RoleFinance, access.RoleAdmin); err != nil {
		return Reconciliation{}, err
	}
	v := &rss.ValidationError{}
	switch {
	case f.BatchID < 0:
		v.Add("batch", "invalid_value", "batch is a batch id")
	case f.BatchID == 0 && (f.From.IsZero() || f.To.IsZero()):
		// The parameter missing is named: from given alone was told from
		// was required (a black-box pass).
		field := "from"
		if !f.From.IsZero() {
			field = "to"
		}
		v.Add(field, "required", "give batch, or from and to (the dates the batches closed)")
	case f.BatchID != 0 && (!f.From.IsZero() || !f.To.IsZero()):
		v.Add("from", "not_allowed", "from and to go without batch")
	case !f.From.IsZero() && f.To.Before(f.From):
		v.Add("to", "before_from", "to is before from")
	}
	if f.ProviderID < 0 {
		v.Add("provider", "invalid_value", "provider is a provider id")
	}
	if err := v.Err(); err != nil {
		return Reconciliation{}, err
	}
	out := Reconciliation{Report: "reconciliation", Notice: Part2Notice, Filter: f, AsOf: s.today(), Rows: []ReconcileRow{},
		ProviderAdjustments: []PayerProviderAdjustment{}, Unmatched: []UnmatchedItem{}, Unanswered: []UnansweredClaim{},
		SupersededPaid: []SupersededPaid{}}
	// An agency that does not exist is not found, as in every report: it
	// read as one that billed nothing (a black-box pass).
	if f.ProviderID != 0 {
		if err := providerKnown(ctx, s.db, f.ProviderID); err != nil {
			return out, err
		}
	}
	if f.BatchID != 0 {
		b, err := getBatch(ctx, s.db, f.BatchID)
		if err != nil {
			return out, err
		}
		// A payment register's batch went to no payer: reconciling it
		// would read as a batch that billed nothing.
		if b.PayerRoute != RouteMedicaid837P {
			return out, rss.Invalid("batch", "not_837p", "batch %d is a %s batch: the payer reconciliation is of 837P batches",
				f.BatchID, b.PayerRoute)
		}
	}
	tx, err := s.db.BeginTxx(ctx, &sqlTxOptions)
	if err != nil {
		return out, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	if err := tx.GetContext(ctx, &out.PayerAnswerDays, `SELECT COALESCE((SELECT value FROM settings WHERE key = $1), 30)`,
		PayerAnswerDaysSetting); err != nil {
		return out, err
	}
	from, to := f.From, f.To
	if f.BatchID != 0 {
		from, to = rss.MustDate("1900-01-01"), rss.MustDate("2999-12-31")
	}
	cutoff := out.AsOf.AddDays(-out.PayerAnswerDays)
	args := []any{f.BatchID, f.ProviderID, from, to, s.loc.String(), cutoff}
	if err := tx.SelectContext(ctx, &out.Rows, reconcileRowsQuery, args...); err != nil {
		return out, fmt.Errorf("reconcile: %w", err)
	}
	if err := tx.SelectContext(ctx, &out.Unanswered, reconcileUnansweredQuery, args...); err != nil {
		return out, fmt.Errorf("reconcile unanswered: %w", err)
	}
	if err := tx.SelectContext(ctx, &out.SupersededPaid, reconcileSupersededQuery, args[:5]...); err != nil {
		return out, fmt.Errorf("reconcile superseded: %w", err)
	}
	if out.SupersededPaid == nil {
		out.SupersededPaid = []SupersededPaid{}
	}
	var adj []struct {
		BatchID    int64 `db:"batch_id"`
		ProviderID int64 `db:"provider_id"`
		CARCAdjustment
	}
	if err := tx.SelectContext(ctx, &adj, reconcileAdjustments, args[:5]...); err != nil {
		return out, fmt.Errorf("reconcile adjustments: %w", err)
	}
	var files pq.Int64Array
	if err := tx.GetContext(ctx, &files, reconcileFiles, f.BatchID, from, to, s.loc.String()); err != nil {
		return out, fmt.Errorf("reconcile files: %w", err)
	}
	if err := tx.SelectContext(ctx, &out.Unmatched, unmatchedQuery, files); err != nil {
		return out, err
	}
	if err := tx.SelectContext(ctx, &out.ProviderAdjustments, `SELECT a.payment_id, a.provider_ref, a.provider_id, a.fiscal_date, a.reason,
			a.reference, a.amount
		FROM payer_provider_adjustments a JOIN payer_payments p ON p.id = a.payment_id
		WHERE p.file_id = ANY ($1) AND ($2 = 0 OR a.provider_id = $2) ORDER BY a.payment_id, a.seq`, files, f.ProviderID); err != nil {
		return out, err
	}
	if out.Unmatched == nil {
		out.Unmatched = []UnmatchedItem{}
	}
	if out.ProviderAdjustments == nil {
		out.ProviderAdjustments = []PayerProviderAdjustment{}
	}
	plb := decimal.Zero
	for _, a := range out.ProviderAdjustments {
		plb = plb.Add(a.Amount.Decimal)
	}
	out.ProviderAdjustmentTotal = rss.NewMoney(plb)
	type key struct{ b, p int64 }
	byRow := map[key][]CARCAdjustment{}
	totalAdj := map[[2]string]decimal.Decimal{}
	for _, a := range adj {
		k := key{a.BatchID, a.ProviderID}
		byRow[k] = append(byRow[k], a.CARCAdjustment)
		g := [2]string{a.Group, a.CARC}
		totalAdj[g] = totalAdj[g].Add(a.Amount.Decimal)
	}
	t := &out.Totals
	for i := range out.Rows {
		r := &out.Rows[i]
		r.Adjustments = byRow[key{r.BatchID, r.ProviderID}]
		r.settle()
		t.Claims += r.Claims
		t.AcceptedClaims += r.AcceptedClaims
		t.RejectedClaims += r.RejectedClaims
		t.PaidClaims += r.PaidClaims
		t.DeniedClaims += r.DeniedClaims
		t.ForwardedClaims += r.ForwardedClaims
		t.ZeroPaidClaims += r.ZeroPaidClaims
		t.OpenClaims += r.OpenClaims
		t.ReplacedClaims += r.ReplacedClaims
		t.UnansweredClaims += r.UnansweredClaims
		for _, m := range []struct{ dst, src *rss.Money }{{&t.Billed, &r.Billed}, {&t.Accepted, &r.Accepted},
			{&t.Rejected, &r.Rejected}, {&t.Paid, &r.Paid}, {&t.Open, &r.Open}, {&t.Replaced, &r.Replaced}} {
			*m.dst = rss.NewMoney(m.dst.Add(m.src.Decimal))
		}
	}
	for g, amount := range totalAdj {
		if amount.IsZero() {
			continue // rows of other providers that net out
		}
		t.Adjustments = append(t.Adjustments, CARCAdjustment{Group: g[0], CARC: g[1], Amount: rss.NewMoney(amount)})
	}
	sort.Slice(t.Adjustments, func(i, j int) bool {
		a, b := t.Adjustments[i], t.Adjustments[j]
		return a.Group < b.Group || (a.Group == b.Group && a.CARC < b.CARC)
	})
	t.settle()
	// The read's connection is released before the audit takes one (see
	// Export).
	_ = tx.Rollback() // read-only
	err = access.Record(ctx, s.db, access.Event{Action: "export", EntityType: "reconciliation",
		EntityID: reconcileEntity(f)})
	return out, err
}

// settle sums a row's adjustments and works out its difference and what
// of it is unexplained.
func (r *ReconcileRow) settle() {
	if r.Adjustments == nil {
		r.Adjustments = []CARCAdjustment{}
	}
	adj := decimal.Zero
	for _, a := range r.Adjustments {
		adj = adj.Add(a.Amount.Decimal)
	}
	r.AdjustmentTotal = rss.NewMoney(adj)
	diff := r.Billed.Sub(r.Paid.Decimal).Sub(adj)
	r.Difference = rss.NewMoney(diff)
	r.Unexplained = rss.NewMoney(diff.Sub(r.Rejected.Decimal).Sub(r.Open.Decimal).Sub(r.Replaced.Decimal))
}

func reconcileEntity(f ReconcileFilter) string {
	if f.BatchID != 0 {
		return "batch/" + access.ID(f.BatchID)
	}
	s := f.From.String() + ".." + f.To.String()
	if f.ProviderID != 0 {
		s += "/provider/" + access.ID(f.ProviderID)
	}
	return s
}

// WriteJSON writes the reconciliation as JSON.
func (r *Reconciliation) WriteJSON(w io.Writer) error {
	return json.NewEncoder(w).Encode(r)
}

var reconcileHeader = []string{"record", "batch_id", "provider_id", "claims", "billed", "accepted_claims", "accepted",
	"rejected_claims", "rejected", "paid_claims", "denied_claims", "paid", "adjustments", "adjustment_total", "open_claims", "open",
	"unanswered_claims", "difference", "unexplained", "reference", "reason", "replaced_claims", "replaced", "provider_ref", "fiscal_date",
	"forwarded_claims", "zero_paid_claims"}

// WriteCSV writes the reconciliation as CSV led by the Part 2 notice: a
// "row" record per batch and provider, a "total" record, then the
// "provider_adjustment" (PLB), "unmatched", "unanswered" and
// "superseded_paid" items.
func (r *Reconciliation) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{Part2Notice})
	_ = cw.Write(reconcileHeader)
	row := func(kind string, x *ReconcileRow) {
		adj := make([]string, len(x.Adjustments))
		for i, a := range x.Adjustments {
			adj[i] = a.Group + "-" + a.CARC + " " + a.Amount.String()
		}
		ids := func(n int64) string {
			if n == 0 {
				return ""
			}
			return strconv.FormatInt(n, 10)
		}
		_ = cw.Write([]string{kind, ids(x.BatchID), ids(x.ProviderID), strconv.Itoa(x.Claims), x.Billed.String(),
			strconv.Itoa(x.AcceptedClaims), x.Accepted.String(), strconv.Itoa(x.RejectedClaims), x.Rejected.String(),
			strconv.Itoa(x.PaidClaims), strconv.Itoa(x.DeniedClaims), x.Paid.String(), strings.Join(adj, "; "), x.AdjustmentTotal.String(),
			strconv.Itoa(x.OpenClaims), x.Open.String(), strconv.Itoa(x.UnansweredClaims), x.Difference.String(), x.Unexplained.String(), "", "",
			strconv.Itoa(x.ReplacedClaims), x.Replaced.String(), "", "", strconv.Itoa(x.ForwardedClaims), strconv.Itoa(x.ZeroPaidClaims)})
	}
	for i := range r.Rows {
		row("row", &r.Rows[i])
	}
	row("total", &r.Totals)
	item := func(kind, batch, provider, amount, ref, reason string) []string {
		rec := make([]string, len(reconcileHeader))
		rec[0], rec[1], rec[2], rec[11], rec[19], rec[20] = kind, batch, provider, amount, rss.CSVText(ref), rss.CSVText(reason)
		return rec
	}
	// A PLB's own reference (the claim or invoice an offset is for) and
	// fiscal date, beside the provider it names: the CSV carried the
	// provider's NPI as the reference and neither of these (a black-box
	// pass).
	for _, a := range r.ProviderAdjustments {
		p, ref, fiscal := "", "", ""
		if a.ProviderID != nil {
			p = strconv.FormatInt(*a.ProviderID, 10)
		}
		if a.Reference != nil {
			ref = *a.Reference
		}
		if a.FiscalDate != nil {
			fiscal = a.FiscalDate.String()
		}
		rec := item("provider_adjustment", "", p, a.Amount.String(), ref, a.Reason)
		rec[23], rec[24] = rss.CSVText(a.ProviderRef), fiscal
		_ = cw.Write(rec)
	}
	_ = cw.Write(item("provider_adjustment_total", "", "", r.ProviderAdjustmentTotal.String(), "", ""))
	for _, u := range r.Unmatched {
		amount := ""
		if u.Amount != nil {
			amount = u.Amount.String()
		}
		reason := u.Reason
		if u.WithinPosted {
			reason += "; within its claim's posted payment"
		}
		rec := item("unmatched", "", "", amount, u.Kind+" "+u.Reference, reason)
		if u.Kind == "claim_status" {
			// A 277CA's amount is the claim's charge (STC04), money billed,
			// not received: in the paid column, summed with the 835's
			// payments kept aside, it read as money to post (a black-box
			// pass).
			rec[4], rec[11] = amount, ""
		}
		_ = cw.Write(rec)
	}
	for _, u := range r.Unanswered {
		_ = cw.Write(item("unanswered", strconv.FormatInt(u.BatchID, 10), strconv.FormatInt(u.ProviderID, 10), u.Billed.String(),
			u.CLM01, "no answer since "+u.SentOn.String()))
	}
	for _, p := range r.SupersededPaid {
		why := fmt.Sprintf("claim %d %s by claim %d", p.ClaimID, p.Status, p.SupersededBy)
		if p.SupersedingPaid.IsPositive() {
			why += "; paid twice: claim " + strconv.FormatInt(p.SupersededBy, 10) + " paid " + p.SupersedingPaid.String()
		}
		_ = cw.Write(item("superseded_paid", strconv.FormatInt(p.BatchID, 10), strconv.FormatInt(p.ProviderID, 10), p.Paid.String(),
			p.CLM01, why))
	}
	cw.Flush()
	return cw.Error()
}
