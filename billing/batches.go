package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/pg"
	"rss/vouchers"
	"rss/x12"
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

// header is the 837P envelope and parties of a file made by p.
func (p Parties) header(created time.Time, isa, gs int64, ref string, st func(int) (int64, error)) x12.Header {
	return x12.Header{
		SenderQual: p.SenderQual, SenderID: p.SenderID, ReceiverQual: p.ReceiverQual, ReceiverID: p.ReceiverID,
		AppSenderCode: p.AppSender, AppReceiverCode: p.AppReceiver, Created: created,
		ISAControl: isa, GSControl: gs, BatchRef: ref, STControl: st,
		Submitter: x12.Submitter{Name: p.SubmitterName, ETIN: p.SubmitterETIN, ContactName: p.ContactName, Phone: p.ContactPhone},
		Receiver:  x12.Receiver{Name: p.ReceiverName, ID: p.ReceiverETIN},
		Payer:     x12.Payer{Name: p.PayerName, ID: p.PayerID},
	}
}

// Check reports whether p can head an 837P: every party as the writer
// holds it (lengths, the X12 character set). rss serve checks it at start:
// a sender id too long or a name with a delimiter was taken, and every
// Medicaid close then failed with a 409 finance could not mend (a
// black-box pass).
func (p Parties) Check() error {
	if p.Usage != "P" && p.Usage != "T" {
		return errors.New("usage must be P or T")
	}
	opts := x12.DefaultOptions()
	opts.Usage = p.Usage[0]
	h := p.header(time.Now().UTC(), 1, 1, "RSS1", func(int) (int64, error) { return 1, nil })
	_, err := x12.NewWriter(io.Discard, h, opts)
	return err
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
	ID          int64         `json:"id" db:"id"`
	PayerRoute  string        `json:"payer_route" db:"payer_route"`
	ThroughDate rss.Date      `json:"through_date" db:"through_date"`
	CreatedBy   int64         `json:"created_by" db:"created_by"`
	CreatedAt   time.Time     `json:"created_at" db:"created_at"`
	ClaimCount  int           `json:"claim_count" db:"claim_count"`
	LineCount   int           `json:"line_count" db:"line_count"`
	Units       int64         `json:"units" db:"units"`
	Billed      rss.Money     `json:"billed" db:"billed"`
	Paid        rss.Money     `json:"paid" db:"paid"`
	ISAControl  *int64        `json:"isa_control" db:"isa_control"`
	GSControl   *int64        `json:"gs_control" db:"gs_control"`
	STControls  pq.Int64Array `json:"st_controls" db:"st_controls"`
	// ClaimsPerSet is how many CLM loops each transaction set of the 837P
	// holds (the last fewer): the set a loop went out in, which a 999
	// answers, follows from it (payer_loop_set).
	ClaimsPerSet int             `json:"-" db:"claims_per_set"`
	PartiesRaw   []byte          `json:"-" db:"x12_parties"`
	Providers    []BatchProvider `json:"providers" db:"-"`
	Files        []BatchFile     `json:"files" db:"-"`
	// AdviceProviders are the providers the batch has a remittance advice
	// for, by id: those of Providers and those it reports only denied
	// claims for, which have no frozen totals (a black-box pass found no
	// way to such an advice). Read by GET of one batch only.
	AdviceProviders []int64 `json:"advice_providers,omitempty" db:"-"`
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
	// Expect, when given, is what a preview showed: the close is refused
	// (409 preview_changed, nothing written) when the batch would now take
	// anything else. Claims that arrived between the preview and the
	// close went in unseen (a console black-box pass: a preview of 70.00
	// confirmed, a batch of 245.00 closed).
	Expect *ExpectedTotals `json:"expect"`
	// ExpectNull: expect was given as null, which is no expect left out
	// (the decoder reads both as nil). Read as one, a client sending a
	// preview's failed read closed whatever was waiting, unchecked, for
	// good (a finance black-box pass).
	ExpectNull bool `json:"-"`
}

// ExpectedTotals are a close's expect: every total a preview shows, each
// required. A total left out was read as zero and answered 409
// preview_changed, "preview it again", which previewing again could never
// mend (a black-box pass).
type ExpectedTotals struct {
	ClaimCount *int   `json:"claim_count"`
	LineCount  *int   `json:"line_count"`
	Units      *int64 `json:"units"`
	// Billed and Paid are Totals: a preview of a trillion dollars or more
	// shows an amount past Money's twelve digits (a payer black-box pass).
	Billed *rss.Total `json:"billed"`
	Paid   *rss.Total `json:"paid"`
}

// Expecting is the expect that closes exactly the totals t.
func Expecting(t BatchTotals) *ExpectedTotals {
	return &ExpectedTotals{ClaimCount: &t.ClaimCount, LineCount: &t.LineCount, Units: &t.Units, Billed: &rss.Total{Money: t.Billed},
		Paid: &rss.Total{Money: t.Paid}}
}

// totals are the expected totals, once checkNewBatch has found them all given.
func (e ExpectedTotals) totals() BatchTotals {
	return BatchTotals{ClaimCount: *e.ClaimCount, LineCount: *e.LineCount, Units: *e.Units, Billed: e.Billed.Money, Paid: e.Paid.Money}
}

// BatchTotals are a batch's counts and amounts, as a preview shows them.
type BatchTotals struct {
	ClaimCount int       `json:"claim_count"`
	LineCount  int       `json:"line_count"`
	Units      int64     `json:"units"`
	Billed     rss.Money `json:"billed"`
	Paid       rss.Money `json:"paid"`
}

func (t BatchTotals) String() string {
	return fmt.Sprintf("%s, %s, %s, %s billed, %s paid", plural(t.ClaimCount, "claim"), plural(t.LineCount, "line"), plural(t.Units, "unit"),
		t.Billed.String(), t.Paid.String())
}

