package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/vouchers"
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
	var out []Outcome
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		in := &intake{s: s, ctx: ctx, tx: tx, actor: a, today: s.today(), now: s.now()}
		var err error
		out, err = in.run(claims)
		return err
	})
	return out, err
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

	programs map[string]adjudication.Program
	routes   map[string]string
	services map[string]adjudication.Service
	provider adjudication.Provider
	settings adjudication.Settings

	clients     map[int64]adjudication.Client
	enrollments map[int64][]adjudication.Enrollment // by client, this provider
	staff       map[int64]*adjudication.Staff
	auths       map[int64][]adjudication.Authorization // by client, this provider, locked
	authDelta   map[int64]int
	episodes    map[int64]*episodeState
	dups        map[dupKey]bool
	existing    map[string]*existingClaim // by claim number, already on file
	originals   map[int64]*origClaim

	claims    []claimRow
	lines     []lineRow
	unbill    []int64 // original lines that become unbillable (voided before batching)
	uncount   []int64 // original lines whose units and dollars come back
	superseds []superseded
	events    []access.Event
}

type claimRow struct {
	claim *Claim
	hash  []byte
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
	original, by int64
	status       string
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
	for i := range claims {
		if out[i].Err != nil {
			continue
		}
		n := &claims[i]
		if j, dup := seen[n.ClaimNumber]; dup {
			if out[j].Claim != nil && string(claims[j].hash()) == string(n.hash()) {
				out[i] = Outcome{Claim: out[j].Claim}
			} else {
				out[i].Err = rss.Coded(rss.ErrConflict, "claim_number_reused", "claim_number %s is used by another claim in this request", n.ClaimNumber)
			}
			continue
		}
		seen[n.ClaimNumber] = i
		if prev, ok := in.existing[n.ClaimNumber]; ok {
			if string(prev.requestHash) == string(n.hash()) {
				out[i] = Outcome{Claim: &prev.Claim}
			} else {
				out[i].Err = rss.Coded(rss.ErrConflict, "claim_number_reused",
					"claim_number %s was already used for a different claim (id %d); use a new number, or frequency 7 to replace it", n.ClaimNumber, prev.ID)
			}
			continue
		}
		c, err := in.claim(n)
		out[i] = Outcome{Claim: c, Created: err == nil, Err: err}
	}
	if err := in.write(); err != nil {
		return nil, err
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
	Claim
	requestHash []byte
}

// load reads every fact the submission needs and takes its locks in one
// global order: duplicate-key advisory locks (sorted), then authorizations
// (by id), then episodes (by id), then originals (by id). Every writer of
// these rows follows the same order, so intakes never deadlock.
func (in *intake) load(claims []NewClaim, out []Outcome) error {
	ctx, tx := in.ctx, in.tx
	in.existing = map[string]*existingClaim{}
	in.originals = map[int64]*origClaim{}

	programs, err := vouchers.LoadPrograms(ctx, tx)
	if err != nil {
		return err
	}
	in.programs, in.routes = map[string]adjudication.Program{}, map[string]string{}
	for i := range programs {
		in.programs[programs[i].Code] = vouchers.RuleProgram(&programs[i])
		in.routes[programs[i].Code] = programs[i].PayerRoute
	}
	services, err := vouchers.LoadServices(ctx, tx)
	if err != nil {
		return err
	}
	in.services = map[string]adjudication.Service{}
	for i := range services {
		in.services[services[i].Code] = vouchers.RuleService(&services[i])
	}
	provs, err := vouchers.LoadProviders(ctx, tx, []int64{in.actor.ProviderID})
	if err != nil {
		return err
	}
	if len(provs) != 1 {
		return fmt.Errorf("%w: provider %d", rss.ErrNotFound, in.actor.ProviderID)
	}
	in.provider = vouchers.RuleProvider(&provs[0])
	if in.settings, err = vouchers.LoadSettings(ctx, tx); err != nil {
		return err
	}

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
	if len(numbers) == 0 {
		return nil
	}

	var existing []existingRow
	if err := tx.SelectContext(ctx, &existing, `SELECT `+claimColumns+`, c.request_hash FROM claims c
		WHERE c.provider_id = $1 AND c.claim_number = ANY($2)`, in.actor.ProviderID, pq.Array(numbers)); err != nil {
		return fmt.Errorf("existing claims: %w", err)
	}
	for i := range existing {
		in.existing[existing[i].ClaimNumber] = &existingClaim{Claim: existing[i].Claim, requestHash: existing[i].Hash}
	}

	// Originals of voids and replacements, locked, with their lines.
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
		var lines []origLine
		if err := tx.SelectContext(ctx, &lines, `SELECT l.id, l.claim_id, l.line_number, l.service_code, l.date_of_service, l.units,
				l.charge, l.authorization_number, l.authorization_id, l.episode_id, l.units_allowed, l.allowed, l.paid, l.rate, l.counted,
				EXISTS (SELECT 1 FROM batch_lines b WHERE b.line_id = l.id) AS batched
			FROM claim_lines l WHERE l.claim_id = ANY($1) ORDER BY l.claim_id, l.line_number`, pq.Array(ids)); err != nil {
			return fmt.Errorf("original lines: %w", err)
		}
		for _, l := range lines {
			if o := in.originals[l.ClaimID]; o != nil {
				o.lines = append(o.lines, l)
			}
		}
	}

	// Clients this agency serves, with their enrollments.
	clientIDs := keys(clientSet)
	var visible []int64
	if err := tx.SelectContext(ctx, &visible, `SELECT client_id FROM client_providers WHERE provider_id = $1 AND client_id = ANY($2)`,
		in.actor.ProviderID, pq.Array(clientIDs)); err != nil {
		return fmt.Errorf("clients: %w", err)
	}
	in.clients = map[int64]adjudication.Client{}
	var crow []struct {
		ID       int64    `db:"id"`
		DOB      rss.Date `db:"date_of_birth"`
		Medicaid *string  `db:"medicaid_id"`
		Area     string   `db:"catchment_area"`
	}
	if err := tx.SelectContext(ctx, &crow, `SELECT id, date_of_birth, medicaid_id, catchment_area FROM clients WHERE id = ANY($1)`,
		pq.Array(visible)); err != nil {
		return fmt.Errorf("clients: %w", err)
	}
	for _, c := range crow {
		in.clients[c.ID] = adjudication.Client{ID: c.ID, DateOfBirth: c.DOB.Time, HasMedicaidID: c.Medicaid != nil, CatchmentArea: c.Area}
	}
	var enrs []vouchers.Enrollment
	if err := tx.SelectContext(ctx, &enrs, `SELECT e.id, e.client_id, e.program_code, e.provider_id, e.episode_id, e.assigned_staff_id,
			e.primary_case_manager, e.start_date, e.planned_end_date, e.discharge_date, e.discharge_reason, e.referral_source, e.created_at
		FROM enrollments e WHERE e.provider_id = $1 AND e.client_id = ANY($2)`, in.actor.ProviderID, pq.Array(visible)); err != nil {
		return fmt.Errorf("enrollments: %w", err)
	}
	in.enrollments = map[int64][]adjudication.Enrollment{}
	for i := range enrs {
		in.enrollments[enrs[i].ClientID] = append(in.enrollments[enrs[i].ClientID], *vouchers.RuleEnrollment(&enrs[i]))
	}

	// Rendering staff of this agency, with supervisors.
	var staffIDs []int64
	if err := tx.SelectContext(ctx, &staffIDs, `SELECT id FROM staff WHERE provider_id = $1 AND id = ANY($2)
		UNION SELECT supervisor_id FROM staff WHERE provider_id = $1 AND id = ANY($2) AND supervisor_id IS NOT NULL`,
		in.actor.ProviderID, pq.Array(keys(staffSet))); err != nil {
		return fmt.Errorf("staff: %w", err)
	}
	staff, err := vouchers.LoadStaff(ctx, tx, staffIDs)
	if err != nil {
		return err
	}
	in.staff = map[int64]*adjudication.Staff{}
	for id, st := range staff {
		if st.ProviderID == in.actor.ProviderID && staffSet[id] {
			in.staff[id] = vouchers.RuleStaff(st, staff)
		}
	}

	// Locks: duplicate keys, authorizations, episodes.
	lockKeys := map[int64]bool{}
	for i := range claims {
		if out[i].Err != nil {
			continue
		}
		for _, l := range claims[i].Lines {
			lockKeys[dupLock(claims[i].ClientID, l.ServiceCode, l.DateOfService.Time)] = true
		}
	}
	if len(lockKeys) > 0 {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k ORDER BY k`,
			pq.Array(sortedKeys(lockKeys))); err != nil {
			return fmt.Errorf("duplicate locks: %w", err)
		}
	}
	var auths []vouchers.Authorization
	if err := tx.SelectContext(ctx, &auths, `SELECT `+vouchers.AuthorizationColumns+` FROM authorizations a
		WHERE a.provider_id = $1 AND a.client_id = ANY($2) AND a.voided_at IS NULL ORDER BY a.id FOR UPDATE`,
		in.actor.ProviderID, pq.Array(visible)); err != nil {
		return fmt.Errorf("lock authorizations: %w", err)
	}
	in.auths, in.authDelta = map[int64][]adjudication.Authorization{}, map[int64]int{}
	episodeSet := map[int64]bool{}
	for i := range auths {
		in.auths[auths[i].ClientID] = append(in.auths[auths[i].ClientID], auths[i].Rule())
		episodeSet[auths[i].EpisodeID] = true
	}
	in.episodes = map[int64]*episodeState{}
	if len(episodeSet) > 0 {
		var eps []struct {
			ID   int64            `db:"id"`
			Cap  *decimal.Decimal `db:"dollar_cap"`
			Paid decimal.Decimal  `db:"dollars_paid"`
		}
		if err := tx.SelectContext(ctx, &eps, `SELECT id, dollar_cap, dollars_paid FROM episodes WHERE id = ANY($1) ORDER BY id FOR UPDATE`,
			pq.Array(keys(episodeSet))); err != nil {
			return fmt.Errorf("lock episodes: %w", err)
		}
		for _, e := range eps {
			in.episodes[e.ID] = &episodeState{cap: e.Cap, paid: e.Paid}
		}
	}

	// Counted lines that a new line would duplicate.
	in.dups = map[dupKey]bool{}
	var dups []struct {
		Client  int64    `db:"client_id"`
		Service string   `db:"service_code"`
		DOS     rss.Date `db:"date_of_service"`
		Units   int      `db:"units"`
	}
	if err := tx.SelectContext(ctx, &dups, `SELECT client_id, service_code, date_of_service, units FROM claim_lines
		WHERE counted AND provider_id = $1 AND client_id = ANY($2)
		  AND date_of_service BETWEEN $3 AND $4`, in.actor.ProviderID, pq.Array(visible), in.minDOS(claims, out), in.today); err != nil {
		return fmt.Errorf("duplicates: %w", err)
	}
	for _, d := range dups {
		in.dups[dupKey{d.Client, d.Service, d.DOS.Time, d.Units}] = true
	}
	return nil
}

type existingRow struct {
	Claim
	Hash []byte `db:"request_hash"`
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

// dupLock is the advisory lock key for a line's duplicate check.
func dupLock(client int64, service string, dos time.Time) int64 {
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(client, 10) + "|" + service + "|" + dos.Format("2006-01-02")))
	return int64(h.Sum64())
}

func keys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func sortedKeys(m map[int64]bool) []int64 { return keys(m) }

// claim adjudicates one validated claim against the in-memory ledger.
func (in *intake) claim(n *NewClaim) (*Claim, error) {
	client, ok := in.clients[n.ClientID]
	if !ok {
		return nil, rss.Invalid("client_id", "unknown_id", "no client %d served by this agency", n.ClientID)
	}
	c := &Claim{ProviderID: in.actor.ProviderID, ClientID: n.ClientID, ClaimNumber: n.ClaimNumber, Frequency: n.Frequency,
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
		if n.RenderingStaffID > 0 && in.staff[n.RenderingStaffID] == nil {
			return nil, rss.Invalid("rendering_staff_id", "unknown_id", "no staff %d at this agency", n.RenderingStaffID)
		}
		for i, l := range n.Lines {
			svc, ok := in.services[l.ServiceCode]
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
		in.superseds = append(in.superseds, superseded{original: orig.ID, status: status})
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

	prog := in.programs[program]
	staff := in.staff[n.RenderingStaffID]
	var enrollments []adjudication.Enrollment
	for _, e := range in.enrollments[n.ClientID] {
		if e.ProgramCode == program {
			enrollments = append(enrollments, e)
		}
	}
	paidAll, deniedAll := true, true
	total, paid := decimal.Zero, decimal.Zero
	for i, nl := range n.Lines {
		svc := in.services[nl.ServiceCode]
		dos := nl.DateOfService.Time
		f := adjudication.LineFacts{
			ReceivedOn: in.today.Time, ProviderID: in.actor.ProviderID,
			Line: adjudication.ClaimLine{ServiceCode: nl.ServiceCode, DateOfService: dos, Units: nl.Units,
				Charge: nl.Charge.Decimal, AuthorizationNumber: nl.AuthorizationNumber},
			Program: prog, Service: svc, Provider: in.provider, Client: client, Enrollments: enrollments,
			Staff: staff, Diagnoses: len(n.Diagnoses), Settings: in.settings,
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
// after the claim's own lines. A reversal of a batched line is billable:
// the money goes back in the next batch.
func (in *intake) addReversals(c *Claim, reversals []origLine) {
	for _, ol := range reversals {
		rev := ol.ID
		line := &Line{LineNumber: len(c.Lines) + 1, ServiceCode: ol.ServiceCode, DateOfService: ol.DOS, Units: ol.Units,
			Charge: rss.NewMoney(ol.Charge), AuthorizationNumber: ol.AuthNumber, AuthorizationID: ol.AuthID, Status: "reversal",
			UnitsAllowed: -ol.UnitsAllowed, Allowed: rss.NewMoney(ol.Allowed.Neg()), Paid: rss.NewMoney(ol.Paid.Neg()), Rate: ol.Rate,
			RuleSetVersion: adjudication.ClaimRuleSetVersion, ReversesLineID: &rev,
			Adjustments: []Adjustment{{Group: "CO", Code: adjudication.CodeClaimVoided, CARC: "A1", Amount: rss.NewMoney(ol.Paid.Neg()), Units: -ol.UnitsAllowed}}}
		in.lines = append(in.lines, lineRow{line: line, claim: c, clientID: c.ClientID, episodeID: ol.EpisodeID, billable: ol.Batched})
		c.Lines = append(c.Lines, *line)
	}
}

// write stores the claims and lines and moves the ledger, in a handful of
// statements whatever the number of claims.
func (in *intake) write() error {
	if len(in.claims) == 0 {
		return nil
	}
	ctx, tx := in.ctx, in.tx
	var claimIDs []int64
	if err := tx.SelectContext(ctx, &claimIDs, `SELECT nextval(pg_get_serial_sequence('claims', 'id')) FROM generate_series(1, $1)`, len(in.claims)); err != nil {
		return fmt.Errorf("claim ids: %w", err)
	}
	for i, r := range in.claims {
		r.claim.ID = claimIDs[i]
	}
	var lineIDs []int64
	if len(in.lines) > 0 {
		if err := tx.SelectContext(ctx, &lineIDs, `SELECT nextval(pg_get_serial_sequence('claim_lines', 'id')) FROM generate_series(1, $1)`, len(in.lines)); err != nil {
			return fmt.Errorf("line ids: %w", err)
		}
	}
	for i, r := range in.lines {
		r.line.ID, r.line.ClaimID = lineIDs[i], r.claim.ID
	}
	// Claims carry copies of their lines for the response: rebuild them with ids.
	for _, r := range in.claims {
		r.claim.Lines = r.claim.Lines[:0]
	}
	for _, lr := range in.lines {
		lr.claim.Lines = append(lr.claim.Lines, *lr.line)
	}

	n := len(in.claims)
	cols := struct {
		id, client, staff, orig                                       []int64
		program, number, freq, pos, status, charge, paid, first, last []string
		diag                                                          []string
		hash                                                          [][]byte
	}{}
	for _, r := range in.claims {
		c := r.claim
		cols.id = append(cols.id, c.ID)
		cols.client = append(cols.client, c.ClientID)
		staff := int64(0)
		if c.RenderingStaffID != nil {
			staff = *c.RenderingStaffID
		}
		cols.staff = append(cols.staff, staff)
		orig := int64(0)
		if c.OriginalClaimID != nil {
			orig = *c.OriginalClaimID
		}
		cols.orig = append(cols.orig, orig)
		cols.program = append(cols.program, c.ProgramCode)
		cols.number = append(cols.number, c.ClaimNumber)
		cols.freq = append(cols.freq, c.Frequency)
		cols.pos = append(cols.pos, c.PlaceOfService)
		cols.status = append(cols.status, c.Status)
		cols.charge = append(cols.charge, c.TotalCharge.StringFixed(2))
		cols.paid = append(cols.paid, c.TotalPaid.StringFixed(2))
		cols.first = append(cols.first, c.FirstServiceDate.String())
		cols.last = append(cols.last, c.LastServiceDate.String())
		d, _ := json.Marshal([]string(c.Diagnoses))
		cols.diag = append(cols.diag, string(d))
		cols.hash = append(cols.hash, r.hash)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO claims (id, provider_id, client_id, program_code, claim_number, frequency,
			original_claim_id, rendering_staff_id, place_of_service, diagnoses, status, total_charge, total_paid,
			first_service_date, last_service_date, received_on, received_at, request_hash, submitted_by)
		SELECT u.id, $1, u.client, u.program, u.number, u.freq, NULLIF(u.orig, 0), NULLIF(u.staff, 0), u.pos,
			ARRAY(SELECT jsonb_array_elements_text(u.diag::jsonb)), u.status, u.charge::numeric, u.paid::numeric,
			u.first::date, u.last::date, $2, $3, u.hash, $4
		FROM unnest($5::bigint[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::text[],
			$13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::bytea[])
			AS u(id, client, program, number, freq, orig, staff, pos, diag, status, charge, paid, first, last, hash)`,
		in.actor.ProviderID, in.today, in.now, in.actor.KeyID,
		pq.Array(cols.id), pq.Array(cols.client), pq.Array(cols.program), pq.Array(cols.number), pq.Array(cols.freq),
		pq.Array(cols.orig), pq.Array(cols.staff), pq.Array(cols.pos), pq.Array(cols.diag), pq.Array(cols.status),
		pq.Array(cols.charge), pq.Array(cols.paid), pq.Array(cols.first), pq.Array(cols.last), pq.ByteaArray(cols.hash))
	if err != nil {
		return fmt.Errorf("insert claims: %w", err)
	}
	if err := in.copyLines(); err != nil {
		return err
	}

	// Originals superseded, their lines uncounted (and unbilled when not yet batched).
	if len(in.superseds) > 0 {
		var orig, by []int64
		var status []string
		for _, s := range in.superseds {
			orig = append(orig, s.original)
			status = append(status, s.status)
		}
		for _, r := range in.claims {
			if r.claim.OriginalClaimID != nil {
				by = append(by, r.claim.ID)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE claims c SET status = u.status, superseded_by = u.by, superseded_at = $1
			FROM unnest($2::bigint[], $3::bigint[], $4::text[]) AS u(id, by, status) WHERE c.id = u.id`,
			in.now, pq.Array(orig), pq.Array(by), pq.Array(status)); err != nil {
			return fmt.Errorf("supersede originals: %w", err)
		}
	}
	if len(in.uncount) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE claim_lines SET counted = false, billable = billable AND NOT (id = ANY($2))
			WHERE id = ANY($1)`, pq.Array(in.uncount), pq.Array(in.unbill)); err != nil {
			return fmt.Errorf("reverse original lines: %w", err)
		}
	}

	// The ledger: units and dollars, each guarded by a CHECK in the schema.
	var authIDs, deltas []int64
	for id, d := range in.authDelta {
		if d != 0 {
			authIDs, deltas = append(authIDs, id), append(deltas, int64(d))
		}
	}
	if len(authIDs) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE authorizations a SET units_used = a.units_used + u.delta
			FROM unnest($1::bigint[], $2::bigint[]) AS u(id, delta) WHERE a.id = u.id`, pq.Array(authIDs), pq.Array(deltas)); err != nil {
			return fmt.Errorf("consume units: %w", err)
		}
	}
	var epIDs []int64
	var epDeltas []string
	for id, e := range in.episodes {
		if !e.change.IsZero() {
			epIDs, epDeltas = append(epIDs, id), append(epDeltas, e.change.StringFixed(2))
		}
	}
	if len(epIDs) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE episodes e SET dollars_paid = e.dollars_paid + u.delta::numeric
			FROM unnest($1::bigint[], $2::text[]) AS u(id, delta) WHERE e.id = u.id`, pq.Array(epIDs), pq.Array(epDeltas)); err != nil {
			return fmt.Errorf("consume dollars: %w", err)
		}
	}

	events := make([]access.Event, 0, n+len(in.superseds))
	for _, r := range in.claims {
		action := "create"
		switch r.claim.Frequency {
		case FreqVoid:
			action = "void"
		case FreqReplacement:
			action = "replace"
		}
		events = append(events, access.Event{Action: action, EntityType: "claim", EntityID: access.ID(r.claim.ID),
			ClientID: r.claim.ClientID, Purpose: r.claim.Status})
	}
	return access.Record(ctx, tx, events...)
}

