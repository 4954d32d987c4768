package billing

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/pg"
)

// An advice (remittance advice) tells one provider what a batch paid and
// why anything was not: every line the batch carries for the provider, and,
// the first time a claim is reported, its denied lines too.

type adviceRow struct {
	ClaimID      int64           `db:"claim_id"`
	ClaimNumber  string          `db:"claim_number"`
	Frequency    string          `db:"frequency"`
	ClientID     int64           `db:"client_id"`
	LineID       int64           `db:"line_id"`
	LineNumber   int             `db:"line_number"`
	ServiceCode  string          `db:"service_code"`
	DOS          rss.Date        `db:"date_of_service"`
	Units        int             `db:"units"`
	UnitsAllowed int             `db:"units_allowed"`
	Charge       decimal.Decimal `db:"charge"`
	Allowed      decimal.Decimal `db:"allowed"`
	Paid         decimal.Decimal `db:"paid"`
	Status       string          `db:"status"`
	Adjustments  []byte          `db:"adjustments"`
	InFile       bool            `db:"in_file"`
}

// AdviceLine is one line of a remittance advice.
type AdviceLine struct {
	LineID        int64        `json:"-"`
	LineNumber    int          `json:"line_number"`
	ServiceCode   string       `json:"service_code"`
	DateOfService rss.Date     `json:"date_of_service"`
	Units         int          `json:"units"`
	UnitsAllowed  int          `json:"units_allowed"`
	Billed        rss.Money    `json:"billed"`
	Allowed       rss.Money    `json:"allowed"`
	Paid          rss.Money    `json:"paid"`
	Status        string       `json:"status"`
	Adjustments   []Adjustment `json:"adjustments"`
	// InFile says the line went out in the batch's file: on a register
	// every payable line; on an 837P the lines of its CLM loops, not the
	// reversals of loops a replacement replaces (the payer reverses those
	// itself) nor of loops the payer rejected, nor a denied line reported.
	InFile bool `json:"in_file"`
	// BilledInFile is what the batch's file billed for a line it carried:
	// the charge on a register, on an 837P the SV102, what was found
	// payable. The in-file rows add up to totals.in_file.billed by it; by
	// billed, the agency's charge, they did not (a claims black-box pass).
	// Absent for a line the file did not carry.
	BilledInFile *rss.Money `json:"billed_in_file,omitempty"`
	// PayerStatus is the state of the CLM loop that carried the line
	// (paid, denied, reversed, rejected, accepted), "not_sent" for a line
	// the file did not carry; absent until Medicaid has answered the claim.
	PayerStatus string `json:"payer_status,omitempty"`
	// PayerPaid is what Medicaid paid for the line (its current 835
	// posting), beside what rss decided; absent until Medicaid has paid
	// or denied the claim.
	PayerPaid *rss.Money `json:"payer_paid,omitempty"`
	// PayerAdjustments and PayerRemarks are the payer's CAS and remark
	// codes for the line where its 835 itemized it (SVC); absent otherwise.
	PayerAdjustments []PayerAdjustment `json:"payer_adjustments,omitempty"`
	PayerRemarks     []string          `json:"payer_remarks,omitempty"`
}

// AdviceClaim is one claim of a remittance advice.
type AdviceClaim struct {
	ClaimID     int64        `json:"claim_id"`
	ClaimNumber string       `json:"claim_number"`
	Frequency   string       `json:"frequency"`
	ClientID    int64        `json:"client_id"`
	Lines       []AdviceLine `json:"lines"`
	// Payer is Medicaid's answer about the claim (GET /v1/claims/{id}
	// shows the same), absent until it has answered.
	Payer *ClaimPayer `json:"payer,omitempty"`
}

// AdviceProvider names the provider an advice is for.
type AdviceProvider struct {
	ID   int64  `json:"id" db:"id"`
	Code string `json:"code" db:"code"`
	Name string `json:"name" db:"name"`
	NPI  string `json:"npi" db:"npi"`
}

