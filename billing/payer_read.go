package billing

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/access"
	"rss/pg"
	"rss/vouchers"
	"rss/x12"
)

const payerFileColumns = `f.id, f.kind, f.sha256, f.bytes, f.sender_id, f.receiver_id, f.isa_control, f.gs_control, f.imported_by, f.imported_at`

// payerFileSummaryQuery counts a file's items by kind; only one of the
// three parts has rows for a given file. A TA1's items are its
// interchanges (the sets its rejection answers are not counted again).
// Accepted and rejected count what matched ours (a set we sent, a claim
// we sent): the payer's answer about a set or claim rss never sent
// accepts nothing of ours, and counting it read as one more of ours
// accepted (a black-box pass).
const payerFileSummaryQuery = `
	WITH acks AS (SELECT batch_id, accepted FROM payer_set_acks WHERE file_id = $1 AND code NOT LIKE 'TA1:%'
	              UNION ALL SELECT batch_id, code <> 'R' FROM payer_interchange_acks WHERE file_id = $1),
	     sts AS (SELECT * FROM payer_claim_statuses WHERE file_id = $1),
	     pays AS (SELECT * FROM payer_payments WHERE file_id = $1),
	     cps AS (SELECT cp.* FROM payer_claim_payments cp JOIN pays ON pays.id = cp.payment_id)
	SELECT
		(SELECT count(*) FROM acks) + (SELECT count(*) FROM sts) + (SELECT count(*) FROM cps) AS items,
		(SELECT count(*) FROM acks WHERE batch_id IS NOT NULL) + (SELECT count(*) FROM sts WHERE claim_id IS NOT NULL)
			+ (SELECT count(*) FROM cps WHERE unmatched_reason IS NULL) AS matched,
		(SELECT count(*) FROM acks WHERE batch_id IS NULL) + (SELECT count(*) FROM sts WHERE claim_id IS NULL)
			+ (SELECT count(*) FROM cps WHERE unmatched_reason IS NOT NULL) AS unmatched,
		(SELECT count(*) FROM acks WHERE accepted AND batch_id IS NOT NULL)
			+ (SELECT count(*) FROM sts WHERE accepted AND claim_id IS NOT NULL) AS accepted,
		(SELECT count(*) FROM acks WHERE NOT accepted AND batch_id IS NOT NULL)
			+ (SELECT count(*) FROM sts WHERE NOT accepted AND claim_id IS NOT NULL) AS rejected,
		(SELECT count(*) FROM pays) AS payments,
		(SELECT COALESCE(sum(amount), 0) FROM pays) AS total,
		(SELECT COALESCE(sum(paid), 0) FROM cps) AS paid,
		(SELECT COALESCE(sum(paid), 0) FROM cps WHERE unmatched_reason IS NULL) AS posted,
		(SELECT COALESCE(sum(a.amount), 0) FROM payer_provider_adjustments a JOIN pays ON pays.id = a.payment_id) AS provider_adjustments`

func getPayerFile(ctx context.Context, ext pg.Ext, id int64) (PayerFile, error) {
	var f PayerFile
	err := sqlx.GetContext(ctx, ext, &f, `SELECT `+payerFileColumns+` FROM payer_files f WHERE f.id = $1`, id)
	if errors.Is(err, pg.ErrNoRows) {
		return f, fmt.Errorf("%w: payer file %d", rss.ErrNotFound, id)
	}
	if err != nil {
		return f, err
	}
	err = sqlx.GetContext(ctx, ext, &f.Summary, payerFileSummaryQuery, id)
	return f, err
}

// PayerFiles lists imported payer files, oldest first (finance, admin).
func (s *Service) PayerFiles(ctx context.Context, kind string, p vouchers.Page) (vouchers.List[PayerFile], error) {
	if _, err := access.Require(ctx, access.RoleFinance, access.RoleAdmin); err != nil {
		return vouchers.List[PayerFile]{}, err
	}
	switch kind {
	case "", PayerFile999, PayerFile277CA, PayerFile835, PayerFileTA1:
	default:
		return vouchers.List[PayerFile]{}, rss.Invalid("kind", "invalid_value", "kind must be 999, 277CA, 835 or TA1")
	}
	after, limit, err := p.After()
	if err != nil {
		return vouchers.List[PayerFile]{}, err
	}
	var rows []PayerFile
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+payerFileColumns+` FROM payer_files f
		WHERE f.id > $1 AND ($2 = '' OR f.kind = $2) ORDER BY f.id LIMIT $3`, after, kind, limit+1); err != nil {
		return vouchers.List[PayerFile]{}, fmt.Errorf("list payer files: %w", err)
	}
	for i := range rows[:min(len(rows), limit)] {
		if err := s.db.GetContext(ctx, &rows[i].Summary, payerFileSummaryQuery, rows[i].ID); err != nil {
			return vouchers.List[PayerFile]{}, err
		}
	}
	return vouchers.Paginate(rows, limit, func(f PayerFile) int64 { return f.ID }), nil
}

// PayerFileDetail is one imported file with every item it recorded.
type PayerFileDetail struct {
	PayerFile
	SetAcks []PayerSetAck `json:"set_acks,omitempty"`
	// InterchangeAcks are a TA1 file's answers, one per interchange.
	InterchangeAcks []PayerInterchangeAck `json:"interchange_acks,omitempty"`
	ClaimStatuses   []PayerClaimStatus    `json:"claim_statuses,omitempty"`
	Payments        []PayerPayment        `json:"payments,omitempty"`
	Unmatched       []UnmatchedItem       `json:"unmatched"`
}

// PayerInterchangeAck is a TA1's answer about one interchange rss sent.
type PayerInterchangeAck struct {
	ISAControl int64  `json:"isa_control" db:"isa_control"`
	BatchID    *int64 `json:"batch_id" db:"batch_id"`
	Code       string `json:"code" db:"code"` // A, E or R
	Accepted   bool   `json:"accepted" db:"accepted"`
	Note       string `json:"note" db:"note"`
	// NoteText is what the note code says (x12.TA1Note).
	NoteText        string  `json:"note_text" db:"-"`
	UnmatchedReason *string `json:"unmatched_reason,omitempty" db:"unmatched_reason"`
}

