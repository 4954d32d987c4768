package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/sql"
	"rss/vouchers"
)

// Payer routes.
const (
	RouteMedicaid837P    = "medicaid_837p"
	RoutePaymentRegister = "payment_register"
)

// Parties are the names and ids an 837P carries for the MSC (submitter and
// interchange sender) and Medicaid (receiver and payer). They are set by
// configuration and frozen into each batch when it is created, so a batch
// downloads the same bytes whatever the configuration later becomes.
type Parties struct {
	SenderQual    string `json:"sender_qual"`
	SenderID      string `json:"sender_id"`
	ReceiverQual  string `json:"receiver_qual"`
	ReceiverID    string `json:"receiver_id"`
	AppSender     string `json:"app_sender"`
	AppReceiver   string `json:"app_receiver"`
	SubmitterName string `json:"submitter_name"`
	SubmitterETIN string `json:"submitter_etin"`
	ContactName   string `json:"contact_name"`
	ContactPhone  string `json:"contact_phone"`
	ReceiverName  string `json:"receiver_name"`
	ReceiverETIN  string `json:"receiver_etin"`
	PayerName     string `json:"payer_name"`
	PayerID       string `json:"payer_id"`
	Usage         string `json:"usage"` // ISA15: P or T
}

// DefaultParties are demo values; production sets them from the environment.
func DefaultParties() Parties {
	return Parties{SenderQual: "ZZ", SenderID: "RSSMSC", ReceiverQual: "ZZ", ReceiverID: "CTMEDICAID",
		AppSender: "RSSMSC", AppReceiver: "CTMEDICAID", SubmitterName: "RSS MANAGEMENT SERVICES CONTRACTOR",
		SubmitterETIN: "RSSMSC01", ContactName: "MSC BILLING DESK", ContactPhone: "8605550100",
		ReceiverName: "CT DEPARTMENT OF SOCIAL SERVICES", ReceiverETIN: "CTMEDICAID", PayerName: "CT MEDICAID",
		PayerID: "CTMCD", Usage: "T"}
}

// Batch is a closed set of payable lines for one payer route.
type Batch struct {
	ID          int64           `json:"id" db:"id"`
	PayerRoute  string          `json:"payer_route" db:"payer_route"`
	ThroughDate rss.Date        `json:"through_date" db:"through_date"`
	CreatedBy   int64           `json:"created_by" db:"created_by"`
	CreatedAt   time.Time       `json:"created_at" db:"created_at"`
	ClaimCount  int             `json:"claim_count" db:"claim_count"`
	LineCount   int             `json:"line_count" db:"line_count"`
	Units       int64           `json:"units" db:"units"`
	Billed      rss.Money       `json:"billed" db:"billed"`
	Paid        rss.Money       `json:"paid" db:"paid"`
	ISAControl  *int64          `json:"isa_control" db:"isa_control"`
	GSControl   *int64          `json:"gs_control" db:"gs_control"`
	STControls  pq.Int64Array   `json:"st_controls" db:"st_controls"`
	PartiesRaw  []byte          `json:"-" db:"x12_parties"`
	Providers   []BatchProvider `json:"providers" db:"-"`
	Files       []BatchFile     `json:"files" db:"-"`
}

// BatchProvider is one provider's frozen totals in a batch.
type BatchProvider struct {
	ProviderID int64     `json:"provider_id" db:"provider_id"`
	ClaimCount int       `json:"claim_count" db:"claim_count"`
	LineCount  int       `json:"line_count" db:"line_count"`
	Units      int64     `json:"units" db:"units"`
	Billed     rss.Money `json:"billed" db:"billed"`
	Paid       rss.Money `json:"paid" db:"paid"`
}

