package billing

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

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
}

// previewQuery totals the claims a batch would take ($1 route, $2
// through-date, $3 today), per provider, the way the batch freezes them: a
// line's units allowed; billed is what the payer is asked for (the paid
// amount on an 837P, the charge on a register, a reversal taking its
// charge back).
var previewQuery = waitingClaims + `
	SELECT c.provider_id, count(DISTINCT c.id) AS claim_count, count(l.id) AS line_count,
	       COALESCE(sum(l.units_allowed), 0) AS units,
	       COALESCE(sum(CASE WHEN $1 = '` + RouteMedicaid837P + `' THEN l.paid WHEN l.status = 'reversal' THEN -l.charge ELSE l.charge END), 0) AS billed,
	       COALESCE(sum(l.paid), 0) AS paid
	FROM waiting w JOIN claims c ON c.id = w.id
	LEFT JOIN claim_lines l ON l.claim_id = c.id AND l.billable
	GROUP BY c.provider_id ORDER BY c.provider_id`

// PreviewBatch counts what CreateBatch would close now for the route and
// through-date (finance only), writing nothing: the same selection of
// claims, unlocked, so a claim voided or added meanwhile may make the
// batch itself differ from its preview.
func (s *Service) PreviewBatch(ctx context.Context, n NewBatch) (BatchPreview, error) {
	if _, err := access.Require(ctx, access.RoleFinance); err != nil {
		return BatchPreview{}, err
	}
	if err := s.checkNewBatch(n); err != nil {
		return BatchPreview{}, err
	}
	out := BatchPreview{PayerRoute: n.PayerRoute, ThroughDate: n.ThroughDate, Providers: []BatchProvider{}}
	err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &out.Providers, previewQuery, n.PayerRoute, n.ThroughDate, s.today()); err != nil {
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
