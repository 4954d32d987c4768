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

// exportRow is one batch line with everything either file needs.
type exportRow struct {
	ProviderID     int64           `db:"provider_id"`
	ProviderCode   string          `db:"provider_code"`
	ProviderName   string          `db:"provider_name"`
	ProviderNPI    string          `db:"provider_npi"`
	ProviderTaxID  string          `db:"provider_tax_id"`
	ProviderAddr1  string          `db:"provider_address1"`
	ProviderAddr2  *string         `db:"provider_address2"`
	ProviderCity   string          `db:"provider_city"`
	ProviderState  string          `db:"provider_state"`
	ProviderZip    string          `db:"provider_zip"`
	ClaimID        int64           `db:"claim_id"`
	ClaimNumber    string          `db:"claim_number"`
	Frequency      string          `db:"frequency"`
	OriginalNumber *string         `db:"original_number"`
	Replaces       bool            `db:"replaces_batched"`
	POS            string          `db:"place_of_service"`
	Diagnoses      pq.StringArray  `db:"diagnoses"`
	ClientID       int64           `db:"client_id"`
	ClientFirst    string          `db:"client_first"`
	ClientLast     string          `db:"client_last"`
	MedicaidID     *string         `db:"medicaid_id"`
	ClientDOB      rss.Date        `db:"client_dob"`
	ClientGender   string          `db:"client_gender"`
	ClientAddr1    *string         `db:"client_address1"`
	ClientCity     *string         `db:"client_city"`
	ClientState    *string         `db:"client_state"`
	ClientZip      *string         `db:"client_zip"`
	StaffNPI       *string         `db:"staff_npi"`
	StaffFirst     *string         `db:"staff_first"`
	StaffLast      *string         `db:"staff_last"`
	LineID         int64           `db:"line_id"`
	LineNumber     int             `db:"line_number"`
	Status         string          `db:"status"`
	ServiceCode    string          `db:"service_code"`
	DOS            rss.Date        `db:"date_of_service"`
	Units          int64           `db:"units"`
	UnitsAllowed   int64           `db:"units_allowed"`
	Charge         decimal.Decimal `db:"charge"`
	Allowed        decimal.Decimal `db:"allowed"`
	Paid           decimal.Decimal `db:"paid"`
	AuthNumber     *string         `db:"authorization_number"`
	ProcQualifier  *string         `db:"procedure_qualifier"`
	ProcCode       *string         `db:"procedure_code"`
	Modifiers      pq.StringArray  `db:"modifiers"`
	AdjCodes       string          `db:"adjustment_codes"`
}

const exportQuery = `
	SELECT p.id AS provider_id, p.code AS provider_code, p.name AS provider_name, p.npi AS provider_npi, p.tax_id AS provider_tax_id,
	       p.address_line1 AS provider_address1, p.address_line2 AS provider_address2, p.city AS provider_city,
	       p.state AS provider_state, p.zip AS provider_zip,
	       c.id AS claim_id, c.claim_number, c.frequency, o.claim_number AS original_number,
	       (c.frequency = '7' AND EXISTS (SELECT 1 FROM claim_lines r WHERE r.claim_id = c.id AND r.status = 'reversal')) AS replaces_batched,
	       c.place_of_service, c.diagnoses,
	       cl.id AS client_id, cl.first_name AS client_first, cl.last_name AS client_last, cl.medicaid_id,
	       cl.date_of_birth AS client_dob, cl.gender AS client_gender, cl.address_line1 AS client_address1,
	       cl.city AS client_city, cl.state AS client_state, cl.zip AS client_zip,
	       st.npi AS staff_npi, st.first_name AS staff_first, st.last_name AS staff_last,
	       l.id AS line_id, l.line_number, l.status, l.service_code, l.date_of_service, l.units, l.units_allowed,
	       l.charge, l.allowed, l.paid, l.authorization_number,
	       s.procedure_qualifier, s.procedure_code, s.modifiers,
	       COALESCE((SELECT string_agg((a->>'group') || '-' || (a->>'carc') || COALESCE(' ' || (a->>'rarc'), ''), ';')
	                 FROM jsonb_array_elements(l.adjustments) a), '') AS adjustment_codes
	FROM batch_lines bl
	JOIN claim_lines l ON l.id = bl.line_id
	JOIN claims c ON c.id = l.claim_id
	LEFT JOIN claims o ON o.id = c.original_claim_id
	JOIN providers p ON p.id = c.provider_id
	JOIN clients cl ON cl.id = c.client_id
	LEFT JOIN staff st ON st.id = c.rendering_staff_id
	JOIN services s ON s.code = l.service_code
	WHERE bl.batch_id = $1
	ORDER BY p.id, c.id, l.line_number`

