package billing

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"rss"
	"rss/adjudication"
	"rss/ledger"
)

// decided is a submission decided against the ledger: each claim's
// outcome and the rows that store it.
type decided struct {
	out    []Outcome
	onFile []int // outcomes answered by the claim already on file
	today  rss.Date
	now    time.Time

	claims     []claimRow
	lines      []lineRow
	uncount    []int64 // original lines whose units and dollars come back
	unbill     []int64 // original lines that become unbillable (released before batching)
	superseded []superseded
	// freed are the episodes whose holdings a released line lowered
	// (ledger.Book.ReleaseFrees), by agency and service: a raise of
	// their cap or unit maximum falls back to what they hold.
	freed   []freed
	changes ledger.Changes
	// unknown are the episodes whose holdings a line needed and the facts
	// lacked (ledger.Book.Unknown): none, since the facts read every
	// locked episode's; a submission with any is refused as an error.
	unknown []int64
	// created holds the lines of each claim created so far, by number,
	// for partsFree: a later claim of the submission may not take one of
	// their parts' numbers, nor they one of its.
	created map[string]int
}

type claimRow struct {
	claim     *Claim
	hash      []byte
	requestID string
}

type lineRow struct {
	line      *Line
	claim     *Claim
	episodeID *int64
	counted   bool
	billable  bool
}

type freed struct {
	episode, provider, client int64
	service                   string
}

type superseded struct {
	original int64
	by       string // the superseding claim's number
	status   string
}