// BatchFile is the digest of an exported file, fixed at its first export.
type BatchFile struct {
	Kind      string    `json:"kind" db:"kind"`
	SHA256    string    `json:"sha256" db:"sha256"`
	Bytes     int64     `json:"bytes" db:"bytes"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
}

// NewBatch asks finance to close a batch.
type NewBatch struct {
	PayerRoute  string   `json:"payer_route"`
	ThroughDate rss.Date `json:"through_date"`
}

const batchColumns = `b.id, b.payer_route, b.through_date, b.created_by, b.created_at, b.claim_count, b.line_count, b.units,
	b.billed, b.paid, b.isa_control, b.gs_control, b.st_controls, b.x12_parties`

// maxCLMPerST and maxLinesPerCLM mirror the 837P limits the writer enforces;
// the batch reserves one ST control number per transaction set it will need.
const (
	maxCLMPerST    = 5000
	maxLinesPerCLM = 50
)

// CreateBatch closes every payable line of the route with a date of service
// up to the through-date that no batch holds yet, and freezes the totals.
// Batches of one route are created one at a time (an advisory lock), and
// the schema refuses a line in two batches whatever happens.
func (s *Service) CreateBatch(ctx context.Context, n NewBatch) (Batch, error) {
	a, err := access.Require(ctx, access.RoleFinance)
	if err != nil {
		return Batch{}, err
	}
	v := &rss.ValidationError{}
	switch n.PayerRoute {
	case RouteMedicaid837P, RoutePaymentRegister:
	case "":
		v.Add("payer_route", "required", "payer_route is required: medicaid_837p or payment_register")
	default:
		v.Add("payer_route", "invalid_value", "payer_route must be medicaid_837p or payment_register")
	}
	if n.ThroughDate.IsZero() {
		v.Add("through_date", "required", "through_date is required")
	} else if n.ThroughDate.After(s.today()) {
		v.Add("through_date", "in_future", "through_date cannot be in the future")
	}
	if err := v.Err(); err != nil {
		return Batch{}, err
	}
	var parties any
	if n.PayerRoute == RouteMedicaid837P {
		b, _ := json.Marshal(s.parties)
		parties = string(b)
	}
	var out Batch
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('rss batch ' || $1))`, n.PayerRoute); err != nil {
			return err
		}
		var id int64
		err := tx.GetContext(ctx, &id, `
			WITH cand AS (
				SELECT l.id, l.claim_id, l.provider_id, l.units_allowed,
				       CASE WHEN l.status = 'reversal' THEN -l.charge ELSE l.charge END AS billed, l.paid,
				       c.frequency, l.status
				FROM claim_lines l
				JOIN claims c ON c.id = l.claim_id
				JOIN programs p ON p.code = c.program_code
				WHERE l.billable AND p.payer_route = $1 AND l.date_of_service <= $2
				  AND NOT EXISTS (SELECT 1 FROM batch_lines bl WHERE bl.line_id = l.id)),
			-- 837P claim loops after splitting at 50 lines: a replacement sends
			-- its new lines, a void its reversals, an original its lines.
			clm AS (
				SELECT claim_id, ceil(count(*)::numeric / $5)::int AS loops FROM cand
				WHERE NOT (frequency = '7' AND status = 'reversal') GROUP BY claim_id),
			sets AS (SELECT GREATEST(1, ceil(COALESCE(sum(loops), 0)::numeric / $6)::int) AS n FROM clm),
			b AS (
				INSERT INTO batches (payer_route, through_date, created_by, created_at, claim_count, line_count, units, billed, paid,
					isa_control, gs_control, st_controls, x12_parties)
				SELECT $1, $2, $3, $4, count(DISTINCT claim_id), count(*), COALESCE(sum(units_allowed), 0),
					COALESCE(sum(billed), 0), COALESCE(sum(paid), 0),
					CASE WHEN $1 = 'medicaid_837p' THEN nextval('x12_isa_control_seq') END,
					CASE WHEN $1 = 'medicaid_837p' THEN nextval('x12_gs_control_seq') END,
					CASE WHEN $1 = 'medicaid_837p' THEN
						(SELECT array_agg(nextval('x12_st_control_seq')) FROM generate_series(1, (SELECT n FROM sets))) END,
					$7::jsonb
				FROM cand HAVING count(*) > 0
				RETURNING id),
			bl AS (INSERT INTO batch_lines (batch_id, line_id) SELECT b.id, cand.id FROM b, cand),
			bp AS (
				INSERT INTO batch_providers (batch_id, provider_id, claim_count, line_count, units, billed, paid)
				SELECT b.id, provider_id, count(DISTINCT claim_id), count(*), sum(units_allowed), sum(billed), sum(paid)
				FROM b, cand GROUP BY b.id, provider_id),
			-- The remittance reports every claim with a line here, and, once,
			-- the route's claims that carry nothing to pay (all lines denied,
			-- or voids of claims never batched).
			reported AS (
				SELECT DISTINCT claim_id, provider_id FROM cand
				UNION
				SELECT c.id, c.provider_id FROM claims c
				WHERE c.status IN ('denied', 'void') AND c.last_service_date <= $2
				  AND c.program_code IN (SELECT code FROM programs WHERE payer_route = $1)
				  AND NOT EXISTS (SELECT 1 FROM batch_claims x WHERE x.claim_id = c.id)
				  AND NOT EXISTS (SELECT 1 FROM claim_lines l WHERE l.claim_id = c.id AND l.billable)),
			bc AS (
				INSERT INTO batch_claims (batch_id, claim_id, provider_id, first_report)
				SELECT b.id, r.claim_id, r.provider_id, NOT EXISTS (SELECT 1 FROM batch_claims x WHERE x.claim_id = r.claim_id AND x.first_report)
				FROM b, reported r)
			SELECT id FROM b`, n.PayerRoute, n.ThroughDate, a.KeyID, s.now(), maxLinesPerCLM, maxCLMPerST, parties)
		if errors.Is(err, sql.ErrNoRows) {
			return rss.Coded(rss.ErrConflict, "nothing_to_batch", "no payable %s lines through %s are waiting for a batch", n.PayerRoute, n.ThroughDate)
		}
		if err != nil {
			return fmt.Errorf("create batch: %w", err)
		}
		if err := access.Record(ctx, tx, access.Event{Action: "create", EntityType: "batch", EntityID: access.ID(id), Purpose: n.PayerRoute}); err != nil {
			return err
		}
		out, err = getBatch(ctx, tx, id)
		return err
	})
	if err == nil && out.LineCount >= 10000 {
		// A large batch changes what the planner should know about these
		// tables at once; refresh it rather than wait for autovacuum.
		_, _ = s.db.ExecContext(context.WithoutCancel(ctx), `ANALYZE batch_lines, batch_claims`)
	}
	return out, err
}

