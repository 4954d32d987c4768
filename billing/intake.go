package billing

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/pg"
)

// Outcome is one claim's answer in a submission: the stored claim, or the
// error that kept it out (nothing of it was written).
type Outcome struct {
	Claim *Claim
	// Created is false when the same claim (same number, same content) was
	// already on file and is returned as it stands.
	Created bool
	Err     error
}

// Submit adjudicates one claim. A claim refused as a whole returns its error.
func (s *Service) Submit(ctx context.Context, n NewClaim) (*Claim, bool, error) {
	out, err := s.SubmitBulk(ctx, []NewClaim{n})
	if err != nil {
		return nil, false, err
	}
	return out[0].Claim, out[0].Created, out[0].Err
}

// SubmitBulk adjudicates up to MaxClaimsPerBulk claims in one transaction,
// each answered on its own. Lines are decided in the order given, each
// seeing the units and dollars the earlier ones consumed.
func (s *Service) SubmitBulk(ctx context.Context, claims []NewClaim) ([]Outcome, error) {
	a, err := access.Require(ctx, access.RoleProvider)
	if err != nil {
		return nil, err
	}
	if len(claims) == 0 {
		return nil, rss.Invalid("claims", "required", "send at least one claim")
	}
	if len(claims) > MaxClaimsPerBulk {
		return nil, rss.Invalid("claims", "too_many", "at most %d claims per request", MaxClaimsPerBulk)
	}
	// The request's idempotency key, the claims and the answer commit together.
	var out []Outcome
	err = write(ctx, s, &out, func(ctx context.Context, _ *sqlx.Tx) error {
		var err error
		out, err = s.submit(ctx, a, claims, nil)
		return err
	})
	return out, err
}

// SubmitEach adjudicates claims that arrived as separate requests of one
// API key, in one transaction (group commit): each keeps its own outcome
// and its own request id in the audit log. The caller owns the
// transaction through ctx and answers each request.
func (s *Service) SubmitEach(ctx context.Context, claims []NewClaim, requestIDs []string) ([]Outcome, error) {
	a, err := access.Require(ctx, access.RoleProvider)
	if err != nil {
		return nil, err
	}
	if len(claims) != len(requestIDs) {
		return nil, fmt.Errorf("SubmitEach: %d claims, %d request ids", len(claims), len(requestIDs))
	}
	return s.submit(ctx, a, claims, requestIDs)
}

// intakeAttempts bounds how often one submission is decided again because
// another transaction wrote one of its claim numbers meanwhile.
const intakeAttempts = 3

