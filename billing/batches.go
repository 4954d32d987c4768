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
	"rss/pg"
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

// maxCLMPerST and maxLinesPerCLM are the 837P limits: a claim goes out in
// CLM loops of at most 50 lines, and the batch reserves one ST control
// number per 5,000 loops.
const (
	maxCLMPerST    = 5000
	maxLinesPerCLM = 50
)

// CreateBatch closes every claim of the route whose payable lines no batch
// holds yet and all fall on or before the through-date: a claim is batched
// whole, so it goes to the payer once. It freezes the totals and everything
// the batch's file is made from, writes the file and checks it, all in one
// transaction: a batch whose file cannot be written, or does not pass the
// 837P checker, is never closed (a conflict, nothing written).
//
// Batches of one route are created one at a time (an advisory lock). The
// claims a batch takes are locked (FOR SHARE, in id order) before their
// lines are read, so a void or replacement, which locks the original claim
// FOR UPDATE before touching its lines, either finishes before the batch
// reads them or waits for the batch to commit; either way the schema's
// guard (a batched line stays billable) holds and nobody gets a 500.
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
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('rss batch ' || $1))`, n.PayerRoute); err != nil {
			return err
		}
		var claims pq.Int64Array
		if err := tx.GetContext(ctx, &claims, lockClaimsQuery, n.PayerRoute, n.ThroughDate, s.today()); err != nil {
			return fmt.Errorf("lock batch claims: %w", err)
		}
		nothing := rss.Coded(rss.ErrConflict, "nothing_to_batch", "no payable %s lines through %s are waiting for a batch", n.PayerRoute, n.ThroughDate)
		if len(claims) == 0 {
			return nothing
		}
		// A statement of its own, after the locks: its snapshot sees every
		// void or replacement that committed while the locks were awaited.
		for _, q := range []string{candTable, `TRUNCATE batch_cand`} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("batch candidates: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, candQuery, claims, n.PayerRoute, maxLinesPerCLM)
		if err != nil {
			return fmt.Errorf("batch candidates: %w", err)
		}
		if lines, _ := res.RowsAffected(); lines == 0 {
			return nothing
		} else if lines >= 10000 {
			if _, err := tx.ExecContext(ctx, `ANALYZE batch_cand`); err != nil {
				return err
			}
		}
		var id int64
		if err := tx.GetContext(ctx, &id, insertBatchQuery, n.PayerRoute, n.ThroughDate, a.KeyID, s.now(), maxCLMPerST, parties); err != nil {
			return fmt.Errorf("create batch: %w", err)
		}
		steps := []struct {
			q     string
			only  string // the route the step is for, "" for both
			extra []any
		}{
			{`INSERT INTO batch_lines (batch_id, line_id) SELECT $1, line_id FROM batch_cand`, "", nil},
			{insertProvidersQuery, "", nil},
			{insertServicesQuery, RouteMedicaid837P, nil},
			{insertLoopsQuery, RouteMedicaid837P, nil},
			{insertX12LinesQuery, RouteMedicaid837P, nil},
			{insertReportedQuery, "", []any{claims, n.ThroughDate}},
		}
		for _, st := range steps {
			if st.only != "" && st.only != n.PayerRoute {
				continue
			}
			if _, err := tx.ExecContext(ctx, st.q, append([]any{id}, st.extra...)...); err != nil {
				return fmt.Errorf("create batch %d: %w", id, err)
			}
		}
		if n.PayerRoute == RouteMedicaid837P {
			if err := s.disclosures(ctx, tx, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DROP TABLE batch_cand`); err != nil {
			return err
		}
		b, err := getBatch(ctx, tx, id)
		if err != nil {
			return err
		}
		file, err := writeAndCheck(ctx, tx, &b)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO batch_files (batch_id, kind, sha256, bytes, created_at) VALUES ($1, $2, $3, $4, $5)`,
			id, file.Kind, file.SHA256, file.Bytes, s.now()); err != nil {
			return fmt.Errorf("record file digest: %w", err)
		}
		if err := access.Record(ctx, tx, access.Event{Action: "create", EntityType: "batch", EntityID: access.ID(id), Purpose: n.PayerRoute}); err != nil {
			return err
		}
		out, err = getBatch(ctx, tx, id)
		return err
	})
	err = batchWriteError(err)
	if err == nil && out.LineCount >= 10000 {
		// A large batch changes what the planner should know about these
		// tables at once; refresh it rather than wait for autovacuum.
		_, _ = s.db.ExecContext(context.WithoutCancel(ctx), `ANALYZE batch_lines, batch_claims, batch_x12_claims, batch_x12_lines`)
	}
	return out, err
}

// batchWriteError turns what a concurrent change can still make the
// batch's writes trip over into a conflict to retry, never a 500.
func batchWriteError(err error) error {
	pe, ok := pg.PgError(err)
	if !ok {
		return err
	}
	switch {
	case string(pe.Code) == pg.CodeDeadlock || string(pe.Code) == pg.CodeSerialization ||
		pe.Constraint == "batch_lines_line_fkey" || pe.Constraint == "batch_lines_line_unique":
		return rss.Coded(rss.ErrConflict, "batch_conflict", "claims changed while the batch was being closed; nothing was written, close it again")
	case pe.Constraint == "batch_x12_lines_units_positive" || pe.Constraint == "batch_x12_lines_charge_positive":
		return rss.Coded(rss.ErrConflict, "batch_file_invalid", "batch not closed: a line the 837P would bill has no payable units or amount; nothing was written")
	}
	return err
}

// lockClaimsQuery finds the claims a batch takes (every payable line not
// yet batched on or before the through-date, the claim's other payable
// lines too; for an 837P only claims whose client consents to disclosure
// to the payer on $3, today) and the route's claims with nothing to pay
// that have not been reported yet, and locks them in id order.
var lockClaimsQuery = `
	WITH waiting AS (
		SELECT l.claim_id FROM claim_lines l
		JOIN claims c ON c.id = l.claim_id
		JOIN programs p ON p.code = c.program_code
		WHERE l.billable AND p.payer_route = $1
		  AND NOT EXISTS (SELECT 1 FROM batch_lines bl WHERE bl.line_id = l.id)
		  AND ($1 <> '` + RouteMedicaid837P + `' OR NOT ` + payerConsentMissing("$3::date") + `)
		GROUP BY l.claim_id HAVING max(l.date_of_service) <= $2
		UNION
		SELECT c.id FROM claims c
		WHERE c.status IN ('denied', 'void') AND c.last_service_date <= $2
		  AND c.program_code IN (SELECT code FROM programs WHERE payer_route = $1)
		  AND NOT EXISTS (SELECT 1 FROM batch_claims x WHERE x.claim_id = c.id)
		  AND NOT EXISTS (SELECT 1 FROM claim_lines l WHERE l.claim_id = c.id AND l.billable)),
	locked AS (SELECT c.id FROM claims c JOIN waiting w ON w.claim_id = c.id ORDER BY c.id FOR SHARE OF c)
	SELECT COALESCE(array_agg(id ORDER BY id), '{}') FROM locked`

// candTable holds the batch's lines while it is being closed, each with
// the 837P CLM loop (part) that carries it.
const candTable = `CREATE TEMP TABLE IF NOT EXISTS batch_cand (
	line_id bigint, claim_id bigint, provider_id bigint, service_code text, freq text, rev boolean, line_number integer,
	units_allowed integer, paid numeric(12,2), billed numeric(12,2), auth text, o_ref text, g integer,
	part integer, loop_freq text, loops integer, in_file boolean) ON COMMIT DROP`

// candQuery takes the payable lines of the locked claims and, for an 837P,
// assigns each the CLM loop that carries it:
//   - an original's lines, in line order, 50 to a loop;
//   - a void's reversals grouped by the loop that sent the line they
//     reverse, so each void loop voids one loop the payer received;
//   - a replacement's new lines 50 to a loop, its k-th loop replacing the
//     original's k-th loop as sent; loops the original had beyond the
//     replacement's are voided (with their reversals), loops the
//     replacement has beyond the original's go as new claims, and a
//     replacement of a claim never sent goes as an original. The reversals
//     of loops that are replaced are closed with the batch but not sent:
//     the payer reverses a replaced claim itself.
//
// SV1 bills what was found payable, so a line's billed amount on the 837P
// route is its paid amount; on the register it is the charge (reversals
// negative).
const candQuery = `
	INSERT INTO batch_cand (line_id, claim_id, provider_id, service_code, freq, rev, line_number, units_allowed, paid, billed,
		auth, o_ref, g, part, loop_freq, loops, in_file)
	WITH base AS (
		SELECT l.id AS line_id, l.claim_id, c.provider_id, l.service_code, c.frequency AS freq, l.status = 'reversal' AS rev,
		       l.line_number, l.units_allowed, l.paid, l.charge, l.authorization_number AS auth,
		       ob.batch_id AS o_batch, ox.part AS o_part, COALESCE(oc.clm01, o.claim_number) AS o_ref
		FROM unnest($1::bigint[]) AS k(id)
		JOIN claims c ON c.id = k.id
		JOIN claim_lines l ON l.claim_id = c.id AND l.billable
		LEFT JOIN claims o ON o.id = c.original_claim_id
		LEFT JOIN batch_lines ob ON ob.line_id = l.reverses_line_id
		LEFT JOIN batch_x12_lines ox ON ox.line_id = l.reverses_line_id
		LEFT JOIN batch_x12_claims oc ON oc.batch_id = ox.batch_id AND oc.claim_id = ox.claim_id AND oc.part = ox.part
		WHERE NOT EXISTS (SELECT 1 FROM batch_lines bl WHERE bl.line_id = l.id)),
	chunked AS (
		SELECT b.*, (row_number() OVER (PARTITION BY claim_id, rev, o_batch, o_part ORDER BY line_number) - 1) / $3 AS chunk
		FROM base b),
	grouped AS (
		SELECT x.*, CASE WHEN NOT rev THEN chunk + 1 END AS q,
		       CASE WHEN rev THEN dense_rank() OVER (PARTITION BY claim_id, rev ORDER BY o_batch, o_part, chunk) END AS g
		FROM chunked x),
	counted AS (
		SELECT y.*, COALESCE(max(q) OVER w, 0) AS n, COALESCE(max(g) OVER w, 0) AS m
		FROM grouped y WINDOW w AS (PARTITION BY claim_id)),
	placed AS (
		SELECT z.*, CASE
			WHEN $2 <> 'medicaid_837p' THEN NULL
			WHEN NOT rev THEN q
			WHEN freq = '8' OR g > n THEN g END AS part
		FROM counted z)
	SELECT line_id, claim_id, provider_id, service_code, freq, rev, line_number, units_allowed, paid,
	       CASE WHEN $2 = 'medicaid_837p' THEN paid WHEN rev THEN -charge ELSE charge END,
	       auth, o_ref, g, part,
	       CASE WHEN part IS NULL THEN NULL
	            WHEN freq = '1' OR (freq = '7' AND m = 0) THEN '1'
	            WHEN freq = '8' THEN '8'
	            WHEN part <= n AND part <= m THEN '7'
	            WHEN part <= n THEN '1'
	            ELSE '8' END,
	       CASE freq WHEN '1' THEN n WHEN '8' THEN m ELSE GREATEST(n, m) END,
	       $2 <> 'medicaid_837p' OR part IS NOT NULL
	FROM placed`

// The totals describe exactly what the batch's file carries: on a
// register every line; on an 837P its CLM loops and service lines, with
// the lines of voids negative (units and amounts), and the reversals of
// replaced loops (closed by the batch, not sent) left out of both.
const batchTotals = `count(DISTINCT (claim_id, part)) FILTER (WHERE in_file), count(*) FILTER (WHERE in_file),
	COALESCE(sum(units_allowed) FILTER (WHERE in_file), 0), COALESCE(sum(billed) FILTER (WHERE in_file), 0),
	COALESCE(sum(paid) FILTER (WHERE in_file), 0)`

const insertBatchQuery = `
	INSERT INTO batches (payer_route, through_date, created_by, created_at, claim_count, line_count, units, billed, paid,
		isa_control, gs_control, st_controls, x12_parties)
	SELECT $1, $2, $3, $4, ` + batchTotals + `,
		CASE WHEN $1 = 'medicaid_837p' THEN nextval('x12_isa_control_seq') END,
		CASE WHEN $1 = 'medicaid_837p' THEN nextval('x12_gs_control_seq') END,
		CASE WHEN $1 = 'medicaid_837p' THEN (SELECT array_agg(nextval('x12_st_control_seq')) FROM generate_series(1,
			GREATEST(1, ceil((SELECT count(DISTINCT (claim_id, part)) FROM batch_cand WHERE in_file)::numeric / $5)::int))) END,
		$6::jsonb
	FROM batch_cand
	RETURNING id`

const insertProvidersQuery = `
	INSERT INTO batch_providers (batch_id, provider_id, claim_count, line_count, units, billed, paid,
		code, name, npi, tax_id, address_line1, address_line2, city, state, zip)
	SELECT $1, t.*, p.code, p.name, p.npi, p.tax_id, p.address_line1, p.address_line2, p.city, p.state, p.zip
	FROM (SELECT provider_id, ` + batchTotals + ` FROM batch_cand GROUP BY provider_id) t
	JOIN providers p ON p.id = t.provider_id`

const insertServicesQuery = `
	INSERT INTO batch_services (batch_id, service_code, procedure_code, modifiers)
	SELECT $1, s.code, s.procedure_code, s.modifiers FROM services s
	WHERE s.code IN (SELECT service_code FROM batch_cand WHERE in_file)`

// medicaidIDBilled is the Medicaid id a claim (c) bills: the one whose
// eligibility span covers its earliest billable line's date of service
// (intake denies lines under another id, so every billable line of a claim
// shares it). A client with no span (data older than spans) keeps the id on
// file.
const medicaidIDBilled = `(SELECT g.medicaid_id FROM claim_lines l2
	JOIN client_eligibility g ON g.client_id = c.client_id AND g.start_date <= l2.date_of_service
	 AND (g.end_date IS NULL OR g.end_date >= l2.date_of_service)
	WHERE l2.claim_id = c.id AND l2.billable ORDER BY l2.date_of_service LIMIT 1)`

var insertLoopsQuery = `
	INSERT INTO batch_x12_claims (batch_id, claim_id, part, provider_id, clm01, frequency, original_ref, place_of_service, diagnoses,
		subscriber_last, subscriber_first, medicaid_id, date_of_birth, gender, address_line1, city, state, zip,
		rendering_npi, rendering_last, rendering_first)
	SELECT $1, x.claim_id, x.part, c.provider_id,
	       CASE WHEN x.loops > 1 THEN c.claim_number || '-' || x.part ELSE c.claim_number END,
	       x.loop_freq, CASE WHEN x.loop_freq <> '1' THEN r.o_ref END, c.place_of_service, c.diagnoses,
	       cl.last_name, cl.first_name, COALESCE(` + medicaidIDBilled + `, cl.medicaid_id),
	       cl.date_of_birth, cl.gender, cl.address_line1, cl.city, cl.state, cl.zip,
	       st.npi, st.last_name, st.first_name
	FROM (SELECT claim_id, part, min(loop_freq) AS loop_freq, min(loops) AS loops FROM batch_cand WHERE in_file GROUP BY claim_id, part) x
	LEFT JOIN (SELECT claim_id, g, min(o_ref) AS o_ref FROM batch_cand WHERE rev GROUP BY claim_id, g) r
	       ON r.claim_id = x.claim_id AND r.g = x.part
	JOIN claims c ON c.id = x.claim_id
	JOIN clients cl ON cl.id = c.client_id
	LEFT JOIN staff st ON st.id = c.rendering_staff_id`

// SV104 and SV102 are the units and amount found payable; a void repeats
// the lines it voids as they were billed (the reversal's negated figures).
const insertX12LinesQuery = `
	INSERT INTO batch_x12_lines (batch_id, claim_id, part, seq, line_id, units, charge, prior_auth)
	SELECT $1, claim_id, part, row_number() OVER (PARTITION BY claim_id, part ORDER BY line_number), line_id,
	       abs(units_allowed), abs(paid), auth
	FROM batch_cand WHERE in_file`

// The remittance reports every claim with a line here, and, once, the
// route's claims that carry nothing to pay (all lines denied, or voids of
// claims never batched).
const insertReportedQuery = `
	INSERT INTO batch_claims (batch_id, claim_id, provider_id, first_report)
	SELECT $1, r.claim_id, r.provider_id, NOT EXISTS (SELECT 1 FROM batch_claims x WHERE x.claim_id = r.claim_id AND x.first_report)
	FROM (
		SELECT DISTINCT claim_id, provider_id FROM batch_cand
		UNION
		SELECT c.id, c.provider_id FROM unnest($2::bigint[]) AS k(id) JOIN claims c ON c.id = k.id
		WHERE c.status IN ('denied', 'void') AND c.last_service_date <= $3
		  AND NOT EXISTS (SELECT 1 FROM batch_claims x WHERE x.claim_id = c.id)
		  AND NOT EXISTS (SELECT 1 FROM claim_lines l WHERE l.claim_id = c.id AND l.billable)) r`

func getBatch(ctx context.Context, ext pg.Ext, id int64) (Batch, error) {
	var b Batch
	err := sqlx.GetContext(ctx, ext, &b, `SELECT `+batchColumns+` FROM batches b WHERE b.id = $1`, id)
	if errors.Is(err, pg.ErrNoRows) {
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