// decide adjudicates every valid claim of the submission in order against
// the snapshot (a claim's own lines in date-of-service order), each line
// seeing the units and dollars the earlier ones consumed or released. It
// reads nothing and writes nothing. The claims keep the submission's
// order: a bulk answers as its claims sent one by one in that order would,
// which group commit (SubmitEach) relies on, the single requests it groups
// being judged in the order they arrived.
func decide(f *facts, in *submission) *decided {
	served := make(map[int64]bool, len(f.clients))
	for id := range f.clients {
		served[id] = true
	}
	book := ledger.NewBook(in.actor.ProviderID, in.today, f.held, served, f.counted).WithDays(f.days).WithDayMinutes(f.minutes, f.ref.minutesPerUnit)
	if f.holdings != nil {
		book.WithHoldings(f.holdings)
	}
	d := &decided{out: make([]Outcome, len(in.claims)), today: in.today, now: in.now, created: map[string]int{}}
	hashes := make([][]byte, len(in.claims))
	seen := map[string]int{}
	for i := range in.claims {
		if in.errs[i] != nil {
			d.out[i].Err = in.errs[i]
			continue
		}
		n := &in.claims[i]
		hashes[i] = n.hash()
		_, onFile := f.existing[n.ClaimNumber]
		if j, dup := seen[n.ClaimNumber]; dup {
			// The same claim twice in one submission gets the first one's
			// answer, whatever it is; the claim pointer is shared, so a claim
			// on file read back afterwards answers both.
			if string(hashes[j]) == string(hashes[i]) {
				d.out[i] = Outcome{Claim: d.out[j].Claim, Err: d.out[j].Err}
				continue
			}
			// Another claim under the number: one on file judges it as it
			// judged the first (an exact copy of it is 200 wherever it
			// stands: after a different copy it read "sent at the same
			// time", a claims black-box pass); otherwise the first is
			// being made now. Said of a bulk's claim and of a single
			// request group commit judged with another of the agency's
			// (it read "in this request" to a single POST: an integration
			// pass).
			// The same void in another form (what it repeats of its
			// original left out on one and sent on the other, lines [] or
			// none) is the first's answer when it was taken, held to its
			// original as any void is, and judged on its own when the
			// first was refused: it read 409 "sent at the same time" (a
			// re-check).
			if first := &in.claims[j]; !onFile && sameVoidOf(first, n) {
				if orig := f.originals[*n.OriginalClaimID]; orig != nil {
					if err := sameAsOriginal(n, orig); err != nil {
						d.out[i].Err = err
						continue
					}
				}
				if d.out[j].Err == nil {
					d.out[i] = Outcome{Claim: d.out[j].Claim}
					continue
				}
				seen[n.ClaimNumber] = i
			} else if !onFile {
				d.out[i].Err = rss.Coded(rss.ErrConflict, "claim_number_reused",
					"claim_number %s is taken by another claim sent at the same time (in this bulk, or another request of the agency's judged with it); use a new number, or, to correct that claim, frequency 7 with its id (GET /v1/claims?claim_number= finds it)", n.ClaimNumber)
				continue
			}
		} else {
			seen[n.ClaimNumber] = i
		}
		if prev, ok := f.existing[n.ClaimNumber]; ok {
			// A void sent again is the void on file only with what it
			// repeats of its original as the original has it: another
			// staff member on the retry was answered 200, the same body
			// sent first 422 (a re-check).
			if prev.sameVoid(n) {
				if orig := f.originals[*n.OriginalClaimID]; orig != nil {
					if err := sameAsOriginal(n, orig); err != nil {
						d.out[i].Err = err
						continue
					}
				}
			}
			switch {
			case prev.Hash == hex.EncodeToString(hashes[i]) || (len(n.Diagnoses) == 0 && prev.Hash == hex.EncodeToString(n.emptyDiagnosesHash())),
				prev.sameVoid(n):
				d.out[i] = Outcome{Claim: &Claim{ID: prev.ID}}
				d.onFile = append(d.onFile, i)
			case n.Frequency != FreqOriginal && prev.ID == *n.OriginalClaimID:
				// A void or replacement reusing its original's number: the
				// advice to replace it is what it is doing already.
				d.out[i].Err = rss.OnFile("claim", prev.ID, "claim_number_reused",
					"claim_number %s is claim %d's, the claim it names; a void or replacement takes a number of its own", n.ClaimNumber, prev.ID)
			case n.Frequency != FreqOriginal:
				// Another claim's number: it was told it reused its
				// original's, naming a claim that was not (a black-box
				// pass sent a void again under its own number).
				d.out[i].Err = rss.OnFile("claim", prev.ID, "claim_number_reused",
					"claim_number %s was already used for a different claim (id %d); a void or replacement takes a number of its own", n.ClaimNumber, prev.ID)
			default:
				d.out[i].Err = rss.OnFile("claim", prev.ID, "claim_number_reused",
					"claim_number %s was already used for a different claim (id %d); use a new number, or frequency 7 to replace it", n.ClaimNumber, prev.ID)
			}
			continue
		}
		c, err := d.claim(f, book, in, n)
		d.out[i] = Outcome{Claim: c, Created: err == nil, Err: err}
		if err == nil {
			row := claimRow{claim: c, hash: hashes[i], requestID: in.actor.RequestID}
			if in.requestIDs != nil {
				row.requestID = in.requestIDs[i]
			}
			d.claims = append(d.claims, row)
			d.created[c.ClaimNumber] = len(c.Lines)
		}
	}
	d.changes, d.unknown = book.Changes(), book.Unknown()
	return d
}

// staffOf returns a rendering staff member of this agency, or nil.
func (f *facts) staffOf(id, provider int64) *adjudication.Staff {
	if st := f.ref.staff[id]; st != nil && st.ProviderID == provider {
		return st
	}
	return nil
}