// PayerSetAck is a 999's answer about one transaction set (and a TA1's
// rejection's, for each set of the interchange it rejected).
type PayerSetAck struct {
	SetControl string         `json:"set_control" db:"set_control"`
	BatchID    *int64         `json:"batch_id" db:"batch_id"`
	Code       string         `json:"code" db:"code"`
	Accepted   bool           `json:"accepted" db:"accepted"`
	Errors     pq.StringArray `json:"errors" db:"errors"`
	// ClaimErrors are the IK3/IK4 codes a CTX*CLM01 ties to one claim of
	// the set, by the CLM01 sent; each claim reads its own (errors are
	// every claim's).
	ClaimErrors     ClaimCodes `json:"claim_errors,omitempty" db:"claim_errors"`
	UnmatchedReason *string    `json:"unmatched_reason,omitempty" db:"unmatched_reason"`
}

// ClaimCodes are codes by the CLM01 they concern, read from a JSON object.
type ClaimCodes map[string][]string

// Scan reads the JSON object (NULL: none).
func (c *ClaimCodes) Scan(src any) error {
	*c = nil
	switch v := src.(type) {
	case nil:
		return nil
	case []byte:
		return json.Unmarshal(v, c)
	case string:
		return json.Unmarshal([]byte(v), c)
	}
	return fmt.Errorf("claim codes: cannot read %T", src)
}

// PayerClaimStatus is a 277CA's answer about one claim.
type PayerClaimStatus struct {
	CLM01           string         `json:"clm01" db:"clm01"`
	BatchID         *int64         `json:"batch_id" db:"batch_id"`
	ClaimID         *int64         `json:"claim_id" db:"claim_id"`
	Part            *int           `json:"part,omitempty" db:"part"`
	Accepted        bool           `json:"accepted" db:"accepted"`
	Statuses        pq.StringArray `json:"status_codes" db:"statuses"`
	PayerCCN        *string        `json:"payer_claim_control_number" db:"payer_ccn"`
	Charge          *rss.Money     `json:"charge" db:"charge"`
	UnmatchedReason *string        `json:"unmatched_reason,omitempty" db:"unmatched_reason"`
}

// PayerPayment is one 835 payment and the claims it posted.
type PayerPayment struct {
	ID          int64                     `json:"id" db:"id"`
	STControl   string                    `json:"st_control" db:"st_control"`
	Handling    string                    `json:"handling" db:"handling"`
	Amount      rss.Money                 `json:"amount" db:"amount"`
	CreditDebit string                    `json:"credit_debit" db:"credit_debit"`
	Method      *string                   `json:"method" db:"method"`
	PaymentDate *rss.Date                 `json:"payment_date" db:"payment_date"`
	Trace       string                    `json:"trace_number" db:"trace_number"`
	Originator  string                    `json:"originator" db:"originator"`
	PayeeNPI    *string                   `json:"payee_npi" db:"payee_npi"`
	Claims      []PayerClaimPayment       `json:"claims" db:"-"`
	PLB         []PayerProviderAdjustment `json:"provider_adjustments" db:"-"`
}

// PayerProviderAdjustment is one PLB reason and amount: positive withheld.
type PayerProviderAdjustment struct {
	PaymentID   int64     `json:"-" db:"payment_id"`
	ProviderRef string    `json:"provider_ref" db:"provider_ref"`
	ProviderID  *int64    `json:"provider_id" db:"provider_id"`
	FiscalDate  *rss.Date `json:"fiscal_date" db:"fiscal_date"`
	Reason      string    `json:"reason" db:"reason"`
	Reference   *string   `json:"reference" db:"reference"`
	Amount      rss.Money `json:"amount" db:"amount"`
}

// PayerClaimPayment is one CLP as recorded: what it posted to, or why not.
type PayerClaimPayment struct {
	ID          int64      `json:"id" db:"id"`
	PaymentID   int64      `json:"-" db:"payment_id"`
	CLP01       string     `json:"clp01" db:"clp01"`
	StatusCode  string     `json:"status_code" db:"status_code"`
	Charge      rss.Money  `json:"charge" db:"charge"`
	Paid        rss.Money  `json:"paid" db:"paid"`
	PatientResp *rss.Money `json:"patient_responsibility" db:"patient_resp"`
	PayerCCN    *string    `json:"payer_claim_control_number" db:"payer_ccn"`
	Reversal    bool       `json:"reversal" db:"reversal"`
	BatchID     *int64     `json:"batch_id" db:"batch_id"`
	ClaimID     *int64     `json:"claim_id" db:"claim_id"`
	Part        *int       `json:"part,omitempty" db:"part"`
	ReversesID  *int64     `json:"reverses_id,omitempty" db:"reverses_id"`
	// ReversesWhole: the reversal undoes every part of the payment it
	// names a part of (the payer split the claim, and took it back whole).
	ReversesWhole   bool               `json:"reverses_whole,omitempty" db:"reverses_whole"`
	Remarks         pq.StringArray     `json:"remarks" db:"remarks"`
	UnmatchedReason *string            `json:"unmatched_reason,omitempty" db:"unmatched_reason"`
	Adjustments     []PayerAdjustment  `json:"adjustments" db:"-"`
	Lines           []PayerLinePayment `json:"lines" db:"-"`
}

// PayerLinePayment is one SVC as recorded.
type PayerLinePayment struct {
	ID              int64             `json:"-" db:"id"`
	ClaimPaymentID  int64             `json:"-" db:"claim_payment_id"`
	Procedure       string            `json:"procedure_code" db:"procedure_code"`
	Modifiers       pq.StringArray    `json:"modifiers" db:"modifiers"`
	Charge          rss.Money         `json:"charge" db:"charge"`
	Paid            rss.Money         `json:"paid" db:"paid"`
	LineRef         *string           `json:"line_control_number" db:"line_ref"`
	LineID          *int64            `json:"line_id" db:"line_id"`
	Remarks         pq.StringArray    `json:"remarks" db:"remarks"`
	UnmatchedReason *string           `json:"unmatched_reason,omitempty" db:"unmatched_reason"`
	Adjustments     []PayerAdjustment `json:"adjustments" db:"-"`
}

