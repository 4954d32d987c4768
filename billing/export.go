package billing

import (
	"context"
	"crypto/sha256"
	stdsql "database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/access"
	"rss/x12"
)

// Part2Notice is the redisclosure notice 42 CFR 2.32 requires on every
// disclosure of Part 2 records; every CSV export starts with it. The text
// lives in the root package so the reports share it.
const Part2Notice = rss.Part2Notice

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
// rows as it writes them: memory does not grow with the batch. The file is
// made only from what the batch froze when it was closed (and claim and
// line columns the schema keeps from changing), so every export is
// byte-identical whatever happened to reference data or clients since.
func (s *Service) Export(ctx context.Context, batchID int64, w io.Writer, progress Progress) (Batch, error) {
	if _, err := access.Require(ctx, access.RoleFinance, access.RoleAdmin); err != nil {
		return Batch{}, err
	}
	b, err := getBatch(ctx, s.db, batchID)
	if err != nil {
		return Batch{}, err
	}
	tx, err := s.db.BeginTxx(ctx, &sqlTxOptions)
	if err != nil {
		return b, err
	}
	_, err = renderBatch(ctx, tx, &b, w, progress)
	// The read's connection goes back to the pool before the audit takes
	// one: holding it, every download needed two at once, and as many
	// downloads as the pool has connections waited on each other for good
	// (a black-box pass froze the server with 25).
	_ = tx.Rollback() // read-only
	if err != nil {
		return b, fileError(b.ID, err)
	}
	return b, s.recordDownload(ctx, access.Event{Action: "export", EntityType: "batch",
		EntityID: access.ID(batchID), Outcome: FileKind(b.PayerRoute)},
		// The claims the file carried: a claim the batch reports for its
		// denials alone (its advice's) is not in the file, nor, on an 837P,
		// a reversal closed unsent (a re-check found the denied listed).
		`SELECT bc.claim_id AS entity_id, c.client_id FROM batch_claims bc JOIN claims c ON c.id = bc.claim_id
		WHERE bc.batch_id = $1 AND bc.lines > 0 AND ($2 <> '`+RouteMedicaid837P+`' OR EXISTS (
			SELECT 1 FROM batch_x12_claims x WHERE x.batch_id = bc.batch_id AND x.claim_id = bc.claim_id))`, batchID, b.PayerRoute)
}

// recordDownload audits a download of client records: the export event
// (what was taken, in which form), and in the same transaction a read set
// of the same entity type listing each claim it carried under its client
// (query: one entity_id, client_id row a claim), as a client-level report
// is audited. The export event alone named no client, and "who saw this
// person's records" never found an 837P's names, dates of birth and
// Medicaid IDs taken by finance (a black-box pass).
func (s *Service) recordDownload(ctx context.Context, export access.Event, query string, args ...any) error {
	return s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := access.Record(ctx, tx, export); err != nil {
			return err
		}
		return access.RecordReads(ctx, tx, export.EntityType, query, args...)
	})
}

// fileError reports a file that cannot be written as a conflict naming the
// claim and the element, never the data (x12 errors never quote values).
func fileError(batchID int64, err error) error {
	if errors.Is(err, x12.ErrInvalid) {
		return rss.Coded(rss.ErrConflict, "batch_file_invalid", "the file of batch %d cannot be written: %s", batchID, strings.ReplaceAll(err.Error(), x12.ErrInvalid.Error()+": ", ""))
	}
	return err
}

// ExportFile exports a batch into a temporary file and returns its path
// and digest. The digest is recorded when the batch is closed (or, for a
// batch closed before that, at its first export); every export must
// reproduce it, or the export fails rather than hand finance a file that
// differs from the one already sent.
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
		return "", BatchFile{}, rss.Coded(rss.ErrConflict, "batch_file_changed",
			"batch %d %s export is not reproducible: digest %s (%d bytes), recorded %s (%d bytes); the recorded file stands",
			batchID, file.Kind, file.SHA256, file.Bytes, stored.SHA256, stored.Bytes)
	}
	ok = true
	return f.Name(), stored, nil
}