// claim adjudicates one validated claim against the book.
func (d *decided) claim(f *facts, book *ledger.Book, in *submission, n *NewClaim) (*Claim, error) {
	provider := in.actor.ProviderID
	client, ok := f.clients[n.ClientID]
	if !ok {
		return nil, rss.Invalid("client_id", "unknown_id", "no client %d served by this agency", n.ClientID)
	}
	c := &Claim{ProviderID: provider, ClientID: n.ClientID, ClaimNumber: n.ClaimNumber, Frequency: n.Frequency,
		OriginalClaimID: n.OriginalClaimID, PlaceOfService: n.PlaceOfService, Diagnoses: n.Diagnoses,
		ReceivedOn: in.today, ReceivedAt: in.now}
	if c.Diagnoses == nil {
		c.Diagnoses = []string{}
	}

	var orig *original
	if n.OriginalClaimID != nil {
		orig = f.originals[*n.OriginalClaimID]
		if orig == nil {
			return nil, rss.Invalid("original_claim_id", "unknown_id", "no claim %d of this agency", *n.OriginalClaimID)
		}
		if orig.ClientID != n.ClientID {
			return nil, rss.Invalid("original_claim_id", "client_mismatch", "claim %d is for another client", orig.ID)
		}
		switch {
		case orig.Frequency == FreqVoid && !n.resend:
			return nil, rss.Coded(rss.ErrConflict, "original_is_void", "claim %d is a void and cannot be voided or replaced", orig.ID)
		case n.resend && orig.Frequency != FreqVoid:
			return nil, rss.Coded(rss.ErrConflict, "not_a_void", "claim %d is not a void (frequency %s): only a void is sent again",
				orig.ID, orig.Frequency)
		}
		if orig.SupersededBy != nil {
			// Named in existing, as every 409 that meets the agency's own
			// record on file is (the detail alone named it: an intake pass).
			return nil, rss.OnFile("claim", *orig.SupersededBy, "already_superseded", "claim %d was already %s by claim %d",
				orig.ID, orig.Status, *orig.SupersededBy)
		}
		// Superseded earlier in this submission: the snapshot does not know
		// it, and releasing the original's lines a second time reached the
		// schema's guard as a 500 for the whole bulk (a black-box pass).
		for _, s := range d.superseded {
			if s.original == orig.ID {
				// A single POST judged with another of the agency's (group
				// commit) was told "earlier in this request", which never
				// held that claim (a payer black-box pass).
				where := "earlier in this request"
				if in.requestIDs != nil {
					where = "sent at the same time (another request of the agency's, judged with this one)"
				}
				return nil, rss.Coded(rss.ErrConflict, "already_superseded", "claim %d is %s by claim %s %s",
					orig.ID, s.status, s.by, where)
			}
		}
		if n.resend {
			if err := orig.resendable(); err != nil {
				return nil, err
			}
		}
	}

	program := ""
	if n.Frequency != FreqVoid {
		if n.RenderingStaffID > 0 && f.staffOf(n.RenderingStaffID, provider) == nil {
			return nil, rss.Invalid("rendering_staff_id", "unknown_id", "no staff %d at this agency", n.RenderingStaffID)
		}
		for i, l := range n.Lines {
			svc, ok := f.ref.services[l.ServiceCode]
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
		// claim carries them): sent, they are the original's.
		if err := sameAsOriginal(n, orig); err != nil {
			return nil, err
		}
		program = orig.ProgramCode
		c.PlaceOfService, c.Diagnoses, c.RenderingStaffID = orig.PlaceOfService, orig.Diagnoses, orig.RenderingStaffID
	}
	c.ProgramCode = program

	lines := len(n.Lines)
	if orig != nil {
		lines += orig.reversals()
	}
	if err := d.partsFree(f, n.ClaimNumber, lines); err != nil {
		return nil, err
	}

	// Release the original first, so a replacement can use what it frees.
	// A void or replacement of a replacement also takes again the
	// replacement's void loops the payer turned away (voidsAgain): the
	// original's parts they voided are still on the payer's books.
	var reversals, voidsAgain []originalLine
	if orig != nil {
		status := "voided"
		if n.Frequency == FreqReplacement || n.resend {
			status = "replaced"
		}
		if n.resend {
			reversals = orig.rejectedLines()
		} else {
			reversals = d.release(book, c, orig)
			voidsAgain = orig.voidLoopsTurnedAway()
		}
		d.superseded = append(d.superseded, superseded{original: orig.ID, by: c.ClaimNumber, status: status})
	}
	// Every line the claim will have, so the rows to write can point into it.
	c.Lines = make([]Line, len(n.Lines), len(n.Lines)+len(reversals)+len(voidsAgain))

	if n.Frequency == FreqVoid {
		c.Lines = c.Lines[:0]
		if n.resend {
			d.addResent(c, reversals)
		} else {
			d.addReversals(c, reversals)
			d.addResent(c, voidsAgain)
		}
		c.Status = "void"
		total, paid := decimal.Zero, decimal.Zero
		for _, l := range c.Lines {
			total, paid = total.Add(l.Charge.Decimal), paid.Add(l.Paid.Decimal)
		}
		c.TotalCharge, c.TotalPaid = rss.NewMoney(total), rss.NewMoney(paid)
		// Its dates are its own lines' (the original's denied lines are not
		// reversed: the original's span put a void in a list filtered by
		// a day it takes back nothing of, a black-box pass); one that
		// reverses nothing keeps the original's.
		c.FirstServiceDate, c.LastServiceDate = orig.FirstServiceDate, orig.LastServiceDate
		for i, l := range c.Lines {
			if i == 0 || l.DateOfService.Before(c.FirstServiceDate) {
				c.FirstServiceDate = l.DateOfService
			}
			if i == 0 || l.DateOfService.After(c.LastServiceDate) {
				c.LastServiceDate = l.DateOfService
			}
		}
		return c, nil
	}

	prog := f.ref.programs[program]
	staff := f.staffOf(n.RenderingStaffID, provider)
	// A program billed through the 837P has its lines checked for what the
	// file must carry, so a claim it could not carry is denied now.
	var payerFile *adjudication.PayerFile
	if f.ref.routes[program] == RouteMedicaid837P {
		payerFile = &adjudication.PayerFile{SubscriberAddress: client.address, BillingProviderAddress: f.address}
	}
	var enrollments []adjudication.Enrollment
	for _, e := range f.enrollments[n.ClientID] {
		if e.ProgramCode == program {
			enrollments = append(enrollments, e)
		}
	}
	// A claim billed to Medicaid bills one Medicaid id: the one in force on
	// its earliest covered date of service (what its 837P carries).
	var claimMedicaidID string
	if prog.RequiresMedicaidID {
		dates := make([]time.Time, len(n.Lines))
		for i, nl := range n.Lines {
			dates[i] = nl.DateOfService.Time
		}
		claimMedicaidID = adjudication.ClaimMedicaidID(client.rule.Eligibility, dates)
	}
	statuses := make([]string, 0, len(n.Lines))
	rows := make([]lineRow, len(n.Lines))
	total, paid := decimal.Zero, decimal.Zero
	// One LineFacts for the claim, filled afresh for each line: the rules
	// keep nothing of it, and one of these (776 bytes) on the heap per line
	// was a fifth of deciding a bulk.
	lf := new(adjudication.LineFacts)
	for _, i := range serviceOrder(n.Lines) {
		nl := &n.Lines[i]
		*lf = adjudication.LineFacts{
			ReceivedOn: in.today.Time, ProviderID: provider,
			Line: adjudication.ClaimLine{ServiceCode: nl.ServiceCode, DateOfService: nl.DateOfService.Time, Units: nl.Units,
				Charge: nl.Charge.Decimal, AuthorizationNumber: nl.AuthorizationNumber},
			Program: prog, Service: f.ref.services[nl.ServiceCode], Provider: f.provider, Client: client.rule, Enrollments: enrollments,
			Staff: staff, Diagnoses: len(n.Diagnoses), Settings: f.ref.settings, PayerFile: payerFile, ClaimMedicaidID: claimMedicaidID,
		}
		book.Draw(n.ClientID, lf)
		ld := adjudication.DecideLine(lf)

		c.Lines[i] = Line{LineNumber: i + 1, ServiceCode: nl.ServiceCode, DateOfService: nl.DateOfService, Units: nl.Units,
			Charge: nl.Charge, Status: ld.Status, UnitsAllowed: ld.UnitsAllowed, Allowed: rss.NewMoney(ld.Allowed),
			Paid: rss.NewMoney(ld.Paid), RuleSetVersion: ld.RuleSetVersion, Trace: ld.Trace}
		line := &c.Lines[i] // c.Lines has room for every line: the rows keep pointing at it
		if nl.AuthorizationNumber != "" {
			num := nl.AuthorizationNumber
			line.AuthorizationNumber = &num
		}
		row := lineRow{line: line, claim: c}
		if a := lf.Authorization; a != nil {
			id, rate := a.ID, rss.NewMoney(a.Rate)
			line.AuthorizationID, line.Rate = &id, &rate
			if line.AuthorizationNumber == nil {
				num := a.Number
				line.AuthorizationNumber = &num
			}
			epID := a.EpisodeID
			row.episodeID = &epID
		}
		line.Adjustments = make([]Adjustment, len(ld.Adjustments))
		for j, a := range ld.Adjustments {
			line.Adjustments[j] = Adjustment{Group: a.Group, Code: a.Code, CARC: a.CARC, RARC: a.RARC, Amount: rss.NewMoney(a.Amount), Units: a.Units}
		}
		if book.Claim(n.ClientID, lf, &ld) {
			row.counted, row.billable = true, true
		}
		rows[i] = row
		statuses = append(statuses, ld.Status)
		total, paid = total.Add(nl.Charge.Decimal), paid.Add(ld.Paid)
		if c.FirstServiceDate.IsZero() || nl.DateOfService.Before(c.FirstServiceDate) {
			c.FirstServiceDate = nl.DateOfService
		}
		if nl.DateOfService.After(c.LastServiceDate) {
			c.LastServiceDate = nl.DateOfService
		}
	}
	// Stored in the order listed, as numbered.
	d.lines = append(d.lines, rows...)
	d.addReversals(c, reversals)
	d.addResent(c, voidsAgain)
	c.Status = ledger.RollUp(statuses)
	for _, ol := range reversals {
		paid = paid.Sub(ol.Paid.Decimal)
	}
	for _, ol := range voidsAgain {
		paid = paid.Add(ol.Paid.Decimal) // a reversal's as it is
	}
	c.TotalCharge, c.TotalPaid = rss.NewMoney(total), rss.NewMoney(paid)
	return c, nil
}

// serviceOrder is the order a claim's lines are judged in: by date of
// service, lines of one day as listed. A line draws on what the lines
// judged before it left, and a counted line is activity that keeps its
// authorization from going inactive for the days after it, so judged as
// listed the order decided payment: a line listed first but dated after
// the authorization went idle was denied 197 while the earlier line listed
// after it was paid, and the same line sent again alone then paid (a
// black-box pass). In date order a claim's lines are judged as the same
// services billed day by day would be, whatever their order on the claim.
func serviceOrder(lines []NewLine) []int {
	order := make([]int, len(lines))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return lines[a].DateOfService.Compare(lines[b].DateOfService.Time) })
	return order
}