func streamRows(ctx context.Context, tx *sqlx.Tx, batchID int64, each func(r *exportRow) error) error {
	rows, err := tx.QueryxContext(ctx, exportQuery, batchID)
	if err != nil {
		return fmt.Errorf("export query: %w", err)
	}
	defer rows.Close()
	var r exportRow
	for rows.Next() {
		r = exportRow{}
		if err := rows.StructScan(&r); err != nil {
			return fmt.Errorf("export row: %w", err)
		}
		if err := each(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

func export837P(ctx context.Context, tx *sqlx.Tx, b *Batch, w io.Writer, progress Progress) error {
	var p Parties
	if err := json.Unmarshal(b.PartiesRaw, &p); err != nil {
		return fmt.Errorf("batch %d parties: %w", b.ID, err)
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
	err = streamRows(ctx, tx, b.ID, func(r *exportRow) error {
		if r.ClaimID != curClaim {
			if err := flush(); err != nil {
				return fmt.Errorf("claim %d: %w", curClaim, err)
			}
			curClaim = r.ClaimID
			prov = x12.BillingProvider{Name: r.ProviderName, NPI: r.ProviderNPI, TaxID: r.ProviderTaxID,
				Address: x12.Address{Line1: r.ProviderAddr1, Line2: deref(r.ProviderAddr2), City: r.ProviderCity, State: r.ProviderState, Zip: r.ProviderZip}}
			claim = newX12Claim(r)
		}
		// A replacement sends only its new lines; the reversals of the
		// original it carries are for the payment ledger, not the payer.
		if r.Frequency == FreqReplacement && r.Status == "reversal" {
			return nil
		}
		if r.ProcCode == nil {
			return fmt.Errorf("%w: service %s has no procedure code for the 837P", rss.ErrConflict, r.ServiceCode)
		}
		claim.Lines = append(claim.Lines, x12.Line{ControlNumber: strconv.FormatInt(r.LineID, 10), Procedure: *r.ProcCode,
			Modifiers: r.Modifiers, Charge: r.Charge, Units: r.Units, ServiceDate: r.DOS.Time})
		if claim.PriorAuth == "" && r.AuthNumber != nil {
			claim.PriorAuth = *r.AuthNumber
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

func newX12Claim(r *exportRow) *x12.Claim {
	c := &x12.Claim{ClaimID: r.ClaimNumber, PlaceOfService: r.POS, Frequency: FreqOriginal, Diagnoses: r.Diagnoses,
		Subscriber: x12.Subscriber{Last: r.ClientLast, First: r.ClientFirst, MedicaidID: deref(r.MedicaidID),
			DOB: r.ClientDOB.Time, Gender: r.ClientGender}}
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

func (t *registerTotal) add(r *exportRow, billed decimal.Decimal) {
	t.lines++
	t.units += r.UnitsAllowed
	t.billed = t.billed.Add(billed)
	t.paid = t.paid.Add(r.Paid)
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
	err := streamRows(ctx, tx, b.ID, func(r *exportRow) error {
		if r.ProviderID != curProv {
			if curProv != 0 {
				if err := totalRow("provider_total", strconv.FormatInt(curProv, 10), curCode, curNPI, prov); err != nil {
					return err
				}
			}
			curProv, curCode, curNPI, prov = r.ProviderID, r.ProviderCode, r.ProviderNPI, registerTotal{}
		}
		billed := r.Charge
		if r.Status == "reversal" {
			billed = billed.Neg()
		}
		prov.add(r, billed)
		all.add(r, billed)
		row = append(row[:0], "line", batch, strconv.FormatInt(r.ProviderID, 10), r.ProviderCode, r.ProviderNPI,
			strconv.FormatInt(r.ClaimID, 10), r.ClaimNumber, r.Frequency, strconv.FormatInt(r.LineID, 10), strconv.Itoa(r.LineNumber),
			strconv.FormatInt(r.ClientID, 10), r.ServiceCode, r.DOS.String(), strconv.FormatInt(r.Units, 10),
			strconv.FormatInt(r.UnitsAllowed, 10), billed.StringFixed(2), r.Allowed.StringFixed(2), r.Paid.StringFixed(2),
			r.AdjCodes, r.Status)
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
