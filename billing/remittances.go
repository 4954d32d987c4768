package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/pg"
)

// ProviderBatch is a batch that reports claims of one provider, with that
// provider's frozen totals (zero for a batch that reports only its denials):
// the list a provider picks its remittance advice from.
type ProviderBatch struct {
	BatchID     int64     `json:"batch_id" db:"batch_id"`
	PayerRoute  string    `json:"payer_route" db:"payer_route"`
	ThroughDate rss.Date  `json:"through_date" db:"through_date"`
	CreatedAt   time.Time `json:"created_at" db:"created_at"`
	ProviderID  int64     `json:"provider_id" db:"provider_id"`
	ClaimCount  int       `json:"claim_count" db:"claim_count"`
	LineCount   int       `json:"line_count" db:"line_count"`
	Billed      rss.Money `json:"billed" db:"billed"`
	Paid        rss.Money `json:"paid" db:"paid"`
}

// ProviderBatches lists, newest first (at most 500), the batches that
// report claims of provider id: a provider key its own agency's only
// (another's is not found), finance and admin any.
func (s *Service) ProviderBatches(ctx context.Context, providerID int64) ([]ProviderBatch, error) {
	a, err := access.Require(ctx, access.RoleFinance, access.RoleAdmin, access.RoleProvider)
	if err != nil {
		return nil, err
	}
	if !a.SeesProvider(providerID) {
		return nil, fmt.Errorf("%w: provider %d", rss.ErrNotFound, providerID)
	}
	// An agency that does not exist is not found for the MSC either: it
	// read as one with no batch (a re-check).
	if err := providerKnown(ctx, s.db, providerID); err != nil {
		return nil, err
	}
	out := []ProviderBatch{}
	// Batches are few and batch_claims is large: probe it per batch by its
	// (batch_id, provider_id) index rather than scan it by provider.
	err = s.db.SelectContext(ctx, &out, `SELECT b.id AS batch_id, b.payer_route, b.through_date, b.created_at, $1::bigint AS provider_id,
			COALESCE(bp.claim_count, 0) AS claim_count, COALESCE(bp.line_count, 0) AS line_count,
			COALESCE(bp.billed, 0) AS billed, COALESCE(bp.paid, 0) AS paid
		FROM batches b LEFT JOIN batch_providers bp ON bp.batch_id = b.id AND bp.provider_id = $1
		WHERE EXISTS (SELECT 1 FROM batch_claims bc WHERE bc.batch_id = b.id AND bc.provider_id = $1)
		ORDER BY b.id DESC LIMIT 500`, providerID)
	if err != nil {
		return nil, fmt.Errorf("provider batches: %w", err)
	}
	return out, nil
}

// providerKnown is nil when the agency id names exists, else
// rss.ErrNotFound: a filter by an agency that does not exist answers so,
// not as one with nothing on file.
func providerKnown(ctx context.Context, ext pg.Ext, id int64) error {
	var known bool
	if err := sqlx.GetContext(ctx, ext, &known, `SELECT EXISTS (SELECT 1 FROM providers WHERE id = $1)`, id); err != nil {
		return fmt.Errorf("provider: %w", err)
	}
	if !known {
		return fmt.Errorf("%w: provider %d", rss.ErrNotFound, id)
	}
	return nil
}
