package billing

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/access"
	"rss/pg"
	"rss/vouchers"
	"rss/x12"
)

const claimColumns = `c.id, c.provider_id, c.client_id, c.program_code, c.claim_number, c.frequency, c.original_claim_id,
	c.rendering_staff_id, c.place_of_service, c.diagnoses, c.status, c.total_charge, c.total_paid, c.first_service_date,
	c.last_service_date, c.received_on, c.received_at, c.superseded_by, c.superseded_at`

// claimBatchColumn is the batch that took a claim's billable lines
// (batch_claims_lines_once: one at most), read where a claim is shown.
const claimBatchColumn = `(SELECT bc.batch_id FROM batch_claims bc WHERE bc.claim_id = c.id AND bc.lines > 0) AS batch_id`

const lineColumns = `l.id, l.claim_id, l.line_number, l.service_code, l.date_of_service, l.units, l.charge, l.authorization_number,
	l.authorization_id, l.status, l.units_allowed, l.allowed, l.paid, l.rate, l.adjustments, l.trace, l.rule_set_version, l.reverses_line_id`

func attachLines(ctx context.Context, ext pg.Ext, claims []Claim, withTrace bool) error {
	if len(claims) == 0 {
		return nil
	}
	ids := make([]int64, len(claims))
	at := map[int64]int{}
	for i := range claims {
		ids[i] = claims[i].ID
		at[claims[i].ID] = i
		claims[i].Lines = []Line{}
	}
	var lines []Line
	if err := sqlx.SelectContext(ctx, ext, &lines, `SELECT `+lineColumns+` FROM claim_lines l
		WHERE l.claim_id = ANY($1) ORDER BY l.claim_id, l.line_number`, pq.Array(ids)); err != nil {
		return fmt.Errorf("claim lines: %w", err)
	}
	for i := range lines {
		if err := lines[i].decode(withTrace); err != nil {
			return err
		}
		c := &claims[at[lines[i].ClaimID]]
		c.Lines = append(c.Lines, lines[i])
	}
	return nil
}

// Claim reads one claim with its lines and their traces.
func (s *Service) Claim(ctx context.Context, id int64) (Claim, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Claim{}, err
	}
	var out Claim
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &out, `SELECT `+claimColumns+`, `+claimBatchColumn+` FROM claims c WHERE c.id = $1`, id)
		if errors.Is(err, pg.ErrNoRows) || (err == nil && !a.SeesProvider(out.ProviderID)) {
			return fmt.Errorf("%w: claim %d", rss.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		list := []Claim{out}
		if err := attachLines(ctx, tx, list, true); err != nil {
			return err
		}
		answers, err := payerAnswers(ctx, tx, []int64{id})
		if err != nil {
			return err
		}
		list[0].Payer = answers[id]
		out = list[0]
		if a.IsProvider() {
			withholdCapFigures(&out)
		}
		return access.Record(ctx, tx, access.Event{Action: "read", EntityType: "claim", EntityID: access.ID(id), ClientID: out.ClientID})
	})
	return out, err
}

// ClaimFilter narrows a list of claims.
type ClaimFilter struct {
	ProviderID   int64
	ClientID     int64
	Status       string
	ServiceFrom  rss.Date
	ServiceTo    rss.Date
	ReceivedFrom rss.Date
	ReceivedTo   rss.Date
	// ClaimNumber finds a claim by the number its agency gave it (as sent,
	// case and all, as CLM01 is read): an agency's system that kept its own
	// number, not rss's id, paged the whole list to find one claim.
	ClaimNumber string
}

var claimStatuses = []string{"paid", "partial", "denied", "void", "voided", "replaced"}