// plural writes n things, "1 claim" and "2 claims" (a claims pass read
// "1 claims").
func plural[N int | int64](n N, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

const batchColumns = `b.id, b.payer_route, b.through_date, b.created_by, b.created_at, b.claim_count, b.line_count, b.units,
	b.billed, b.paid, b.isa_control, b.gs_control, b.st_controls, b.claims_per_set, b.x12_parties`

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
	if err := s.checkNewBatch(n); err != nil {
		return Batch{}, err
	}
	var parties any
	if n.PayerRoute == RouteMedicaid837P {
		b, _ := json.Marshal(s.parties)
		parties = string(b)
	}
	var out Batch
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+pg.BatchLockKey+`)`, n.PayerRoute); err != nil {
			return err
		}
		// The statements below are few, large and mostly index probes:
		// compiling them to machine code (which their costs would trigger)
		// takes longer than it saves, measured at 80 ms a statement.
		if _, err := tx.ExecContext(ctx, `SET LOCAL jit = off`); err != nil {
			return err
		}
		var claims pq.Int64Array
		if err := tx.GetContext(ctx, &claims, lockClaimsQuery, n.PayerRoute, n.ThroughDate, s.today()); err != nil {
			return fmt.Errorf("lock batch claims: %w", err)
		}
		nothing := func() error {
			held, err := s.heldCount(ctx, tx, n.PayerRoute, n.ThroughDate)
			if err != nil {
				return err
			}
			msg := fmt.Sprintf("no payable %s lines through %s are waiting for a batch", n.PayerRoute, n.ThroughDate)
			if held > 0 {
				msg += fmt.Sprintf("; %d claim(s) of the route through that day are held out of batches until their hold lifts (GET /v1/batch-holds?payer_route=%s)",
					held, n.PayerRoute)
			}
			return rss.Coded(rss.ErrConflict, "nothing_to_batch", "%s", msg)
		}
		if len(claims) == 0 {
			return nothing()
		}
		// A statement of its own, after the locks: its snapshot sees every
		// void or replacement that committed while the locks were awaited.
		for _, q := range []string{loopsTable, `TRUNCATE batch_loops`} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("batch loops: %w", err)
			}
		}
		loops := int64(0)
		for _, q := range []string{simpleLoopsQuery, loopsQuery} {
			res, err := tx.ExecContext(ctx, q, claims, n.PayerRoute, maxLinesPerCLM)
			if err != nil {
				return fmt.Errorf("batch loops: %w", err)
			}
			k, _ := res.RowsAffected()
			loops += k
		}
		// Reversals of loops the payer rejected are closed but not sent; a
		// batch of nothing else would send an empty file, so they wait for
		// one that sends something.
		var inFile bool
		if err := tx.GetContext(ctx, &inFile, `SELECT EXISTS (SELECT 1 FROM batch_loops WHERE in_file)`); err != nil {
			return err
		}
		if loops == 0 || (!inFile && n.PayerRoute == RouteMedicaid837P) {
			return nothing()
		}
		if n.Expect != nil {
			var now BatchTotals
			if err := tx.QueryRowContext(ctx, `SELECT `+batchTotals+` FROM batch_loops`).
				Scan(&now.ClaimCount, &now.LineCount, &now.Units, &now.Billed, &now.Paid); err != nil {
				return err
			}
			if want := n.Expect.totals(); !now.sameAs(want) {
				return rss.Coded(rss.ErrConflict, "preview_changed",
					"the batch would now take %s, not the %s expected: preview it again", now, want)
			}
		}
		var id int64
		var stControls pq.Int64Array
		if err := tx.QueryRowxContext(ctx, insertBatchQuery, n.PayerRoute, n.ThroughDate, a.KeyID, s.now(), s.claimsPerSet, parties).
			Scan(&id, &stControls); err != nil {
			return fmt.Errorf("create batch: %w", err)
		}
		steps := []struct {
			q     string
			only  string // the route the step is for, "" for both
			extra []any
		}{
			{insertReportedQuery, "", []any{claims, n.ThroughDate}},
			{insertProvidersQuery, "", nil},
			{insertServicesQuery, RouteMedicaid837P, nil},
			{insertLoopsQuery, RouteMedicaid837P, []any{stControls, s.claimsPerSet}},
		}
		// Every step below reads the batch's temporary table whole and
		// probes other tables by key. On a young database the statistics
		// may still say batch_claims is empty, and a plan that scans it for
		// each of a batch's claims (whether it was reported before) took
		// two seconds for 20,000 claims: probes by index only.
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
		for _, st := range steps {
			if st.only != "" && st.only != n.PayerRoute {
				continue
			}
			if st.q == insertLoopsQuery {
				if err := insertLoops(ctx, tx, append([]any{id}, st.extra...)); err != nil {
					return err
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, st.q, append([]any{id}, st.extra...)...); err != nil {
				return fmt.Errorf("create batch %d: %w", id, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan TO DEFAULT`); err != nil {
			return err
		}
		if n.PayerRoute == RouteMedicaid837P {
			if err := s.disclosures(ctx, tx, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DROP TABLE batch_loops`); err != nil {
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
		if err := access.Record(ctx, tx, access.Event{Action: "create", EntityType: "batch", EntityID: access.ID(id), Outcome: n.PayerRoute}); err != nil {
			return err
		}
		out, err = getBatch(ctx, tx, id)
		return err
	})
	err = batchWriteError(err)
	if err == nil && out.LineCount >= 10000 {
		// A large batch changes what the planner should know about these
		// tables at once; refresh it rather than wait for autovacuum.
		_, _ = s.db.ExecContext(context.WithoutCancel(ctx), `ANALYZE batch_claims, batch_x12_claims`)
	}
	return out, err
}

// checkNewBatch refuses a route or through-date no batch can have.
// sameAs compares totals by value (amounts as money, not as written).
func (t BatchTotals) sameAs(o BatchTotals) bool {
	return t.ClaimCount == o.ClaimCount && t.LineCount == o.LineCount && t.Units == o.Units &&
		t.Billed.Equal(o.Billed.Decimal) && t.Paid.Equal(o.Paid.Decimal)
}

func (s *Service) checkNewBatch(n NewBatch) error {
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
	} else if today := s.today(); n.ThroughDate.After(today) {
		// Today named: a host whose clock reads UTC is a day ahead of
		// the MSC's in the evening (a black-box pass of the forty-seventh
		// stop).
		v.Add("through_date", "in_future", "through_date cannot be in the future: %s", rss.TodayIs(today))
	}
	if n.ExpectNull {
		v.Add("expect", "required", "expect cannot be null: give every total the preview showed, or leave expect out to close "+
			"whatever is waiting")
	}
	if e := n.Expect; e != nil {
		for _, f := range []struct {
			name  string
			given bool
		}{{"claim_count", e.ClaimCount != nil}, {"line_count", e.LineCount != nil}, {"units", e.Units != nil},
			{"billed", e.Billed != nil}, {"paid", e.Paid != nil}} {
			if !f.given {
				v.Add("expect."+f.name, "required", "expect.%s is required: give every total the preview showed", f.name)
			}
		}
		// Claims and lines are counted, never negative; units and amounts
		// net reversals and voids, and a batch that takes money back
		// previews them negative: its own totals were refused (a black-box
		// pass), leaving it to close blind.
		if e.ClaimCount != nil && *e.ClaimCount < 0 {
			v.Add("expect.claim_count", "out_of_range", "expect.claim_count cannot be negative")
		}
		if e.LineCount != nil && *e.LineCount < 0 {
			v.Add("expect.line_count", "out_of_range", "expect.line_count cannot be negative")
		}
	}
	return v.Err()
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
		pe.Constraint == "batch_lines_line_fkey" || pe.Constraint == "batch_claims_lines_once" ||
		pe.Constraint == "batch_claims_take_whole_claims" || pe.Constraint == "batch_claims_not_held":
		return rss.Coded(rss.ErrConflict, "batch_conflict", "claims changed while the batch was being closed; nothing was written, close it again")
	}
	return err
}