// copyLines writes the lines with COPY, the fastest way into Postgres.
func (in *intake) copyLines() error {
	if len(in.lines) == 0 {
		return nil
	}
	stmt, err := in.tx.PrepareContext(in.ctx, pq.CopyIn("claim_lines", "id", "claim_id", "line_number", "client_id", "provider_id",
		"service_code", "date_of_service", "units", "charge", "authorization_number", "authorization_id", "episode_id", "status",
		"units_allowed", "allowed", "paid", "rate", "adjustments", "trace", "rule_set_version", "counted", "billable", "reverses_line_id"))
	if err != nil {
		return fmt.Errorf("copy lines: %w", err)
	}
	defer stmt.Close()
	for _, r := range in.lines {
		l := r.line
		adj, err := json.Marshal(l.Adjustments)
		if err != nil {
			return err
		}
		trace, err := json.Marshal(l.Trace)
		if err != nil {
			return err
		}
		var authNum, authID, epID, rate, rev any
		if l.AuthorizationNumber != nil {
			authNum = *l.AuthorizationNumber
		}
		if l.AuthorizationID != nil {
			authID = *l.AuthorizationID
		}
		if r.episodeID != nil {
			epID = *r.episodeID
		}
		if l.Rate != nil {
			rate = l.Rate.StringFixed(2)
		}
		if l.ReversesLineID != nil {
			rev = *l.ReversesLineID
		}
		if _, err := stmt.ExecContext(in.ctx, l.ID, l.ClaimID, l.LineNumber, r.clientID, in.actor.ProviderID, l.ServiceCode,
			l.DateOfService.String(), l.Units, l.Charge.StringFixed(2), authNum, authID, epID, l.Status, l.UnitsAllowed,
			l.Allowed.StringFixed(2), l.Paid.StringFixed(2), rate, string(adj), string(trace), l.RuleSetVersion,
			r.counted, r.billable, rev); err != nil {
			return fmt.Errorf("copy line: %w", err)
		}
	}
	if _, err := stmt.ExecContext(in.ctx); err != nil {
		return ledgerError(fmt.Errorf("copy lines: %w", err))
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