// AdviceTotals sums an advice: every line it lists, and (InFile) the
// lines the batch's file carried, which are the batch's own totals for
// the provider (line_count, billed and paid: an 837P bills what was found
// payable). The two differ by the reversals a replacement's batch closes
// without sending and by the denied lines reported.
type AdviceTotals struct {
	Claims   int          `json:"claims"`
	Lines    int          `json:"lines"`
	Billed   rss.Money    `json:"billed"`
	Paid     rss.Money    `json:"paid"`
	Adjusted rss.Money    `json:"adjusted"`
	InFile   AdviceInFile `json:"in_file"`
	// PayerPaid is what Medicaid paid the claims listed (each claim's
	// payer block's paid), absent until it has answered one: a claim
	// paid as a whole (no SVC) has no line's payer_paid, and the CSV
	// showed Medicaid's payment nowhere (a payer black-box pass).
	PayerPaid *rss.Money `json:"payer_paid,omitempty"`
	// ProviderAdjustments sums the PLB amounts of the payments listed
	// (positive withheld), absent when no payment is listed.
	ProviderAdjustments *rss.Money `json:"provider_adjustments,omitempty"`
}

// AdvicePayment is one Medicaid payment (an 835's BPR and TRN) that paid
// or took back claims the advice lists, with the provider-level
// adjustments (PLB: a recoupment, interest) it charged the agency. A PLB
// belongs to a payment, not to a claim nor a batch, so the advice carries
// the payments that touched its claims whole: without them an agency
// balancing its advice against its deposit could not see what was
// withheld (a payer black-box pass; only finance's reconciliation showed
// it).
type AdvicePayment struct {
	PaymentID   int64     `json:"payment_id" db:"payment_id"`
	Trace       string    `json:"trace_number" db:"trace_number"`
	PaymentDate *rss.Date `json:"payment_date" db:"payment_date"`
	// ClaimsPaid sums the payment's CLP04 for the claims this advice
	// lists (a reversal's negative), posted or kept aside.
	ClaimsPaid rss.Money `json:"claims_paid" db:"claims_paid"`
	// ClaimsKeptAside is the part of ClaimsPaid rss posted to no claim
	// (a second payment of a claim paid already, a payment on a void):
	// money the payer is expected to take back. The advice's payments
	// summed past payer_paid with nothing saying which were duplicates (a
	// payer black-box pass of the forty-third stop).
	ClaimsKeptAside rss.Money `json:"claims_kept_aside" db:"claims_kept_aside"`
	// Amount (BPR02, a debit negative) is what the payment moved, and
	// ClaimsPaidTotal its CLP04 for every claim it carries, this batch's
	// and others': Amount = ClaimsPaidTotal − Σ PLB. Both are present only
	// when the payment was made to this agency (its payee names it
	// alone): a payee that names several agencies or none may carry
	// other agencies' money, which one agency's advice never shows.
	Amount          *rss.Money `json:"amount" db:"amount"`
	ClaimsPaidTotal *rss.Money `json:"claims_paid_total" db:"claims_paid_total"`
	// ProviderAdjustments are the payment's PLBs charged to this agency.
	ProviderAdjustments []PayerProviderAdjustment `json:"provider_adjustments" db:"-"`
}

// advicePaymentsQuery reads the payments that answered the claims of
// batch $1 for provider $2 with money, with what each paid them: posted,
// or matched to the claim's loop and kept aside (a payment on a void,
// void_paid), whose money reached the agency all the same (a payment
// that posted nothing was on no advice, its PLBs with it: a black-box
// re-check).
var advicePaymentsQuery = `
	WITH mine AS (
		SELECT cp.payment_id, sum(cp.paid) AS claims_paid,
		       COALESCE(sum(cp.paid) FILTER (WHERE cp.unmatched_reason IS NOT NULL), 0) AS claims_kept_aside
		FROM payer_claim_payments cp
		JOIN batch_claims bc ON bc.batch_id = cp.batch_id AND bc.claim_id = cp.claim_id
		WHERE cp.batch_id = $1 AND bc.provider_id = $2
		GROUP BY cp.payment_id),
	pays AS (
		SELECT y.id, y.trace_number, y.payment_date, y.amount, m.claims_paid, m.claims_kept_aside,
		       ` + payeeProviderSQL("COALESCE(y.payee_npi, '')", "COALESCE(y.payee_tax_id, '')") + ` IS NOT DISTINCT FROM $2::bigint AS to_agency
		FROM mine m JOIN payer_payments y ON y.id = m.payment_id)
	SELECT p.id AS payment_id, p.trace_number, p.payment_date, p.claims_paid, p.claims_kept_aside,
	       CASE WHEN p.to_agency THEN p.amount END AS amount,
	       CASE WHEN p.to_agency THEN (SELECT COALESCE(sum(a.paid), 0) FROM payer_claim_payments a WHERE a.payment_id = p.id) END
	           AS claims_paid_total
	FROM pays p ORDER BY p.id`