// lockClaimsQuery finds the claims a batch takes (every payable line not
// yet batched on or before the through-date, the claim's other payable
// lines too; for an 837P only claims whose client consents to disclosure
// to the payer on $3, today; no claim a hold keeps out) and the route's claims with nothing to pay
// that have not been reported yet, and locks them in id order. A claim's
// lines are batched together, so what waits is found per claim: the
// billable lines' dates come from their index alone, and a claim a batch
// already took is set aside by its one batch_claims row.
var lockClaimsQuery = waitingClaims + `,
	locked AS (SELECT c.id FROM claims c JOIN waiting w ON w.id = c.id ORDER BY c.id FOR SHARE OF c)
	SELECT COALESCE(array_agg(id ORDER BY id), '{}') FROM locked`

// waitingClaims is the CTE "waiting": the claims a batch of route $1
// through $2 would take today ($3), unlocked (lockClaimsQuery locks them;
// the preview only counts them). A claim an open hold keeps out
// (heldClaimsSQL: paid lines a staff record of adverse news left
// unqualified) waits on either route.
var waitingClaims = `
	WITH waiting AS (
		SELECT c.id FROM (
			SELECT l.claim_id, max(l.date_of_service) AS last FROM claim_lines l WHERE l.billable GROUP BY l.claim_id) w
		JOIN claims c ON c.id = w.claim_id
		JOIN programs p ON p.code = c.program_code
		WHERE w.last <= $2 AND p.payer_route = $1
		  AND NOT EXISTS (SELECT 1 FROM batch_claims b WHERE b.claim_id = w.claim_id AND b.lines > 0)
		  AND ($1 <> '` + RouteMedicaid837P + `' OR NOT ` + payerConsentMissing("$3::date") + `)
		  AND w.claim_id NOT IN (` + heldClaimsSQL + `)
		UNION
		SELECT c.id FROM claims c
		WHERE c.status IN ('denied', 'void') AND c.last_service_date <= $2
		  AND c.program_code IN (SELECT code FROM programs WHERE payer_route = $1)
		  AND NOT EXISTS (SELECT 1 FROM batch_claims x WHERE x.claim_id = c.id)
		  AND NOT EXISTS (SELECT 1 FROM claim_lines l WHERE l.claim_id = c.id AND l.billable))`

// loopsTable holds the batch while it is being closed, a row per group of
// a claim's lines: on an 837P each CLM loop (part) the file carries, and
// the reversals the batch closes without sending; on a register each
// claim. line_ids are in line order (the 837P's LX order).
const loopsTable = `CREATE TEMP TABLE IF NOT EXISTS batch_loops (
	claim_id bigint, provider_id bigint, client_id bigint, part integer, in_file boolean, loop_freq text, loops integer,
	o_ref text, lines integer, line_ids bigint[], units bigint, billed numeric(14,2), paid numeric(14,2), services text[],
	first_service date, o_batch bigint, o_part integer)
	ON COMMIT DROP`

// simpleLoopsQuery takes the locked claims ($1) whose lines go in one group
// whatever they are: every claim on a register ($2 the route), and on an
// 837P an original of at most $3 billable lines, one CLM loop. Nearly
// every claim is one of these, and they are grouped in one pass over
// their lines.
const simpleLoopsQuery = `
	INSERT INTO batch_loops (claim_id, provider_id, client_id, part, in_file, loop_freq, loops, o_ref, lines, line_ids, units, billed,
		paid, services, first_service)
	SELECT c.id, c.provider_id, c.client_id, CASE WHEN $2 = 'medicaid_837p' THEN 1 END, true,
	       CASE WHEN $2 = 'medicaid_837p' THEN '1' END, 1, NULL, g.lines, g.line_ids, g.units, g.billed, g.paid, g.services,
	       g.first_service
	FROM (
		SELECT l.claim_id, count(*) AS lines, array_agg(l.id ORDER BY l.line_number) AS line_ids, sum(l.units_allowed) AS units,
		       sum(CASE WHEN $2 = 'medicaid_837p' THEN l.paid WHEN l.status = 'reversal' THEN -l.charge ELSE l.charge END) AS billed,
		       sum(l.paid) AS paid, array_agg(DISTINCT l.service_code) AS services, min(l.date_of_service) AS first_service
		FROM claim_lines l WHERE l.claim_id = ANY ($1) AND l.billable
		GROUP BY l.claim_id) g
	JOIN claims c ON c.id = g.claim_id
	WHERE $2 <> 'medicaid_837p' OR (c.frequency = '1' AND g.lines <= $3)`

// takenBackY is the condition that CLM loop y is off the payer's books
// because the payer took it back: a payment was posted to it and none
// stands (every one undone by a reversal, standsP), which its claim's
// payer answer reads as reversed. A loop corrected since (paid again)
// stands, and one never paid is not taken back.
const takenBackY = `(EXISTS (SELECT 1 FROM payer_claim_payments q WHERE q.batch_id = y.batch_id AND q.claim_id = y.claim_id
		AND q.part = y.part AND q.unmatched_reason IS NULL)
	AND NOT EXISTS (SELECT 1 FROM payer_claim_payments p WHERE p.batch_id = y.batch_id AND p.claim_id = y.claim_id AND p.part = y.part
		AND p.unmatched_reason IS NULL AND NOT p.reversal AND ` + standsP + `))`

// rootLineSQL selects (line_id, claim_id) the line a reversal line l's
// reversed line takes back at the payer: that line, or, where it is
// itself a reversal (a resend reverses the rejected void's lines, a void
// of a replacement the lines of the replacement's void loops the payer
// turned away), the line that one reversed, and so on down the resends.
// A resend read only the void it resends: it sent the REF*F8 that void
// carried though the payer had since reversed the original and paid it
// again under a new number, and a resend of a resend never saw the payer
// take the original back itself, and voided it again (a payer re-check
// and a review).
const rootLineSQL = `WITH RECURSIVE up (line_id, claim_id, depth) AS (
			SELECT r.id, r.claim_id, 0 FROM claim_lines r WHERE r.id = l.reverses_line_id
			UNION ALL
			SELECT r.id, r.claim_id, up.depth + 1 FROM up
			JOIN claim_lines v ON v.id = up.line_id
			JOIN claim_lines r ON r.id = v.reverses_line_id)
		SELECT line_id, claim_id FROM up ORDER BY depth DESC LIMIT 1`