// release gives the original's counted lines back to the book before the
// new claim is adjudicated, so a replacement can use what they free. Lines
// not yet batched stop being billable; it returns them all, each to be
// reversed by a line of the new claim (addReversals).
func (d *decided) release(book *ledger.Book, c *Claim, orig *original) []originalLine {
	var reversals []originalLine
	for _, ol := range orig.lines {
		if !ol.Counted {
			continue
		}
		d.uncount = append(d.uncount, ol.ID)
		e := ol.entry(c.ClientID)
		book.Release(&e)
		if ol.AuthID != nil && ol.EpisodeID != nil && book.ReleaseFrees(c.ClientID, *ol.AuthID) {
			f := freed{episode: *ol.EpisodeID, provider: c.ProviderID, client: c.ClientID, service: ol.ServiceCode}
			if !slices.Contains(d.freed, f) {
				d.freed = append(d.freed, f)
			}
		}
		if !ol.Batched {
			d.unbill = append(d.unbill, ol.ID)
		}
		reversals = append(reversals, ol)
	}
	return reversals
}

// addReversals writes a reversal line for each released line, numbered
// after the claim's own lines: the ledger's reversal of its units, allowed
// and paid, and each adjustment of the original negated, as an 835
// reverses a payment. A reversal of a batched line is billable: the money
// goes back in the next batch.
func (d *decided) addReversals(c *Claim, reversals []originalLine) {
	for _, ol := range reversals {
		rev := ol.ID
		r := ledger.Reversal(ol.entry(c.ClientID))
		c.Lines = append(c.Lines, Line{LineNumber: len(c.Lines) + 1, ServiceCode: ol.ServiceCode, DateOfService: ol.DOS, Units: ol.Units,
			Charge: ol.Charge, AuthorizationNumber: ol.AuthNumber, AuthorizationID: ol.AuthID, Status: "reversal",
			UnitsAllowed: r.UnitsAllowed, Allowed: rss.NewMoney(r.Allowed), Paid: rss.NewMoney(r.Paid), Rate: ol.Rate,
			RuleSetVersion: adjudication.ClaimRuleSetVersion, ReversesLineID: &rev, Adjustments: reverseAdjustments(ol.Adjustments)})
		d.lines = append(d.lines, lineRow{line: &c.Lines[len(c.Lines)-1], claim: c, episodeID: ol.EpisodeID, billable: ol.Batched})
	}
}

