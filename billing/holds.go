package billing

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
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

// heldQuery lists the claims of the 837P route with payable lines no batch
// holds yet whose client has no consent naming the payer ($1 today, $2 the
// provider or 0, $3 the last claim id seen, $4 the page size, $5 one claim
// or 0). A hold is today's state, not part of the claim: it lifts the
// moment a consent is recorded, so it is asked for here rather than
// stored on the claim.
var heldQuery = `SELECT c.id, c.provider_id, c.client_id, c.claim_number, c.program_code, c.total_paid,
		count(l.id) AS lines, min(l.date_of_service) AS first_service_date, max(l.date_of_service) AS last_service_date
	FROM claims c
	JOIN programs p ON p.code = c.program_code AND p.payer_route = '` + RouteMedicaid837P + `'
	JOIN claim_lines l ON l.claim_id = c.id AND l.billable
		AND NOT EXISTS (SELECT 1 FROM batch_claims b WHERE b.claim_id = c.id AND b.lines > 0)
	WHERE ($2::bigint = 0 OR c.provider_id = $2) AND ($5::bigint = 0 OR c.id = $5) AND c.id > $3 AND ` + payerConsentMissing("$1::date") + `
	GROUP BY c.id ORDER BY c.id LIMIT $4`

// HeldClaim is a claim held out of 837P batches, with why.
type HeldClaim struct {
	ClaimID          int64     `json:"claim_id" db:"id"`
	ProviderID       int64     `json:"provider_id" db:"provider_id"`
	ClientID         int64     `json:"client_id" db:"client_id"`
	ClaimNumber      string    `json:"claim_number" db:"claim_number"`
	ProgramCode      string    `json:"program_code" db:"program_code"`
	TotalPaid        rss.Money `json:"total_paid" db:"total_paid"`
	Lines            int       `json:"lines_waiting" db:"lines"`
	FirstServiceDate rss.Date  `json:"first_service_date" db:"first_service_date"`
	LastServiceDate  rss.Date  `json:"last_service_date" db:"last_service_date"`
	Hold             Hold      `json:"hold" db:"-"`
}

// Holds lists the claims held out of 837P batches today (or whether one
// claim is, when claimID is not 0): the MSC roles see every agency's, a
// provider its own.
func (s *Service) Holds(ctx context.Context, claimID int64, p vouchers.Page) (vouchers.List[HeldClaim], error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return vouchers.List[HeldClaim]{}, err
	}
	after, limit, err := p.After()
	if err != nil {
		return vouchers.List[HeldClaim]{}, err
	}
	var pid int64
	if a.IsProvider() {
		pid = a.ProviderID
	}
	var rows []HeldClaim
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &rows, heldQuery, s.today(), pid, after, limit+1, claimID); err != nil {
			return fmt.Errorf("held claims: %w", err)
		}
		shown := rows[:min(len(rows), limit)]
		events := make([]access.Event, len(shown))
		for i := range shown {
			shown[i].Hold = payerConsentHold
			events[i] = access.Event{Action: "read", EntityType: "claim", EntityID: access.ID(shown[i].ClaimID), ClientID: shown[i].ClientID}
		}
		return access.Record(ctx, tx, events...)
	})
	if err != nil {
		return vouchers.List[HeldClaim]{}, err
	}
	return vouchers.Paginate(rows, limit, func(h HeldClaim) int64 { return h.ClaimID }), nil
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