// originalRefNow is the REF*F8 a rejected replacement or void loop ox
// carried (ox.original_ref), as the payer knows that claim now: when a
// payment of the agency's carried that number and no payment carrying it
// stands any more (the payer reversed it and paid the claim again under a
// new number, a re-adjudication), the number of the loop's standing
// payment that pays the lines that payment paid (any, where either paid
// the loop whole); else the number as it went out. A rejected
// replacement's correction, a void of it and the void's resend repeated
// the reversed number: the payer turned each away, and every further
// correction repeated it, so the claim could not be corrected while rss
// counted the correction's lines (a white-box review's payer model).
const originalRefNow = `COALESCE((SELECT cp.payer_ccn FROM payer_claim_payments q
		JOIN claims qc ON qc.id = q.claim_id AND qc.provider_id = c.provider_id
		JOIN payer_current_postings cp ON cp.batch_id = q.batch_id AND cp.claim_id = q.claim_id AND cp.part = q.part
		WHERE q.payer_ccn = ox.original_ref AND NOT q.reversal AND q.unmatched_reason IS NULL AND cp.payer_ccn IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM payer_current_postings s JOIN claims sc ON sc.id = s.claim_id AND sc.provider_id = c.provider_id
		                  WHERE s.payer_ccn = ox.original_ref)
		  AND (NOT EXISTS (SELECT 1 FROM payer_line_payments ql WHERE ql.claim_payment_id = q.id AND ql.line_id IS NOT NULL)
		       OR NOT EXISTS (SELECT 1 FROM payer_line_payments cl WHERE cl.claim_payment_id = cp.id AND cl.line_id IS NOT NULL)
		       OR EXISTS (SELECT 1 FROM payer_line_payments ql JOIN payer_line_payments cl ON cl.line_id = ql.line_id
		                  WHERE ql.claim_payment_id = q.id AND cl.claim_payment_id = cp.id))
		ORDER BY cp.id DESC LIMIT 1), ox.original_ref)`

// loopsQuery takes the billable lines of the other locked claims ($1), a
// claim at a time, and for an 837P ($2 the route) assigns each line the
// CLM loop that carries it ($3 lines at most to a loop):
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
//   - a loop the payer turned away before adjudicating it (277CA or 999
//     rejected, nothing posted since: loopRejectedX) is not on the
//     payer's books: its reversals are closed but not sent, so a void of
//     it sends nothing and a replacement of it goes as a new claim
//     (frequency 1) under its own claim number. Unless it was itself a
//     replacement (frequency 7): the loop it would have replaced is still
//     on the payer's books, so a void or a correction of it voids or
//     replaces that loop, REF*F8 the reference the rejected loop carried
//     (a black-box pass found the correction billed as a second claim
//     beside the one the payer had paid, and the void sending nothing).
//     So with a rejected void loop (frequency 8): its resend (NewResend),
//     whose lines reverse the void's, voids the loop the void would
//     have, REF*F8 the same reference.
//   - a loop the payer took back itself (paid, every posting reversed
//     and none corrected: takenBackY), or the line of a loop the payer
//     split whose part it took back (a payment of the loop itemized it,
//     and no standing posting holds it: none itemizes it, no part
//     without lines covers it), is not on the payer's books either:
//     a void's reversals of it, or a resend's of the rejected void of
//     it, are closed but not sent (a black-box re-check found a void
//     of a claim the payer had reversed sent, asking the payer to take
//     back what it already had; a void of a split claim one of whose
//     parts the payer had reversed sent that part's line under the other
//     part's number, asking for twice what that claim held, and its
//     resend the same: a payer black-box pass). A replacement of it still goes as a
//     replacement; one the replacement has no loop for (beyond its
//     own) is closed unsent, as a void's is, not voided.
//
// REF*F8 names the loop voided or replaced as the payer knows it: the
// payer's claim control number from its latest posting (CLP07), or from
// its 277CA acceptance (REF*1K), and our CLM01 when the payer has given
// none. A loop the payer split into claims of its own (several CLPs of one
// CLP01, each with its CLP07 and the lines its SVCs list: MA15) is known
// to it as those claims: a line's reversal goes with the claim its
// standing posting names, so a void sends one loop per payer claim and a
// replacement replaces the first and voids the others. One loop, REF*F8
// the last part's number, took back that part alone: the other stayed paid
// on a claim rss had voided, with nothing left to send, and a
// replacement's lines of it were paid twice (a payer black-box pass).
//
// Parts the payer split without itemizing their lines (MA15, no SVC)
// divide the lines no part itemized by their charges, in the order sent
// (importer.splitPart holds each to ending on a line's end): a line goes
// with the part whose charge covers its start (splitCCN). Named by the
// latest part alone, a void took back one part and left the other paid
// on a claim rss had voided, and a replacement's lines were paid beside
// it (a payer black-box re-check).
//
// SV1 bills what was found payable, so a line's billed amount on the 837P
// route is its paid amount; on the register it is the charge (reversals
// negative). Each claim's lines are read and grouped inside the claim's
// own lateral subquery: a million lines never meet in one sort.
// splitCCN is, for the line of loop x (the alias of its batch_x12_claims
// row) that line (an expression) names,
// the payer's number of the part of x's current posting that itemizes
// nothing and whose charge, counted on from the parts before it, covers
// where the line starts among the lines no standing part itemized (their
// billed amounts, claim_lines.paid, in the order x sent them); NULL where
// no such part stands.
func splitCCN(x, line string) string {
	return `(SELECT s.payer_ccn FROM (
		SELECT cp.payer_ccn, sum(cp.charge) OVER (ORDER BY cp.id) AS upto
		FROM payer_current_postings cp
		WHERE cp.batch_id = ` + x + `.batch_id AND cp.claim_id = ` + x + `.claim_id AND cp.part = ` + x + `.part AND cp.payer_ccn IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM payer_line_payments lp WHERE lp.claim_payment_id = cp.id)) s
	WHERE s.upto > (
		SELECT COALESCE(sum(fl.paid), 0) FROM unnest(` + x + `.line_ids) WITH ORDINALITY AS fo(id, n) JOIN claim_lines fl ON fl.id = fo.id
		WHERE fo.n < array_position(` + x + `.line_ids, ` + line + `)
		  AND NOT EXISTS (SELECT 1 FROM payer_line_payments lp JOIN payer_current_postings cq ON cq.id = lp.claim_payment_id
		                  WHERE lp.line_id = fl.id AND cq.batch_id = ` + x + `.batch_id AND cq.claim_id = ` + x + `.claim_id AND cq.part = ` + x + `.part))
	ORDER BY s.upto LIMIT 1)`
}