// resendable refuses a resend of void o unless a batch sent it and the
// payer turned away a loop of it (its lines Rejected: a 999 or 277CA
// rejection, or an 835 denying or paying the void): a void waiting for
// its batch goes out in it, and one the payer took, or has not answered,
// is on the payer's books or may still be. Nor when the payer has since
// taken back itself every loop the rejected ones voided: nothing is on
// its books to void (the batch would close the resend unsent, and the
// rejected void would read replaced by a resend that never went out).
func (o *original) resendable() error {
	if o.reversals() > 0 {
		for i := range o.lines {
			if o.lines[i].Rejected && !o.lines[i].TakenBack {
				return nil
			}
		}
		// Not named by the void's original: for a resend of a resend that
		// is the void before it, not the claim the payer reversed (a
		// re-check).
		return rss.Coded(rss.ErrConflict, "nothing_to_void",
			"void %d was rejected, but the payer has since reversed itself the payment of the claim it voids: nothing of it is on "+
				"the payer's books to void, so nothing is sent again", o.ID)
	}
	for i := range o.lines {
		if o.lines[i].Batched {
			// A batch closes a void of what was never on the payer's books
			// (its original rejected) unsent: "went to the payer" was untrue
			// of it (a payer black-box pass).
			return rss.Coded(rss.ErrConflict, "void_not_rejected",
				"void %d was taken by a batch and the payer has not turned it away (it went out and no 999 or 277CA rejected its "+
					"loop, nor did an 835 deny it or pay it instead of reversing the original, or a payment was posted since; or it "+
					"closed unsent, nothing of its original being on the payer's books): only a void the payer rejected is sent again", o.ID)
		}
	}
	// A void of lines no batch took reverses them on the record only: no
	// batch ever sends it, and "the next batch sends it" had the agency
	// wait for one that never came (a claims black-box pass).
	if !slices.ContainsFunc(o.lines, func(l originalLine) bool { return l.Billable }) {
		return rss.Coded(rss.ErrConflict, "void_not_sent",
			"void %d reverses only lines that never went to the payer: it is on the record only, no batch sends it, "+
				"and there is nothing to send again", o.ID)
	}
	return rss.Coded(rss.ErrConflict, "void_not_sent",
		"void %d has not gone to the payer: the next batch sends it; only a void the payer rejected is sent again", o.ID)
}