// writeAndCheck writes a batch being closed into its digest, runs the 837P
// through the checker as it is written, and holds the batch's frozen
// totals to what the file carries. It is the same rendering every export
// does, on the closing transaction, so what is closed can be downloaded.
func writeAndCheck(ctx context.Context, tx *sqlx.Tx, b *Batch) (BatchFile, error) {
	h := sha256.New()
	cw := &countingWriter{w: h}
	var sink io.Writer = cw
	var pw *chunkPipe
	type checked struct {
		rep x12.Report
		err error
	}
	done := make(chan checked, 1)
	if b.PayerRoute == RouteMedicaid837P {
		pw = newChunkPipe()
		pr := pw
		sink = io.MultiWriter(cw, pw)
		go func() {
			rep, err := x12.Check(pr)
			_, _ = io.Copy(io.Discard, pr) // let the writer finish if Check stopped early
			done <- checked{rep, err}
		}()
	}
	fig, err := renderBatch(ctx, tx, b, sink, nil)
	if pw != nil && err != nil {
		// Not err itself: the checker takes a read error wrapping
		// x12.ErrInvalid for a problem with the content and reads on.
		pw.CloseWithError(errors.New("the file could not be written"))
	} else if pw != nil {
		pw.Close()
	}
	if err != nil {
		if pw != nil {
			<-done
		}
		return BatchFile{}, notClosed(b, err)
	}
	if pw != nil {
		c := <-done
		if c.err != nil {
			return BatchFile{}, c.err
		}
		if !c.rep.OK() {
			var codes []string
			for _, p := range c.rep.Problems[:min(len(c.rep.Problems), 5)] {
				codes = append(codes, fmt.Sprintf("segment %d (%s) %s", p.Segment, p.SegmentID, p.Code))
			}
			return BatchFile{}, rss.Coded(rss.ErrConflict, "batch_file_invalid",
				"batch not closed: its 837P does not pass the checker (%d problems: %s); nothing was written", c.rep.ProblemCount, strings.Join(codes, "; "))
		}
		if c.rep.Claims != fig.claims || c.rep.Lines != fig.lines {
			return BatchFile{}, fmt.Errorf("batch %d: the checker read %d claims and %d lines, the writer wrote %d and %d",
				b.ID, c.rep.Claims, c.rep.Lines, fig.claims, fig.lines)
		}
	}
	if fig.claims != b.ClaimCount || fig.lines != b.LineCount || fig.units != b.Units ||
		!fig.billed.Equal(b.Billed.Decimal) || !fig.paid.Equal(b.Paid.Decimal) {
		return BatchFile{}, fmt.Errorf("batch %d: the file carries %d claims, %d lines, %d units, %s billed, %s paid; the batch froze %d, %d, %d, %s, %s",
			b.ID, fig.claims, fig.lines, fig.units, fig.billed.StringFixed(2), fig.paid.StringFixed(2),
			b.ClaimCount, b.LineCount, b.Units, b.Billed.StringFixed(2), b.Paid.StringFixed(2))
	}
	return BatchFile{Kind: FileKind(b.PayerRoute), SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: cw.n}, nil
}

// notClosed is the conflict a batch whose file cannot be written answers.
func notClosed(b *Batch, err error) error {
	if errors.Is(err, x12.ErrInvalid) {
		return rss.Coded(rss.ErrConflict, "batch_file_invalid",
			"batch not closed: the %s cannot be written: %s; correct the data and close the batch again, nothing was written",
			FileKind(b.PayerRoute), strings.ReplaceAll(err.Error(), x12.ErrInvalid.Error()+": ", ""))
	}
	return err
}

// chunkPipe hands what the writer writes to the checker on another
// goroutine, a few chunks ahead. With io.Pipe each write waits until the
// checker has read all of it, which it does only once it has checked
// nearly all of the write before: the two took turns on two cores. Here the
// writer goes on while the checker reads; memory is bounded by the
// chunks in flight (pipeChunks of the writer's 64 KiB writes).
type chunkPipe struct {
	full chan []byte // written, not yet read; closed by Close
	free chan []byte // read, for the next write
	cur  []byte      // what the reader holds, unread
	held []byte      // the buffer cur is in, to give back
	err  error       // what the reader gets after the last chunk
}

const pipeChunks = 8

func newChunkPipe() *chunkPipe {
	return &chunkPipe{full: make(chan []byte, pipeChunks), free: make(chan []byte, pipeChunks+1)}
}