var loopsQuery = `
	INSERT INTO batch_loops (claim_id, provider_id, client_id, part, in_file, loop_freq, loops, o_ref, lines, line_ids, units, billed,
		paid, services, first_service, o_batch, o_part)
	SELECT c.id, c.provider_id, c.client_id, g.*
	FROM unnest($1::bigint[]) AS k(id)
	JOIN claims c ON c.id = k.id AND NOT EXISTS (SELECT 1 FROM batch_loops s WHERE s.claim_id = k.id)
	CROSS JOIN LATERAL (
		WITH base AS (
			SELECT l.id AS line_id, l.service_code, l.date_of_service, l.line_number, l.units_allowed, l.paid, l.charge,
			       l.status = 'reversal' AS rev,
			       ox.batch_id AS o_batch, ox.part AS o_part,
			       CASE WHEN ox.rejected AND ox.frequency = '8' THEN COALESCE(rx.line_ccn, rx.split_ccn, rx.ccn, rx.accepted_ccn,
			                                                                   ` + originalRefNow + `)
			            WHEN ox.rejected AND ox.frequency <> '1' THEN ` + originalRefNow + `
			            ELSE COALESCE(ox.line_ccn, ox.split_ccn, ox.ccn, ox.clm01, o.claim_number) END AS o_ref,
			       COALESCE(ox.rejected AND ox.frequency = '1', false)
			       OR (c.frequency = '8' AND COALESCE(gx.taken_back OR gx.line_taken_back, false)) AS o_unsent,
			       c.frequency = '7' AND COALESCE(gx.taken_back, false) AS o_gone
			FROM claim_lines l
			LEFT JOIN claims o ON o.id = c.original_claim_id
			LEFT JOIN LATERAL (` + rootLineSQL + `) rt ON l.reverses_line_id IS NOT NULL
			LEFT JOIN LATERAL (
				SELECT x.batch_id, x.part, x.clm01, x.frequency, x.original_ref,
				       ` + loopRejectedX + ` AS rejected,
				       COALESCE(
				           (SELECT p.payer_ccn FROM payer_claim_payments p
				            WHERE p.batch_id = x.batch_id AND p.claim_id = x.claim_id AND p.part = x.part AND NOT p.reversal
				              AND p.unmatched_reason IS NULL AND p.payer_ccn IS NOT NULL ORDER BY p.id DESC LIMIT 1),
				           (SELECT s.payer_ccn FROM payer_claim_statuses s
				            WHERE s.batch_id = x.batch_id AND s.claim_id = x.claim_id AND s.part = x.part AND s.accepted
				              AND s.payer_ccn IS NOT NULL ORDER BY s.reported_at DESC, s.id DESC LIMIT 1)) AS ccn,
				       (SELECT cp.payer_ccn FROM payer_line_payments lp JOIN payer_current_postings cp ON cp.id = lp.claim_payment_id
				        WHERE lp.line_id = l.reverses_line_id AND cp.batch_id = x.batch_id AND cp.claim_id = x.claim_id
				          AND cp.part = x.part AND cp.payer_ccn IS NOT NULL ORDER BY cp.id DESC LIMIT 1) AS line_ccn,
				       ` + splitCCN("x", "l.reverses_line_id") + ` AS split_ccn
				FROM batch_claims ob
				JOIN batch_x12_claims x ON x.batch_id = ob.batch_id AND x.claim_id = ob.claim_id
				WHERE ob.claim_id = c.original_claim_id AND ob.lines > 0 AND l.reverses_line_id = ANY (x.line_ids)) ox
				ON l.reverses_line_id IS NOT NULL
			-- A resend's REF*F8: the payer's number for the original's loop
			-- as it stands now, as a first void's is: the standing posting
			-- that carries its line, or, for a loop the payer answered as a
			-- whole (no SVC), its latest payment's; else what the rejected
			-- void carried. Not the latest payment of a loop answered line
			-- by line: a loop the payer split named the other part's
			-- number for lines it never held (a review). Unpaid, its 277CA
			-- acceptance's number (REF*1K), as a first void's: a void sent
			-- before the payer answered the original named its CLM01, and
			-- its resend named it again after the payer had given its own
			-- number (a finance black-box pass).
			LEFT JOIN LATERAL (
				SELECT (SELECT p.payer_ccn FROM payer_claim_payments p
				        WHERE p.batch_id = x.batch_id AND p.claim_id = x.claim_id AND p.part = x.part AND NOT p.reversal
				          AND p.unmatched_reason IS NULL AND p.payer_ccn IS NOT NULL
				          AND NOT EXISTS (SELECT 1 FROM payer_claim_payments w JOIN payer_line_payments wl ON wl.claim_payment_id = w.id
				                          WHERE w.batch_id = x.batch_id AND w.claim_id = x.claim_id AND w.part = x.part
				                            AND NOT w.reversal AND w.unmatched_reason IS NULL)
				        ORDER BY p.id DESC LIMIT 1) AS ccn,
				       (SELECT s.payer_ccn FROM payer_claim_statuses s
				        WHERE s.batch_id = x.batch_id AND s.claim_id = x.claim_id AND s.part = x.part AND s.accepted
				          AND s.payer_ccn IS NOT NULL ORDER BY s.reported_at DESC, s.id DESC LIMIT 1) AS accepted_ccn,
				       (SELECT cp.payer_ccn FROM payer_line_payments lp JOIN payer_current_postings cp ON cp.id = lp.claim_payment_id
				        WHERE lp.line_id = rt.line_id AND cp.batch_id = x.batch_id AND cp.claim_id = x.claim_id
				          AND cp.part = x.part AND cp.payer_ccn IS NOT NULL ORDER BY cp.id DESC LIMIT 1) AS line_ccn,
				       ` + splitCCN("x", "rt.line_id") + ` AS split_ccn
				FROM batch_claims ob
				JOIN batch_x12_claims x ON x.batch_id = ob.batch_id AND x.claim_id = ob.claim_id
				WHERE ob.claim_id = rt.claim_id AND ob.lines > 0 AND rt.line_id = ANY (x.line_ids)) rx
				ON o.frequency = '8' AND l.reverses_line_id IS NOT NULL
			-- The loop a void's line takes back at the payer: the
			-- original's, through any resends (rootLineSQL).
			LEFT JOIN LATERAL (
				SELECT ` + takenBackY + ` AS taken_back,
				       EXISTS (SELECT 1 FROM payer_claim_payments q JOIN payer_line_payments ql ON ql.claim_payment_id = q.id
				               WHERE q.batch_id = y.batch_id AND q.claim_id = y.claim_id AND q.part = y.part
				                 AND q.unmatched_reason IS NULL AND NOT q.reversal AND ql.line_id = rt.line_id)
				       AND NOT EXISTS (SELECT 1 FROM payer_line_payments lp JOIN payer_current_postings cp ON cp.id = lp.claim_payment_id
				                       WHERE lp.line_id = rt.line_id AND cp.batch_id = y.batch_id AND cp.claim_id = y.claim_id AND cp.part = y.part)
				       AND ` + splitCCN("y", "rt.line_id") + ` IS NULL AS line_taken_back
				FROM batch_claims yb
				JOIN batch_x12_claims y ON y.batch_id = yb.batch_id AND y.claim_id = yb.claim_id
				WHERE yb.claim_id = rt.claim_id AND yb.lines > 0 AND rt.line_id = ANY (y.line_ids)) gx
				ON c.frequency IN ('7', '8') AND l.reverses_line_id IS NOT NULL
			WHERE l.claim_id = c.id AND l.billable),
		chunked AS (
			SELECT b.*, (row_number() OVER (PARTITION BY rev, o_batch, o_part, o_ref ORDER BY line_number) - 1) / $3 AS chunk
			FROM base b),
		grouped AS (
			SELECT x.*, CASE WHEN NOT rev THEN chunk + 1 END AS q,
			       CASE WHEN rev AND NOT o_unsent THEN dense_rank() OVER (PARTITION BY rev, o_unsent ORDER BY o_batch, o_part, o_ref, chunk) END AS g,
			       CASE WHEN rev AND NOT o_unsent THEN dense_rank() OVER (PARTITION BY rev, o_unsent, o_batch, o_part ORDER BY o_ref, chunk) END AS g_in_part
			FROM chunked x),
		counted AS (
			SELECT y.*, COALESCE(max(q) OVER (), 0) AS n
			FROM grouped y),
		-- A replacement's k-th loop replaces the original's k-th loop as
		-- sent (o_part; an original's lines are in one batch), the first
		-- payer claim of it where the payer split it: paired by position,
		-- not with the k-th loop still on the payer's books. A loop the
		-- payer turned away has no standing group (g), so the
		-- replacement's loop in its place goes as a new claim. Paired with
		-- the standing loops in order, a replacement of a claim whose
		-- first loop was rejected and second paid replaced the paid loop
		-- with the rejected services and billed the paid ones again as new
		-- (a black-box pass).
		paired AS (
			SELECT v.*, COALESCE(c.frequency = '7' AND g_in_part = 1 AND o_part <= n, false) AS replaced
			FROM counted v),
		-- A replacement voids the original's other loops the payer holds,
		-- but one the payer took back itself (o_gone) is off its books:
		-- closed unsent, as a void's is, and the voids after it numbered
		-- on (a black-box pass found the void sent, and the loop awaited).
		renumbered AS (
			SELECT v.*, CASE
				WHEN g IS NULL THEN NULL
				WHEN replaced THEN o_part
				WHEN o_gone THEN NULL
				ELSE n + dense_rank() OVER (PARTITION BY g IS NOT NULL AND NOT replaced AND NOT o_gone ORDER BY g) END AS k
			FROM paired v),
		placed AS (
			SELECT z.*, COALESCE(max(k) OVER (), 0) AS m, CASE
				WHEN $2 <> 'medicaid_837p' THEN NULL
				WHEN NOT rev THEN q
				WHEN c.frequency = '8' OR k > n THEN k END AS part
			FROM renumbered z)
		SELECT p.part, $2 <> 'medicaid_837p' OR p.part IS NOT NULL,
		       CASE WHEN p.part IS NULL THEN NULL
		            WHEN c.frequency = '1' OR (c.frequency = '7' AND min(p.m) = 0) THEN '1'
		            WHEN c.frequency = '8' THEN '8'
		            WHEN p.part <= min(p.n) AND EXISTS (SELECT 1 FROM placed r WHERE r.replaced AND r.k = p.part) THEN '7'
		            WHEN p.part <= min(p.n) THEN '1'
		            ELSE '8' END,
		       CASE c.frequency WHEN '1' THEN min(p.n) WHEN '8' THEN min(p.m) ELSE GREATEST(min(p.n), min(p.m)) END,
		       (SELECT min(r.o_ref) FROM placed r WHERE r.rev AND r.k = p.part),
		       count(*), array_agg(p.line_id ORDER BY p.line_number), sum(p.units_allowed),
		       sum(CASE WHEN $2 = 'medicaid_837p' THEN p.paid WHEN p.rev THEN -p.charge ELSE p.charge END), sum(p.paid),
		       array_agg(DISTINCT p.service_code), min(p.date_of_service),
		       (SELECT min(r.o_batch) FROM placed r WHERE r.rev AND r.k = p.part),
		       (SELECT min(r.o_part) FROM placed r WHERE r.rev AND r.k = p.part)
		FROM placed p
		GROUP BY p.part) g`