// voidLoopsTurnedAway are the lines of replacement o that went out in
// its void loops (the original's loops, or the payer's claims of them,
// beyond the replacement's own) and that the payer turned away, unless it
// has since taken the part they voided back itself: a void or a
// replacement of o takes them again (addResent), the void voiding those
// parts, the replacement replacing or voiding them by position as it does
// an original's loops. The replacement is no void and is not resent
// (not_a_void), and a void or replacement of it reversed only its own
// lines, so such a part stayed paid at the payer for a service rss had
// taken back, with no way to send its void again, and a correction billed
// the service beside it (a white-box review; README's way out, "the MSC
// voids and bills again", did not reach it).
func (o *original) voidLoopsTurnedAway() []originalLine {
	if o.Frequency != FreqReplacement {
		return nil
	}
	var out []originalLine
	for _, ol := range o.lines {
		if ol.Rejected && !ol.TakenBack {
			out = append(out, ol)
		}
	}
	return out
}

// rejectedLines are the lines of void o that a resend sends again.
func (o *original) rejectedLines() []originalLine {
	var out []originalLine
	for _, ol := range o.lines {
		if ol.Rejected {
			out = append(out, ol)
		}
	}
	return out
}

// addResent writes, for each line of a rejected void a resend sends again,
// a reversal line of it with its figures as they are: the void's reversal
// of the original's units, allowed and paid, and its adjustments, so the
// resend's loop bills what the rejected one did. Nothing goes to the
// ledger (the void released the original's lines already) and the line
// does not count; it is billable, for the next batch.
func (d *decided) addResent(c *Claim, lines []originalLine) {
	for _, ol := range lines {
		rev := ol.ID
		var adj []Adjustment
		_ = json.Unmarshal(ol.Adjustments, &adj)
		if adj == nil {
			adj = []Adjustment{}
		}
		c.Lines = append(c.Lines, Line{LineNumber: len(c.Lines) + 1, ServiceCode: ol.ServiceCode, DateOfService: ol.DOS, Units: ol.Units,
			Charge: ol.Charge, AuthorizationNumber: ol.AuthNumber, AuthorizationID: ol.AuthID, Status: "reversal",
			UnitsAllowed: ol.UnitsAllowed, Allowed: ol.Allowed, Paid: ol.Paid, Rate: ol.Rate,
			RuleSetVersion: adjudication.ClaimRuleSetVersion, ReversesLineID: &rev, Adjustments: adj})
		d.lines = append(d.lines, lineRow{line: &c.Lines[len(c.Lines)-1], claim: c, episodeID: ol.EpisodeID, billable: true})
	}
}