// advicePayments reads the payments of an advice and their PLBs charged
// to the provider.
func advicePayments(ctx context.Context, tx pg.Ext, batchID, providerID int64) ([]AdvicePayment, error) {
	var pays []AdvicePayment
	if err := sqlx.SelectContext(ctx, tx, &pays, advicePaymentsQuery, batchID, providerID); err != nil {
		return nil, fmt.Errorf("advice payments: %w", err)
	}
	if len(pays) == 0 {
		return []AdvicePayment{}, nil
	}
	ids := make(pq.Int64Array, len(pays))
	at := map[int64]*AdvicePayment{}
	for i := range pays {
		ids[i] = pays[i].PaymentID
		pays[i].ProviderAdjustments = []PayerProviderAdjustment{}
		at[pays[i].PaymentID] = &pays[i]
	}
	// A PLB is charged to the payee whatever its PLB01 names; one naming
	// another provider (an identifier not the payee's) shows its reason
	// and amount, not that provider's identifier nor the reference, which
	// may be that agency's claim: an agency read another's NPI and
	// reference on its advice (a Part 2 black-box pass).
	var plb []PayerProviderAdjustment
	if err := sqlx.SelectContext(ctx, tx, &plb, `SELECT a.payment_id,
			CASE WHEN a.provider_ref IN (COALESCE(y.payee_npi, ''), COALESCE(y.payee_tax_id, '')) THEN a.provider_ref ELSE '' END AS provider_ref,
			a.provider_id, a.fiscal_date, a.reason,
			CASE WHEN a.provider_ref IN (COALESCE(y.payee_npi, ''), COALESCE(y.payee_tax_id, '')) THEN a.reference END AS reference, a.amount
		FROM payer_provider_adjustments a JOIN payer_payments y ON y.id = a.payment_id
		WHERE a.payment_id = ANY ($1) AND a.provider_id = $2 ORDER BY a.payment_id, a.seq`, ids, providerID); err != nil {
		return nil, fmt.Errorf("advice provider adjustments: %w", err)
	}
	for _, a := range plb {
		p := at[a.PaymentID]
		p.ProviderAdjustments = append(p.ProviderAdjustments, a)
	}
	return pays, nil
}

// AdviceInFile sums the lines of an advice its batch's file carried.
type AdviceInFile struct {
	Lines  int       `json:"lines"`
	Billed rss.Money `json:"billed"`
	Paid   rss.Money `json:"paid"`
}

var adviceQuery = `
	SELECT c.id AS claim_id, c.claim_number, c.frequency, c.client_id, l.id AS line_id, l.line_number, l.service_code, l.date_of_service,
	       l.units, l.units_allowed, l.charge, l.allowed, l.paid, l.status, l.adjustments,
	       bc.lines > 0 AND l.billable AND ($3 <> '` + RouteMedicaid837P + `' OR EXISTS (
	           SELECT 1 FROM batch_x12_claims x WHERE x.batch_id = bc.batch_id AND x.claim_id = bc.claim_id AND l.id = ANY (x.line_ids)))
	           AS in_file
	FROM batch_claims bc
	JOIN claims c ON c.id = bc.claim_id
	JOIN claim_lines l ON l.claim_id = c.id
	WHERE bc.batch_id = $1 AND bc.provider_id = $2
	  AND ((bc.lines > 0 AND l.billable) OR (bc.first_report AND l.status = 'denied'))
	ORDER BY c.id, l.line_number`