// The totals describe exactly what the batch's file carries: on a
// register every line; on an 837P its CLM loops and service lines, with
// the lines of voids negative (units and amounts), and the reversals of
// replaced loops (closed by the batch, not sent) left out of both.
const batchTotals = `count(*) FILTER (WHERE in_file), COALESCE(sum(lines) FILTER (WHERE in_file), 0),
	COALESCE(sum(units) FILTER (WHERE in_file), 0), COALESCE(sum(billed) FILTER (WHERE in_file), 0),
	COALESCE(sum(paid) FILTER (WHERE in_file), 0)`

// insertBatchQuery records the batch with its totals and, on the 837P
// route, its ISA, GS and ST control numbers, each drawn from its counter
// row (migration 00097) in the close's transaction: a close refused after
// this statement gives them back, where a sequence's numbers were spent
// and the payer saw a gap. The ST numbers are the batch's k sets' run,
// ending at the counter's new value, wrapping after 999,999,999 as the
// counters do.
const insertBatchQuery = `
	WITH sets AS (
		SELECT GREATEST(1, ceil((SELECT count(*) FROM batch_loops WHERE in_file)::numeric / $5)::int) AS k),
	isa AS (
		UPDATE x12_control_numbers SET last_used = last_used % 999999999 + 1
		WHERE kind = 'isa' AND $1 = 'medicaid_837p' RETURNING last_used),
	gs AS (
		UPDATE x12_control_numbers SET last_used = last_used % 999999999 + 1
		WHERE kind = 'gs' AND $1 = 'medicaid_837p' RETURNING last_used),
	st AS (
		UPDATE x12_control_numbers SET last_used = (last_used + (SELECT k FROM sets) - 1) % 999999999 + 1
		WHERE kind = 'st' AND $1 = 'medicaid_837p' RETURNING last_used)
	INSERT INTO batches (payer_route, through_date, created_by, created_at, claim_count, line_count, units, billed, paid,
		isa_control, gs_control, st_controls, claims_per_set, x12_parties)
	SELECT $1, $2, $3, $4, ` + batchTotals + `,
		(SELECT last_used FROM isa), (SELECT last_used FROM gs),
		(SELECT array_agg(((st.last_used - 1 - (sets.k - i)) % 999999999 + 999999999) % 999999999 + 1 ORDER BY i)
		 FROM st, sets, generate_series(1, sets.k) AS i),
		$5, $6::jsonb
	FROM batch_loops
	RETURNING id, st_controls`