// reverseAdjustments negates each stored adjustment's amount and units;
// the text is not stored, and is given when the claim is shown.
func reverseAdjustments(raw json.RawMessage) []Adjustment {
	var adj []Adjustment
	_ = json.Unmarshal(raw, &adj)
	for i := range adj {
		adj[i].Amount = rss.NewMoney(adj[i].Amount.Neg())
		adj[i].Units = -adj[i].Units
		adj[i].Text = ""
	}
	if adj == nil {
		adj = []Adjustment{}
	}
	return adj
}

// sameAsOriginal refuses a void whose rendering staff, place of service or
// diagnoses, sent, are not the original's: the void takes the original's,
// and one sent with its own (an unknown staff member, place of service
// 00, a diagnosis twice) was taken with them dropped unseen (a black-box
// pass).
func sameAsOriginal(n *NewClaim, orig *original) error {
	v := &rss.ValidationError{}
	if n.RenderingStaffID != 0 && (orig.RenderingStaffID == nil || *orig.RenderingStaffID != n.RenderingStaffID) {
		v.Add("rendering_staff_id", "not_the_original", "a void takes the rendering staff of claim %d: leave rendering_staff_id out or send the original's", orig.ID)
	}
	if n.PlaceOfService != "" && n.PlaceOfService != orig.PlaceOfService {
		v.Add("place_of_service", "not_the_original", "a void takes the place of service of claim %d (%s): leave place_of_service out or send the original's",
			orig.ID, orig.PlaceOfService)
	}
	if len(n.Diagnoses) > 0 && !slices.Equal(n.Diagnoses, orig.Diagnoses) {
		v.Add("diagnoses", "not_the_original", "a void takes the diagnoses of claim %d: leave diagnoses out or send the original's, in its order", orig.ID)
	}
	return v.Err()
}

// sameVoidOf reports whether a and b are one void: both frequency 8, of one
// client, naming one original (existingClaim.sameVoid, of two sent at once).
func sameVoidOf(a, b *NewClaim) bool {
	return a.Frequency == FreqVoid && b.Frequency == FreqVoid && a.ClientID == b.ClientID &&
		a.OriginalClaimID != nil && b.OriginalClaimID != nil && *a.OriginalClaimID == *b.OriginalClaimID
}