// Claims lists claims the actor may see (lines included, traces left out).
func (s *Service) Claims(ctx context.Context, f ClaimFilter, p vouchers.Page) (vouchers.List[Claim], error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return vouchers.List[Claim]{}, err
	}
	after, limit, err := p.After()
	if err != nil {
		return vouchers.List[Claim]{}, err
	}
	if f.Status != "" && !contains(claimStatuses, f.Status) {
		return vouchers.List[Claim]{}, rss.Invalid("status", "invalid_value", "status must be one of paid, partial, denied, void, voided, replaced")
	}
	// A range that ends before it starts is a mistake, refused as the
	// reports refuse it, not an empty page (a black-box pass).
	if !f.ServiceFrom.IsZero() && !f.ServiceTo.IsZero() && f.ServiceTo.Before(f.ServiceFrom) {
		return vouchers.List[Claim]{}, rss.Invalid("service_to", "before_from", "service_to is before service_from")
	}
	if !f.ReceivedFrom.IsZero() && !f.ReceivedTo.IsZero() && f.ReceivedTo.Before(f.ReceivedFrom) {
		return vouchers.List[Claim]{}, rss.Invalid("received_to", "before_from", "received_to is before received_from")
	}
	// Up to CLM01's whole width, not a new claim's: the schema holds
	// numbers of that width, and a finder takes any number on file.
	if f.ClaimNumber != "" && (x12.ClaimNumber.Check(f.ClaimNumber) != nil || !claimNumberRe.MatchString(f.ClaimNumber)) {
		return vouchers.List[Claim]{}, rss.Invalid("claim_number", "invalid_format", "claim_number is 1-%d letters, digits or dashes, as a claim is numbered",
			x12.ClaimNumber.Max)
	}
	if a.IsProvider() {
		if f.ProviderID != 0 && f.ProviderID != a.ProviderID {
			return vouchers.List[Claim]{Items: []Claim{}}, nil
		}
		f.ProviderID = a.ProviderID
	}
	var rows []Claim
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &rows, `SELECT `+claimColumns+`, `+claimBatchColumn+` FROM claims c
			WHERE c.id > $1 AND ($2::bigint = 0 OR c.provider_id = $2) AND ($3::bigint = 0 OR c.client_id = $3)
			  AND ($4 = '' OR c.status = $4)
			  AND ($5::date IS NULL OR c.last_service_date >= $5) AND ($6::date IS NULL OR c.first_service_date <= $6)
			  -- A service in the range, not a claim whose first to last
			  -- days span it with none inside (a black-box pass): the span
			  -- above narrows, the lines decide.
			  AND (($5::date IS NULL AND $6::date IS NULL) OR EXISTS (SELECT 1 FROM claim_lines l WHERE l.claim_id = c.id
			       AND ($5::date IS NULL OR l.date_of_service >= $5) AND ($6::date IS NULL OR l.date_of_service <= $6)))
			  AND ($7::date IS NULL OR c.received_on >= $7) AND ($8::date IS NULL OR c.received_on <= $8)
			  AND ($10 = '' OR c.claim_number = $10)
			ORDER BY c.id LIMIT $9`, after, f.ProviderID, f.ClientID, f.Status, f.ServiceFrom, f.ServiceTo,
			f.ReceivedFrom, f.ReceivedTo, limit+1, f.ClaimNumber); err != nil {
			return fmt.Errorf("list claims: %w", err)
		}
		shown := rows[:min(len(rows), limit)]
		if err := attachLines(ctx, tx, shown, false); err != nil {
			return err
		}
		// What Medicaid answered, as a claim read alone shows it: without
		// it the list read rss's "paid" for claims the payer rejected or
		// denied, and an agency had to read each claim to find those to
		// correct (a finance black-box pass).
		ids := make([]int64, len(shown))
		for i := range shown {
			ids[i] = shown[i].ID
		}
		answers, err := payerAnswers(ctx, tx, ids)
		if err != nil {
			return err
		}
		for i := range shown {
			shown[i].Payer = answers[shown[i].ID]
		}

		events := make([]access.Event, len(shown))
		for i := range shown {
			events[i] = access.Event{Action: "read", EntityType: "claim", EntityID: access.ID(shown[i].ID), ClientID: shown[i].ClientID}
		}
		return access.Record(ctx, tx, events...)
	})
	if err != nil {
		return vouchers.List[Claim]{}, err
	}
	return vouchers.Paginate(rows, limit, func(c Claim) int64 { return c.ID }), nil
}

// RemittanceLine is one line of a claim's remittance: billed, allowed, paid
// and why any of it was not paid.
type RemittanceLine struct {
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
}

// Remittance is a claim's remittance view.
type Remittance struct {
	ClaimID     int64            `json:"claim_id"`
	ClaimNumber string           `json:"claim_number"`
	ProviderID  int64            `json:"provider_id"`
	ClientID    int64            `json:"client_id"`
	Status      string           `json:"status"`
	Billed      rss.Money        `json:"billed"`
	Paid        rss.Money        `json:"paid"`
	Lines       []RemittanceLine `json:"lines"`
}

// ClaimRemittance returns the per-line remittance of a claim.
func (s *Service) ClaimRemittance(ctx context.Context, id int64) (Remittance, error) {
	c, err := s.Claim(ctx, id)
	if err != nil {
		return Remittance{}, err
	}
	r := Remittance{ClaimID: c.ID, ClaimNumber: c.ClaimNumber, ProviderID: c.ProviderID, ClientID: c.ClientID,
		Status: c.Status, Paid: c.TotalPaid, Lines: make([]RemittanceLine, len(c.Lines))}
	// The claim bills what its lines bill: a void's total is negative, as
	// its lines are (it read 120.00 above lines of -120.00: a black-box
	// pass).
	total := decimal.Zero
	for i, l := range c.Lines {
		billed := l.Charge
		if l.Status == "reversal" {
			// A reversal takes the original's billed amount back, as the batch advice shows it.
			billed = rss.NewMoney(billed.Neg())
		}
		total = total.Add(billed.Decimal)
		r.Lines[i] = RemittanceLine{LineNumber: l.LineNumber, ServiceCode: l.ServiceCode, DateOfService: l.DateOfService,
			Units: l.Units, UnitsAllowed: l.UnitsAllowed, Billed: billed, Allowed: l.Allowed, Paid: l.Paid,
			Status: l.Status, Adjustments: l.Adjustments}
	}
	r.Billed = rss.NewMoney(total)
	return r, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ClientOf returns the client of a claim the actor may void or resend, so
// a void by claim id can be built without the caller naming the client. A
// role that submits no claims is refused before the claim is looked up,
// as every other write refuses it (a black-box pass: an MSC key had a 404
// for an unknown id and a 403 for a known one); a claim the actor may not
// see is not found, exactly as one that does not exist.
func (s *Service) ClientOf(ctx context.Context, claimID int64) (int64, error) {
	a, err := access.Require(ctx, access.RoleProvider)
	if err != nil {
		return 0, err
	}
	var row struct {
		Client   int64 `db:"client_id"`
		Provider int64 `db:"provider_id"`
	}
	err = s.db.GetContext(ctx, &row, `SELECT client_id, provider_id FROM claims WHERE id = $1`, claimID)
	if errors.Is(err, pg.ErrNoRows) || (err == nil && !a.SeesProvider(row.Provider)) {
		return 0, fmt.Errorf("%w: no such claim", rss.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("claim's client: %w", err)
	}
	return row.Client, nil
}