// Write copies p and queues it; it waits only when pipeChunks are queued.
func (p *chunkPipe) Write(b []byte) (int, error) {
	var buf []byte
	select {
	case buf = <-p.free:
	default:
	}
	p.full <- append(buf[:0], b...)
	return len(b), nil
}

// Close ends the stream: the reader gets io.EOF after the last chunk.
func (p *chunkPipe) Close() { p.CloseWithError(nil) }

// CloseWithError ends the stream with err for the reader (io.EOF if nil).
func (p *chunkPipe) CloseWithError(err error) {
	if err == nil {
		err = io.EOF
	}
	p.err = err // read after the channel's close, which orders it
	close(p.full)
}

// Read is the checker's side.
func (p *chunkPipe) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.held != nil {
			select {
			case p.free <- p.held:
			default:
			}
			p.held = nil
		}
		buf, ok := <-p.full
		if !ok {
			return 0, p.err
		}
		p.cur, p.held = buf, buf
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
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

// figures are what a rendered file carries, counted the way a batch's
// totals are: claims (CLM loops on an 837P), lines, and units, billed and
// paid with voids' and reversals' lines negative.
type figures struct {
	claims, lines int
	units         int64
	billed, paid  decimal.Decimal
}

// renderBatch writes a batch's file. Every read is an index walk of a
// chunk. Right after a large batch is closed, or a large load of claims,
// the statistics can still describe the tables as small and a plan would
// scan them whole for every claim of every chunk (measured: 3 s per chunk
// instead of 10 ms), hence no sequential scans while rendering.
func renderBatch(ctx context.Context, tx *sqlx.Tx, b *Batch, w io.Writer, progress Progress) (figures, error) {
	if progress == nil {
		progress = func(int) {}
	}
	if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		return figures{}, err
	}
	var fig figures
	var err error
	if b.PayerRoute == RouteMedicaid837P {
		fig, err = export837P(ctx, tx, b, w, progress)
	} else {
		fig, err = exportRegister(ctx, tx, b, w, progress)
	}
	if err != nil {
		return fig, err
	}
	_, err = tx.ExecContext(ctx, `SET LOCAL enable_seqscan TO DEFAULT`)
	return fig, err
}

// frozenProvider is a provider as a batch froze it.
type frozenProvider struct {
	ID    int64   `db:"provider_id"`
	Code  string  `db:"code"`
	Name  string  `db:"name"`
	NPI   string  `db:"npi"`
	TaxID string  `db:"tax_id"`
	Addr1 string  `db:"address_line1"`
	Addr2 *string `db:"address_line2"`
	City  string  `db:"city"`
	State string  `db:"state"`
	Zip   string  `db:"zip"`
}

