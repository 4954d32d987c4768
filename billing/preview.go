package billing

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
)

// BatchPreview is what closing a batch would take now: its counts and
// totals, overall and per provider, before anything is closed.
type BatchPreview struct {
	PayerRoute  string          `json:"payer_route"`
	ThroughDate rss.Date        `json:"through_date"`
	ClaimCount  int             `json:"claim_count"`
	LineCount   int             `json:"line_count"`
	Units       int64           `json:"units"`
	Billed      rss.Money       `json:"billed"`
	Paid        rss.Money       `json:"paid"`
	Providers   []BatchProvider `json:"providers"`
	// HeldClaims counts the route's claims held out of batches today
	// (GET /v1/batch-holds) whose lines fall on or before the
	// through-date: the close leaves them waiting.
	HeldClaims int `json:"held_claims"`
}

// previewTotals are the batch's totals per provider, from the loops
// closing would freeze (batch_loops), as insertProvidersQuery stores them.
const previewTotals = `SELECT * FROM (SELECT provider_id, ` + batchTotals + ` FROM batch_loops GROUP BY provider_id)
	AS t (provider_id, claim_count, line_count, units, billed, paid) ORDER BY provider_id`

// PreviewBatch counts what CreateBatch would close now for the route and
// through-date (finance only), writing nothing: the same selection of
// claims, unlocked, grouped into the loops the close would freeze by the
// close's own statements (in a temporary table dropped at commit), so the
// preview counts as the batch does: CLM loops on an 837P, no claim all of
// whose lines were denied, and nothing at all when the close would find
// nothing to send (a black-box pass found a preview of one denied claim
// offering a close that could only fail). A claim voided or added
// meanwhile may still make the batch differ from its preview.
func (s *Service) PreviewBatch(ctx context.Context, n NewBatch) (BatchPreview, error) {
	if _, err := access.Require(ctx, access.RoleFinance); err != nil {
		return BatchPreview{}, err
	}
	if err := s.checkNewBatch(n); err != nil {
		return BatchPreview{}, err
	}
	out := BatchPreview{PayerRoute: n.PayerRoute, ThroughDate: n.ThroughDate, Providers: []BatchProvider{}}
	err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		held, err := s.heldCount(ctx, tx, n.PayerRoute, n.ThroughDate)
		if err != nil {
			return err
		}
		out.HeldClaims = held
		var claims pq.Int64Array
		if err := tx.GetContext(ctx, &claims, waitingClaims+` SELECT COALESCE(array_agg(id ORDER BY id), '{}') FROM waiting`,
			n.PayerRoute, n.ThroughDate, s.today()); err != nil {
			return fmt.Errorf("preview batch claims: %w", err)
		}
		if len(claims) == 0 {
			return nil
		}
		for _, q := range []string{loopsTable, `TRUNCATE batch_loops`} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("preview batch loops: %w", err)
			}
		}
		for _, q := range []string{simpleLoopsQuery, loopsQuery} {
			if _, err := tx.ExecContext(ctx, q, claims, n.PayerRoute, maxLinesPerCLM); err != nil {
				return fmt.Errorf("preview batch loops: %w", err)
			}
		}
		// As the close: reversals the payer's rejections left, alone on an
		// 837P, send nothing and wait.
		var inFile bool
		if err := tx.GetContext(ctx, &inFile, `SELECT EXISTS (SELECT 1 FROM batch_loops WHERE in_file)`); err != nil {
			return err
		}
		if !inFile && n.PayerRoute == RouteMedicaid837P {
			return nil
		}
		if err := tx.SelectContext(ctx, &out.Providers, previewTotals); err != nil {
			return fmt.Errorf("preview batch: %w", err)
		}
		return nil
	})
	if err != nil {
		return BatchPreview{}, err
	}
	billed, paid := rss.Money{}, rss.Money{}
	for _, p := range out.Providers {
		out.ClaimCount += p.ClaimCount
		out.LineCount += p.LineCount
		out.Units += p.Units
		billed = rss.NewMoney(billed.Add(p.Billed.Decimal))
		paid = rss.NewMoney(paid.Add(p.Paid.Decimal))
	}
	out.Billed, out.Paid = billed, paid
	return out, nil
}