// PayerAdjustment is one CAS triplet as the payer sent it.
type PayerAdjustment struct {
	ClaimPaymentID int64            `json:"-" db:"claim_payment_id"`
	LinePaymentID  *int64           `json:"-" db:"line_payment_id"`
	Group          string           `json:"group" db:"group_code"`
	CARC           string           `json:"carc" db:"carc"`
	Amount         rss.Money        `json:"amount" db:"amount"`
	Quantity       *decimal.Decimal `json:"quantity,omitempty" db:"quantity"`
}

// UnmatchedItem is an item of a payer file that posted nothing, and why.
type UnmatchedItem struct {
	FileID    int64      `json:"file_id" db:"file_id"`
	Kind      string     `json:"kind" db:"kind"`           // set_ack, claim_status, claim_payment, line_payment
	Reference string     `json:"reference" db:"reference"` // ST02, CLM01 or REF*6R as the payer sent it
	Reason    string     `json:"reason" db:"reason"`
	Amount    *rss.Money `json:"amount,omitempty" db:"amount"`
	// WithinPosted: a line payment of a claim payment that posted, so its
	// amount is within what the claim posted, not money left unposted.
	// The list added it to the claim-level items, and its amounts read as
	// more unposted money than the file held (a black-box pass). The lines
	// of a claim payment kept aside are within it and not listed apart
	// (a re-check), as those of one matching no claim are not.
	WithinPosted bool `json:"within_posted" db:"within_posted"`
}

// unmatchedQuery lists the unmatched items of the files $1. A 999's
// answer to a group whole (no AK2) is referred to by its group control
// number: its reference read empty (a payer black-box pass).
const unmatchedQuery = `
	SELECT file_id, 'set_ack' AS kind, COALESCE(NULLIF(set_control, ''), 'group ' || group_control) AS reference,
	       unmatched_reason AS reason, NULL::numeric AS amount,
	       false AS within_posted
	FROM payer_set_acks WHERE file_id = ANY ($1) AND unmatched_reason IS NOT NULL
	UNION ALL
	SELECT file_id, 'interchange_ack', lpad(isa_control::text, 9, '0'), unmatched_reason, NULL::numeric, false
	FROM payer_interchange_acks WHERE file_id = ANY ($1) AND unmatched_reason IS NOT NULL
	UNION ALL
	SELECT file_id, 'claim_status', clm01, unmatched_reason, charge, false
	FROM payer_claim_statuses WHERE file_id = ANY ($1) AND unmatched_reason IS NOT NULL
	UNION ALL
	SELECT p.file_id, 'claim_payment', cp.clp01, cp.unmatched_reason, cp.paid, false
	FROM payer_claim_payments cp JOIN payer_payments p ON p.id = cp.payment_id
	WHERE p.file_id = ANY ($1) AND cp.unmatched_reason IS NOT NULL
	UNION ALL
	SELECT p.file_id, 'line_payment', COALESCE(lp.line_ref, ''), lp.unmatched_reason, lp.paid, cp.unmatched_reason IS NULL
	FROM payer_line_payments lp JOIN payer_claim_payments cp ON cp.id = lp.claim_payment_id JOIN payer_payments p ON p.id = cp.payment_id
	WHERE p.file_id = ANY ($1) AND lp.unmatched_reason IS NOT NULL AND lp.unmatched_reason <> '` + UnmatchedClaimLine + `'
	  AND cp.unmatched_reason IS NULL
	ORDER BY 1, 2, 3`

// PayerFile reads one imported file with what it posted and what did not
// match (finance, admin).
func (s *Service) PayerFile(ctx context.Context, id int64) (PayerFileDetail, error) {
	if _, err := access.Require(ctx, access.RoleFinance, access.RoleAdmin); err != nil {
		return PayerFileDetail{}, err
	}
	var d PayerFileDetail
	err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		f, err := getPayerFile(ctx, tx, id)
		if err != nil {
			return err
		}
		d.PayerFile = f
		if err := tx.SelectContext(ctx, &d.SetAcks, `SELECT set_control, batch_id, code, accepted, errors,
				NULLIF(claim_errors, '{}') AS claim_errors, unmatched_reason
			FROM payer_set_acks WHERE file_id = $1 ORDER BY seq`, id); err != nil {
			return err
		}
		if err := tx.SelectContext(ctx, &d.InterchangeAcks, `SELECT isa_control, batch_id, code, code <> 'R' AS accepted, note,
				unmatched_reason FROM payer_interchange_acks WHERE file_id = $1 ORDER BY seq`, id); err != nil {
			return err
		}
		for i := range d.InterchangeAcks {
			d.InterchangeAcks[i].NoteText = x12.TA1Note(d.InterchangeAcks[i].Note)
		}
		if err := tx.SelectContext(ctx, &d.ClaimStatuses, `SELECT clm01, batch_id, claim_id, part, accepted, statuses, payer_ccn, charge,
				unmatched_reason FROM payer_claim_statuses WHERE file_id = $1 ORDER BY seq`, id); err != nil {
			return err
		}
		if err := tx.SelectContext(ctx, &d.Payments, `SELECT id, st_control, handling, amount, credit_debit, method, payment_date,
				trace_number, originator, payee_npi FROM payer_payments WHERE file_id = $1 ORDER BY seq`, id); err != nil {
			return err
		}
		if len(d.Payments) > 0 {
			if err := attachPayments(ctx, tx, d.Payments); err != nil {
				return err
			}
		}
		if err := tx.SelectContext(ctx, &d.Unmatched, unmatchedQuery, pq.Int64Array{id}); err != nil {
			return err
		}
		if d.Unmatched == nil {
			d.Unmatched = []UnmatchedItem{}
		}
		if err := access.Record(ctx, tx, access.Event{Action: "read", EntityType: "payer_file", EntityID: access.ID(id)}); err != nil {
			return err
		}
		// The file shows each claim it answered (its status, payment,
		// adjustments and the payer's claim number), as the claim's own
		// page does: a read set lists them under their clients, as a
		// batch file's download does (the file's read named no client: a
		// reports black-box pass).
		return access.RecordReads(ctx, tx, "claim", `SELECT s.claim_id AS entity_id, c.client_id
			FROM payer_claim_statuses s JOIN claims c ON c.id = s.claim_id WHERE s.file_id = $1
			UNION
			SELECT cp.claim_id, c.client_id FROM payer_claim_payments cp JOIN payer_payments p ON p.id = cp.payment_id
			JOIN claims c ON c.id = cp.claim_id WHERE p.file_id = $1`, id)
	})
	return d, err
}