func frozenProviders(ctx context.Context, tx *sqlx.Tx, batchID int64) (map[int64]frozenProvider, error) {
	var rows []frozenProvider
	if err := tx.SelectContext(ctx, &rows, `SELECT provider_id, code, name, npi, tax_id, address_line1, address_line2, city, state, zip
		FROM batch_providers WHERE batch_id = $1`, batchID); err != nil {
		return nil, fmt.Errorf("batch providers: %w", err)
	}
	out := make(map[int64]frozenProvider, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// procedure is a service's billing procedure code and modifiers as a batch
// froze them.
type procedure struct {
	code      *string
	modifiers []string
}

// procedures are the codes a batch's service lines go out with: the
// batch's own, and for a void loop those of the batch that sent the loop
// it takes back (codesFrom), kept by batch.
type procedures map[int64]map[string]procedure

// frozenProcedures reads the codes of batch batchID and of every batch its
// void loops take their codes from (a partial index finds those without
// reading the batch's loops).
func frozenProcedures(ctx context.Context, tx *sqlx.Tx, batchID int64) (procedures, error) {
	var rows []struct {
		Batch     int64          `db:"batch_id"`
		Code      string         `db:"service_code"`
		Proc      *string        `db:"procedure_code"`
		Modifiers pq.StringArray `db:"modifiers"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT batch_id, service_code, procedure_code, modifiers FROM batch_services
		WHERE batch_id = $1 OR batch_id IN (SELECT codes_from FROM batch_x12_claims WHERE batch_id = $1 AND codes_from IS NOT NULL)`,
		batchID); err != nil {
		return nil, fmt.Errorf("batch services: %w", err)
	}
	out := procedures{batchID: {}}
	for _, r := range rows {
		if out[r.Batch] == nil {
			out[r.Batch] = map[string]procedure{}
		}
		out[r.Batch][r.Code] = procedure{code: r.Proc, modifiers: r.Modifiers}
	}
	return out, nil
}

// of is the code service goes out with in the batch own, on a loop whose
// codes come from batch from (nil: its own). A batch froze every service
// its loops carried, so the earlier batch has it; its own batch's is the
// fallback for a loop sent before batches froze codes.
func (p procedures) of(own int64, from *int64, service string) procedure {
	if from != nil {
		if proc, ok := p[*from][service]; ok {
			return proc
		}
	}
	return p[own][service]
}

// loop is one CLM loop of a batch's 837P as the batch froze it.
type loop struct {
	ProviderID      int64
	ClaimID         int64
	Part            int
	CLM01           string
	Frequency       string
	OriginalRef     *string
	PriorAuth       *string
	POS             string
	Diagnoses       pq.StringArray
	SubscriberLast  string
	SubscriberFirst string
	MedicaidID      *string
	DOB             time.Time
	Gender          string
	Addr1           *string
	City            *string
	State           *string
	Zip             *string
	RenderingNPI    *string
	RenderingLast   *string
	RenderingFirst  *string
	LineIDs         pq.Int64Array // in LX order
	LegacySV1       bool
	CodesFrom       *int64 // a void's: the batch whose procedure codes its lines carry (migration 00085)
}

// loopLine is one service line of a loop.
type loopLine struct {
	LineID      int64
	ServiceCode string
	DOS         time.Time
	Units       int64
	Charge      decimal.Decimal
	Cents       int64 // Charge in cents
	PriorAuth   *string
}

// The 837P is read a chunk of loops at a time, in file order (provider,
// claim, part) by keyset over its index, and then the billable lines of
// the chunk's claims, a claim at a time by the (claim_id, date) index of
// billable lines: a batch took those lines whole, and each loop lists
// which of them it carries in LX order. Reading a claim's lines together
// costs a fifth of reading each line by its key (measured). Memory is
// bounded by the chunk, not the batch.
const exportChunk = 500

const exportLoopsQuery = `
	SELECT provider_id, claim_id, part, clm01, frequency, original_ref, prior_auth, place_of_service, diagnoses,
	       subscriber_last, subscriber_first, medicaid_id, date_of_birth, gender, address_line1, city, state, zip,
	       rendering_npi, rendering_last, rendering_first, line_ids, legacy_sv1, codes_from
	FROM batch_x12_claims
	WHERE batch_id = $1 AND (provider_id, claim_id, part) > ($2, $3, $4)
	ORDER BY provider_id, claim_id, part
	LIMIT $5`

const exportLoopLinesQuery = `
	SELECT l.id, l.service_code, l.date_of_service, l.units, l.charge, l.units_allowed, l.paid, l.authorization_number
	FROM unnest($1::bigint[]) AS k(id)
	CROSS JOIN LATERAL (SELECT * FROM claim_lines l WHERE l.claim_id = k.id AND l.billable) l`

// sv1 is a line as its loop bills it: SV104 and SV102 are the units and
// amount found payable (a void repeats the lines it voids as they were
// billed: the reversal's figures negated) and REF*G1 the line's
// authorization; loops frozen before lines named their authorization
// (legacy) billed the units and charge submitted.
func sv1(r *rawLine, legacy bool) loopLine {
	l := loopLine{LineID: r.ID, ServiceCode: r.ServiceCode, DOS: r.DOS}
	if legacy {
		l.Units, l.Cents = r.Units, r.ChargeCents
	} else {
		l.Units, l.Cents, l.PriorAuth = r.UnitsAllowed, r.PaidCents, r.Auth
		if l.Units < 0 {
			l.Units = -l.Units
		}
		if l.Cents < 0 {
			l.Cents = -l.Cents
		}
	}
	l.Charge = decimal.New(l.Cents, -2)
	return l
}

// rawLine is a billable claim line as the 837P reads it. Its amounts are
// taken in cents from their text (the schema keeps them to two decimals),
// not parsed into a million decimals twice (asking PostgreSQL for cents
// cost it more than the decimals cost here).
type rawLine struct {
	ID           int64
	ServiceCode  string
	DOS          time.Time
	Units        int64
	ChargeCents  int64
	UnitsAllowed int64
	PaidCents    int64
	Auth         *string
}

// ExportQuery is the whole batch as one query ($1 is the batch id): the
// export benchmark runs it through COPY as the floor an exporter stands on.
func ExportQuery() string {
	return `SELECT c.*, l.*, cl.*, p.*
	FROM batch_claims bc
	JOIN claims c ON c.id = bc.claim_id
	JOIN claim_lines l ON l.claim_id = c.id AND l.billable
	JOIN clients cl ON cl.id = c.client_id
	JOIN providers p ON p.id = c.provider_id
	WHERE bc.batch_id = $1 AND bc.lines > 0
	ORDER BY p.id, c.id, l.line_number`
}

// loopChunk is up to exportChunk loops in file order after a key, with
// the billable lines of their claims by id; no loops is the end.
type loopChunk struct {
	loops []loop
	lines map[int64]*rawLine
	err   error
}

func readLoopChunk(ctx context.Context, tx *sqlx.Tx, batchID int64, after loop) loopChunk {
	var c loopChunk
	rows, err := tx.QueryContext(ctx, exportLoopsQuery, batchID, after.ProviderID, after.ClaimID, after.Part, exportChunk)
	if err != nil {
		c.err = fmt.Errorf("export claims: %w", err)
		return c
	}
	c.loops = make([]loop, 0, exportChunk)
	for rows.Next() {
		var l loop
		if err := rows.Scan(&l.ProviderID, &l.ClaimID, &l.Part, &l.CLM01, &l.Frequency, &l.OriginalRef, &l.PriorAuth, &l.POS,
			&l.Diagnoses, &l.SubscriberLast, &l.SubscriberFirst, &l.MedicaidID, &l.DOB, &l.Gender, &l.Addr1, &l.City, &l.State,
			&l.Zip, &l.RenderingNPI, &l.RenderingLast, &l.RenderingFirst, &l.LineIDs, &l.LegacySV1, &l.CodesFrom); err != nil {
			rows.Close()
			c.err = fmt.Errorf("export claim: %w", err)
			return c
		}
		c.loops = append(c.loops, l)
	}
	rows.Close()
	if c.err = rows.Err(); c.err != nil || len(c.loops) == 0 {
		return c
	}
	var ids []int64
	for i := range c.loops {
		if i == 0 || c.loops[i].ClaimID != c.loops[i-1].ClaimID {
			ids = append(ids, c.loops[i].ClaimID)
		}
	}
	lrows, err := tx.QueryContext(ctx, exportLoopLinesQuery, pq.Array(ids))
	if err != nil {
		c.err = fmt.Errorf("export lines: %w", err)
		return c
	}
	defer lrows.Close()
	all := make([]rawLine, 0, len(c.loops)*maxLinesPerCLM)
	var charge, paid stdsql.RawBytes
	for lrows.Next() {
		var l rawLine
		if err := lrows.Scan(&l.ID, &l.ServiceCode, &l.DOS, &l.Units, &charge, &l.UnitsAllowed, &paid, &l.Auth); err != nil {
			c.err = fmt.Errorf("export line: %w", err)
			return c
		}
		var ok1, ok2 bool
		l.ChargeCents, ok1 = rss.ParseCents(charge)
		l.PaidCents, ok2 = rss.ParseCents(paid)
		if !ok1 || !ok2 {
			c.err = fmt.Errorf("export line %d: an amount is not in dollars and cents", l.ID)
			return c
		}
		all = append(all, l)
	}
	if c.err = lrows.Err(); c.err != nil {
		return c
	}
	// Sized by the lines read, not by the most a chunk could hold: a map
	// ten times too large cost a tenth of the writer's time in cache misses.
	c.lines = make(map[int64]*rawLine, len(all))
	for i := range all {
		c.lines[all[i].ID] = &all[i]
	}
	return c
}

func export837P(ctx context.Context, tx *sqlx.Tx, b *Batch, w io.Writer, progress Progress) (figures, error) {
	var fig figures
	var p Parties
	if err := json.Unmarshal(b.PartiesRaw, &p); err != nil {
		return fig, fmt.Errorf("batch %d parties: %w", b.ID, err)
	}
	provs, err := frozenProviders(ctx, tx, b.ID)
	if err != nil {
		return fig, err
	}
	procs, err := frozenProcedures(ctx, tx, b.ID)
	if err != nil {
		return fig, err
	}
	opts := x12.DefaultOptions()
	opts.Usage = p.Usage[0]
	opts.ClaimsPerSet = b.ClaimsPerSet
	h := p.header(b.CreatedAt.In(utcLoc), *b.ISAControl, *b.GSControl, "RSS"+strconv.FormatInt(b.ID, 10), func(i int) (int64, error) {
		if i >= len(b.STControls) {
			return 0, fmt.Errorf("batch %d reserved %d transaction sets, needs more", b.ID, len(b.STControls))
		}
		return b.STControls[i], nil
	})
	xw, err := x12.NewWriter(w, h, opts)
	if err != nil {
		return fig, err
	}
	// The next chunk is read while this one is written: the database and
	// the writer (with the checker behind it) work at once instead of in
	// turn. One goroutine uses the transaction; the writer only gets chunks.
	chunks := make(chan loopChunk, 1)
	stop := make(chan struct{})
	done := make(chan struct{})
	defer func() {
		// The reader must be off the transaction before anyone else uses it.
		close(stop)
		<-done
	}()
	go func() {
		defer close(done)
		defer close(chunks)
		var last loop
		for {
			c := readLoopChunk(ctx, tx, b.ID, last)
			select {
			case chunks <- c:
			case <-stop:
				return
			}
			if c.err != nil || len(c.loops) == 0 {
				return
			}
			last = c.loops[len(c.loops)-1]
		}
	}()
	lines := make([]loopLine, 0, maxLinesPerCLM)
	var billed int64 // cents
	for ch := range chunks {
		if ch.err != nil {
			return fig, ch.err
		}
		for i := range ch.loops {
			c := &ch.loops[i]
			prov, ok := provs[c.ProviderID]
			if !ok {
				return fig, fmt.Errorf("batch %d froze no provider %d", b.ID, c.ProviderID)
			}
			lines = lines[:0]
			for _, id := range c.LineIDs {
				r, ok := ch.lines[id]
				if !ok {
					return fig, fmt.Errorf("batch %d: loop %d of claim %d lists line %d, which is not a billable line of the claim",
						b.ID, c.Part, c.ClaimID, id)
				}
				lines = append(lines, sv1(r, c.LegacySV1))
			}
			claim, err := x12Loop(c, lines, procs, b.ID)
			if err == nil {
				err = xw.WriteClaim(x12.BillingProvider{Name: prov.Name, NPI: prov.NPI, TaxID: prov.TaxID,
					Address: x12.Address{Line1: prov.Addr1, Line2: deref(prov.Addr2), City: prov.City, State: prov.State, Zip: prov.Zip}}, claim)
			}
			if err != nil {
				return fig, fmt.Errorf("claim %d of provider %d: %w", c.ClaimID, c.ProviderID, err)
			}
			sign := int64(1)
			if c.Frequency == FreqVoid {
				sign = -1
			}
			fig.claims++
			for _, l := range lines {
				fig.lines++
				fig.units += sign * l.Units
				billed += sign * l.Cents
			}
			if fig.lines/10000 != (fig.lines-len(claim.Lines))/10000 {
				progress(fig.lines)
			}
		}
	}
	fig.billed = decimal.New(billed, -2)
	fig.paid = fig.billed // the 837P bills exactly what was found payable
	progress(fig.lines)
	return fig, xw.Close()
}

// x12Loop is a frozen loop as the writer takes it.
func x12Loop(r *loop, lines []loopLine, procs procedures, batchID int64) (x12.Claim, error) {
	c := x12.Claim{ClaimID: r.CLM01, PlaceOfService: r.POS, Frequency: r.Frequency, OriginalRef: deref(r.OriginalRef),
		PriorAuth: deref(r.PriorAuth), Diagnoses: r.Diagnoses,
		Subscriber: x12.Subscriber{Last: r.SubscriberLast, First: r.SubscriberFirst, MedicaidID: deref(r.MedicaidID),
			DOB: r.DOB, Gender: r.Gender}}
	if r.Addr1 != nil && r.City != nil && r.State != nil && r.Zip != nil {
		c.Subscriber.Address = &x12.Address{Line1: *r.Addr1, City: *r.City, State: *r.State, Zip: *r.Zip}
	}
	if r.RenderingNPI != nil {
		c.RenderingNPI, c.RenderingLast, c.RenderingFirst = *r.RenderingNPI, deref(r.RenderingLast), deref(r.RenderingFirst)
	}
	c.Lines = make([]x12.Line, len(lines))
	for i, l := range lines {
		proc := procs.of(batchID, r.CodesFrom, l.ServiceCode)
		if proc.code == nil {
			return c, fmt.Errorf("%w: service %s has no procedure code for the 837P", x12.ErrInvalid, l.ServiceCode)
		}
		c.Lines[i] = x12.Line{ControlNumber: strconv.FormatInt(l.LineID, 10), Procedure: *proc.code, Modifiers: proc.modifiers,
			Charge: l.Charge, Units: l.Units, ServiceDate: l.DOS, PriorAuth: deref(l.PriorAuth)}
	}
	return c, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// registerClaim and registerLine are what the payment register says about
// a claim of the batch and each of its lines.
type registerClaim struct {
	ProviderID  int64
	ClaimID     int64
	ClaimNumber string
	Frequency   string
	ClientID    int64
	Lines       int // how many of its lines the batch took
}

type registerLine struct {
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
	AdjCodes     string
}

// The register reads the batch a chunk of claims at a time, in (provider,
// claim) order by keyset over the batch_claims index, each chunk's lines
// in one query ordered by the (claim_id, line_number) index. A batch takes
// a claim's billable lines whole, so the lines of a claim it took are its
// billable lines; claims it reports without taking a line (denials) have
// none here.
const registerClaimsQuery = `
	SELECT bc.provider_id, c.id, c.claim_number, c.frequency, c.client_id, bc.lines
	FROM batch_claims bc
	JOIN claims c ON c.id = bc.claim_id
	WHERE bc.batch_id = $1 AND (bc.provider_id, bc.claim_id) > ($2, $3)
	ORDER BY bc.provider_id, bc.claim_id
	LIMIT $4`

const registerLinesQuery = `
	SELECT x.claim_id, x.id, x.line_number, x.status, x.service_code, x.date_of_service, x.units, x.units_allowed,
	       x.charge, x.allowed, x.paid, x.adj
	FROM unnest($1::bigint[]) WITH ORDINALITY AS k(claim_id, n)
	CROSS JOIN LATERAL (
		SELECT l.claim_id, l.id, l.line_number, l.status, l.service_code, l.date_of_service, l.units, l.units_allowed,
		       l.charge, l.allowed, l.paid,
		       COALESCE((SELECT string_agg((a->>'group') || '-' || (a->>'carc') || COALESCE(' ' || (a->>'rarc'), ''), ';')
		                 FROM jsonb_array_elements(l.adjustments) a), '') AS adj
		FROM claim_lines l
		WHERE l.claim_id = k.claim_id AND l.billable
		ORDER BY l.line_number) x
	ORDER BY k.n, x.line_number`

// streamRegister calls each for every line of the batch in file order.
func streamRegister(ctx context.Context, tx *sqlx.Tx, batchID int64, each func(c *registerClaim, l *registerLine) error) error {
	var lastProv, lastClaim int64
	claims := make([]registerClaim, 0, exportChunk)
	for {
		claims = claims[:0]
		rows, err := tx.QueryContext(ctx, registerClaimsQuery, batchID, lastProv, lastClaim, exportChunk)
		if err != nil {
			return fmt.Errorf("export claims: %w", err)
		}
		for rows.Next() {
			var c registerClaim
			if err := rows.Scan(&c.ProviderID, &c.ClaimID, &c.ClaimNumber, &c.Frequency, &c.ClientID, &c.Lines); err != nil {
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
		ids := make([]int64, 0, len(claims))
		for i := range claims {
			if claims[i].Lines > 0 {
				ids = append(ids, claims[i].ClaimID)
			}
		}
		lines := map[int64][]registerLine{}
		lrows, err := tx.QueryContext(ctx, registerLinesQuery, pq.Array(ids))
		if err != nil {
			return fmt.Errorf("export lines: %w", err)
		}
		for lrows.Next() {
			var claimID int64
			var l registerLine
			if err := lrows.Scan(&claimID, &l.LineID, &l.LineNumber, &l.Status, &l.ServiceCode, &l.DOS, &l.Units, &l.UnitsAllowed,
				&l.Charge, &l.Allowed, &l.Paid, &l.AdjCodes); err != nil {
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

var registerHeader = []string{"record_type", "batch_id", "provider_id", "provider_code", "provider_npi", "claim_id", "claim_number",
	"frequency", "line_id", "line_number", "client_id", "service_code", "date_of_service", "units", "units_allowed", "billed",
	"allowed", "paid", "adjustment_codes", "status"}

type registerTotal struct {
	claims int
	lines  int
	units  int64
	billed decimal.Decimal
	paid   decimal.Decimal
}

func (t *registerTotal) add(l *registerLine, billed decimal.Decimal, newClaim bool) {
	if newClaim {
		t.claims++
	}
	t.lines++
	t.units += l.UnitsAllowed
	t.billed = t.billed.Add(billed)
	t.paid = t.paid.Add(l.Paid)
}

// exportRegister writes the payment register: the Part 2 notice, a header,
// one row per line (reversals negative), a total row after each provider
// whose figures equal the batch's frozen per-provider totals, and a batch
// total row. Providers are named as the batch froze them.
func exportRegister(ctx context.Context, tx *sqlx.Tx, b *Batch, w io.Writer, progress Progress) (figures, error) {
	provs, err := frozenProviders(ctx, tx, b.ID)
	if err != nil {
		return figures{}, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{Part2Notice}); err != nil {
		return figures{}, err
	}
	if err := cw.Write(registerHeader); err != nil {
		return figures{}, err
	}
	batch := strconv.FormatInt(b.ID, 10)
	var prov, all registerTotal
	var cur frozenProvider
	var curClaim int64
	totalRow := func(kind, providerID, code, npi string, t registerTotal) error {
		return cw.Write([]string{kind, batch, providerID, code, npi, "", "", "", "", strconv.Itoa(t.lines), "", "", "",
			"", strconv.FormatInt(t.units, 10), t.billed.StringFixed(2), "", t.paid.StringFixed(2), "", ""})
	}
	row := make([]string, len(registerHeader))
	err = streamRegister(ctx, tx, b.ID, func(c *registerClaim, l *registerLine) error {
		if c.ProviderID != cur.ID {
			if cur.ID != 0 {
				if err := totalRow("provider_total", strconv.FormatInt(cur.ID, 10), cur.Code, cur.NPI, prov); err != nil {
					return err
				}
			}
			p, ok := provs[c.ProviderID]
			if !ok {
				return fmt.Errorf("batch %d froze no provider %d", b.ID, c.ProviderID)
			}
			cur, prov = p, registerTotal{}
		}
		billed := l.Charge
		if l.Status == "reversal" {
			billed = billed.Neg()
		}
		prov.add(l, billed, c.ClaimID != curClaim)
		all.add(l, billed, c.ClaimID != curClaim)
		curClaim = c.ClaimID
		row = append(row[:0], "line", batch, strconv.FormatInt(c.ProviderID, 10), cur.Code, cur.NPI,
			strconv.FormatInt(c.ClaimID, 10), c.ClaimNumber, c.Frequency, strconv.FormatInt(l.LineID, 10), strconv.Itoa(l.LineNumber),
			strconv.FormatInt(c.ClientID, 10), l.ServiceCode, l.DOS.Format("2006-01-02"), strconv.FormatInt(l.Units, 10),
			strconv.FormatInt(l.UnitsAllowed, 10), billed.StringFixed(2), l.Allowed.StringFixed(2), l.Paid.StringFixed(2),
			l.AdjCodes, l.Status)
		if all.lines%10000 == 0 {
			progress(all.lines)
		}
		return cw.Write(row)
	})
	if err != nil {
		return figures{}, err
	}
	if cur.ID != 0 {
		if err := totalRow("provider_total", strconv.FormatInt(cur.ID, 10), cur.Code, cur.NPI, prov); err != nil {
			return figures{}, err
		}
	}
	if err := totalRow("batch_total", "", "", "", all); err != nil {
		return figures{}, err
	}
	progress(all.lines)
	cw.Flush()
	return figures{claims: all.claims, lines: all.lines, units: all.units, billed: all.billed, paid: all.paid}, cw.Error()
}

// The export reads one consistent snapshot.
var sqlTxOptions = stdsql.TxOptions{Isolation: stdsql.LevelRepeatableRead, ReadOnly: true}

// X12 timestamps are written in UTC so a batch's bytes never depend on the
// server's time zone setting.
var utcLoc = time.UTC