const insertProvidersQuery = `
	INSERT INTO batch_providers (batch_id, provider_id, claim_count, line_count, units, billed, paid,
		code, name, npi, tax_id, address_line1, address_line2, city, state, zip)
	SELECT $1, t.*, p.code, p.name, p.npi, p.tax_id, p.address_line1, p.address_line2, p.city, p.state, p.zip
	FROM (SELECT provider_id, ` + batchTotals + ` FROM batch_loops GROUP BY provider_id) t
	JOIN providers p ON p.id = t.provider_id`

const insertServicesQuery = `
	INSERT INTO batch_services (batch_id, service_code, procedure_code, modifiers)
	SELECT $1, s.code, s.procedure_code, s.modifiers FROM services s
	WHERE s.code IN (SELECT unnest(services) FROM batch_loops WHERE in_file)`

// medicaidIDBilled is the Medicaid id a claim (c, its loops x) bills: the
// one whose eligibility span covers its earliest billable line's date of
// service (intake denies lines under another id, so every billable line of
// a claim shares it). A client with no span there (data older than spans)
// keeps the id on file.
const medicaidIDBilled = `(SELECT g.medicaid_id FROM client_eligibility g
	WHERE g.client_id = c.client_id AND g.start_date <= x.claim_first AND (g.end_date IS NULL OR g.end_date >= x.claim_first)
	ORDER BY g.start_date LIMIT 1)`

// clm01SQL is the CLM01 of loop x (of batch_loops) of claim c: the claim
// number, with the part for a claim sent in several loops: "-k", or ".k"
// for each part where another claim of the agency is numbered as one of
// them, X-k (a dot is in no claim number). Intake reserves the X-k of a claim of more than 50 lines, but
// a void or replacement of a claim the payer split goes in as many loops
// as the payer holds parts, known only then: a void numbered VZ, beside a
// claim VZ-1 sent before, went out as VZ-1 and VZ-2, and every agency's
// 837P close was refused until it could be voided, which a void cannot
// be (a payer black-box re-check).
const clm01SQL = `CASE WHEN x.loops > 1 THEN c.claim_number
		|| CASE WHEN EXISTS (SELECT 1 FROM claims t WHERE t.provider_id = c.provider_id AND t.id <> c.id
		                     AND t.claim_number IN (SELECT c.claim_number || '-' || k FROM generate_series(1, x.loops) k))
		        THEN '.' ELSE '-' END || x.part
	ELSE c.claim_number END`

// insertLoops records the batch's CLM loops (insertLoopsQuery, args its
// arguments). A loop whose CLM01 its agency already sent, or sends twice
// in this batch, is refused by the schema (batch_x12_claims_clm01_once,
// migration 00052): the payer's answers to the two could not be told
// apart. Intake refuses the claim numbers that would do it, so only
// claims taken before it did can; the close then fails naming the claims,
// so finance can tell the agency which to void. The statement runs under
// a savepoint, so the batch's loops can still be read to find them.
func insertLoops(ctx context.Context, tx *sqlx.Tx, args []any) error {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT batch_loops`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, insertLoopsQuery, args...)
	if !pg.IsViolation(err, pg.CodeUniqueViolation, clm01Once) {
		if err != nil {
			return fmt.Errorf("create batch %v: %w", args[0], err)
		}
		_, err = tx.ExecContext(ctx, `RELEASE SAVEPOINT batch_loops`)
		return err
	}
	if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT batch_loops`); err != nil {
		return err
	}
	var r struct {
		ClaimID     int64  `db:"claim_id"`
		Number      string `db:"claim_number"`
		ProviderID  int64  `db:"provider_id"`
		CLM01       string `db:"clm01"`
		OtherID     int64  `db:"other_id"`
		OtherNumber string `db:"other_number"`
		OtherBatch  *int64 `db:"other_batch"`
	}
	switch err := tx.GetContext(ctx, &r, repeatedCLM01Query); {
	case errors.Is(err, pg.ErrNoRows):
		return rss.Coded(rss.ErrConflict, "clm01_conflict",
			"batch not closed: a CLM01 it would send its agency already sent or sends twice; nothing was written")
	case err != nil:
		return fmt.Errorf("find the repeated CLM01: %w", err)
	}
	// The claim to void is the one whose own number is the CLM01 (the
	// other goes in parts), and of two, the one not sent yet.
	void, where := r.ClaimID, "also goes out under in this batch"
	if r.OtherBatch != nil {
		where = fmt.Sprintf("was sent under in batch %d", *r.OtherBatch)
	} else if r.OtherNumber == r.CLM01 {
		void = r.OtherID
	}
	return rss.Coded(rss.ErrConflict, "clm01_conflict",
		"batch not closed: claim %d (%s) of provider %d goes out under CLM01 %s, which its claim %d (%s) %s, and the payer's answers "+
			"to the two could not be told apart; nothing was written. The numbers were taken before intake refused a claim number that is "+
			"another claim's part: the agency voids claim %d and submits it again under a number of its own, and the batch closes without it",
		r.ClaimID, r.Number, r.ProviderID, r.CLM01, r.OtherID, r.OtherNumber, where, void)
}

// clm01Once is the schema's guard that a CLM01 goes out once per agency.
const clm01Once = "batch_x12_claims_clm01_once"