func attachPayments(ctx context.Context, tx *sqlx.Tx, pays []PayerPayment) error {
	ids := make(pq.Int64Array, len(pays))
	at := map[int64]*PayerPayment{}
	for i := range pays {
		ids[i], at[pays[i].ID] = pays[i].ID, &pays[i]
		pays[i].Claims, pays[i].PLB = []PayerClaimPayment{}, []PayerProviderAdjustment{}
	}
	var claims []PayerClaimPayment
	if err := tx.SelectContext(ctx, &claims, `SELECT id, payment_id, clp01, status_code, charge, paid, patient_resp, payer_ccn, reversal,
			batch_id, claim_id, part, reverses_id, reverses_whole, remarks, unmatched_reason
		FROM payer_claim_payments WHERE payment_id = ANY ($1) ORDER BY payment_id, seq`, ids); err != nil {
		return err
	}
	if err := attachClaimPayments(ctx, tx, claims); err != nil {
		return err
	}
	for _, c := range claims {
		at[c.PaymentID].Claims = append(at[c.PaymentID].Claims, c)
	}
	var plb []PayerProviderAdjustment
	if err := tx.SelectContext(ctx, &plb, `SELECT payment_id, provider_ref, provider_id, fiscal_date, reason, reference, amount
		FROM payer_provider_adjustments WHERE payment_id = ANY ($1) ORDER BY payment_id, seq`, ids); err != nil {
		return err
	}
	for _, a := range plb {
		at[a.PaymentID].PLB = append(at[a.PaymentID].PLB, a)
	}
	return nil
}

// attachClaimPayments fills each claim payment's adjustments and lines.
func attachClaimPayments(ctx context.Context, ext pg.Ext, claims []PayerClaimPayment) error {
	if len(claims) == 0 {
		return nil
	}
	ids := make(pq.Int64Array, len(claims))
	at := map[int64]*PayerClaimPayment{}
	for i := range claims {
		ids[i], at[claims[i].ID] = claims[i].ID, &claims[i]
		claims[i].Adjustments, claims[i].Lines = []PayerAdjustment{}, []PayerLinePayment{}
	}
	var lines []PayerLinePayment
	if err := sqlx.SelectContext(ctx, ext, &lines, `SELECT id, claim_payment_id, procedure_code, modifiers, charge, paid, line_ref, line_id,
			remarks, unmatched_reason FROM payer_line_payments WHERE claim_payment_id = ANY ($1) ORDER BY claim_payment_id, seq`, ids); err != nil {
		return err
	}
	var adj []PayerAdjustment
	if err := sqlx.SelectContext(ctx, ext, &adj, `SELECT claim_payment_id, line_payment_id, group_code, carc, amount, quantity
		FROM payer_adjustments WHERE claim_payment_id = ANY ($1) ORDER BY claim_payment_id, seq`, ids); err != nil {
		return err
	}
	lineAdj := map[int64][]PayerAdjustment{}
	for _, a := range adj {
		if a.LinePaymentID != nil {
			lineAdj[*a.LinePaymentID] = append(lineAdj[*a.LinePaymentID], a)
			continue
		}
		at[a.ClaimPaymentID].Adjustments = append(at[a.ClaimPaymentID].Adjustments, a)
	}
	for _, l := range lines {
		l.Adjustments = lineAdj[l.ID]
		if l.Adjustments == nil {
			l.Adjustments = []PayerAdjustment{}
		}
		at[l.ClaimPaymentID].Lines = append(at[l.ClaimPaymentID].Lines, l)
	}
	return nil
}

// Payer statuses of a claim, as its provider sees them.
const (
	PayerAccepted = "accepted"
	PayerRejected = "rejected"
	PayerPaid     = "paid"
	PayerDenied   = "denied"
	// PayerForwarded: the payer paid nothing, the claim not being its own
	// and sent on to another payer (CLP02 23). PayerZeroPaid: the payer
	// processed the claim and paid nothing, the charge going to the
	// patient's responsibility (a deductible), to another payer's payment
	// or to the adjustments it lists; it did not deny it. Both read
	// "denied" (a black-box pass by the payer's EDI team).
	PayerForwarded = "forwarded"
	PayerZeroPaid  = "zero_paid"
	PayerReversed  = "reversed"
	// PayerNotSent is a remittance advice line's state when the batch's
	// file did not carry it (an unsent reversal, a denied line reported).
	PayerNotSent = "not_sent"
	// PayerPartlyRejected: some of the claim's CLM loops were turned away
	// (rejected_lines), the others accepted or answered. A claim of two
	// loops, one rejected and one paid, read "paid", the rejected lines
	// nowhere but a status code (a black-box pass).
	PayerPartlyRejected = "partly_rejected"
	// PayerPartlyReversed: the payer took back the payment of some of the
	// claim's CLM loops (reversed_lines) and has not paid them again,
	// while its other loops stand paid or denied. Such a claim read
	// "paid", the money taken back shown only in payer.loops (a known gap).
	PayerPartlyReversed = "partly_reversed"
	// PayerVoidPaid: the payer answered a void's loop with a payment (a
	// claim of the void's own paying money, kept aside as void_paid)
	// rather than by reversing the original's payment, which stands. The
	// void is turned away as much as a denied one is (its lines are
	// rejected_lines, sent again by a resend), and what the payer paid on
	// it is shown in void_paid, never in paid: it is the payer's money,
	// not the agency's. It read no answer at all, and the resend was
	// refused (a payer black-box pass).
	PayerVoidPaid = "void_paid"
)

// unpaidState is the state of a loop whose current posting paid nothing,
// from what the payer said of it (CLP02 of each of its parts): denied
// (4), forwarded to another payer as not its claim (23), or processed and
// paid nothing (zero_paid: the charge went to the patient's
// responsibility, another payer's payment or the adjustments listed).
// unpaidStateSQL is the same in SQL, an aggregate over the postings p.
func unpaidState(clp02s []string) string {
	switch {
	case slices.Contains(clp02s, x12.ClaimDenied):
		return PayerDenied
	case len(clp02s) > 0 && !slices.ContainsFunc(clp02s, func(s string) bool { return s != x12.ClaimNotOurs }):
		return PayerForwarded
	}
	return PayerZeroPaid
}

