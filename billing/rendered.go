package billing

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/pg"
)

// RenderedLine is a claim line that stands paid, with who rendered it.
type RenderedLine struct {
	ClaimID       int64    `db:"claim_id"`
	ClaimNumber   string   `db:"claim_number"`
	LineNumber    int      `db:"line_number"`
	ClientID      int64    `db:"client_id"`
	StaffID       int64    `db:"rendering_staff_id"`
	ServiceCode   string   `db:"service_code"`
	DateOfService rss.Date `db:"date_of_service"`
	// ClientBorn is the client's date of birth: a minor's line needs the
	// staff member's background check.
	ClientBorn rss.Date `db:"client_born"`
}

// PaidLinesRenderedBy lists the agency's lines that stand paid (counted)
// rendered by one of staff on or after from (any day when zero), in day
// order, then claim and line (a refusal names the first ten, which were
// the lowest claim ids, not the earliest days: an operations pass): a
// staff member's correction is refused over a line it would leave
// unqualified (staff.Update), and adverse news (a failed check, a
// withdrawn record) lists the lines it leaves unqualified
// (staff.RejectRecord). The caller holds the agency's intake lock, so no
// claim is counted meanwhile.
func PaidLinesRenderedBy(ctx context.Context, ext pg.Ext, providerID int64, staff []int64, from rss.Date) ([]RenderedLine, error) {
	var out []RenderedLine
	if err := sqlx.SelectContext(ctx, ext, &out, `SELECT c.id AS claim_id, c.claim_number, l.line_number, c.client_id, c.rendering_staff_id,
			l.service_code, l.date_of_service, k.date_of_birth AS client_born
		FROM claims c JOIN claim_lines l ON l.claim_id = c.id JOIN clients k ON k.id = c.client_id
		WHERE c.provider_id = $1 AND c.rendering_staff_id = ANY($2) AND l.counted AND ($3::date IS NULL OR l.date_of_service >= $3)
		ORDER BY l.date_of_service, c.id, l.line_number`, providerID, pq.Array(staff), from); err != nil {
		return nil, fmt.Errorf("paid lines rendered: %w", err)
	}
	return out, nil
}