// repeatedCLM01Query finds, after the guard refused the batch's loops,
// one of its loops whose CLM01 the agency already sent or sends twice,
// and the other claim. The repeats within the batch are found by one
// aggregate; earlier batches' loops by index, loop by loop.
const repeatedCLM01Query = `
	WITH sent AS (
		SELECT x.claim_id, x.provider_id, ` + clm01SQL + ` AS clm01
		FROM batch_loops x JOIN claims c ON c.id = x.claim_id WHERE x.in_file),
	twice AS (
		SELECT provider_id, clm01, array_agg(claim_id ORDER BY claim_id) AS claims FROM sent
		GROUP BY provider_id, clm01 HAVING count(*) > 1)
	SELECT s.claim_id, c.claim_number, s.provider_id, s.clm01, o.claim_id AS other_id, oc.claim_number AS other_number,
	       o.batch_id AS other_batch
	FROM sent s
	JOIN LATERAL (
		(SELECT x.claim_id, x.batch_id FROM batch_x12_claims x WHERE x.clm01 = s.clm01 AND x.provider_id = s.provider_id
		 ORDER BY x.batch_id LIMIT 1)
		UNION ALL
		(SELECT t.claims[1], NULL FROM twice t WHERE t.provider_id = s.provider_id AND t.clm01 = s.clm01 AND t.claims[1] <> s.claim_id)
		LIMIT 1) o ON true
	JOIN claims c ON c.id = s.claim_id
	JOIN claims oc ON oc.id = o.claim_id
	ORDER BY o.batch_id IS NULL, s.claim_id LIMIT 1`

var insertLoopsQuery = `
	INSERT INTO batch_x12_claims (batch_id, claim_id, part, provider_id, clm01, frequency, original_ref, place_of_service, diagnoses,
		subscriber_last, subscriber_first, medicaid_id, date_of_birth, gender, address_line1, city, state, zip,
		rendering_npi, rendering_last, rendering_first, line_ids, legacy_sv1, st_control, codes_from)
	SELECT $1, x.claim_id, x.part, c.provider_id, ` + clm01SQL + `,
	       x.loop_freq, CASE WHEN x.loop_freq <> '1' THEN x.o_ref END,
	       -- A void loop takes back a loop the payer has, and repeats it as
	       -- it was sent: its claim's data, subscriber and rendering
	       -- provider (o). Voids go out without a current consent, and one
	       -- built from today's records sent an address recorded after the
	       -- consent was revoked, and a held replacement's diagnoses that
	       -- never went out (a black-box pass).
	       CASE WHEN o.batch_id IS NULL THEN c.place_of_service ELSE o.place_of_service END,
	       CASE WHEN o.batch_id IS NULL THEN c.diagnoses ELSE o.diagnoses END,
	       CASE WHEN o.batch_id IS NULL THEN cl.last_name ELSE o.subscriber_last END,
	       CASE WHEN o.batch_id IS NULL THEN cl.first_name ELSE o.subscriber_first END,
	       CASE WHEN o.batch_id IS NULL THEN COALESCE(` + medicaidIDBilled + `, cl.medicaid_id) ELSE o.medicaid_id END,
	       CASE WHEN o.batch_id IS NULL THEN cl.date_of_birth ELSE o.date_of_birth END,
	       CASE WHEN o.batch_id IS NULL THEN cl.gender ELSE o.gender END,
	       CASE WHEN o.batch_id IS NULL THEN cl.address_line1 ELSE o.address_line1 END,
	       CASE WHEN o.batch_id IS NULL THEN cl.city ELSE o.city END,
	       CASE WHEN o.batch_id IS NULL THEN cl.state ELSE o.state END,
	       CASE WHEN o.batch_id IS NULL THEN cl.zip ELSE o.zip END,
	       CASE WHEN o.batch_id IS NULL THEN st.npi ELSE o.rendering_npi END,
	       CASE WHEN o.batch_id IS NULL THEN st.last_name ELSE o.rendering_last END,
	       CASE WHEN o.batch_id IS NULL THEN st.first_name ELSE o.rendering_first END,
	       x.line_ids, false,
	       -- The set the loop goes out in (migration 00046): the writer
	       -- fills sets ($2, the batch's ST02s) in (provider, claim, part)
	       -- order, $3 loops each. The loop's place is counted on the loops
	       -- alone, before the joins: counted over the joined rows (and
	       -- the batch joined for its ST02s) the plan went quadratic, a
	       -- close of 1,000,000 lines taking 77 s.
	       ($2::bigint[])[1 + (x.ord - 1)::int / $3::int],
	       -- Its lines' procedure codes: those of the batch that sent the
	       -- loop it takes back (migration 00085), or, where that loop was
	       -- itself a void (a resend of one the payer rejected), the batch
	       -- whose codes it carried: the original's (a re-check found the
	       -- resend carrying the rejected void's batch's codes).
	       COALESCE(o.codes_from, o.batch_id)
	FROM (SELECT y.*, row_number() OVER (ORDER BY y.provider_id, y.claim_id, y.part) AS ord
	      FROM (SELECT x.*, min(x.first_service) OVER (PARTITION BY x.claim_id) AS claim_first FROM batch_loops x) y
	      WHERE y.in_file) x
	JOIN claims c ON c.id = x.claim_id
	JOIN clients cl ON cl.id = c.client_id
	LEFT JOIN staff st ON st.id = c.rendering_staff_id
	-- Probed by key for a void loop alone (a lateral subquery, its test on
	-- the loop a one-time filter): no plan reads the table's history.
	LEFT JOIN LATERAL (SELECT o.* FROM batch_x12_claims o
		WHERE x.loop_freq = '8' AND o.batch_id = x.o_batch AND o.claim_id = c.original_claim_id AND o.part = x.o_part) o ON true
	WHERE x.in_file`

// The remittance reports every claim whose lines the batch takes, and,
// once, the route's claims that carry nothing to pay (all lines denied,
// or voids of claims never batched).
const insertReportedQuery = `
	INSERT INTO batch_claims (batch_id, claim_id, provider_id, first_report, lines)
	SELECT $1, r.claim_id, r.provider_id, NOT EXISTS (SELECT 1 FROM batch_claims x WHERE x.claim_id = r.claim_id AND x.first_report),
	       r.lines
	FROM (
		SELECT claim_id, min(provider_id) AS provider_id, sum(lines)::int AS lines FROM batch_loops GROUP BY claim_id
		UNION ALL
		SELECT c.id, c.provider_id, 0 FROM unnest($2::bigint[]) AS k(id) JOIN claims c ON c.id = k.id
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
	b, err := getBatch(ctx, s.db, id)
	if err != nil {
		return b, err
	}
	// One index probe per provider (batch_claims_provider_idx), not a
	// scan of the batch's claims: a batch may hold a million.
	err = s.db.SelectContext(ctx, &b.AdviceProviders, `WITH RECURSIVE p AS (
			SELECT (SELECT min(provider_id) FROM batch_claims WHERE batch_id = $1) AS id
			UNION ALL
			SELECT (SELECT min(provider_id) FROM batch_claims WHERE batch_id = $1 AND provider_id > p.id) FROM p WHERE p.id IS NOT NULL)
		SELECT id FROM p WHERE id IS NOT NULL ORDER BY id`, id)
	if err == nil && b.AdviceProviders == nil {
		b.AdviceProviders = []int64{}
	}
	return b, err
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