const unpaidStateSQL = `CASE WHEN bool_or(p.status_code = '` + x12.ClaimDenied + `') THEN '` + PayerDenied + `'
	WHEN bool_and(p.status_code = '` + x12.ClaimNotOurs + `') THEN '` + PayerForwarded + `' ELSE '` + PayerZeroPaid + `' END`

// ClaimPayer is what the payer answered about a claim: the 277CA's
// acceptance or rejection (with its status codes), or the 835's current
// posting (paid or denied, with the CAS adjustments and remark codes), or
// a reversal not yet corrected. Nothing paid reads denied, forwarded or
// zero_paid as the payer said (unpaidState). A claim sent in several CLM loops sums
// its loops. Nil until the payer has said anything about the claim.
type ClaimPayer struct {
	Status      string            `json:"status"`
	BatchID     int64             `json:"batch_id"`
	Paid        rss.Money         `json:"paid"`
	PatientResp rss.Money         `json:"patient_responsibility"`
	PayerCCN    *string           `json:"payer_claim_control_number"`
	StatusCodes []string          `json:"status_codes"`
	Adjustments []PayerAdjustment `json:"adjustments"`
	Remarks     []string          `json:"remarks"`
	// VoidPaid is what the payer paid on the claim's void loops it
	// answered with a payment (PayerVoidPaid): nil otherwise.
	VoidPaid *VoidPayment `json:"void_paid"`
	// RejectedLines are the ids of the lines whose CLM loop the payer
	// turned away: the ones to correct and send again.
	RejectedLines []int64 `json:"rejected_lines"`
	// ReversedLines are the ids of the lines whose CLM loop's payment the
	// payer took back and has not posted again.
	ReversedLines []int64 `json:"reversed_lines"`
	// LinesPaid is what the payer paid per claim line (by line id) where
	// its posting itemized the loop (SVC), for the remittance advice; a
	// line of a loop paid as a whole has none. LineStatus is each line's
	// loop's state (paid, denied, reversed, rejected, accepted). Neither is
	// part of the claim's answer.
	LinesPaid  map[int64]rss.Money `json:"-"`
	LineStatus map[int64]string    `json:"-"`
	// LineAdjustments and LineRemarks are the payer's CAS and remark codes
	// per claim line (by line id) where its posting itemized the loop, for
	// the remittance advice; the claim-level ones are in Adjustments and
	// Remarks only.
	LineAdjustments map[int64][]PayerAdjustment `json:"-"`
	LineRemarks     map[int64][]string          `json:"-"`
	// ClaimAdjustments and ClaimRemarks are those of Adjustments and
	// Remarks the payer gave the claim itself (CAS and MOA/MIA of loop
	// 2100), for the remittance advice's CSV, which carries the lines'
	// apart: a claim denied at claim level read there with no reason (a
	// payer black-box pass).
	ClaimAdjustments []PayerAdjustment `json:"-"`
	ClaimRemarks     []string          `json:"-"`
	// Loops is the answer per CLM loop, in the order sent: a claim of more
	// than 50 lines goes out in several, each with its own CLM01, state and
	// payer's claim control number (the one PayerCCN shows was an arbitrary
	// loop's: a black-box pass read the denied loop's beside "paid").
	Loops []PayerLoopAnswer `json:"loops"`
}

// VoidPayment is the payer's charge and payment (CLP03, CLP04) on a void
// it paid rather than reversing the original: kept aside for finance
// (void_paid), owed back to the payer, never posted.
type VoidPayment struct {
	Charge rss.Money `json:"charge"`
	Paid   rss.Money `json:"paid"`
}

// PayerLoopAnswer is the payer's answer about one CLM loop of a claim.
type PayerLoopAnswer struct {
	Part     int        `json:"part"`
	CLM01    string     `json:"clm01"`
	Status   string     `json:"status"` // as ClaimPayer's, "" until answered
	Paid     *rss.Money `json:"paid"`   // its current posting's, null when none
	PayerCCN *string    `json:"payer_claim_control_number"`
}

// loopRejectedX is whether the payer turned CLM loop x away, nothing
// posted to it since: payer_loop_rejected (a 999 or 277CA rejection, or
// an 835 denying a void: void_denied, migration 00104), or an 835 paying
// a void (void_paid) instead of reversing the original's payment. Such a
// void is no more taken than a denied one (the original's payment stands,
// and the payer paid the void besides, kept aside for finance), so it
// reads rejected in the reconciliation and its agency sends it again. It
// read no answer at all, its resend refused void_not_rejected: a dead
// end, Medicaid keeping both payments for a service rss voided (a payer
// black-box pass). Read here rather than in payer_loop_rejected, which
// would need a migration: every query asking whether a loop was turned
// away asks it through this, not the function alone.
const loopRejectedX = `(payer_loop_rejected(x.batch_id, x.claim_id, x.part)
	OR (EXISTS (SELECT 1 FROM payer_claim_payments vp WHERE vp.batch_id = x.batch_id AND vp.claim_id = x.claim_id
	            AND vp.part = x.part AND vp.unmatched_reason = '` + UnmatchedVoidPaid + `')
	    AND NOT EXISTS (SELECT 1 FROM payer_claim_payments vp WHERE vp.batch_id = x.batch_id AND vp.claim_id = x.claim_id
	                    AND vp.part = x.part AND vp.unmatched_reason IS NULL)))`

