package billing

import (
	"context"
	"crypto/sha256"
	stdsql "database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/access"
	"rss/billing/x12"
)

// Part2Notice is the redisclosure notice 42 CFR 2.32 requires on every
// disclosure of Part 2 records; every CSV export starts with it.
const Part2Notice = "NOTICE: 42 CFR part 2 prohibits unauthorized use or disclosure of these records. " +
	"This information has been disclosed to you from records protected by federal confidentiality rules (42 CFR part 2); " +
	"further disclosure is prohibited unless expressly permitted by the written consent of the person to whom it pertains " +
	"or as otherwise permitted by 42 CFR part 2."

// File kinds.
const (
	Kind837P            = "837p"
	KindPaymentRegister = "payment_register"
)

// FileKind is the file a batch exports as.
func FileKind(route string) string {
	if route == RouteMedicaid837P {
		return Kind837P
	}
	return KindPaymentRegister
}

// Progress is told how many lines have been written so far.
type Progress func(lines int)

// Export streams a batch's file (837P or payment register) to w, reading
// rows as it writes them: memory does not grow with the batch. The output
// is a pure function of the stored batch, so every export is byte-identical.
func (s *Service) Export(ctx context.Context, batchID int64, w io.Writer, progress Progress) (Batch, error) {
	if _, err := access.Require(ctx, access.RoleFinance, access.RoleAdmin); err != nil {
		return Batch{}, err
	}
	b, err := getBatch(ctx, s.db, batchID)
	if err != nil {
		return Batch{}, err
	}
	if progress == nil {
		progress = func(int) {}
	}
	// A read-only snapshot: the batch is immutable, but the claims and
	// clients it joins are not.
	tx, err := s.db.BeginTxx(ctx, &sqlTxOptions)
	if err != nil {
		return b, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	if b.PayerRoute == RouteMedicaid837P {
		err = export837P(ctx, tx, &b, w, progress)
	} else {
		err = exportRegister(ctx, tx, &b, w, progress)
	}
	if err != nil {
		return b, err
	}
	return b, access.Record(ctx, s.db, access.Event{Action: "export", EntityType: "batch",
		EntityID: access.ID(batchID), Purpose: FileKind(b.PayerRoute)})
}

// ExportFile exports a batch into a temporary file and returns its path
// and digest. The first export of each kind records its SHA-256; every
// later export must reproduce it, or the export fails loudly rather than
// hand finance a file that differs from the one already sent.
func (s *Service) ExportFile(ctx context.Context, batchID int64, dir string) (string, BatchFile, error) {
	f, err := os.CreateTemp(dir, fmt.Sprintf("rss-batch-%d-*", batchID))
	if err != nil {
		return "", BatchFile{}, err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	cw := &countingWriter{w: io.MultiWriter(f, h)}
	b, err := s.Export(ctx, batchID, cw, nil)
	if err != nil {
		return "", BatchFile{}, err
	}
	if err := f.Close(); err != nil {
		return "", BatchFile{}, err
	}
	file := BatchFile{Kind: FileKind(b.PayerRoute), SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: cw.n}
	var stored BatchFile
	err = s.db.GetContext(ctx, &stored, `WITH ins AS (
			INSERT INTO batch_files (batch_id, kind, sha256, bytes) VALUES ($1, $2, $3, $4)
			ON CONFLICT (batch_id, kind) DO NOTHING RETURNING kind, sha256, bytes, created_at)
		SELECT kind, sha256, bytes, created_at FROM ins
		UNION ALL SELECT kind, sha256, bytes, created_at FROM batch_files WHERE batch_id = $1 AND kind = $2
		LIMIT 1`, batchID, file.Kind, file.SHA256, file.Bytes)
	if err != nil {
		return "", BatchFile{}, fmt.Errorf("record file digest: %w", err)
	}
	if stored.SHA256 != file.SHA256 || stored.Bytes != file.Bytes {
		return "", BatchFile{}, fmt.Errorf("batch %d %s export is not reproducible: digest %s (%d bytes), first export %s (%d bytes)",
			batchID, file.Kind, file.SHA256, file.Bytes, stored.SHA256, stored.Bytes)
	}
	ok = true
	return f.Name(), stored, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// exportClaim is a claim of a batch with what either file says about it.
type exportClaim struct {
	ProviderID     int64
	ProviderCode   string
	ProviderName   string
	ProviderNPI    string
	ProviderTaxID  string
	ProviderAddr1  string
	ProviderAddr2  *string
	ProviderCity   string
	ProviderState  string
	ProviderZip    string
	ClaimID        int64
	ClaimNumber    string
	Frequency      string
	OriginalNumber *string
	Replaces       bool
	POS            string
	Diagnoses      pq.StringArray
	ClientID       int64
	ClientFirst    string
	ClientLast     string
	MedicaidID     *string
	ClientDOB      time.Time
	ClientGender   string
	ClientAddr1    *string
	ClientCity     *string
	ClientState    *string
	ClientZip      *string
	StaffNPI       *string
	StaffFirst     *string
	StaffLast      *string
}

// exportLine is one batch line.
type exportLine struct {
	LineID       int64
	LineNumber   int
	Status       string
	ServiceCode  string
	DOS          time.Time
	Units        int64
	UnitsAllowed int64
	Charge       decimal.Decimal
	Allowed      decimal.Decimal
	Paid         decimal.Decimal
	AuthNumber   *string
	AdjCodes     string
}

// The export reads a batch a chunk of claims at a time, in (provider,
// claim) order by keyset over the batch_claims index, each chunk's lines in
// one query ordered by the (claim_id, line_number) index: no sort of the
// whole batch, no rescans, and memory bounded by the chunk, not the batch.
// Claims the batch reports without carrying a line (denials) have no lines
// here and write nothing.
const exportChunk = 500

const exportClaimsQuery = `
	SELECT p.id, p.code, p.name, p.npi, p.tax_id, p.address_line1, p.address_line2, p.city, p.state, p.zip,
	       c.id, c.claim_number, c.frequency, o.claim_number,
	       (c.frequency = '7' AND EXISTS (SELECT 1 FROM claim_lines r WHERE r.claim_id = c.id AND r.status = 'reversal')),
	       c.place_of_service, c.diagnoses,
	       cl.id, cl.first_name, cl.last_name, cl.medicaid_id, cl.date_of_birth, cl.gender, cl.address_line1, cl.city, cl.state, cl.zip,
	       st.npi, st.first_name, st.last_name
	FROM batch_claims bc
	JOIN claims c ON c.id = bc.claim_id
	LEFT JOIN claims o ON o.id = c.original_claim_id
	JOIN providers p ON p.id = c.provider_id
	JOIN clients cl ON cl.id = c.client_id
	LEFT JOIN staff st ON st.id = c.rendering_staff_id
	WHERE bc.batch_id = $1 AND (bc.provider_id, bc.claim_id) > ($2, $3)
	ORDER BY bc.provider_id, bc.claim_id
	LIMIT $4`

// The lines of a chunk, claim by claim in chunk order (LATERAL keeps the
// plan on the (claim_id, line_number) index whatever the statistics of a
// freshly filled batch say).
const exportLinesQuery = `
	SELECT x.claim_id, x.id, x.line_number, x.status, x.service_code, x.date_of_service, x.units, x.units_allowed,
	       x.charge, x.allowed, x.paid, x.authorization_number, x.adj
	FROM unnest($2::bigint[]) WITH ORDINALITY AS k(claim_id, n)
	CROSS JOIN LATERAL (
		SELECT l.claim_id, l.id, l.line_number, l.status, l.service_code, l.date_of_service, l.units, l.units_allowed,
		       l.charge, l.allowed, l.paid, l.authorization_number,
		       CASE WHEN $3 THEN COALESCE((SELECT string_agg((a->>'group') || '-' || (a->>'carc') || COALESCE(' ' || (a->>'rarc'), ''), ';')
		                                   FROM jsonb_array_elements(l.adjustments) a), '') ELSE '' END AS adj
		FROM claim_lines l
		WHERE l.claim_id = k.claim_id
		  AND EXISTS (SELECT 1 FROM batch_lines bl WHERE bl.line_id = l.id AND bl.batch_id = $1)
		ORDER BY l.line_number) x
	ORDER BY k.n, x.line_number`

// ExportQuery is the whole batch as one query ($1 is the batch id): the
// export benchmark runs it through COPY as the floor an exporter stands on.
func ExportQuery() string {
	return `SELECT c.*, l.*, cl.*, p.*
	FROM batch_lines bl
	JOIN claim_lines l ON l.id = bl.line_id
	JOIN claims c ON c.id = l.claim_id
	JOIN clients cl ON cl.id = c.client_id
	JOIN providers p ON p.id = c.provider_id
	WHERE bl.batch_id = $1
	ORDER BY p.id, c.id, l.line_number`
}

// streamBatch calls each for every line of the batch in file order.
func streamBatch(ctx context.Context, tx *sqlx.Tx, batchID int64, adjCodes bool, each func(c *exportClaim, l *exportLine) error) error {
	// Every read here is an index walk of a chunk. Right after a large
	// batch is closed, or a large load of claims, the statistics can still
	// describe the tables as small and a plan would scan them whole for
	// every claim of every chunk (measured: 3 s per chunk instead of 10 ms).
	if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		return err
	}
	lastProv, lastClaim := int64(0), int64(0)
	claims := make([]exportClaim, 0, exportChunk)
	for {
		claims = claims[:0]
		rows, err := tx.QueryContext(ctx, exportClaimsQuery, batchID, lastProv, lastClaim, exportChunk)
		if err != nil {
			return fmt.Errorf("export claims: %w", err)
		}
		for rows.Next() {
			var c exportClaim
			if err := rows.Scan(&c.ProviderID, &c.ProviderCode, &c.ProviderName, &c.ProviderNPI, &c.ProviderTaxID, &c.ProviderAddr1,
				&c.ProviderAddr2, &c.ProviderCity, &c.ProviderState, &c.ProviderZip, &c.ClaimID, &c.ClaimNumber, &c.Frequency,
				&c.OriginalNumber, &c.Replaces, &c.POS, &c.Diagnoses, &c.ClientID, &c.ClientFirst, &c.ClientLast, &c.MedicaidID,
				&c.ClientDOB, &c.ClientGender, &c.ClientAddr1, &c.ClientCity, &c.ClientState, &c.ClientZip,
				&c.StaffNPI, &c.StaffFirst, &c.StaffLast); err != nil {
				rows.Close()
				return fmt.Errorf("export claim: %w", err)
			}
			claims = append(claims, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(claims) == 0 {
			return nil
		}
		at := make(map[int64]*exportClaim, len(claims))
		ids := make([]int64, len(claims))
		for i := range claims {
			at[claims[i].ClaimID], ids[i] = &claims[i], claims[i].ClaimID
		}
		// The chunk's lines, grouped by claim, then written in claim order.
		lines := map[int64][]exportLine{}
		lrows, err := tx.QueryContext(ctx, exportLinesQuery, batchID, pq.Array(ids), adjCodes)
		if err != nil {
			return fmt.Errorf("export lines: %w", err)
		}
		for lrows.Next() {
			var claimID int64
			var l exportLine
			if err := lrows.Scan(&claimID, &l.LineID, &l.LineNumber, &l.Status, &l.ServiceCode, &l.DOS, &l.Units, &l.UnitsAllowed,
				&l.Charge, &l.Allowed, &l.Paid, &l.AuthNumber, &l.AdjCodes); err != nil {
				lrows.Close()
				return fmt.Errorf("export line: %w", err)
			}
			lines[claimID] = append(lines[claimID], l)
		}
		lrows.Close()
		if err := lrows.Err(); err != nil {
			return err
		}
		for i := range claims {
			c := &claims[i]
			for j := range lines[c.ClaimID] {
				if err := each(c, &lines[c.ClaimID][j]); err != nil {
					return err
				}
			}
		}
		last := claims[len(claims)-1]
		lastProv, lastClaim = last.ProviderID, last.ClaimID
	}
}

// procedures maps each service to its billing procedure code and modifiers.
type procedure struct {
	code      *string
	modifiers []string
}

func loadProcedures(ctx context.Context, tx *sqlx.Tx) (map[string]procedure, error) {
	var rows []struct {
		Code      string         `db:"code"`
		Proc      *string        `db:"procedure_code"`
		Modifiers pq.StringArray `db:"modifiers"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT code, procedure_code, modifiers FROM services`); err != nil {
		return nil, err
	}
	out := make(map[string]procedure, len(rows))
	for _, r := range rows {
		out[r.Code] = procedure{code: r.Proc, modifiers: r.Modifiers}
	}
	return out, nil
}

func export837P(ctx context.Context, tx *sqlx.Tx, b *Batch, w io.Writer, progress Progress) error {
	var p Parties
	if err := json.Unmarshal(b.PartiesRaw, &p); err != nil {
		return fmt.Errorf("batch %d parties: %w", b.ID, err)
	}
	procs, err := loadProcedures(ctx, tx)
	if err != nil {
		return err
	}
	opts := x12.DefaultOptions()
	opts.Usage = p.Usage[0]
	h := x12.Header{
		SenderQual: p.SenderQual, SenderID: p.SenderID, ReceiverQual: p.ReceiverQual, ReceiverID: p.ReceiverID,
		AppSenderCode: p.AppSender, AppReceiverCode: p.AppReceiver, Created: b.CreatedAt.In(utcLoc),
		ISAControl: *b.ISAControl, GSControl: *b.GSControl, BatchRef: "RSS" + strconv.FormatInt(b.ID, 10),
		STControl: func(i int) (int64, error) {
			if i >= len(b.STControls) {
				return 0, fmt.Errorf("batch %d reserved %d transaction sets, needs more", b.ID, len(b.STControls))
			}
			return b.STControls[i], nil
		},
		Submitter: x12.Submitter{Name: p.SubmitterName, ETIN: p.SubmitterETIN, ContactName: p.ContactName, Phone: p.ContactPhone},
		Receiver:  x12.Receiver{Name: p.ReceiverName, ID: p.ReceiverETIN},
		Payer:     x12.Payer{Name: p.PayerName, ID: p.PayerID},
	}
	xw, err := x12.NewWriter(w, h, opts)
	if err != nil {
		return err
	}
	var prov x12.BillingProvider
	var claim *x12.Claim
	flush := func() error {
		if claim == nil || len(claim.Lines) == 0 {
			claim = nil
			return nil
		}
		err := xw.WriteClaim(prov, *claim)
		claim = nil
		return err
	}
	written := 0
	curClaim := int64(0)
	err = streamBatch(ctx, tx, b.ID, false, func(c *exportClaim, l *exportLine) error {
		if c.ClaimID != curClaim {
			if err := flush(); err != nil {
				return fmt.Errorf("claim %d: %w", curClaim, err)
			}
			curClaim = c.ClaimID
			prov = x12.BillingProvider{Name: c.ProviderName, NPI: c.ProviderNPI, TaxID: c.ProviderTaxID,
				Address: x12.Address{Line1: c.ProviderAddr1, Line2: deref(c.ProviderAddr2), City: c.ProviderCity, State: c.ProviderState, Zip: c.ProviderZip}}
			claim = newX12Claim(c)
		}
		// A replacement sends only its new lines; the reversals of the
		// original it carries are for the payment ledger, not the payer.
		if c.Frequency == FreqReplacement && l.Status == "reversal" {
			return nil
		}
		proc := procs[l.ServiceCode]
		if proc.code == nil {
			return fmt.Errorf("%w: service %s has no procedure code for the 837P", rss.ErrConflict, l.ServiceCode)
		}
		claim.Lines = append(claim.Lines, x12.Line{ControlNumber: strconv.FormatInt(l.LineID, 10), Procedure: *proc.code,
			Modifiers: proc.modifiers, Charge: l.Charge, Units: l.Units, ServiceDate: l.DOS})
		if claim.PriorAuth == "" && l.AuthNumber != nil {
			claim.PriorAuth = *l.AuthNumber
		}
		written++
		if written%10000 == 0 {
			progress(written)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return fmt.Errorf("claim %d: %w", curClaim, err)
	}
	progress(written)
	return xw.Close()
}

func newX12Claim(r *exportClaim) *x12.Claim {
	c := &x12.Claim{ClaimID: r.ClaimNumber, PlaceOfService: r.POS, Frequency: FreqOriginal, Diagnoses: r.Diagnoses,
		Subscriber: x12.Subscriber{Last: r.ClientLast, First: r.ClientFirst, MedicaidID: deref(r.MedicaidID),
			DOB: r.ClientDOB, Gender: r.ClientGender}}
	// A void, or a replacement of a claim the payer has seen, names the
	// original; a replacement of a claim never sent goes as an original.
	switch {
	case r.Frequency == FreqVoid:
		c.Frequency, c.OriginalRef = FreqVoid, deref(r.OriginalNumber)
	case r.Frequency == FreqReplacement && r.Replaces:
		c.Frequency, c.OriginalRef = FreqReplacement, deref(r.OriginalNumber)
	}
	if r.ClientAddr1 != nil && r.ClientCity != nil && r.ClientState != nil && r.ClientZip != nil {
		c.Subscriber.Address = &x12.Address{Line1: *r.ClientAddr1, City: *r.ClientCity, State: *r.ClientState, Zip: *r.ClientZip}
	}
	if r.StaffNPI != nil {
		c.RenderingNPI, c.RenderingLast, c.RenderingFirst = *r.StaffNPI, deref(r.StaffLast), deref(r.StaffFirst)
	}
	return c
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

var registerHeader = []string{"record_type", "batch_id", "provider_id", "provider_code", "provider_npi", "claim_id", "claim_number",
	"frequency", "line_id", "line_number", "client_id", "service_code", "date_of_service", "units", "units_allowed", "billed",
	"allowed", "paid", "adjustment_codes", "status"}

type registerTotal struct {
	lines  int
	units  int64
	billed decimal.Decimal
	paid   decimal.Decimal
}

func (t *registerTotal) add(l *exportLine, billed decimal.Decimal) {
	t.lines++
	t.units += l.UnitsAllowed
	t.billed = t.billed.Add(billed)
	t.paid = t.paid.Add(l.Paid)
}

// exportRegister writes the payment register: the Part 2 notice, a header,
// one row per line (reversals negative), a total row after each provider
// whose figures equal the batch's frozen per-provider totals, and a batch
// total row.
func exportRegister(ctx context.Context, tx *sqlx.Tx, b *Batch, w io.Writer, progress Progress) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{Part2Notice}); err != nil {
		return err
	}
	if err := cw.Write(registerHeader); err != nil {
		return err
	}
	batch := strconv.FormatInt(b.ID, 10)
	var prov, all registerTotal
	var curProv int64
	var curCode, curNPI string
	totalRow := func(kind, providerID, code, npi string, t registerTotal) error {
		return cw.Write([]string{kind, batch, providerID, code, npi, "", "", "", "", strconv.Itoa(t.lines), "", "", "",
			"", strconv.FormatInt(t.units, 10), t.billed.StringFixed(2), "", t.paid.StringFixed(2), "", ""})
	}
	written := 0
	row := make([]string, len(registerHeader))
	err := streamBatch(ctx, tx, b.ID, true, func(c *exportClaim, l *exportLine) error {
		if c.ProviderID != curProv {
			if curProv != 0 {
				if err := totalRow("provider_total", strconv.FormatInt(curProv, 10), curCode, curNPI, prov); err != nil {
					return err
				}
			}
			curProv, curCode, curNPI, prov = c.ProviderID, c.ProviderCode, c.ProviderNPI, registerTotal{}
		}
		billed := l.Charge
		if l.Status == "reversal" {
			billed = billed.Neg()
		}
		prov.add(l, billed)
		all.add(l, billed)
		row = append(row[:0], "line", batch, strconv.FormatInt(c.ProviderID, 10), c.ProviderCode, c.ProviderNPI,
			strconv.FormatInt(c.ClaimID, 10), c.ClaimNumber, c.Frequency, strconv.FormatInt(l.LineID, 10), strconv.Itoa(l.LineNumber),
			strconv.FormatInt(c.ClientID, 10), l.ServiceCode, l.DOS.Format("2006-01-02"), strconv.FormatInt(l.Units, 10),
			strconv.FormatInt(l.UnitsAllowed, 10), billed.StringFixed(2), l.Allowed.StringFixed(2), l.Paid.StringFixed(2),
			l.AdjCodes, l.Status)
		written++
		if written%10000 == 0 {
			progress(written)
		}
		return cw.Write(row)
	})
	if err != nil {
		return err
	}
	if curProv != 0 {
		if err := totalRow("provider_total", strconv.FormatInt(curProv, 10), curCode, curNPI, prov); err != nil {
			return err
		}
	}
	if err := totalRow("batch_total", "", "", "", all); err != nil {
		return err
	}
	progress(written)
	cw.Flush()
	return cw.Error()
}

// The export reads one consistent snapshot.
var sqlTxOptions = stdsql.TxOptions{Isolation: stdsql.LevelRepeatableRead, ReadOnly: true}

// X12 timestamps are written in UTC so a batch's bytes never depend on the
// server's time zone setting.
var utcLoc = time.UTC