// Advice streams one provider's remittance advice for a batch as "json" or
// "csv". A provider key may read only its own agency's advice.
func (s *Service) Advice(ctx context.Context, batchID, providerID int64, format string, w io.Writer) error {
	a, err := access.Require(ctx, access.RoleFinance, access.RoleAdmin, access.RoleProvider)
	if err != nil {
		return err
	}
	if format != "json" && format != "csv" {
		return rss.Invalid("format", "invalid_value", "format must be json or csv")
	}
	if !a.SeesProvider(providerID) {
		return fmt.Errorf("%w: remittance advice of batch %d for provider %d", rss.ErrNotFound, batchID, providerID)
	}
	// A batch that does not exist reads as one holding none of the
	// provider's claims: "batch 77" beside "remittance advice of batch 4"
	// told an agency which batches others' claims went out in, and when
	// (a payer black-box pass of the forty-fourth stop).
	b, err := getBatch(ctx, s.db, batchID)
	if errors.Is(err, rss.ErrNotFound) {
		return fmt.Errorf("%w: remittance advice of batch %d for provider %d", rss.ErrNotFound, batchID, providerID)
	}
	if err != nil {
		return err
	}
	var prov AdviceProvider
	// The provider as the batch froze it; one the batch reports only
	// denials for carries no frozen row and is named as it stands.
	err = s.db.GetContext(ctx, &prov, `SELECT p.id, COALESCE(bp.code, p.code) AS code, COALESCE(bp.name, p.name) AS name,
			COALESCE(bp.npi, p.npi) AS npi
		FROM providers p LEFT JOIN batch_providers bp ON bp.batch_id = $2 AND bp.provider_id = p.id
		WHERE p.id = $1 AND EXISTS (SELECT 1 FROM batch_claims WHERE batch_id = $2 AND provider_id = p.id)`, providerID, batchID)
	if errors.Is(err, pg.ErrNoRows) {
		return fmt.Errorf("%w: remittance advice of batch %d for provider %d", rss.ErrNotFound, batchID, providerID)
	}
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTxx(ctx, &sqlTxOptions)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	// The lines are read through a cursor, a fetch at a time, so the one
	// connection also reads Medicaid's answers between fetches: read on a
	// second connection while the first streamed, every advice needed two
	// at once, and as many advices as the pool has connections waited on
	// each other for good (a black-box pass froze the server with 25).
	if _, err := tx.ExecContext(ctx, `DECLARE advice NO SCROLL CURSOR FOR `+adviceQuery, batchID, providerID, b.PayerRoute); err != nil {
		return fmt.Errorf("advice query: %w", err)
	}

	var out adviceWriter
	if format == "json" {
		out = newJSONAdvice(w, &b, prov)
	} else {
		out = newCSVAdvice(w, &b, prov)
	}
	var cur *AdviceClaim
	var totals AdviceTotals
	billed, paid := decimal.Zero, decimal.Zero
	fileBilled, filePaid := decimal.Zero, decimal.Zero
	medicaidPaid, payerAnswered := decimal.Zero, false
	// Medicaid's answers are read for a chunk of claims at a time, so the
	// advice stays streamed: an 837P batch's claims wait in pending until
	// the chunk is full.
	var pending []*AdviceClaim
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if b.PayerRoute == RouteMedicaid837P {
			ids := make([]int64, len(pending))
			for i, c := range pending {
				ids[i] = c.ClaimID
			}
			answers, err := payerAnswers(ctx, tx, ids)
			if err != nil {
				return err
			}
			for _, c := range pending {
				c.Payer = answers[c.ClaimID]
				if c.Payer == nil {
					continue
				}
				medicaidPaid, payerAnswered = medicaidPaid.Add(c.Payer.Paid.Decimal), true
				for i := range c.Lines {
					// The line's own loop's state: a claim partly rejected
					// has lines of each kind.
					if st, sent := c.Payer.LineStatus[c.Lines[i].LineID]; sent && c.Lines[i].InFile {
						c.Lines[i].PayerStatus = st
					} else if !c.Lines[i].InFile {
						c.Lines[i].PayerStatus = PayerNotSent
					} else {
						c.Lines[i].PayerStatus = c.Payer.Status
					}
					if lp, ok := c.Payer.LinesPaid[c.Lines[i].LineID]; ok {
						c.Lines[i].PayerPaid = &lp
					}
					c.Lines[i].PayerAdjustments = c.Payer.LineAdjustments[c.Lines[i].LineID]
					c.Lines[i].PayerRemarks = c.Payer.LineRemarks[c.Lines[i].LineID]
				}
			}
		}
		for _, c := range pending {
			if err := out.claim(c); err != nil {
				return err
			}
		}
		pending = pending[:0]
		return nil
	}
	line := func(r *adviceRow) error {
		if cur == nil || cur.ClaimID != r.ClaimID {
			if cur != nil {
				pending = append(pending, cur)
			}
			cur = &AdviceClaim{ClaimID: r.ClaimID, ClaimNumber: r.ClaimNumber, Frequency: r.Frequency, ClientID: r.ClientID}
			totals.Claims++
		}
		var adj []Adjustment
		if err := json.Unmarshal(r.Adjustments, &adj); err != nil {
			return err
		}
		for i := range adj {
			if reason, ok := adjudication.Lookup(adj[i].Code); ok {
				adj[i].Text = reason.Text
			}
		}
		charge := r.Charge
		if r.Status == "reversal" {
			charge = charge.Neg()
		}
		al := AdviceLine{LineID: r.LineID, LineNumber: r.LineNumber, ServiceCode: r.ServiceCode, DateOfService: r.DOS,
			Units: r.Units, UnitsAllowed: r.UnitsAllowed, Billed: rss.NewMoney(charge), Allowed: rss.NewMoney(r.Allowed),
			Paid: rss.NewMoney(r.Paid), Status: r.Status, Adjustments: adj, InFile: r.InFile}
		totals.Lines++
		billed, paid = billed.Add(charge), paid.Add(r.Paid)
		if r.InFile {
			// What the file billed: an 837P's SV102 is what was found
			// payable, a register bills the charge. The advice summed the
			// charges for both, and an 837P advice's "billed in file" read
			// 4198.00 beside the batch's 3538.00 (a black-box pass).
			inFile := charge
			if b.PayerRoute == RouteMedicaid837P {
				inFile = r.Paid
			}
			m := rss.NewMoney(inFile)
			al.BilledInFile = &m
			totals.InFile.Lines++
			fileBilled, filePaid = fileBilled.Add(inFile), filePaid.Add(r.Paid)
		}
		cur.Lines = append(cur.Lines, al)
		return nil
	}
	for {
		rows, err := tx.QueryxContext(ctx, `FETCH `+strconv.Itoa(adviceFetch)+` FROM advice`)
		if err != nil {
			return fmt.Errorf("advice fetch: %w", err)
		}
		n := 0
		for rows.Next() {
			n++
			var r adviceRow
			if err := rows.StructScan(&r); err != nil {
				rows.Close()
				return err
			}
			if err := line(&r); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if n < adviceFetch {
			break
		}
		if len(pending) >= adviceChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if cur != nil {
		pending = append(pending, cur)
	}
	if err := flush(); err != nil {
		return err
	}
	payments := []AdvicePayment{}
	if b.PayerRoute == RouteMedicaid837P {
		if payments, err = advicePayments(ctx, tx, batchID, providerID); err != nil {
			return err
		}
	}
	if len(payments) > 0 {
		plb := decimal.Zero
		for _, p := range payments {
			for _, a := range p.ProviderAdjustments {
				plb = plb.Add(a.Amount.Decimal)
			}
		}
		m := rss.NewMoney(plb)
		totals.ProviderAdjustments = &m
	}
	totals.Billed, totals.Paid, totals.Adjusted = rss.NewMoney(billed), rss.NewMoney(paid), rss.NewMoney(billed.Sub(paid))
	totals.InFile.Billed, totals.InFile.Paid = rss.NewMoney(fileBilled), rss.NewMoney(filePaid)
	if payerAnswered {
		m := rss.NewMoney(medicaidPaid)
		totals.PayerPaid = &m
	}
	if err := out.finish(payments, totals); err != nil {
		return err
	}
	_ = tx.Rollback() // read-only: released before the audit takes a connection
	return s.recordDownload(ctx, access.Event{Action: "export", EntityType: "remittance_advice",
		EntityID: access.ID(batchID) + "/" + access.ID(providerID), Outcome: format},
		`SELECT bc.claim_id AS entity_id, c.client_id FROM batch_claims bc JOIN claims c ON c.id = bc.claim_id
		WHERE bc.batch_id = $1 AND bc.provider_id = $2`, batchID, providerID)
}

type adviceWriter interface {
	claim(c *AdviceClaim) error
	finish(payments []AdvicePayment, t AdviceTotals) error
}

// jsonAdvice writes {"batch_id":..,"provider":..,"claims":[...],"payments":[...],"totals":..}
// claim by claim, never holding the whole advice.
type jsonAdvice struct {
	w     *bufio.Writer
	first bool
	err   error
}

func newJSONAdvice(w io.Writer, b *Batch, p AdviceProvider) *jsonAdvice {
	j := &jsonAdvice{w: bufio.NewWriter(w), first: true}
	head, _ := json.Marshal(map[string]any{"batch_id": b.ID, "payer_route": b.PayerRoute, "through_date": b.ThroughDate})
	prov, _ := json.Marshal(p)
	notice, _ := json.Marshal(Part2Notice)
	_, j.err = fmt.Fprintf(j.w, "%s,\"provider\":%s,\"notice\":%s,\"claims\":[", head[:len(head)-1], prov, notice)
	return j
}

func (j *jsonAdvice) claim(c *AdviceClaim) error {
	if j.err != nil {
		return j.err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if !j.first {
		j.w.WriteByte(',')
	}
	j.first = false
	_, j.err = j.w.Write(b)
	return j.err
}

func (j *jsonAdvice) finish(payments []AdvicePayment, t AdviceTotals) error {
	if j.err != nil {
		return j.err
	}
	p, err := json.Marshal(payments)
	if err != nil {
		return err
	}
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	fmt.Fprintf(j.w, "],\"payments\":%s,\"totals\":%s}\n", p, b)
	return j.w.Flush()
}

var adviceHeader = []string{"batch_id", "provider_id", "provider_npi", "claim_id", "claim_number", "frequency", "client_id",
	"line_number", "service_code", "date_of_service", "units", "units_allowed", "billed", "allowed", "paid", "status",
	"adjustments", "remarks", "reasons", "payer_status", "payer_paid", "payer_adjustments", "payer_remarks", "in_file",
	"payer_claim_paid", "payer_claim_adjustments", "payer_claim_remarks", "billed_in_file",
	"payment_trace", "payment_date", "payment_amount", "payment_claims_paid_total", "plb_reason", "plb_reference", "plb_amount",
	"payer_claim_status_codes", "payment_claims_kept_aside"}

type csvAdvice struct {
	w   *csv.Writer
	b   *Batch
	p   AdviceProvider
	row []string
	err error
}

func newCSVAdvice(w io.Writer, b *Batch, p AdviceProvider) *csvAdvice {
	c := &csvAdvice{w: csv.NewWriter(w), b: b, p: p}
	if c.err = c.w.Write([]string{Part2Notice}); c.err == nil {
		c.err = c.w.Write(adviceHeader)
	}
	return c
}

func (c *csvAdvice) claim(cl *AdviceClaim) error {
	if c.err != nil {
		return c.err
	}
	for i, l := range cl.Lines {
		// What Medicaid paid the claim, and why not all of it at claim
		// level, on its first row: a claim paid or denied as a whole has
		// no line's payer_paid nor CAS (payer black-box passes). Appended
		// after the columns programs already read.
		// The payer's status codes (277CA STC, 999 IK5) say why a claim was
		// rejected: the CSV read only "rejected" where the JSON gave
		// A7:562 (a payer black-box pass of the forty-fourth stop).
		claimPaid, claimCAS, claimRemarks, claimStatus := "", "", "", ""
		if i == 0 && cl.Payer != nil {
			claimPaid = cl.Payer.Paid.String()
			claimCAS, claimRemarks = payerCAS(cl.Payer.ClaimAdjustments), strings.Join(cl.Payer.ClaimRemarks, "; ")
			claimStatus = rss.CSVText(strings.Join(cl.Payer.StatusCodes, "; "))
		}
		// The line's own loop's state: a claim partly rejected has lines
		// of each kind.
		var adj, remarks, reasons []string
		for _, a := range l.Adjustments {
			adj = append(adj, a.Group+"-"+a.CARC+" "+a.Amount.String())
			if a.RARC != "" {
				remarks = append(remarks, a.RARC)
			}
			reasons = append(reasons, a.Text)
		}
		c.row = append(c.row[:0], strconv.FormatInt(c.b.ID, 10), strconv.FormatInt(c.p.ID, 10), c.p.NPI,
			strconv.FormatInt(cl.ClaimID, 10), rss.CSVText(cl.ClaimNumber), cl.Frequency, strconv.FormatInt(cl.ClientID, 10),
			strconv.Itoa(l.LineNumber), l.ServiceCode, l.DateOfService.String(), strconv.Itoa(l.Units), strconv.Itoa(l.UnitsAllowed),
			l.Billed.String(), l.Allowed.String(), l.Paid.String(), l.Status, strings.Join(adj, "; "), strings.Join(remarks, "; "),
			strings.Join(reasons, " | "), l.PayerStatus, moneyOrEmpty(l.PayerPaid), payerCAS(l.PayerAdjustments), strings.Join(l.PayerRemarks, "; "),
			strconv.FormatBool(l.InFile), claimPaid, claimCAS, claimRemarks, moneyOrEmpty(l.BilledInFile), "", "", "", "", "", "", "",
			claimStatus, "")
		if c.err = c.w.Write(c.row); c.err != nil {
			return c.err
		}
	}
	return nil
}

func (c *csvAdvice) finish(payments []AdvicePayment, t AdviceTotals) error {
	if c.err != nil {
		return c.err
	}
	// Each payment that touched the claims listed, on a row of its own
	// (what it paid them in payer_claim_paid), then each PLB it charged
	// the agency; the file's totals and the advice's after them.
	head := func(kind string) []string {
		return []string{strconv.FormatInt(c.b.ID, 10), strconv.FormatInt(c.p.ID, 10), c.p.NPI, "", kind, "", "",
			"", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""}
	}
	for _, p := range payments {
		date := ""
		if p.PaymentDate != nil {
			date = p.PaymentDate.String()
		}
		row := head("PAYMENT")
		row[24] = p.ClaimsPaid.String()
		c.row = append(row, rss.CSVText(p.Trace), date, moneyOrEmpty(p.Amount), moneyOrEmpty(p.ClaimsPaidTotal), "", "", "", "",
			p.ClaimsKeptAside.String())
		if c.err = c.w.Write(c.row); c.err != nil {
			return c.err
		}
		for _, a := range p.ProviderAdjustments {
			ref := ""
			if a.Reference != nil {
				ref = rss.CSVText(*a.Reference)
			}
			c.row = append(head("PROVIDER ADJUSTMENT"), rss.CSVText(p.Trace), date, "", "", rss.CSVText(a.Reason), ref, a.Amount.String(), "", "")
			if c.err = c.w.Write(c.row); c.err != nil {
				return c.err
			}
		}
	}
	// The lines the file carried first (the batch's own totals for the
	// provider), then every line listed, last as it always was.
	c.err = c.w.Write([]string{strconv.FormatInt(c.b.ID, 10), strconv.FormatInt(c.p.ID, 10), c.p.NPI, "", "TOTAL IN FILE", "", "",
		strconv.Itoa(t.InFile.Lines), "", "", "", "", t.InFile.Billed.String(), "", t.InFile.Paid.String(), "", "", "", "", "", "",
		"", "", "true", "", "", "", t.InFile.Billed.String(), "", "", "", "", "", "", "", "", ""})
	if c.err == nil {
		c.err = c.w.Write([]string{strconv.FormatInt(c.b.ID, 10), strconv.FormatInt(c.p.ID, 10), c.p.NPI, "", "TOTAL", "", "",
			strconv.Itoa(t.Lines), "", "", "", "", t.Billed.String(), "", t.Paid.String(), "", "adjusted " + t.Adjusted.String(), "", "", "", "",
			"", "", "", moneyOrEmpty(t.PayerPaid), "", "", "", "", "", "", "", "", "", moneyOrEmpty(t.ProviderAdjustments), "", ""})
	}
	c.w.Flush()
	if c.err == nil {
		c.err = c.w.Error()
	}
	return c.err
}

// adviceChunk is how many claims an advice reads Medicaid's answers for at once.
const adviceChunk = 500

// adviceFetch is how many lines one FETCH of the advice's cursor reads.
const adviceFetch = 5000

// moneyOrEmpty is an amount that may be absent as a CSV cell.
func moneyOrEmpty(m *rss.Money) string {
	if m == nil {
		return ""
	}
	return m.String()
}

// payerCAS writes a line's payer adjustments as the advice's own are
// written: group-CARC amount, "; " between.
func payerCAS(adj []PayerAdjustment) string {
	parts := make([]string, len(adj))
	for i, a := range adj {
		parts[i] = a.Group + "-" + a.CARC + " " + a.Amount.String()
	}
	return strings.Join(parts, "; ")
}