// payerLoopQuery is every CLM loop of the claims $1 (found through the
// one batch that took each claim's lines, by its unique index: loops have
// no index by claim) with the payer's latest word on it: the latest 277CA status, the current posting (every posting of the loop that stands: the parts
// of one, in one payment or several), whether
// anything was ever posted, and whether it was turned away before
// adjudication.
const payerLoopQuery = `
	SELECT x.claim_id, x.part, x.batch_id, x.clm01, x.line_ids, ` + loopRejectedX + ` AS rejected,
	       s.accepted AS ack_accepted, s.statuses AS ack_statuses, s.payer_ccn AS ack_ccn,
	       cp.ids AS posting_ids, cp.paid, cp.patient_resp, cp.payer_ccn, cp.clp02s,
	       vd.id AS denial_id, vd.unmatched_reason AS denial_reason, vd.status_code AS denial_clp02, vd.payer_ccn AS denial_ccn,
	       vd.remarks AS denial_remarks, vd.charge AS denial_charge, vd.paid AS denial_paid,
	       (SELECT p.payer_ccn FROM payer_claim_payments p
	        WHERE p.batch_id = x.batch_id AND p.claim_id = x.claim_id AND p.part = x.part AND NOT p.reversal
	          AND p.unmatched_reason IS NULL AND p.payer_ccn IS NOT NULL ORDER BY p.id DESC LIMIT 1) AS posted_ccn,
	       ARRAY(SELECT r FROM payer_claim_payments y, unnest(y.remarks) r WHERE y.id = ANY (cp.ids) ORDER BY y.id) AS remarks,
	       EXISTS (SELECT 1 FROM payer_claim_payments y WHERE y.batch_id = x.batch_id AND y.claim_id = x.claim_id AND y.part = x.part
	               AND y.unmatched_reason IS NULL) AS ever_posted,
	       -- The codes a CTX*CLM01 ties to this claim, unless another loop
	       -- of the set went out under the same CLM01 (numbers are unique
	       -- per agency only): then neither reads them, as neither can be
	       -- told apart by its number, and finance reads them on the file
	       -- (a payer black-box re-check found another agency's claim
	       -- numbered alike read them).
	       -- A set no AK2 named holds AK9's code whole (AK9:R), and a set
	       -- of an interchange a TA1 rejected the TA1's (TA1:R).
	       (SELECT ARRAY[CASE WHEN a.code LIKE 'AK9:%' OR a.code LIKE 'TA1:%' THEN a.code ELSE 'IK5:' || a.code END] || a.errors || CASE WHEN a.claim_errors ? x.clm01
	                   AND NOT EXISTS (SELECT 1 FROM batch_x12_claims y WHERE y.batch_id = x.batch_id AND y.clm01 = x.clm01
	                                   AND (y.claim_id, y.part) <> (x.claim_id, x.part)
	                                   AND payer_loop_set(y.batch_id, y.claim_id, y.part) = a.st_control)
	               THEN ARRAY(SELECT jsonb_array_elements_text(a.claim_errors -> x.clm01)) ELSE '{}' END
	        FROM payer_set_acks a
	        WHERE a.batch_id = x.batch_id AND a.st_control = payer_loop_set(x.batch_id, x.claim_id, x.part)
	        ORDER BY a.reported_at DESC, a.id DESC LIMIT 1) AS set_codes
	FROM batch_claims bc
	JOIN batch_x12_claims x ON x.batch_id = bc.batch_id AND x.claim_id = bc.claim_id
	LEFT JOIN LATERAL (SELECT s.accepted, s.statuses, s.payer_ccn FROM payer_claim_statuses s
	                   WHERE s.batch_id = x.batch_id AND s.claim_id = x.claim_id AND s.part = x.part ORDER BY s.reported_at DESC, s.id DESC LIMIT 1) s ON true
	LEFT JOIN LATERAL (SELECT array_agg(p.id ORDER BY p.id) AS ids, sum(p.paid) AS paid, sum(p.patient_resp) AS patient_resp,
	                          (array_agg(p.payer_ccn ORDER BY p.id DESC))[1] AS payer_ccn, array_agg(p.status_code) AS clp02s
	                   FROM payer_claim_payments p
	                   WHERE p.batch_id = x.batch_id AND p.claim_id = x.claim_id AND p.part = x.part
	                     AND p.unmatched_reason IS NULL AND NOT p.reversal
	                     AND ` + standsP + `
	                   HAVING count(*) > 0) cp ON true
	-- The latest 835 answer that turned a void's loop away (void_denied,
	-- void_paid): while the loop reads rejected by it, it is the payer's
	-- word.
	LEFT JOIN LATERAL (SELECT d.id, d.unmatched_reason, d.status_code, d.payer_ccn, d.remarks, d.charge, d.paid
	                   FROM payer_claim_payments d
	                   WHERE d.batch_id = x.batch_id AND d.claim_id = x.claim_id AND d.part = x.part
	                     AND d.unmatched_reason IN ('` + UnmatchedVoidDenied + `', '` + UnmatchedVoidPaid + `')
	                   ORDER BY d.id DESC LIMIT 1) vd ON true
	WHERE bc.claim_id = ANY ($1) AND bc.lines > 0
	ORDER BY x.claim_id, x.batch_id, x.part`

type payerLoop struct {
	ClaimID     int64          `db:"claim_id"`
	Part        int            `db:"part"`
	BatchID     int64          `db:"batch_id"`
	CLM01       string         `db:"clm01"`
	LineIDs     pq.Int64Array  `db:"line_ids"`
	Rejected    bool           `db:"rejected"`
	AckAccepted *bool          `db:"ack_accepted"`
	AckStatuses pq.StringArray `db:"ack_statuses"`
	AckCCN      *string        `db:"ack_ccn"`
	PostingIDs  pq.Int64Array  `db:"posting_ids"` // the current posting's parts; none when nothing stands
	Paid        *rss.Money     `db:"paid"`
	PatientResp *rss.Money     `db:"patient_resp"`
	PayerCCN    *string        `db:"payer_ccn"`
	CLP02s      pq.StringArray `db:"clp02s"` // the current posting's parts' CLP02
	// PostedCCN is the payer's number of its latest payment of the loop,
	// undone or not: what a replacement sends as REF*F8 (batches.go).
	PostedCCN  *string        `db:"posted_ccn"`
	Remarks    pq.StringArray `db:"remarks"`
	EverPosted bool           `db:"ever_posted"`
	SetCodes   pq.StringArray `db:"set_codes"`
	// The latest 835 answer that turned the void's loop away (a void the
	// payer denied, void_denied, or paid, void_paid), nil when none.
	DenialID      *int64         `db:"denial_id"`
	DenialReason  *string        `db:"denial_reason"`
	DenialCLP02   *string        `db:"denial_clp02"`
	DenialCCN     *string        `db:"denial_ccn"`
	DenialRemarks pq.StringArray `db:"denial_remarks"`
	DenialCharge  *rss.Money     `db:"denial_charge"`
	DenialPaid    *rss.Money     `db:"denial_paid"`
}