func getBatch(ctx context.Context, ext sql.Ext, id int64) (Batch, error) {
	var b Batch
	err := sqlx.GetContext(ctx, ext, &b, `SELECT `+batchColumns+` FROM batches b WHERE b.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return b, fmt.Errorf("%w: batch %d", rss.ErrNotFound, id)
	}
	if err != nil {
		return b, err
	}
	if err := sqlx.SelectContext(ctx, ext, &b.Providers, `SELECT provider_id, claim_count, line_count, units, billed, paid
		FROM batch_providers WHERE batch_id = $1 ORDER BY provider_id`, id); err != nil {
		return b, err
	}
	if err := sqlx.SelectContext(ctx, ext, &b.Files, `SELECT kind, sha256, bytes, created_at FROM batch_files WHERE batch_id = $1 ORDER BY kind`, id); err != nil {
		return b, err
	}
	if b.Files == nil {
		b.Files = []BatchFile{}
	}
	return b, nil
}

// Batch reads one batch (finance and admin).
func (s *Service) Batch(ctx context.Context, id int64) (Batch, error) {
	if _, err := access.Require(ctx, access.RoleFinance, access.RoleAdmin); err != nil {
		return Batch{}, err
	}
	return getBatch(ctx, s.db, id)
}

// Batches lists batches, newest last.
func (s *Service) Batches(ctx context.Context, route string, p vouchers.Page) (vouchers.List[Batch], error) {
	if _, err := access.Require(ctx, access.RoleFinance, access.RoleAdmin); err != nil {
		return vouchers.List[Batch]{}, err
	}
	if route != "" && route != RouteMedicaid837P && route != RoutePaymentRegister {
		return vouchers.List[Batch]{}, rss.Invalid("payer_route", "invalid_value", "payer_route must be medicaid_837p or payment_register")
	}
	after, limit, err := p.After()
	if err != nil {
		return vouchers.List[Batch]{}, err
	}
	var rows []Batch
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+batchColumns+` FROM batches b
		WHERE b.id > $1 AND ($2 = '' OR b.payer_route = $2) ORDER BY b.id LIMIT $3`, after, route, limit+1); err != nil {
		return vouchers.List[Batch]{}, fmt.Errorf("list batches: %w", err)
	}
	for i := range rows[:min(len(rows), limit)] {
		full, err := getBatch(ctx, s.db, rows[i].ID)
		if err != nil {
			return vouchers.List[Batch]{}, err
		}
		rows[i] = full
	}
	return vouchers.Paginate(rows, limit, func(b Batch) int64 { return b.ID }), nil
}