func (s *Service) submit(ctx context.Context, a access.Actor, claims []NewClaim, requestIDs []string) ([]Outcome, error) {
	var out []Outcome
	err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		// The database keeps microseconds: a finer time would be rounded
		// there and differ from what was decided with.
		today, now := s.today(), s.now().Truncate(time.Microsecond)
		// The claims on file are read by a statement whose snapshot may be
		// older than a commit it then waits for (an authorization lock),
		// and a client with no authorization locks nothing, so another
		// transaction may write the same claim number first: the write then
		// fails on claims_number_unique (after waiting for that transaction,
		// whose outcome it needs). The submission is then decided again from
		// a savepoint: every statement starts after that commit, so the
		// claim is found on file and answered as such (or refused, for other
		// content). A deadlock between two bulks inserting shared numbers in
		// opposite orders is undone the same way. No lock is taken per claim
		// number: a bulk would take a thousand, and the shared lock table of
		// the server holds a few thousand in all.
		if _, err := tx.ExecContext(ctx, `SAVEPOINT claim_intake`); err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
		for attempt := 1; ; attempt++ {
			in := &intake{s: s, ctx: ctx, tx: tx, actor: a, today: today, now: now, requestIDs: requestIDs}
			var err error
			out, err = in.run(claims)
			if !writtenMeanwhile(err) {
				return err
			}
			if attempt == intakeAttempts {
				return rss.Coded(rss.ErrConflict, "claim_number_reused",
					"claim numbers of this submission were being written by other requests at the same moment; send it again")
			}
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT claim_intake`); err != nil {
				return fmt.Errorf("rollback to savepoint: %w", err)
			}
		}
	})
	return out, err
}

// writtenMeanwhile reports whether err means another transaction wrote one
// of the submission's claim numbers, or deadlocked with it doing so.
func writtenMeanwhile(err error) bool {
	var pe *pq.Error
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == pg.CodeDeadlock || (pe.Code == pg.CodeUniqueViolation && pe.Constraint == "claims_number_unique")
}

type dupKey struct {
	client  int64
	service string
	dos     time.Time
	units   int
}

type episodeState struct {
	cap    *decimal.Decimal
	paid   decimal.Decimal
	change decimal.Decimal
}

type origLine struct {
	ID           int64           `db:"id"`
	ClaimID      int64           `db:"claim_id"`
	LineNumber   int             `db:"line_number"`
	ServiceCode  string          `db:"service_code"`
	DOS          rss.Date        `db:"date_of_service"`
	Units        int             `db:"units"`
	Charge       decimal.Decimal `db:"charge"`
	AuthNumber   *string         `db:"authorization_number"`
	AuthID       *int64          `db:"authorization_id"`
	EpisodeID    *int64          `db:"episode_id"`
	UnitsAllowed int             `db:"units_allowed"`
	Allowed      decimal.Decimal `db:"allowed"`
	Paid         decimal.Decimal `db:"paid"`
	Rate         *rss.Money      `db:"rate"`
	Adjustments  []byte          `db:"adjustments"`
	Counted      bool            `db:"counted"`
	Batched      bool            `db:"batched"`
}

type origClaim struct {
	Claim
	lines []origLine
}

// intake is one submission's working state: the facts loaded once for all
// claims, the rows locked, and the rows to write.
type intake struct {
	s     *Service
	ctx   context.Context
	tx    *sqlx.Tx
	actor access.Actor
	today rss.Date
	now   time.Time

	ref        *reference
	provider   adjudication.Provider
	requestIDs []string // per claim, when claims came as separate requests

	clients     map[int64]adjudication.Client
	enrollments map[int64][]adjudication.Enrollment    // by client, this provider
	auths       map[int64][]adjudication.Authorization // by client, this provider, locked
	authDelta   map[int64]int
	episodes    map[int64]*episodeState
	dups        map[dupKey]bool
	existing    map[string]*existingClaim // by claim number, already on file
	originals   map[int64]*origClaim

	// The parties' addresses, for the lines of programs billed by 837P.
	addresses       map[int64]adjudication.PostalAddress // by client
	providerAddress adjudication.PostalAddress

	claims    []claimRow
	lines     []lineRow
	unbill    []int64 // original lines that become unbillable (voided before batching)
	uncount   []int64 // original lines whose units and dollars come back
	superseds []superseded
}

type claimRow struct {
	claim     *Claim
	hash      []byte
	requestID string
}

type lineRow struct {
	line      *Line
	claim     *Claim
	clientID  int64
	episodeID *int64
	counted   bool
	billable  bool
	adj       []byte
	trace     []byte
}

type superseded struct {
	Original int64  `json:"original"`
	By       string `json:"by"` // the superseding claim's number
	Status   string `json:"status"`
}

func (in *intake) run(claims []NewClaim) ([]Outcome, error) {
	out := make([]Outcome, len(claims))
	for i := range claims {
		out[i].Err = claims[i].validate(in.today)
	}
	if err := in.load(claims, out); err != nil {
		return nil, err
	}
	seen := map[string]int{}
	var reload []int
	for i := range claims {
		if out[i].Err != nil {
			continue
		}
		n := &claims[i]
		if j, dup := seen[n.ClaimNumber]; dup {
			// The same claim twice in one submission gets the first one's
			// answer, whatever it is; the claim pointer is shared, so a claim
			// on file read back below answers both.
			if string(claims[j].hash()) == string(n.hash()) {
				out[i] = Outcome{Claim: out[j].Claim, Err: out[j].Err}
			} else {
				out[i].Err = rss.Coded(rss.ErrConflict, "claim_number_reused", "claim_number %s is used by another claim in this request", n.ClaimNumber)
			}
			continue
		}
		seen[n.ClaimNumber] = i
		if prev, ok := in.existing[n.ClaimNumber]; ok {
			if prev.Hash == hex.EncodeToString(n.hash()) {
				out[i] = Outcome{Claim: &Claim{ID: prev.ID}}
				reload = append(reload, i)
			} else {
				out[i].Err = rss.Coded(rss.ErrConflict, "claim_number_reused",
					"claim_number %s was already used for a different claim (id %d); use a new number, or frequency 7 to replace it", n.ClaimNumber, prev.ID)
			}
			continue
		}
		c, err := in.claim(n)
		out[i] = Outcome{Claim: c, Created: err == nil, Err: err}
		if err == nil && in.requestIDs != nil {
			in.claims[len(in.claims)-1].requestID = in.requestIDs[i]
		}
	}
	if err := in.write(); err != nil {
		return nil, err
	}
	if len(reload) > 0 {
		// Claims already on file are answered as they stand.
		ids := make([]int64, len(reload))
		for k, i := range reload {
			ids[k] = out[i].Claim.ID
		}
		var found []Claim
		if err := in.tx.SelectContext(in.ctx, &found, `SELECT `+claimColumns+` FROM claims c WHERE c.id = ANY($1)`, pq.Array(ids)); err != nil {
			return nil, err
		}
		if err := attachLines(in.ctx, in.tx, found, false); err != nil {
			return nil, err
		}
		byID := map[int64]*Claim{}
		for k := range found {
			byID[found[k].ID] = &found[k]
		}
		for _, i := range reload {
			*out[i].Claim = *byID[out[i].Claim.ID]
		}
	}
	for i := range out {
		if out[i].Err != nil {
			out[i].Claim = nil
		}
	}
	return out, nil
}

// existingClaim is a claim already on file with the number a submission uses.
type existingClaim struct {
	ID   int64  `json:"id"`
	Hash string `json:"hash"`
}

// load reads every fact the submission needs in a few round trips and
// takes its locks in one global order: originals (by id), then
// authorizations with their episodes (by authorization id). Every intake
// locks all of a client's live authorizations with this provider, so two
// submissions touching the same client run one after the other, and the
// duplicate check that follows the locks sees every line the other committed.
func (in *intake) load(claims []NewClaim, out []Outcome) error {
	ctx, tx := in.ctx, in.tx
	in.existing = map[string]*existingClaim{}
	in.originals = map[int64]*origClaim{}

	var numbers []string
	clientSet, staffSet, origSet := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	for i := range claims {
		if out[i].Err != nil {
			continue
		}
		numbers = append(numbers, claims[i].ClaimNumber)
		clientSet[claims[i].ClientID] = true
		if claims[i].RenderingStaffID > 0 {
			staffSet[claims[i].RenderingStaffID] = true
		}
		if claims[i].OriginalClaimID != nil {
			origSet[*claims[i].OriginalClaimID] = true
		}
	}

	// Originals of voids and replacements, locked first, with their lines.
	if len(origSet) > 0 {
		ids := keys(origSet)
		var rows []Claim
		if err := tx.SelectContext(ctx, &rows, `SELECT `+claimColumns+` FROM claims c
			WHERE c.id = ANY($1) AND c.provider_id = $2 ORDER BY c.id FOR UPDATE`, pq.Array(ids), in.actor.ProviderID); err != nil {
			return fmt.Errorf("originals: %w", err)
		}
		for i := range rows {
			in.originals[rows[i].ID] = &origClaim{Claim: rows[i]}
			clientSet[rows[i].ClientID] = true
		}
		// Lock the original lines before asking whether they are batched, so
		// a batch being created waits or is waited for, never half-seen.
		var lines []origLine
		if err := tx.SelectContext(ctx, &lines, `SELECT l.id, l.claim_id, l.line_number, l.service_code, l.date_of_service, l.units,
				l.charge, l.authorization_number, l.authorization_id, l.episode_id, l.units_allowed, l.allowed, l.paid, l.rate,
				l.adjustments, l.counted, false AS batched
			FROM claim_lines l WHERE l.claim_id = ANY($1) ORDER BY l.id FOR UPDATE`, pq.Array(ids)); err != nil {
			return fmt.Errorf("original lines: %w", err)
		}
		var batched []int64
		if err := tx.SelectContext(ctx, &batched, `SELECT bl.line_id FROM batch_lines bl JOIN claim_lines l ON l.id = bl.line_id
			WHERE l.claim_id = ANY($1)`, pq.Array(ids)); err != nil {
			return fmt.Errorf("original lines: %w", err)
		}
		inBatch := map[int64]bool{}
		for _, id := range batched {
			inBatch[id] = true
		}
		sort.Slice(lines, func(i, j int) bool {
			if lines[i].ClaimID != lines[j].ClaimID {
				return lines[i].ClaimID < lines[j].ClaimID
			}
			return lines[i].LineNumber < lines[j].LineNumber
		})
		for i := range lines {
			lines[i].Batched = inBatch[lines[i].ID]
		}
		for _, l := range lines {
			if o := in.originals[l.ClaimID]; o != nil {
				o.lines = append(o.lines, l)
			}
		}
	}

	// One round trip locks the clients' live authorizations with their
	// episodes (in authorization id order) and reads the reference version,
	// the claims already on file and the clients this agency serves with
	// their enrollments. (The plans stay custom: a generic plan cached while
	// a table was small outlives the table's growth; measured, it cost a
	// 40 ms sequential scan per claim right after a bulk load.)
	clientIDs := keys(clientSet)
	var q struct {
		Version     int64  `db:"ref_version"`
		Existing    []byte `db:"existing"`
		Provider    []byte `db:"provider_address"`
		Clients     []byte `db:"clients"`
		Enrollments []byte `db:"enrollments"`
		Auths       []byte `db:"auths"`
	}
	st, err := in.s.stmts.In(ctx, tx, factsQuery)
	if err != nil {
		return err
	}
	err = st.GetContext(ctx, &q,
		in.actor.ProviderID, pq.Array(numbers), pq.Array(clientIDs))
	if err != nil {
		return ledgerError(fmt.Errorf("claim facts: %w", err))
	}
	if in.ref, err = in.s.ref.get(ctx, tx, q.Version); err != nil {
		return err
	}
	prov, ok := in.ref.providers[in.actor.ProviderID]
	if !ok {
		return fmt.Errorf("%w: provider %d", rss.ErrNotFound, in.actor.ProviderID)
	}
	in.provider = prov
	var existing []struct {
		Number string `json:"number"`
		existingClaim
	}
	if err := json.Unmarshal(q.Existing, &existing); err != nil {
		return err
	}
	for i := range existing {
		in.existing[existing[i].Number] = &existing[i].existingClaim
	}
	if err := json.Unmarshal(q.Provider, &in.providerAddress); err != nil {
		return err
	}
	var clients []struct {
		ID       int64                      `json:"id"`
		DOB      rss.Date                   `json:"dob"`
		Medicaid bool                       `json:"medicaid"`
		Area     string                     `json:"area"`
		Address  adjudication.PostalAddress `json:"address"`
	}
	if err := json.Unmarshal(q.Clients, &clients); err != nil {
		return err
	}
	in.clients = make(map[int64]adjudication.Client, len(clients))
	in.addresses = make(map[int64]adjudication.PostalAddress, len(clients))
	visible := make([]int64, 0, len(clients))
	for _, c := range clients {
		in.clients[c.ID] = adjudication.Client{ID: c.ID, DateOfBirth: c.DOB.Time, HasMedicaidID: c.Medicaid, CatchmentArea: c.Area}
		in.addresses[c.ID] = c.Address
		visible = append(visible, c.ID)
	}
	var enrs []struct {
		ID         int64    `json:"id"`
		Client     int64    `json:"client"`
		Program    string   `json:"program"`
		Episode    int64    `json:"episode"`
		Start      rss.Date `json:"start"`
		PlannedEnd rss.Date `json:"planned_end"`
		Discharge  rss.Date `json:"discharge"`
		Primary    bool     `json:"primary"`
		Staff      *int64   `json:"staff"`
	}
	if err := json.Unmarshal(q.Enrollments, &enrs); err != nil {
		return err
	}
	in.enrollments = map[int64][]adjudication.Enrollment{}
	for _, e := range enrs {
		x := adjudication.Enrollment{ID: e.ID, ProviderID: in.actor.ProviderID, ProgramCode: e.Program, EpisodeID: e.Episode,
			Start: e.Start.Time, PlannedEnd: e.PlannedEnd.Time, Discharge: e.Discharge.Time, PrimaryCaseManager: e.Primary}
		if e.Staff != nil {
			x.AssignedStaffID = *e.Staff
		}
		in.enrollments[e.Client] = append(in.enrollments[e.Client], x)
	}

	var auths []struct {
		ID              int64            `json:"id"`
		Number          string           `json:"number"`
		ClientID        int64            `json:"client_id"`
		ServiceCode     string           `json:"service_code"`
		EpisodeID       int64            `json:"episode_id"`
		Start           rss.Date         `json:"start_date"`
		End             rss.Date         `json:"end_date"`
		UnitsAuthorized int              `json:"units_authorized"`
		UnitsUsed       int              `json:"units_used"`
		Rate            decimal.Decimal  `json:"rate"`
		Cap             *decimal.Decimal `json:"dollar_cap"`
		Paid            decimal.Decimal  `json:"dollars_paid"`
	}
	if err := json.Unmarshal(q.Auths, &auths); err != nil {
		return err
	}
	in.auths, in.authDelta = map[int64][]adjudication.Authorization{}, map[int64]int{}
	in.episodes = map[int64]*episodeState{}
	for i := range auths {
		a := &auths[i]
		if _, ok := in.clients[a.ClientID]; !ok {
			continue // locked, but the agency no longer serves the client
		}
		in.auths[a.ClientID] = append(in.auths[a.ClientID], adjudication.Authorization{ID: a.ID, Number: a.Number,
			ProviderID: in.actor.ProviderID, ServiceCode: a.ServiceCode, EpisodeID: a.EpisodeID, Start: a.Start.Time, End: a.End.Time,
			UnitsAuthorized: a.UnitsAuthorized, UnitsUsed: a.UnitsUsed, Rate: a.Rate})
		if _, ok := in.episodes[a.EpisodeID]; !ok {
			in.episodes[a.EpisodeID] = &episodeState{cap: a.Cap, paid: a.Paid}
		}
	}

	// Counted lines that a new line would duplicate (read after the locks).
	in.dups = map[dupKey]bool{}
	var dups []struct {
		Client  int64    `db:"client_id"`
		Service string   `db:"service_code"`
		DOS     rss.Date `db:"date_of_service"`
		Units   int      `db:"units"`
	}
	st, err = in.s.stmts.In(ctx, tx, duplicatesQuery)
	if err != nil {
		return err
	}
	if err := st.SelectContext(ctx, &dups, in.actor.ProviderID, pq.Array(visible), in.minDOS(claims, out), in.today); err != nil {
		return fmt.Errorf("duplicates: %w", err)
	}
	for _, d := range dups {
		in.dups[dupKey{d.Client, d.Service, d.DOS.Time, d.Units}] = true
	}
	return nil
}

func (in *intake) minDOS(claims []NewClaim, out []Outcome) rss.Date {
	m := in.today
	for i := range claims {
		if out[i].Err != nil {
			continue
		}
		for _, l := range claims[i].Lines {
			if l.DateOfService.Before(m) {
				m = l.DateOfService
			}
		}
	}
	return m
}

func keys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// staffOf returns a rendering staff member of this agency, or nil.
func (in *intake) staffOf(id int64) *adjudication.Staff {
	if st := in.ref.staff[id]; st != nil && st.ProviderID == in.actor.ProviderID {
		return st
	}
	return nil
}

// claim adjudicates one validated claim against the in-memory ledger.
func (in *intake) claim(n *NewClaim) (*Claim, error) {
	client, ok := in.clients[n.ClientID]
	if !ok {
		return nil, rss.Invalid("client_id", "unknown_id", "no client %d served by this agency", n.ClientID)
	}
	c := &Claim{Lines: []Line{}, ProviderID: in.actor.ProviderID, ClientID: n.ClientID, ClaimNumber: n.ClaimNumber, Frequency: n.Frequency,
		OriginalClaimID: n.OriginalClaimID, PlaceOfService: n.PlaceOfService, Diagnoses: n.Diagnoses,
		ReceivedOn: in.today, ReceivedAt: in.now}
	if c.Diagnoses == nil {
		c.Diagnoses = []string{}
	}

	var orig *origClaim
	if n.OriginalClaimID != nil {
		orig = in.originals[*n.OriginalClaimID]
		if orig == nil {
			return nil, rss.Invalid("original_claim_id", "unknown_id", "no claim %d of this agency", *n.OriginalClaimID)
		}
		if orig.ClientID != n.ClientID {
			return nil, rss.Invalid("original_claim_id", "client_mismatch", "claim %d is for another client", orig.ID)
		}
		if orig.Frequency == FreqVoid {
			return nil, rss.Coded(rss.ErrConflict, "original_is_void", "claim %d is a void and cannot be voided or replaced", orig.ID)
		}
		if orig.SupersededBy != nil {
			return nil, rss.Coded(rss.ErrConflict, "already_superseded", "claim %d was already %s by claim %d", orig.ID, orig.Status, *orig.SupersededBy)
		}
	}

	program := ""
	if n.Frequency != FreqVoid {
		if n.RenderingStaffID > 0 && in.staffOf(n.RenderingStaffID) == nil {
			return nil, rss.Invalid("rendering_staff_id", "unknown_id", "no staff %d at this agency", n.RenderingStaffID)
		}
		for i, l := range n.Lines {
			svc, ok := in.ref.services[l.ServiceCode]
			if !ok {
				return nil, rss.Invalid(fmt.Sprintf("lines[%d].service_code", i), "unknown_id", "no service %q", l.ServiceCode)
			}
			if program == "" {
				program = svc.ProgramCode
			} else if svc.ProgramCode != program {
				return nil, rss.Invalid(fmt.Sprintf("lines[%d].service_code", i), "mixed_programs", "all lines of a claim bill one program (%s, not %s)", program, svc.ProgramCode)
			}
		}
		if orig != nil && orig.ProgramCode != program {
			return nil, rss.Invalid("lines", "program_mismatch", "a replacement bills the original's program %s", orig.ProgramCode)
		}
		staffID := n.RenderingStaffID
		c.RenderingStaffID = &staffID
	} else {
		// A void repeats the original's claim-level data (the 837P void
		// claim carries them).
		program = orig.ProgramCode
		c.PlaceOfService, c.Diagnoses, c.RenderingStaffID = orig.PlaceOfService, orig.Diagnoses, orig.RenderingStaffID
	}
	c.ProgramCode = program

	// Release the original first, so a replacement can use what it frees.
	var reversals []origLine
	if orig != nil {
		reversals = in.release(c, orig)
		status := "voided"
		if n.Frequency == FreqReplacement {
			status = "replaced"
		}
		in.superseds = append(in.superseds, superseded{Original: orig.ID, By: c.ClaimNumber, Status: status})
	}

	if n.Frequency == FreqVoid {
		in.addReversals(c, reversals)
		c.Status = "void"
		c.TotalCharge, c.TotalPaid = rss.NewMoney(decimal.Zero), rss.NewMoney(decimal.Zero)
		c.FirstServiceDate, c.LastServiceDate = orig.FirstServiceDate, orig.LastServiceDate
		for _, l := range c.Lines {
			c.TotalCharge.Decimal = c.TotalCharge.Add(l.Charge.Decimal)
			c.TotalPaid.Decimal = c.TotalPaid.Add(l.Paid.Decimal)
		}
		in.claims = append(in.claims, claimRow{claim: c, hash: n.hash()})
		return c, nil
	}

	prog := in.ref.programs[program]
	staff := in.staffOf(n.RenderingStaffID)
	// A program billed through the 837P has its lines checked for what the
	// file must carry, so a claim it could not carry is denied now.
	var payerFile *adjudication.PayerFile
	if in.ref.routes[program] == RouteMedicaid837P {
		payerFile = &adjudication.PayerFile{SubscriberAddress: in.addresses[n.ClientID], BillingProviderAddress: in.providerAddress}
	}
	var enrollments []adjudication.Enrollment
	for _, e := range in.enrollments[n.ClientID] {
		if e.ProgramCode == program {
			enrollments = append(enrollments, e)
		}
	}
	paidAll, deniedAll := true, true
	total, paid := decimal.Zero, decimal.Zero
	for i, nl := range n.Lines {
		svc := in.ref.services[nl.ServiceCode]
		dos := nl.DateOfService.Time
		f := adjudication.LineFacts{
			ReceivedOn: in.today.Time, ProviderID: in.actor.ProviderID,
			Line: adjudication.ClaimLine{ServiceCode: nl.ServiceCode, DateOfService: dos, Units: nl.Units,
				Charge: nl.Charge.Decimal, AuthorizationNumber: nl.AuthorizationNumber},
			Program: prog, Service: svc, Provider: in.provider, Client: client, Enrollments: enrollments,
			Staff: staff, Diagnoses: len(n.Diagnoses), Settings: in.ref.settings, PayerFile: payerFile,
		}
		auths := in.auths[n.ClientID]
		f.Authorization, f.AuthorizationMismatch = adjudication.PickAuthorization(auths, in.actor.ProviderID, nl.ServiceCode, dos, nl.AuthorizationNumber)
		key := dupKey{n.ClientID, nl.ServiceCode, dos, nl.Units}
		f.Duplicate = in.dups[key]
		var ep *episodeState
		if f.Authorization != nil {
			ep = in.episodes[f.Authorization.EpisodeID]
			if ep != nil {
				f.EpisodeDollarsPaid = ep.paid
				f.Program.HasDollarCap = ep.cap != nil
				if ep.cap != nil {
					f.Program.EpisodeDollarCap = *ep.cap
				}
			}
		}
		d := adjudication.DecideLine(&f)

		line := &Line{LineNumber: i + 1, ServiceCode: nl.ServiceCode, DateOfService: nl.DateOfService, Units: nl.Units,
			Charge: nl.Charge, Status: d.Status, UnitsAllowed: d.UnitsAllowed, Allowed: rss.NewMoney(d.Allowed),
			Paid: rss.NewMoney(d.Paid), RuleSetVersion: d.RuleSetVersion, Trace: d.Trace}
		if nl.AuthorizationNumber != "" {
			num := nl.AuthorizationNumber
			line.AuthorizationNumber = &num
		}
		row := lineRow{line: line, claim: c, clientID: n.ClientID}
		if f.Authorization != nil {
			id, rate := f.Authorization.ID, rss.NewMoney(f.Authorization.Rate)
			line.AuthorizationID, line.Rate = &id, &rate
			if line.AuthorizationNumber == nil {
				num := f.Authorization.Number
				line.AuthorizationNumber = &num
			}
			epID := f.Authorization.EpisodeID
			row.episodeID = &epID
		}
		line.Adjustments = make([]Adjustment, len(d.Adjustments))
		for j, a := range d.Adjustments {
			line.Adjustments[j] = Adjustment{Group: a.Group, Code: a.Code, CARC: a.CARC, RARC: a.RARC, Amount: rss.NewMoney(a.Amount), Units: a.Units}
		}
		if d.Paid.IsPositive() || d.UnitsAllowed > 0 {
			// Consume units and dollars on the ledger now, so later lines see them.
			f.Authorization.UnitsUsed += d.UnitsAllowed
			in.authDelta[f.Authorization.ID] += d.UnitsAllowed
			if ep != nil {
				ep.paid = ep.paid.Add(d.Paid)
				ep.change = ep.change.Add(d.Paid)
			}
			in.dups[key] = true
			row.counted, row.billable = true, true
		}
		in.lines = append(in.lines, row)
		c.Lines = append(c.Lines, *line)
		total = total.Add(nl.Charge.Decimal)
		paid = paid.Add(d.Paid)
		if d.Status != adjudication.LinePaid {
			paidAll = false
		}
		if d.Status != adjudication.LineDenied {
			deniedAll = false
		}
		if c.FirstServiceDate.IsZero() || nl.DateOfService.Before(c.FirstServiceDate) {
			c.FirstServiceDate = nl.DateOfService
		}
		if nl.DateOfService.After(c.LastServiceDate) {
			c.LastServiceDate = nl.DateOfService
		}
	}
	in.addReversals(c, reversals)
	switch {
	case paidAll:
		c.Status = "paid"
	case deniedAll:
		c.Status = "denied"
	default:
		c.Status = "partial"
	}
	for _, ol := range reversals {
		paid = paid.Sub(ol.Paid)
	}
	c.TotalCharge, c.TotalPaid = rss.NewMoney(total), rss.NewMoney(paid)
	in.claims = append(in.claims, claimRow{claim: c, hash: n.hash()})
	return c, nil
}

// release gives the original's units and dollars back before the new
// claim is adjudicated, so a replacement can use what it frees. Lines not
// yet batched stop being billable; it returns the paid lines that need a
// reversal line on the new claim.
func (in *intake) release(c *Claim, orig *origClaim) []origLine {
	var reversals []origLine
	for _, ol := range orig.lines {
		if !ol.Counted {
			continue
		}
		in.uncount = append(in.uncount, ol.ID)
		if ol.AuthID != nil {
			in.authDelta[*ol.AuthID] -= ol.UnitsAllowed
			for i := range in.auths[c.ClientID] {
				if a := &in.auths[c.ClientID][i]; a.ID == *ol.AuthID {
					a.UnitsUsed -= ol.UnitsAllowed
				}
			}
		}
		if ol.EpisodeID != nil {
			if ep := in.episodes[*ol.EpisodeID]; ep != nil {
				ep.paid = ep.paid.Sub(ol.Paid)
				ep.change = ep.change.Sub(ol.Paid)
			}
		}
		delete(in.dups, dupKey{c.ClientID, ol.ServiceCode, ol.DOS.Time, ol.Units})
		if !ol.Batched {
			in.unbill = append(in.unbill, ol.ID)
		}
		// A void always shows what it reverses; a replacement needs a
		// reversal only where the original's money already left in a batch.
		if c.Frequency == FreqVoid || ol.Batched {
			reversals = append(reversals, ol)
		}
	}
	return reversals
}

// addReversals writes a reversal line for each released line, numbered
// after the claim's own lines: units, allowed, paid and each adjustment of
// the original negated, as an 835 reverses a payment. A reversal of a
// batched line is billable: the money goes back in the next batch.
func (in *intake) addReversals(c *Claim, reversals []origLine) {
	for _, ol := range reversals {
		rev := ol.ID
		var adj []Adjustment
		_ = json.Unmarshal(ol.Adjustments, &adj)
		for i := range adj {
			adj[i].Amount = rss.NewMoney(adj[i].Amount.Neg())
			adj[i].Units = -adj[i].Units
			adj[i].Text = ""
		}
		if adj == nil {
			adj = []Adjustment{}
		}
		line := &Line{LineNumber: len(c.Lines) + 1, ServiceCode: ol.ServiceCode, DateOfService: ol.DOS, Units: ol.Units,
			Charge: rss.NewMoney(ol.Charge), AuthorizationNumber: ol.AuthNumber, AuthorizationID: ol.AuthID, Status: "reversal",
			UnitsAllowed: -ol.UnitsAllowed, Allowed: rss.NewMoney(ol.Allowed.Neg()), Paid: rss.NewMoney(ol.Paid.Neg()), Rate: ol.Rate,
			RuleSetVersion: adjudication.ClaimRuleSetVersion, ReversesLineID: &rev, Adjustments: adj}
		in.lines = append(in.lines, lineRow{line: line, claim: c, clientID: c.ClientID, episodeID: ol.EpisodeID, billable: ol.Batched})
		c.Lines = append(c.Lines, *line)
	}
}

// The intake's statements, prepared once per pool.
const (
	// The intake's reads join unnest() of their id arrays to the indexes
	// rather than testing "= ANY($n)": the plan is then the same for one
	// claim or a thousand, and Postgres can keep one generic plan instead
	// of re-planning every request.
	factsQuery = `WITH locked AS (
		SELECT a.id, a.number, a.client_id, a.service_code, a.episode_id, a.start_date, a.end_date, a.units_authorized,
		       a.units_used, a.rate, e.dollar_cap, e.dollars_paid
		FROM unnest($3::bigint[]) AS k(id)
		JOIN authorizations a ON a.client_id = k.id AND a.provider_id = $1 AND a.voided_at IS NULL
		JOIN episodes e ON e.id = a.episode_id
		ORDER BY a.id FOR UPDATE OF a, e)
	SELECT
		(SELECT version FROM reference_version WHERE id = 1) AS ref_version,
		COALESCE((SELECT json_agg(json_build_object('number', c.claim_number, 'id', c.id, 'hash', encode(c.request_hash, 'hex')))
		          FROM unnest($2::text[]) AS n(number)
		          JOIN claims c ON c.provider_id = $1 AND c.claim_number = n.number), '[]') AS existing,
		(SELECT json_build_object('line1', p.address_line1, 'city', p.city, 'state', p.state, 'zip', p.zip)
		 FROM providers p WHERE p.id = $1) AS provider_address,
		COALESCE((SELECT json_agg(json_build_object('id', c.id, 'dob', c.date_of_birth, 'medicaid', c.medicaid_id IS NOT NULL,
		                  'area', c.catchment_area, 'address', json_build_object('line1', c.address_line1, 'city', c.city,
		                  'state', c.state, 'zip', c.zip)))
		          FROM unnest($3::bigint[]) AS k(id)
		          JOIN clients c ON c.id = k.id AND c.provider_id = $1), '[]') AS clients,
		COALESCE((SELECT json_agg(json_build_object('id', e.id, 'client', e.client_id, 'program', e.program_code,
		                  'episode', e.episode_id, 'start', e.start_date, 'planned_end', e.planned_end_date,
		                  'discharge', e.discharge_date, 'primary', e.primary_case_manager, 'staff', e.assigned_staff_id))
		          FROM unnest($3::bigint[]) AS k(id)
		          JOIN enrollments e ON e.client_id = k.id AND e.provider_id = $1), '[]') AS enrollments,
		COALESCE((SELECT json_agg(l ORDER BY l.id) FROM locked l), '[]') AS auths`

	// The duplicates read stays on "= ANY": the partial unique index on
	// counted lines then takes the client list as one index condition.
	duplicatesQuery = `SELECT client_id, service_code, date_of_service, units FROM claim_lines
		WHERE counted AND provider_id = $1 AND client_id = ANY($2)
		  AND date_of_service BETWEEN $3 AND $4`

	writeQuery = `
		WITH c AS (
			INSERT INTO claims (provider_id, client_id, program_code, claim_number, frequency, original_claim_id, rendering_staff_id,
				place_of_service, diagnoses, status, total_charge, total_paid, first_service_date, last_service_date,
				received_on, received_at, request_hash, submitted_by)
			SELECT $1, x.client, x.program, x.number, x.freq, x.orig, x.staff, x.pos,
				ARRAY(SELECT json_array_elements_text(x.diagnoses)), x.status, x.charge, x.paid, x.first, x.last,
				$2, $3, decode(x.hash, 'hex'), $4
			FROM json_to_recordset($5::json) AS x(number text, client bigint, program text, freq text, orig bigint,
				staff bigint, pos text, diagnoses json, status text, charge numeric, paid numeric, first date, last date, hash text, n bigint)
			ORDER BY x.n
			RETURNING id, claim_number, received_at),
		l AS (
			INSERT INTO claim_lines (claim_id, line_number, client_id, provider_id, service_code, date_of_service, units, charge,
				authorization_number, authorization_id, episode_id, status, units_allowed, allowed, paid, rate, adjustments, trace,
				rule_set_version, counted, billable, reverses_line_id)
			SELECT c.id, x.line, x.client, $1, x.service, x.dos, x.units, x.charge, x.auth_number, x.auth_id, x.episode_id,
				x.status, x.units_allowed, x.allowed, x.paid, x.rate, x.adjustments, x.trace, x.rule_set, x.counted, x.billable, x.reverses
			FROM json_to_recordset($6::json) AS x(number text, line int, client bigint, service text, dos date,
				units int, charge numeric, auth_number text, auth_id bigint, episode_id bigint, status text, units_allowed int,
				allowed numeric, paid numeric, rate numeric, adjustments jsonb, trace jsonb, rule_set text, counted boolean,
				billable boolean, reverses bigint, n bigint)
			JOIN c ON c.claim_number = x.number
			ORDER BY x.n
			RETURNING id, claim_id, line_number),
		a AS (
			UPDATE authorizations t SET units_used = t.units_used + x.delta
			FROM unnest($7::bigint[], $8::int[]) AS x(id, delta) WHERE t.id = x.id
			RETURNING t.id),
		e AS (
			UPDATE episodes t SET dollars_paid = t.dollars_paid + x.delta
			FROM unnest($9::bigint[], $10::numeric[]) AS x(id, delta) WHERE t.id = x.id
			RETURNING t.id),
		s AS (
			UPDATE claims t SET status = x.status, superseded_by = c.id, superseded_at = $3
			FROM unnest($12::bigint[], $13::text[], $14::text[]) AS x(original, by, status) JOIN c ON c.claim_number = x.by
			WHERE t.id = x.original
			RETURNING t.id),
		-- The audit events, in the same statement as what they record.
		ev AS (
			INSERT INTO audit_events (actor_key_id, actor_role, actor_provider_id, action, entity_type, entity_id, client_id, purpose, request_id)
			SELECT $4, $11, $1, CASE x.freq WHEN '8' THEN 'void' WHEN '7' THEN 'replace' ELSE 'create' END, 'claim', c.id::text,
				x.client, x.status, NULLIF(x.request_id, '')
			FROM json_to_recordset($5::json) AS x(number text, client bigint, freq text, status text, request_id text)
			JOIN c ON c.claim_number = x.number)
		-- Data-modifying CTEs always run to completion, read or not.
		SELECT c.id AS claim_id, c.claim_number, c.received_at, l.line_number, l.id AS line_id
		FROM c LEFT JOIN l ON l.claim_id = c.id`
)

// claimJSON and lineJSON are the rows write sends to Postgres, one JSON
// array per table, unpacked there by json_to_recordset.
type claimJSON struct {
	N         int      `json:"n"` // input order, so ids follow it
	RequestID string   `json:"request_id"`
	Number    string   `json:"number"`
	Client    int64    `json:"client"`
	Program   string   `json:"program"`
	Freq      string   `json:"freq"`
	Orig      *int64   `json:"orig"`
	Staff     *int64   `json:"staff"`
	POS       string   `json:"pos"`
	Diagnoses []string `json:"diagnoses"`
	Status    string   `json:"status"`
	Charge    string   `json:"charge"`
	Paid      string   `json:"paid"`
	First     string   `json:"first"`
	Last      string   `json:"last"`
	Hash      string   `json:"hash"`
}

type lineJSON struct {
	N            int             `json:"n"`
	Number       string          `json:"number"`
	Line         int             `json:"line"`
	Client       int64           `json:"client"`
	Service      string          `json:"service"`
	DOS          string          `json:"dos"`
	Units        int             `json:"units"`
	Charge       string          `json:"charge"`
	AuthNumber   *string         `json:"auth_number"`
	AuthID       *int64          `json:"auth_id"`
	EpisodeID    *int64          `json:"episode_id"`
	Status       string          `json:"status"`
	UnitsAllowed int             `json:"units_allowed"`
	Allowed      string          `json:"allowed"`
	Paid         string          `json:"paid"`
	Rate         *string         `json:"rate"`
	Adjustments  json.RawMessage `json:"adjustments"`
	Trace        json.RawMessage `json:"trace"`
	RuleSet      string          `json:"rule_set"`
	Counted      bool            `json:"counted"`
	Billable     bool            `json:"billable"`
	Reverses     *int64          `json:"reverses"`
}

// write stores the claims and lines and moves the ledger in one statement
// whatever the number of claims; the schema's CHECKs guard every counter.
func (in *intake) write() error {
	if len(in.claims) == 0 {
		return nil
	}
	ctx, tx := in.ctx, in.tx
	// Lines of superseded originals stop counting first, so a replacement
	// may bill the same service again without tripping the duplicate guard.
	if len(in.uncount) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE claim_lines SET counted = false, billable = billable AND NOT (id = ANY($2))
			WHERE id = ANY($1)`, pq.Array(in.uncount), pq.Array(append([]int64{}, in.unbill...))); err != nil {
			return fmt.Errorf("reverse original lines: %w", err)
		}
	}

	claims := make([]claimJSON, len(in.claims))
	for i, r := range in.claims {
		c := r.claim
		rid := r.requestID
		if rid == "" {
			rid = in.actor.RequestID
		}
		claims[i] = claimJSON{N: i, RequestID: rid, Number: c.ClaimNumber, Client: c.ClientID, Program: c.ProgramCode, Freq: c.Frequency,
			Orig: c.OriginalClaimID, Staff: c.RenderingStaffID, POS: c.PlaceOfService, Diagnoses: c.Diagnoses, Status: c.Status,
			Charge: c.TotalCharge.StringFixed(2), Paid: c.TotalPaid.StringFixed(2), First: c.FirstServiceDate.String(),
			Last: c.LastServiceDate.String(), Hash: hex.EncodeToString(r.hash)}
	}
	lines := make([]lineJSON, len(in.lines))
	for i, r := range in.lines {
		l := r.line
		adj, err := json.Marshal(l.Adjustments)
		if err != nil {
			return err
		}
		trace := []byte("[]")
		if l.Trace != nil {
			if trace, err = json.Marshal(adjudication.CompactLineTrace(l.Trace)); err != nil {
				return err
			}
		}
		if l.Adjustments == nil {
			adj = []byte("[]")
		}
		lj := lineJSON{N: i, Number: r.claim.ClaimNumber, Line: l.LineNumber, Client: r.clientID, Service: l.ServiceCode,
			DOS: l.DateOfService.String(), Units: l.Units, Charge: l.Charge.StringFixed(2), AuthNumber: l.AuthorizationNumber,
			AuthID: l.AuthorizationID, EpisodeID: r.episodeID, Status: l.Status, UnitsAllowed: l.UnitsAllowed,
			Allowed: l.Allowed.StringFixed(2), Paid: l.Paid.StringFixed(2), Adjustments: adj, Trace: trace,
			RuleSet: l.RuleSetVersion, Counted: r.counted, Billable: r.billable, Reverses: l.ReversesLineID}
		if l.Rate != nil {
			rate := l.Rate.StringFixed(2)
			lj.Rate = &rate
		}
		lines[i] = lj
	}
	// Sorted, so concurrent writers update shared rows in one order.
	var authIDs, epIDs []int64
	for id, d := range in.authDelta {
		if d != 0 {
			authIDs = append(authIDs, id)
		}
	}
	for id, e := range in.episodes {
		if !e.change.IsZero() {
			epIDs = append(epIDs, id)
		}
	}
	sort.Slice(authIDs, func(i, j int) bool { return authIDs[i] < authIDs[j] })
	sort.Slice(epIDs, func(i, j int) bool { return epIDs[i] < epIDs[j] })
	authDeltas := make([]int64, len(authIDs))
	for i, id := range authIDs {
		authDeltas[i] = int64(in.authDelta[id])
	}
	epDeltas := make([]string, len(epIDs))
	for i, id := range epIDs {
		epDeltas[i] = in.episodes[id].change.StringFixed(2)
	}
	origIDs, supersededBy, supersededStatus := []int64{}, []string{}, []string{}
	for _, x := range in.superseds {
		origIDs, supersededBy, supersededStatus = append(origIDs, x.Original), append(supersededBy, x.By), append(supersededStatus, x.Status)
	}
	params := []any{claims, lines}
	for i, p := range params {
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		params[i] = string(b)
	}

	var ids []struct {
		ClaimID    int64     `db:"claim_id"`
		Number     string    `db:"claim_number"`
		ReceivedAt time.Time `db:"received_at"`
		Line       *int      `db:"line_number"`
		LineID     *int64    `db:"line_id"`
	}
	st, err := in.s.stmts.In(ctx, tx, writeQuery)
	if err != nil {
		return err
	}
	err = st.SelectContext(ctx, &ids,
		in.actor.ProviderID, in.today, in.now, in.actor.KeyID, params[0], params[1],
		pq.Array(authIDs), pq.Array(authDeltas), pq.Array(epIDs), pq.Array(epDeltas), string(in.actor.Role),
		pq.Array(origIDs), pq.Array(supersededBy), pq.Array(supersededStatus))
	if err != nil {
		return ledgerError(fmt.Errorf("write claims: %w", err))
	}
	claimIDs := map[string]int64{}
	receivedAt := map[string]time.Time{}
	lineIDs := map[string]map[int]int64{}
	for _, r := range ids {
		claimIDs[r.Number], receivedAt[r.Number] = r.ClaimID, r.ReceivedAt
		if r.Line != nil {
			if lineIDs[r.Number] == nil {
				lineIDs[r.Number] = map[int]int64{}
			}
			lineIDs[r.Number][*r.Line] = *r.LineID
		}
	}
	// The answer is the claim as stored: the time as the database gives it
	// back (a later GET renders it the same way) and the adjustments with
	// their text, which is not stored but always shown.
	for _, r := range in.claims {
		c := r.claim
		c.ID, c.ReceivedAt = claimIDs[c.ClaimNumber], receivedAt[c.ClaimNumber]
		for j := range c.Lines {
			c.Lines[j].ID, c.Lines[j].ClaimID = lineIDs[c.ClaimNumber][c.Lines[j].LineNumber], c.ID
			describe(c.Lines[j].Adjustments)
		}
	}
	return nil
}

// ledgerError explains a ledger guard that fired: it means the code and the
// schema disagree, which must never pass silently.
func ledgerError(err error) error {
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Constraint != "" {
		return fmt.Errorf("ledger guard %s refused the write: %w", pe.Constraint, err)
	}
	return err
}