// payerAnswers derives the payer block of each claim of ids that the
// payer has answered.
func payerAnswers(ctx context.Context, ext pg.Ext, ids []int64) (map[int64]*ClaimPayer, error) {
	out := map[int64]*ClaimPayer{}
	if len(ids) == 0 {
		return out, nil
	}
	var loops []payerLoop
	if err := sqlx.SelectContext(ctx, ext, &loops, payerLoopQuery, pq.Int64Array(ids)); err != nil {
		return nil, fmt.Errorf("payer answers: %w", err)
	}
	type agg struct {
		posted, ever, rejected, accepted bool
		voidPaid                         bool // a loop turned away by a payment of the void
		ccnPaid                          bool // PayerCCN is a loop's paying money
		loops, rejectedLoops             int
		reversedLoops                    int
		unpaid                           []string // the states of its loops posted that paid nothing
		p                                ClaimPayer
		postings                         []int64
	}
	postingLines := map[int64][]int64{}
	denials := map[int64]int64{} // void_denied and void_paid answers shown, by claim payment id: their claim
	per := map[int64]*agg{}
	var order []int64
	for _, l := range loops {
		a := per[l.ClaimID]
		if a == nil {
			a = &agg{p: ClaimPayer{BatchID: l.BatchID, StatusCodes: []string{}, Adjustments: []PayerAdjustment{}, Remarks: []string{},
				RejectedLines: []int64{}, ReversedLines: []int64{}, LinesPaid: map[int64]rss.Money{}, LineStatus: map[int64]string{}, Loops: []PayerLoopAnswer{},
				LineAdjustments: map[int64][]PayerAdjustment{}, LineRemarks: map[int64][]string{}}}
			per[l.ClaimID] = a
			order = append(order, l.ClaimID)
		}
		a.ever = a.ever || l.EverPosted
		a.loops++
		// A void the payer denied in its 835 is turned away by that answer,
		// whatever the 999 or 277CA said before it: its reasons are the
		// 835's (CLP02, CAS, remarks, CLP07). It read "IK5:A", the 999
		// that accepted its set, and nothing more (a payer black-box pass).
		// So is a void the payer paid (void_paid), its payment standing
		// beside the original's.
		denied := l.Rejected && l.DenialID != nil
		voidPaid := denied && l.DenialReason != nil && *l.DenialReason == UnmatchedVoidPaid
		state := ""
		switch {
		case len(l.PostingIDs) > 0 && l.Paid.IsPositive():
			state = PayerPaid
		case len(l.PostingIDs) > 0:
			state = unpaidState(l.CLP02s)
			a.unpaid = append(a.unpaid, state)
		case l.EverPosted:
			state = PayerReversed
		case voidPaid:
			state = PayerVoidPaid
		case l.Rejected:
			state = PayerRejected
		case l.AckAccepted != nil && *l.AckAccepted:
			state = PayerAccepted
		}
		for _, id := range l.LineIDs {
			a.p.LineStatus[id] = state
		}
		loop := PayerLoopAnswer{Part: l.Part, CLM01: l.CLM01, Status: state, PayerCCN: l.AckCCN}
		if l.PostedCCN != nil {
			// Once paid, the payer's number of its payment, also after a
			// reversal: it is the one a replacement names (REF*F8), where
			// the 277CA's showed (a black-box pass).
			loop.PayerCCN = l.PostedCCN
		}
		if len(l.PostingIDs) > 0 {
			loop.Paid = l.Paid
			if l.PayerCCN != nil {
				loop.PayerCCN = l.PayerCCN
			}
		}
		if denied && l.DenialCCN != nil {
			loop.PayerCCN = l.DenialCCN
		}
		a.p.Loops = append(a.p.Loops, loop)
		switch state {
		case PayerRejected, PayerVoidPaid:
			a.rejectedLoops++
			a.p.RejectedLines = append(a.p.RejectedLines, l.LineIDs...)
		case PayerReversed:
			a.reversedLoops++
			a.p.ReversedLines = append(a.p.ReversedLines, l.LineIDs...)
		}
		for _, id := range l.PostingIDs {
			postingLines[id] = l.LineIDs
		}
		if l.AckAccepted != nil {
			a.accepted = a.accepted || *l.AckAccepted
			// The acknowledgment's codes explain the loop while it is the
			// payer's latest word; once a payment was posted they are
			// history, and a late 277CA rejection's A3 beside "paid" read
			// as the current answer (a black-box pass).
			if !l.EverPosted && !denied {
				a.p.StatusCodes = append(a.p.StatusCodes, l.AckStatuses...)
			}
			if a.p.PayerCCN == nil {
				a.p.PayerCCN = l.AckCCN
			}
		}
		if l.PostedCCN != nil && len(l.PostingIDs) == 0 && !a.ccnPaid {
			a.p.PayerCCN = l.PostedCCN // reversed: its payment's number, as the loop's
		}
		if l.Rejected {
			a.rejected = true
			if l.AckAccepted == nil && !denied {
				a.p.StatusCodes = append(a.p.StatusCodes, l.SetCodes...)
			}
		}
		if denied {
			if l.DenialCLP02 != nil {
				a.p.StatusCodes = append(a.p.StatusCodes, "CLP02:"+*l.DenialCLP02)
			}
			a.p.Remarks = append(a.p.Remarks, l.DenialRemarks...)
			a.p.ClaimRemarks = append(a.p.ClaimRemarks, l.DenialRemarks...)
			if l.DenialCCN != nil && !a.ccnPaid {
				a.p.PayerCCN = l.DenialCCN
			}
			denials[*l.DenialID] = l.ClaimID
		}
		if voidPaid {
			a.voidPaid = true
			if a.p.VoidPaid == nil {
				a.p.VoidPaid = &VoidPayment{Charge: rss.NewMoney(decimal.Zero), Paid: rss.NewMoney(decimal.Zero)}
			}
			if l.DenialCharge != nil {
				a.p.VoidPaid.Charge = rss.NewMoney(a.p.VoidPaid.Charge.Add(l.DenialCharge.Decimal))
			}
			if l.DenialPaid != nil {
				a.p.VoidPaid.Paid = rss.NewMoney(a.p.VoidPaid.Paid.Add(l.DenialPaid.Decimal))
			}
		}
		if len(l.PostingIDs) > 0 {
			a.posted = true
			a.postings = append(a.postings, l.PostingIDs...)
			a.p.Paid = rss.NewMoney(a.p.Paid.Add(l.Paid.Decimal))
			a.p.PatientResp = rss.NewMoney(a.p.PatientResp.Add(l.PatientResp.Decimal))
			// The claim's number is a paying loop's where it has one: a
			// claim sent in two loops, one paid and one denied, read the
			// denied one's, which the agency quoted to the payer about
			// the payment (a payer black-box pass).
			if pays := l.Paid != nil && l.Paid.IsPositive(); l.PayerCCN != nil && (pays || !a.ccnPaid) {
				a.p.PayerCCN, a.ccnPaid = l.PayerCCN, pays
			}
			a.p.Remarks = append(a.p.Remarks, l.Remarks...)
			a.p.ClaimRemarks = append(a.p.ClaimRemarks, l.Remarks...)
		}
	}
	var postings []int64
	postingClaim := map[int64]int64{}
	for _, id := range order {
		a := per[id]
		switch {
		case a.rejectedLoops > 0 && a.rejectedLoops < a.loops && (a.posted || a.ever || a.accepted):
			a.p.Status = PayerPartlyRejected
		case a.reversedLoops > 0 && a.posted:
			a.p.Status = PayerPartlyReversed
		case a.posted && a.p.Paid.IsPositive():
			a.p.Status = PayerPaid
		case a.posted:
			// Nothing paid: a loop denied makes the claim denied; all
			// forwarded, forwarded; otherwise it was processed and paid
			// nothing.
			a.p.Status = PayerZeroPaid
			if slices.Contains(a.unpaid, PayerDenied) {
				a.p.Status = PayerDenied
			} else if !slices.ContainsFunc(a.unpaid, func(s string) bool { return s != PayerForwarded }) {
				a.p.Status = PayerForwarded
			}
		case a.ever:
			a.p.Status = PayerReversed
		case a.voidPaid:
			// Turned away, no loop answered otherwise, one by a payment
			// of the void: that payment is what the agency must hear of.
			a.p.Status = PayerVoidPaid
		case a.rejected:
			a.p.Status = PayerRejected
		case a.accepted:
			a.p.Status = PayerAccepted
		default:
			continue
		}
		for _, p := range a.postings {
			postings = append(postings, p)
			postingClaim[p] = id
		}
		out[id] = &a.p
	}
	// The denials' CAS, at claim level and on any line they itemize.
	var dps []PayerClaimPayment
	for id := range denials {
		dps = append(dps, PayerClaimPayment{ID: id})
	}
	slices.SortFunc(dps, func(x, y PayerClaimPayment) int { return cmp.Compare(x.ID, y.ID) })
	if err := attachClaimPayments(ctx, ext, dps); err != nil {
		return nil, err
	}
	for _, dp := range dps {
		p := out[denials[dp.ID]]
		if p == nil {
			continue
		}
		p.Adjustments = append(p.Adjustments, dp.Adjustments...)
		p.ClaimAdjustments = append(p.ClaimAdjustments, dp.Adjustments...)
		for _, l := range dp.Lines {
			p.Adjustments = append(p.Adjustments, l.Adjustments...)
			p.Remarks = append(p.Remarks, l.Remarks...)
		}
	}
	if len(postings) > 0 {
		if err := attachPostings(ctx, ext, out, postings, postingClaim, postingLines); err != nil {
			return nil, err
		}
	}
	// Each remark code once, in the order the payer gave them: a loop the
	// payer split into claims of its own (MA15 on each CLP) read
	// ["MA15","MA15"] (a payer black-box pass). Adjustments are amounts
	// and stay as the postings carry them.
	for _, p := range out {
		p.Remarks, p.ClaimRemarks = distinct(p.Remarks), distinct(p.ClaimRemarks)
		for id, r := range p.LineRemarks {
			p.LineRemarks[id] = distinct(r)
		}
	}
	return out, nil
}

// distinct is s with each value once, first occurrences kept in order.
func distinct(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// attachPostings adds the CAS, remarks and line payments of the current
// postings to the payer blocks of out, by the claim each posting is of.
func attachPostings(ctx context.Context, ext pg.Ext, out map[int64]*ClaimPayer, postings []int64,
	postingClaim map[int64]int64, postingLines map[int64][]int64) error {
	var cps []PayerClaimPayment
	for _, p := range postings {
		cps = append(cps, PayerClaimPayment{ID: p})
	}
	if err := attachClaimPayments(ctx, ext, cps); err != nil {
		return err
	}
	for _, cp := range cps {
		p := out[postingClaim[cp.ID]]
		p.Adjustments = append(p.Adjustments, cp.Adjustments...)
		p.ClaimAdjustments = append(p.ClaimAdjustments, cp.Adjustments...)
		// An itemized posting pays each of its loop's lines what its SVC
		// says, nothing where it has none; one paid as a whole itemizes no
		// line (its lines read 0.00 paid in the advice: a black-box pass).
		// Nor does one with an SVC that names no line of the loop (REF*6R
		// absent, or another claim's line): what that SVC paid belongs to
		// some line of the loop, and the loop's lines read 0.00 where
		// Medicaid had paid one of them (a black-box pass).
		itemized := len(cp.Lines) > 0
		for _, l := range cp.Lines {
			p.Adjustments = append(p.Adjustments, l.Adjustments...)
			p.Remarks = append(p.Remarks, l.Remarks...)
			if l.LineID == nil || !slices.Contains(postingLines[cp.ID], *l.LineID) {
				itemized = false
			}
		}
		if !itemized {
			continue
		}
		// The loop's lines no posting itemized read 0.00; a line another
		// part of a split payment paid keeps its amount (each part's reset
		// zeroed the earlier parts' lines, a black-box pass).
		for _, id := range postingLines[cp.ID] {
			if _, ok := p.LinesPaid[id]; !ok {
				p.LinesPaid[id] = rss.NewMoney(decimal.Zero)
			}
		}
		for _, l := range cp.Lines {
			p.LinesPaid[*l.LineID] = rss.NewMoney(p.LinesPaid[*l.LineID].Add(l.Paid.Decimal))
			p.LineAdjustments[*l.LineID] = append(p.LineAdjustments[*l.LineID], l.Adjustments...)
			p.LineRemarks[*l.LineID] = append(p.LineRemarks[*l.LineID], l.Remarks...)
		}
	}
	return nil
}
