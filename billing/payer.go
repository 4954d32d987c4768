package billing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/access"
	"rss/pg"
	"rss/x12"
)

// The payer's answers to our 837P files come back as three kinds of file:
// the 999 (was each transaction set readable), the 277CA (did each claim
// enter adjudication) and the 835 (what was paid, adjusted and why). An
// import reads the whole file with the x12 readers inside one transaction
// and records every item it carries, matched to what we sent or kept as
// unmatched with the reason; a file the readers refuse writes nothing.
// Imports run one at a time (an advisory lock): the posting rules below
// read what earlier imports posted, and files arrive a few a day.

// Kinds of payer file, detected from ST01; a file of TA1 segments and
// no transaction set is a TA1 (the interchange acknowledgment).
const (
	PayerFile999   = "999"
	PayerFile277CA = "277CA"
	PayerFile835   = "835"
	PayerFileTA1   = "TA1"
)

// Reasons an item of a payer file matched nothing of ours, or was kept
// without posting.
const (
	UnmatchedBatch            = "unknown_batch"            // 999: no batch sent that group and set; 277CA: a rejection above the claims whose 2200B TRN02 names no batch; TA1: no batch sent that interchange
	UnmatchedClaim            = "unknown_claim"            // 277CA/835: no CLM loop sent with that CLM01
	UnmatchedLine             = "unknown_line"             // 835: REF*6R names no line of the matched loop
	UnmatchedClaimLine        = "claim_unmatched"          // 835: the line's claim did not match
	UnmatchedNothingToUndo    = "nothing_to_reverse"       // 835: a reversal of no current posting
	UnmatchedAlreadyPosted    = "already_posted"           // 835: a second payment of a loop not reversed first
	UnmatchedKeptAside        = "reverses_kept_aside"      // 835: a reversal of a second payment kept, not posted
	UnmatchedOtherClaim       = "reverses_other_claim"     // 835: a reversal whose CLP07 names a payment of a claim its CLP01 does not name
	UnmatchedPayee            = "ambiguous_payee"          // 277CA/835: agencies share the CLM01 and the payer names none of them alone
	UnmatchedUnknownPayee     = "unknown_payee"            // 277CA/835: the CLM01 was sent, by no agency the payer names as payee
	UnmatchedUnbalanced       = "lines_out_of_balance"     // 835: the claim's SVCs do not add up to its CLP (Σ SVC02 ≠ CLP03, Σ SVC03 − claim CAS ≠ CLP04)
	UnmatchedVoidPaid         = "void_paid"                // 835: money paid on a void's loop (frequency 8), which a payer answers by reversing the original: the void turned away (loopRejectedX)
	UnmatchedVoidDenied       = "void_denied"              // 835: a claim of a void's own paying nothing: the payer turned the void away (payer_loop_rejected)
	UnmatchedReversalMismatch = "reversal_amount_mismatch" // 835: a reversal whose CLP03/CLP04 do not mirror (negated) the posting it would undo
	UnmatchedAnsweredTwice    = "answered_twice"           // 277CA: a second verdict on a claim the same file answered already; the first stands
)

// PayerFile is one imported payer file and what it posted.
type PayerFile struct {
	ID              int64            `json:"id" db:"id"`
	Kind            string           `json:"kind" db:"kind"`
	SHA256          string           `json:"sha256" db:"sha256"`
	Bytes           int64            `json:"bytes" db:"bytes"`
	SenderID        string           `json:"sender_id" db:"sender_id"`
	ReceiverID      string           `json:"receiver_id" db:"receiver_id"`
	ISAControl      int64            `json:"isa_control" db:"isa_control"`
	GSControl       int64            `json:"gs_control" db:"gs_control"`
	ImportedBy      *int64           `json:"imported_by" db:"imported_by"`
	ImportedAt      time.Time        `json:"imported_at" db:"imported_at"`
	AlreadyImported bool             `json:"already_imported" db:"-"`
	Summary         PayerFileSummary `json:"summary" db:"-"`
}

// PayerFileSummary counts what a file carried: items are transaction sets
// (999), claims (277CA) or claim payments (835); matched ones were
// recorded against our batches and claims (for an 835: posted), the rest
// are listed as unmatched.
type PayerFileSummary struct {
	Items     int `json:"items" db:"items"`
	Matched   int `json:"matched" db:"matched"`
	Unmatched int `json:"unmatched" db:"unmatched"`
	Accepted  int `json:"accepted" db:"accepted"`
	Rejected  int `json:"rejected" db:"rejected"`
	// 835 only: the payments' total (BPR02, a debit negative), Σ CLP04
	// of every claim payment the file carries, and Σ PLB. Paid equals
	// Total plus ProviderAdjustments, as the reader checked.
	Payments            int       `json:"payments" db:"payments"`
	Total               rss.Money `json:"total" db:"total"`
	Paid                rss.Money `json:"paid" db:"paid"`
	Posted              rss.Money `json:"posted" db:"posted"`
	ProviderAdjustments rss.Money `json:"provider_adjustments" db:"provider_adjustments"`
}

// ImportPayerFile reads a 999, 277CA, 835 or TA1 (its kind from ST01) and
// records what it says, in one transaction (finance only). The same bytes
// imported again record nothing and answer with the earlier import
// (AlreadyImported). A file the readers refuse is an rss.ErrInvalid naming
// the segment position, and nothing is written.
func (s *Service) ImportPayerFile(ctx context.Context, body []byte) (PayerFile, error) {
	a, err := access.Require(ctx, access.RoleFinance)
	if err != nil {
		return PayerFile{}, err
	}
	kind, err := detectPayerFile(body)
	if err != nil {
		return PayerFile{}, err
	}
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	var out PayerFile
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		// The same bytes again are answered before the import lock and
		// again once it is held (an import of them may have committed
		// meanwhile): a repeat waited behind a large import for minutes.
		for _, lock := range []bool{false, true} {
			if lock {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('rss payer import'))`); err != nil {
					return err
				}
			}
			var earlier int64
			err := tx.GetContext(ctx, &earlier, `SELECT id FROM payer_files WHERE sha256 = $1`, digest)
			switch {
			case err == nil:
				if out, err = getPayerFile(ctx, tx, earlier); err != nil {
					return err
				}
				out.AlreadyImported = true
				return access.Record(ctx, tx, access.Event{Action: "import_repeated", EntityType: "payer_file", EntityID: access.ID(earlier)})
			case !errors.Is(err, pg.ErrNoRows):
				return err
			}
		}
		known, err := usedParties(ctx, tx, s.parties)
		if err != nil {
			return err
		}
		im := &importer{ctx: ctx, tx: tx, kind: kind, sha: digest, size: int64(len(body)), keyID: a.KeyID, now: s.now(), known: known}
		switch kind {
		case PayerFile999:
			err = readSets(im, x12.NewFunctionalAckReader(bytes.NewReader(body)).Next, func(f x12.FunctionalAck) x12.Envelope { return f.Envelope }, im.post999)
		case PayerFile277CA:
			err = readSets(im, x12.NewClaimAckReader(bytes.NewReader(body)).Next, func(c x12.ClaimAck) x12.Envelope { return c.Envelope }, im.post277)
		case PayerFileTA1:
			err = readSets(im, x12.NewInterchangeAckReader(bytes.NewReader(body)).Next, func(a x12.InterchangeAck) x12.Envelope { return a.Envelope },
				im.postTA1)
		default:
			err = readSets(im, x12.NewRemittanceReader(bytes.NewReader(body)).Next, func(r x12.Remittance) x12.Envelope { return r.Envelope }, im.post835)
			if err == nil {
				err = im.postClaimPayments()
			}
		}
		if err == nil {
			err = im.answersAsSent()
		}
		if err != nil {
			return err
		}
		if im.fileID == 0 {
			return rss.Invalid("body", "invalid_x12", "the file carries no transaction set")
		}
		im.events = append([]access.Event{{Action: "import", EntityType: "payer_file", EntityID: access.ID(im.fileID)}}, im.events...)
		if err := access.Record(ctx, tx, im.events...); err != nil {
			return err
		}
		out, err = getPayerFile(ctx, tx, im.fileID)
		return err
	})
	return out, err
}

// detectPayerFile finds the kind of a payer file from its first ST01.
func detectPayerFile(body []byte) (string, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return "", rss.Invalid("body", "required", "the file is empty: send the payer's X12 file (999, 277CA, 835 or TA1)")
	}
	rd := x12.NewReader(bytes.NewReader(body))
	ta1 := false
	for {
		seg, err := rd.Next()
		if errors.Is(err, io.EOF) && rd.Index() == 0 {
			// No segment at all (a byte-order mark alone, say): "segment
			// 0" read as a position (a re-check).
			return "", rss.Invalid("body", "invalid_x12", "the file holds no X12 segment: send the payer's X12 file (999, 277CA, 835 or TA1)")
		}
		if errors.Is(err, io.EOF) && ta1 {
			return PayerFileTA1, nil
		}
		if errors.Is(err, io.EOF) {
			return "", envelopeError(rd.Index()+1, "", "the file ends before any transaction set (ST) or TA1")
		}
		if err != nil {
			return "", readError(err, rd.Index())
		}
		if seg.ID == "TA1" {
			ta1 = true
		}
		if seg.ID != "ST" {
			continue
		}
		switch seg.Element(1) {
		case "999":
			return PayerFile999, nil
		case "277":
			return PayerFile277CA, nil
		case "835":
			return PayerFile835, nil
		}
		re := &x12.ReadError{Segment: rd.Index(), SegmentID: "ST", Reason: fmt.Sprintf("ST01 %q is not a 999, 277 or 835", seg.Element(1))}
		return "", rss.Invalid("body", "unsupported_kind", "%s", re.Error())
	}
}

// readError turns what a reader refused into the 422 the caller sees,
// with the segment position (the readers never quote patients' values).
func readError(err error, at int) error {
	var re *x12.ReadError
	if errors.As(err, &re) {
		return &rss.ValidationError{Fields: []rss.FieldError{{Field: "body", Code: "invalid_x12", Message: re.Error()}}}
	}
	if errors.Is(err, x12.ErrInvalid) {
		msg := err.Error()
		if !strings.Contains(msg, "segment") {
			msg = fmt.Sprintf("segment %d: %s", at, msg)
		}
		return &rss.ValidationError{Fields: []rss.FieldError{{Field: "body", Code: "invalid_x12", Message: msg}}}
	}
	return err
}

// envelopeError is a fault of the file's envelope found outside the
// readers, worded as theirs are ("x12: invalid input: segment N (ID):"):
// without it, "the file is addressed to ..." or "segment 1: the file ends
// ..." read as other errors than the readers' (a black-box pass). pos is
// the segment's position, or for the end of input the one after the last.
func envelopeError(pos int, id, format string, args ...any) error {
	return readError(&x12.ReadError{Segment: pos, SegmentID: id, Reason: fmt.Sprintf(format, args...)}, pos)
}

// importer records one file's sets as the reader delivers them.
type importer struct {
	ctx    context.Context
	tx     *sqlx.Tx
	kind   string
	sha    string
	size   int64
	keyID  int64
	now    time.Time
	fileID int64
	seq    int
	events []access.Event
	// known are the parties a payer file may be addressed as (usedParties)
	// and env the file's envelope, its sets' one interchange and group.
	known []addressee
	env   x12.Envelope
	// payments are the file's 835 payments, recorded; their claims are
	// posted once every set was read (postClaimPayments).
	payments []pendingPayment
}

// addressee is who a payer file is addressed as: an 837P's interchange
// and group parties and usage (Parties), as the payer's answers mirror
// them (its receiver their sender).
type addressee struct {
	SenderQual   string `db:"sender_qual"`
	SenderID     string `db:"sender_id"`
	ReceiverQual string `db:"receiver_qual"`
	ReceiverID   string `db:"receiver_id"`
	AppSender    string `db:"app_sender"`
	AppReceiver  string `db:"app_receiver"`
	Usage        string `db:"usage"`
}

func (p Parties) addressee() addressee {
	return addressee{SenderQual: p.SenderQual, SenderID: p.SenderID, ReceiverQual: p.ReceiverQual, ReceiverID: p.ReceiverID,
		AppSender: p.AppSender, AppReceiver: p.AppReceiver, Usage: p.Usage}
}

// addresseeSQL reads an addressee from a batch's frozen parties (b).
const addresseeSQL = `b.x12_parties->>'sender_qual' AS sender_qual, b.x12_parties->>'sender_id' AS sender_id,
	b.x12_parties->>'receiver_qual' AS receiver_qual, b.x12_parties->>'receiver_id' AS receiver_id,
	b.x12_parties->>'app_sender' AS app_sender, b.x12_parties->>'app_receiver' AS app_receiver,
	COALESCE(b.x12_parties->>'usage', '') AS usage`

// usedParties are the party sets rss has exchanged files as: today's
// settings and every set frozen into an 837P batch. A payer file
// addressed as none of them is not for rss. Judged against today's
// settings alone, every answer to a batch sent before the MSC's sender id
// (or usage) changed was refused, and one addressed to the new id was
// matched to a batch sent under the old (a black-box pass).
func usedParties(ctx context.Context, tx *sqlx.Tx, today Parties) ([]addressee, error) {
	var frozen []addressee
	if err := tx.SelectContext(ctx, &frozen, `SELECT DISTINCT `+addresseeSQL+` FROM batches b
		WHERE b.payer_route = '`+RouteMedicaid837P+`' AND b.x12_parties IS NOT NULL`); err != nil {
		return nil, fmt.Errorf("parties used: %w", err)
	}
	known := []addressee{today.addressee()}
	for _, p := range frozen {
		if !slices.Contains(known, p) {
			known = append(known, p)
		}
	}
	return known, nil
}

// mirrors reports whether env is addressed as the payer answers a file
// sent as p: to p's interchange sender, from its receiver, the group the
// other way round, of its usage (any, for an unknown usage).
func (p addressee) mirrors(env x12.Envelope) bool {
	return env.ReceiverQual == p.SenderQual && env.ReceiverID == p.SenderID && env.SenderQual == p.ReceiverQual &&
		env.SenderID == p.ReceiverID && (env.SetID == x12.SetTA1 || env.AppSender == p.AppReceiver && env.AppReceiver == p.AppSender) &&
		p.sameUsage(env)
}

func (p addressee) sameUsage(env x12.Envelope) bool { return p.Usage == "" || env.Usage == p.Usage }

// String names p as an 837P sent as p goes out, for finance.
func (p addressee) String() string {
	return fmt.Sprintf("from %s:%s to %s:%s (GS02 %s, GS03 %s), usage %s", p.SenderQual, p.SenderID, p.ReceiverQual, p.ReceiverID,
		p.AppSender, p.AppReceiver, p.Usage)
}

// addressed refuses a set not addressed as rss has ever sent (usedParties):
// another receiver (ISA07, ISA08 not a sender's ISA05, ISA06), another
// sender than the payer sent to, another functional group's parties (GS02,
// GS03) or another usage (ISA15). Black-box passes imported each. Each
// test narrows the party sets the next is read against, so the fault
// named is the first that rules out every one. Whether the file answers
// its batches as they went out is answersAsSent's, once they are known.
func (im *importer) addressed(env x12.Envelope) error {
	known := im.known
	keep := func(fit func(addressee) bool) []addressee {
		var out []addressee
		for _, p := range known {
			if fit(p) {
				out = append(out, p)
			}
		}
		return out
	}
	list := func(name func(addressee) string) string {
		var names []string
		for _, p := range known {
			if n := name(p); !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		return strings.Join(names, " or ")
	}
	k := keep(func(p addressee) bool { return env.ReceiverQual == p.SenderQual && env.ReceiverID == p.SenderID })
	if len(k) == 0 {
		return envelopeError(env.ISAPosition, "ISA", "the file is addressed to %s:%s, not to rss (%s)",
			env.ReceiverQual, env.ReceiverID, list(func(p addressee) string { return p.SenderQual + ":" + p.SenderID }))
	}
	known = k
	// From the payer: the interchange and application the 837P went to
	// (its ISA07/ISA08 and GS03) send its answers; a black-box pass posted
	// an 835 from another sender to claims sent to Medicaid, and a 999
	// from another marked a batch's set accepted.
	k = keep(func(p addressee) bool { return env.SenderQual == p.ReceiverQual && env.SenderID == p.ReceiverID })
	if len(k) == 0 {
		return envelopeError(env.ISAPosition, "ISA", "the file is from %s:%s (ISA05, ISA06), not from the payer rss sends to (%s)",
			env.SenderQual, env.SenderID, list(func(p addressee) string { return p.ReceiverQual + ":" + p.ReceiverID }))
	}
	known = k
	// A TA1's interchange carries no functional group.
	k = keep(func(p addressee) bool {
		return env.SetID == x12.SetTA1 || (env.AppSender == p.AppReceiver && env.AppReceiver == p.AppSender)
	})
	if len(k) == 0 {
		return envelopeError(env.GSPosition, "GS", "the file's functional group is from %s to %s (GS02, GS03), not %s as rss exchanges them",
			env.AppSender, env.AppReceiver, list(func(p addressee) string { return "from " + p.AppReceiver + " to " + p.AppSender }))
	}
	known = k
	if k := keep(func(p addressee) bool { return p.sameUsage(env) }); len(k) == 0 {
		return envelopeError(env.ISAPosition, "ISA", "the file's usage (ISA15) is %s; rss exchanged files addressed so with usage %s only", env.Usage,
			list(func(p addressee) string { return p.Usage }))
	}
	return nil
}

// answersAsSent refuses a file that answers a batch other than as it went
// out. A 999 or a 277CA answers the interchange the payer received: it
// comes addressed as the batch's frozen parties (interchange, group and
// usage), and one addressed otherwise is not the payer's answer to it,
// however its control numbers or claim numbers match. An 835 pays a payee
// and the payer routes it by its enrolment, not by the interchange a claim
// came in, so an MSC whose sender id changed is paid for claims sent under
// the old id under the new: an 835 is taken addressed as any party set rss
// has used (addressed), but not across usages, so a test payment never
// posts to a claim sent in production, nor the reverse.
func (im *importer) answersAsSent() error {
	if im.fileID == 0 {
		return nil
	}
	var answered []struct {
		addressee
		ID int64 `db:"id"`
	}
	if err := im.tx.SelectContext(im.ctx, &answered, `SELECT b.id, `+addresseeSQL+` FROM batches b WHERE b.id IN (
			SELECT batch_id FROM payer_set_acks WHERE file_id = $1
			UNION SELECT batch_id FROM payer_interchange_acks WHERE file_id = $1
			UNION SELECT batch_id FROM payer_claim_statuses WHERE file_id = $1
			UNION SELECT c.batch_id FROM payer_payments p JOIN payer_claim_payments c ON c.payment_id = p.id WHERE p.file_id = $1)
		ORDER BY b.id`, im.fileID); err != nil {
		return fmt.Errorf("batches answered: %w", err)
	}
	env := im.env
	for _, b := range answered {
		if im.kind == PayerFile835 {
			if !b.sameUsage(env) {
				return envelopeError(env.ISAPosition, "ISA", "the file's usage (ISA15) is %s, and it pays claims of batch %d, sent with usage %s",
					env.Usage, b.ID, b.Usage)
			}
			continue
		}
		if !b.mirrors(env) {
			return envelopeError(env.ISAPosition, "ISA", "the file answers batch %d, which went out %s, but it is addressed to %s:%s "+
				"from %s:%s (GS02 %s, GS03 %s), usage %s: the payer answers a batch to the parties it received it from", b.ID, b.addressee,
				env.ReceiverQual, env.ReceiverID, env.SenderQual, env.SenderID, env.AppSender, env.AppReceiver, env.Usage)
		}
	}
	return nil
}

// readSets reads a file's transaction sets whole (each checked and
// balanced by its reader) and then posts them in order, recording the file
// from the first set's envelope; the three kinds differ only in the set
// and its posting. The whole file is read before anything is posted, so a
// file broken after its first set is refused as broken (422 naming the
// segment), not answered with what posting its first set met (a 409
// payment_already_posted for a file whose IEA was missing, in a black-box
// pass).
func readSets[S any](im *importer, next func() (S, error), envelope func(S) x12.Envelope, post func(S) error) error {
	var sets []S
	for {
		set, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return readError(err, 0)
		}
		if err := im.addressed(envelope(set)); err != nil {
			return err
		}
		// The file is recorded by its interchange's control numbers (the
		// payer's and the reconciliation's reference to it); a second
		// interchange would post under the first's, so it is its own file.
		// So is a second functional group (GS06) of one interchange.
		if len(sets) > 0 {
			first, env := envelope(sets[0]), envelope(set)
			if env.Interchange != first.Interchange || env.ISAControl != first.ISAControl || env.SenderID != first.SenderID {
				return envelopeError(env.ISAPosition, "ISA", "the file holds a second interchange (ISA13 %09d after %09d); "+
					"import each interchange as a file of its own", env.ISAControl, first.ISAControl)
			}
			if env.Group != first.Group || env.GSControl != first.GSControl {
				return envelopeError(env.GSPosition, "GS", "the file holds a second functional group (GS06 %d after %d); "+
					"import each group as a file of its own", env.GSControl, first.GSControl)
			}
		}
		// A set's control number is unique in its group (X12): a set
		// repeated in one group was recorded twice (a black-box pass).
		for _, prev := range sets {
			if p, env := envelope(prev), envelope(set); p.Group == env.Group && p.STControl == env.STControl {
				if env.SetID == x12.SetTA1 {
					return envelopeError(env.Position, "TA1", "the interchange answers interchange %s twice", env.STControl)
				}
				return envelopeError(env.Position, "ST", "the group repeats transaction set %s; a set's ST02 is unique in its group",
					env.STControl)
			}
		}
		sets = append(sets, set)
	}
	for _, set := range sets {
		if err := im.file(envelope(set)); err != nil {
			return err
		}
		if err := post(set); err != nil {
			return err
		}
	}
	return nil
}

// file records the file itself when its first set arrives: the envelope
// is its one interchange's.

func (im *importer) file(env x12.Envelope) error {
	if im.fileID != 0 {
		return nil
	}
	im.env = env
	// An interchange control number names one interchange of its sender
	// (X12's duplicate-interchange check, TA1 025): the same interchange
	// sent again with other bytes (its line endings or separators changed)
	// was imported as a new file, and an older 277CA's statuses, read
	// again, turned an accepted claim back to rejected, whose correction
	// then went out as a second claim and was paid twice (a black-box
	// pass). Imports are one at a time (the import lock), so the look-up
	// sees every earlier one.
	var earlier struct {
		ID         int64     `db:"id"`
		ImportedAt time.Time `db:"imported_at"`
	}
	err := im.tx.GetContext(im.ctx, &earlier, `SELECT id, imported_at FROM payer_files WHERE sender_id = $1 AND isa_control = $2
		ORDER BY id LIMIT 1`, env.SenderID, env.ISAControl)
	if err == nil {
		return rss.Coded(rss.ErrConflict, "interchange_imported",
			"an interchange %09d from %s was imported already, as payer file %d on %s, with other bytes (the same interchange with other "+
				"line endings or separators, or other contents under its control number); an interchange control number names one "+
				"interchange: if the payer sent new contents under it, ask the payer for a new interchange",
			env.ISAControl, env.SenderID, earlier.ID, earlier.ImportedAt.UTC().Format("2006-01-02"))
	}
	if !errors.Is(err, pg.ErrNoRows) {
		return err
	}
	var by any
	if im.keyID != 0 {
		by = im.keyID
	}
	return im.tx.GetContext(im.ctx, &im.fileID, `
		INSERT INTO payer_files (kind, sha256, bytes, sender_id, receiver_id, isa_control, gs_control, imported_by, imported_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		im.kind, im.sha, im.size, env.SenderID, env.ReceiverID, env.ISAControl, env.GSControl, by, im.now)
}

func (im *importer) next() int { im.seq++; return im.seq }

// cents is an amount as stored (numeric(14,2)): one with more than two
// decimals is refused rather than rounded, and one the column cannot hold
// is refused rather than failing the insert.
func cents(d decimal.Decimal, what string) (decimal.Decimal, error) {
	if !d.Equal(d.Round(2)) {
		return d, rss.Invalid("body", "invalid_x12", "%s has more than two decimals", what)
	}
	if d.Abs().GreaterThanOrEqual(maxStored) {
		return d, rss.Invalid("body", "invalid_x12", "%s is too large", what)
	}
	return d, nil
}

// quantity is a CAS or SVC quantity as stored (numeric(15,3)), nil when
// absent. X12 allows more decimals than rss keeps; such a quantity is
// refused where it was written, as the readers refuse theirs: named only
// by the claim's place in its set, a black-box pass could not tell which
// set of a file was meant.
func quantity(d decimal.Decimal, what string) (any, error) {
	if d.IsZero() {
		return nil, nil
	}
	if !d.Equal(d.Round(3)) || d.Abs().GreaterThanOrEqual(maxStored) {
		return nil, rss.Invalid("body", "invalid_x12", "%s has more than three decimals (rss keeps a quantity to the thousandth) or is too large", what)
	}
	return d, nil
}

// at names an element of the segment at position pos as the readers'
// errors do (x12.ReadError: "x12: invalid input: segment N (ID):", which
// three of the import's own refusals lacked, a payer black-box pass),
// never by a value the file carries.
func at(pos int, id, element string) string {
	return fmt.Sprintf("x12: invalid input: segment %d (%s): %s", pos, id, element)
}

var maxStored = decimal.New(1, 12)

// post999 records each transaction set the 999 acknowledges, matched to
// the batch whose functional group (GS06) it answers. A group rejected
// whole without a word on its sets rejects every set the batch sent, and
// the sets its AK2 loops leave out take the group's verdict.
// A set's acknowledgment is the one the payer made last (its group's
// GS04/GS05), not the one imported last: an older 999 read late turned an
// accepted set, and its claims, back to rejected (a re-check). A 999 dated
// after its import counts as of its import, as a 277CA does.
func (im *importer) post999(ack x12.FunctionalAck) error {
	reported := ack.Created
	if reported.IsZero() || reported.After(im.now) {
		reported = im.now
	}
	var batchID int64
	var controls pq.Int64Array
	// Only an answer to an 837P group (AK101 HC, AK103 its version) is an
	// answer to one of our batches: a 999 of another group that shares its
	// control number matched it and could reject its claims (black-box
	// pass).
	if ack.GroupID == "HC" && ack.GroupVersion == x12.Version837P {
		err := im.tx.QueryRowxContext(im.ctx, `SELECT id, st_controls FROM batches
			WHERE payer_route = '`+RouteMedicaid837P+`' AND gs_control = $1 ORDER BY id DESC LIMIT 1`, ack.GroupControl).Scan(&batchID, &controls)
		if err != nil && !errors.Is(err, pg.ErrNoRows) {
			return err
		}
	}
	// AK902 counts the sets of the group it answers: more than the batch
	// sent is a 999 of another group (a black-box pass imported one
	// claiming two sets of a one-set batch). Fewer is a payer answering
	// some of the sets again.
	if batchID != 0 && ack.SetsIncluded > len(controls) {
		return rss.Invalid("body", "invalid_x12", "%s counts %d transaction sets in group %d, which sent %d: the 999 answers another group",
			at(ack.AK9Position, "AK9", "AK902"), ack.SetsIncluded, ack.GroupControl, len(controls))
	}
	sets := ack.Sets
	// A group answered whole, without a word on its sets, answers every set
	// the batch sent: accepted (AK9*A with no AK2 was recorded as nothing)
	// or rejected. So does a group whose AK2 loops name some of its sets
	// for the sets they leave out, when those are as many as AK903 counts
	// beyond the loops (fewer counted: a payer answering some sets again,
	// which it names): AK9*R with one AK2 left the other set's claims with
	// no answer, and the sets a partial verdict's AK2 loops leave out are
	// the ones it accepted, never IK5 "P", which read as rejected (a
	// review).
	var unnamed []int64
	for _, c := range controls {
		if !slices.ContainsFunc(ack.Sets, func(set x12.SetAck) bool {
			st, ok := x12.ControlNumber(set.Control)
			return ok && set.SetID == "837" && st == c
		}) {
			unnamed = append(unnamed, c)
		}
	}
	if len(ack.Sets) == 0 || len(unnamed) == ack.SetsReceived-len(ack.Sets) {
		for _, c := range unnamed {
			sets = append(sets, x12.SetAck{SetID: "837", Control: fmt.Sprintf("%04d", c), Status: ack.UnnamedSetStatus(), Errors: ack.GroupErrors}) // as ST02 went out
		}
	}
	if len(sets) == 0 {
		sets = append(sets, x12.SetAck{SetID: ack.GroupID, Status: ack.UnnamedSetStatus(), Errors: ack.GroupErrors})
	}
	posted := false
	for i, set := range sets {
		// A set no AK2 names is answered by AK9: its code is the group's,
		// as the file held it (AK9:R), where "R" read as IK5:R on its
		// claims, a code the 999 never carried (a black-box re-check).
		code := set.Status
		if i >= len(ack.Sets) {
			code = "AK9:" + ack.GroupStatus
		}
		st, ok := x12.ControlNumber(set.Control)
		var stv, batch, reason any = nil, nil, UnmatchedBatch
		if ok {
			stv = st
		}
		if ok && batchID != 0 && set.SetID == "837" && containsInt(controls, st) {
			batch, reason, posted = batchID, nil, true
		}
		// An error a CTX*CLM01 ties to one claim is that claim's alone
		// (claim_errors, by the CLM01 sent): copied onto every claim of the
		// set, another agency's claim read its name and birth-date errors
		// (a payer black-box pass).
		codes := append([]string{}, set.Errors...)
		claimCodes := map[string][]string{}
		for _, is := range set.Issues {
			these := []string{is.SegmentID + ":" + is.Code}
			for _, el := range is.Elements {
				these = append(these, fmt.Sprintf("%s%02d:%s", is.SegmentID, el.Position, el.Code))
			}
			if is.CLM01 != "" {
				claimCodes[is.CLM01] = append(claimCodes[is.CLM01], these...)
			} else {
				codes = append(codes, these...)
			}
		}
		byClaim, err := json.Marshal(claimCodes)
		if err != nil {
			return err
		}
		if _, err := im.tx.ExecContext(im.ctx, `INSERT INTO payer_set_acks (file_id, seq, group_control, set_control, st_control, batch_id,
				code, accepted, errors, claim_errors, unmatched_reason, reported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			im.fileID, im.next(), ack.GroupControl, set.Control, stv, batch, code, set.Accepted() && ack.GroupAccepted(),
			pq.StringArray(codes), string(byClaim), reason, reported); err != nil {
			return fmt.Errorf("record 999 set: %w", err)
		}
	}
	if posted {
		im.events = append(im.events, access.Event{Action: "post", EntityType: "batch", EntityID: access.ID(batchID)})
	}
	return nil
}

// postTA1 records a TA1, matched to the 837P batch that sent the
// interchange its TA101 names (the newest, as ISA13 cycles). A rejection
// (TA104 R) answers each of the batch's sets too, as a 999 rejecting them
// would (code TA1:R, the note code TA1:nnn among its errors): none of its
// claims reached the payer, and they read rejected, to be corrected and
// sent again. An acceptance (A, or E with errors noted) says only that the
// interchange arrived: its sets wait for their 999.
func (im *importer) postTA1(a x12.InterchangeAck) error {
	// Reported when the payer made the TA1 (its interchange's ISA09 and
	// ISA10), as a 999 is by its GS04 and GS05: TA102 and TA103 are the
	// time of the interchange it answers.
	reported := a.Created
	if reported.IsZero() || reported.After(im.now) {
		reported = im.now
	}
	var b struct {
		ID       int64         `db:"id"`
		GS       int64         `db:"gs_control"`
		Controls pq.Int64Array `db:"st_controls"`
	}
	var batch, reason any = nil, UnmatchedBatch
	err := im.tx.GetContext(im.ctx, &b, `SELECT id, gs_control, st_controls FROM batches
		WHERE payer_route = '`+RouteMedicaid837P+`' AND isa_control = $1 ORDER BY id DESC LIMIT 1`, a.Control)
	switch {
	case err == nil:
		batch, reason = b.ID, nil
	case !errors.Is(err, pg.ErrNoRows):
		return err
	}
	if _, err := im.tx.ExecContext(im.ctx, `INSERT INTO payer_interchange_acks (file_id, seq, isa_control, batch_id, code, note,
			unmatched_reason, reported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		im.fileID, im.next(), a.Control, batch, a.Code, a.Note, reason, reported); err != nil {
		return fmt.Errorf("record TA1: %w", err)
	}
	if batch == nil {
		return nil
	}
	if !a.Accepted() {
		for _, st := range b.Controls {
			if _, err := im.tx.ExecContext(im.ctx, `INSERT INTO payer_set_acks (file_id, seq, group_control, set_control, st_control,
					batch_id, code, accepted, errors, claim_errors, reported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, false, $8, '{}', $9)`,
				im.fileID, im.next(), b.GS, fmt.Sprintf("%04d", st), st, b.ID, "TA1:"+a.Code, pq.StringArray{"TA1:" + a.Note},
				reported); err != nil {
				return fmt.Errorf("record TA1 sets: %w", err)
			}
		}
	}
	im.events = append(im.events, access.Event{Action: "post", EntityType: "batch", EntityID: access.ID(b.ID)})
	return nil
}

func containsInt(xs []int64, v int64) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

// sentLoop is a CLM loop we sent, as the payer's answers name it.
type sentLoop struct {
	BatchID  int64         `db:"batch_id"`
	ClaimID  int64         `db:"claim_id"`
	Part     int           `db:"part"`
	ClientID int64         `db:"client_id"`
	LineIDs  pq.Int64Array `db:"line_ids"`
	// Frequency is the loop's CLM05-3 as sent: 8 a void.
	Frequency string `db:"frequency"`
}

// payee is the billing provider a payer's answer names (277CA 2000C
// NM1*85, 835 N1*PE): by NPI (XX) or by tax id (FI, digits only). Another
// qualifier (XV, the plan's own number) or none names neither.
type payee struct{ npi, tin string }

func payeeOf(p x12.Party) payee {
	switch p.IDQual {
	case "XX":
		return payee{npi: p.ID}
	case "FI":
		return payee{tin: strings.ReplaceAll(p.ID, "-", "")}
	}
	return payee{}
}

// payeeMatchSQL is the condition that batch provider bp is the payee the
// parameters npi and tin name (either ” when not named).
//
// The payee may name the agency as a later batch froze it: an agency's
// NPI changed after a claim went out, the payer answers it under the NPI
// rss sends it now, and its reversal of the old claim is the agency's (a
// finance pass found it kept aside as unknown_payee, the old claim reading
// paid for good). Any identity a batch froze for the agency names it;
// one it never had does not (batch_providers_identity_idx, migration
// 00088, finds them).
func payeeMatchSQL(bp, npi, tin string) string {
	return `((` + npi + ` = '' OR ` + bp + `.npi = ` + npi + `) AND (` + tin + ` = '' OR translate(` + bp + `.tax_id, '-', '') = ` + tin + `)
		OR EXISTS (SELECT 1 FROM batch_providers pi WHERE pi.provider_id = ` + bp + `.provider_id
			AND (` + npi + ` = '' OR pi.npi = ` + npi + `) AND (` + tin + ` = '' OR translate(pi.tax_id, '-', '') = ` + tin + `)))`
}

// payeeProviderSQL is the one agency the payee the parameters npi and tin
// name is, by payeeMatchSQL: NULL when they name nothing, no agency, or
// more than one.
func payeeProviderSQL(npi, tin string) string {
	return `(SELECT min(bp.provider_id) FROM batch_providers bp
		WHERE (` + npi + ` <> '' OR ` + tin + ` <> '') AND ` + payeeMatchSQL("bp", npi, tin) + `
		HAVING count(DISTINCT bp.provider_id) = 1)`
}

// findLoop matches a CLM01 as the payer echoes it (277CA TRN02, 835
// CLP01) to the loop we sent with it, for the billing provider the payer
// names (by NPI or tax id). Claim numbers are unique per provider only, so
// the CLM01 matches when the loops sent with it that fit the payee are one
// provider's: a payee named by tax id, or by nothing rss holds, matched
// the latest batch's loop of any agency, and one agency's payment was
// posted to another's claim (a black-box pass); those are kept unmatched
// as ambiguous_payee. Each loop goes out once; should a number ever have
// gone out twice for one provider, the latest batch's loop is the one
// being answered. It returns the reason when nothing matched.
func (im *importer) findLoop(clm01 string, who payee) (*sentLoop, string, error) {
	ls, err := im.payeeLoops(clm01, who)
	if err != nil {
		return nil, "", err
	}
	if len(ls) == 0 {
		// Sent, but by none of the agencies the payee names: the payee is
		// at fault, not the number (a finance black-box pass read an 835
		// paid to an NPI of no agency as "no claim rss sent has that
		// number", pointing finance at the claim).
		var sent bool
		if err := im.tx.GetContext(im.ctx, &sent, `SELECT EXISTS (SELECT 1 FROM batch_x12_claims WHERE clm01 = $1)`, clm01); err != nil {
			return nil, "", err
		}
		if sent {
			return nil, UnmatchedUnknownPayee, nil
		}
		return nil, UnmatchedClaim, nil
	}
	for _, l := range ls[1:] {
		if l.ProviderID != ls[0].ProviderID {
			return nil, UnmatchedPayee, nil
		}
	}
	return &ls[0].sentLoop, "", nil
}

// agencyLoop is a loop sent with its agency.
type agencyLoop struct {
	sentLoop
	ProviderID int64 `db:"provider_id"`
}

// payeeLoops are the loops sent with clm01 for the payee who, latest batch
// first (findLoop).
func (im *importer) payeeLoops(clm01 string, who payee) ([]agencyLoop, error) {
	var ls []agencyLoop
	err := im.tx.SelectContext(im.ctx, &ls, `
		SELECT x.batch_id, x.claim_id, x.part, c.client_id, x.line_ids, x.frequency, x.provider_id
		FROM batch_x12_claims x
		JOIN batch_providers bp ON bp.batch_id = x.batch_id AND bp.provider_id = x.provider_id
		JOIN claims c ON c.id = x.claim_id
		WHERE x.clm01 = $1 AND `+payeeMatchSQL("bp", "$2", "$3")+`
		ORDER BY x.batch_id DESC`, clm01, who.npi, who.tin)
	return ls, err
}

// claimsAgency is the one agency every claim of a payment to who matched,
// as findLoop matches them; 0 when one matched none, or they matched
// several agencies, or the payment has no claim.
func (im *importer) claimsAgency(claims []x12.ClaimPayment, who payee) (int64, error) {
	agency := int64(0)
	for _, c := range claims {
		ls, err := im.payeeLoops(c.ClaimID, who)
		if err != nil || len(ls) == 0 {
			return 0, err
		}
		for _, l := range ls {
			if agency != 0 && l.ProviderID != agency {
				return 0, nil
			}
			agency = l.ProviderID
		}
	}
	return agency, nil
}

func (im *importer) loopOf(batchID, claimID int64, part int) (*sentLoop, error) {
	var l sentLoop
	err := im.tx.GetContext(im.ctx, &l, `SELECT x.batch_id, x.claim_id, x.part, c.client_id, x.line_ids, x.frequency
		FROM batch_x12_claims x JOIN claims c ON c.id = x.claim_id
		WHERE x.batch_id = $1 AND x.claim_id = $2 AND x.part = $3`, batchID, claimID, part)
	return &l, err
}

// post277 records each claim's acknowledgment against the loop we sent.
// A claim's status is the one the payer made last (BHT04/BHT05), not the
// one imported last: an older 277CA read late must not turn an accepted
// claim back to rejected. A 277CA dated after its import counts as of its
// import, so a wrong clock at the payer cannot outrank every later answer.
func (im *importer) post277(ack x12.ClaimAck) error {
	reported := ack.Created
	if reported.IsZero() || reported.After(im.now) {
		reported = im.now
	}
	// An information receiver's TRN02 echoes our 837's BHT03, RSS and the
	// batch id: one naming no 837P batch answers a file rss has not sent,
	// and its claims are kept as unknown_batch, not matched by CLM01 to
	// loops of other batches nor read as claims rss never sent
	// (unknown_claim pointed finance at the claims: a payer black-box pass).
	unsent := make([]bool, len(ack.Receivers))
	for i, r := range ack.Receivers {
		digits := strings.TrimPrefix(r.Trace, "RSS")
		id, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || digits == r.Trace || strconv.FormatInt(id, 10) != digits {
			continue
		}
		if err := im.tx.GetContext(im.ctx, &unsent[i], `SELECT NOT EXISTS (SELECT 1 FROM batches WHERE id = $1
			AND payer_route = '`+RouteMedicaid837P+`')`, id); err != nil {
			return fmt.Errorf("277CA batch: %w", err)
		}
	}
	// A claim answered twice in one file (an acceptance the payer
	// numbered, then a rejection in a second 2200D) read as the last
	// verdict, silently: the agency's correction would have gone out as a
	// new claim beside the one the payer holds (a payer black-box pass of
	// the forty-seventh stop). The first stands; a second is kept aside
	// for finance to take up with the payer.
	answered := map[[3]int64]bool{} // batch, claim and part: a loop sent
	for _, c := range ack.Claims {
		var who payee
		var ofUnsent bool
		if c.Provider >= 0 && c.Provider < len(ack.Providers) {
			who = payeeOf(ack.Providers[c.Provider].Party)
			r := ack.Providers[c.Provider].Receiver
			ofUnsent = r >= 0 && r < len(unsent) && unsent[r]
		}
		var l *sentLoop
		unmatched := UnmatchedBatch
		if !ofUnsent {
			var err error
			if l, unmatched, err = im.findLoop(c.ClaimID, who); err != nil {
				return err
			}
		}
		codes := make([]string, 0, len(c.Statuses))
		for _, st := range c.Statuses {
			for _, sc := range st.Codes {
				codes = append(codes, statusCode(sc))
			}
		}
		charge, err := cents(c.TotalCharge, "STC04")
		if err != nil {
			return err
		}
		if l != nil {
			k := [3]int64{l.BatchID, l.ClaimID, int64(l.Part)}
			if answered[k] {
				l, unmatched = nil, UnmatchedAnsweredTwice
			}
			answered[k] = true
		}
		var batch, claim, part, reason any = nil, nil, nil, unmatched
		if l != nil {
			batch, claim, part, reason = l.BatchID, l.ClaimID, l.Part, nil
			im.events = append(im.events, access.Event{Action: "post", EntityType: "claim", EntityID: access.ID(l.ClaimID),
				ClientID: l.ClientID})
		}
		if _, err := im.tx.ExecContext(im.ctx, `INSERT INTO payer_claim_statuses (file_id, seq, clm01, provider_npi, batch_id, claim_id, part,
				accepted, statuses, payer_ccn, charge, unmatched_reason, reported_at)
			VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7, $8, $9, NULLIF($10, ''), $11, $12, $13)`,
			im.fileID, im.next(), c.ClaimID, who.npi, batch, claim, part, c.Accepted, pq.StringArray(codes), c.PayerControl, charge, reason,
			reported); err != nil {
			return fmt.Errorf("record 277CA claim: %w", err)
		}
	}
	// A rejection above the claims carries no 2000D per claim (the 277CA
	// guide): a billing provider's STC of a rejection category with no
	// claim under it rejects that provider's claims, an information
	// receiver's with no provider under it every claim of the 837 its
	// TRN02 names. Read for its claims alone, such a file recorded nothing
	// and the batch's claims waited for an answer that had come (a review).
	claimsUnder, providersUnder := map[int]bool{}, map[int]bool{}
	for _, c := range ack.Claims {
		claimsUnder[c.Provider] = true
	}
	for _, p := range ack.Providers {
		providersUnder[p.Receiver] = true
	}
	for i, p := range ack.Providers {
		if !claimsUnder[i] && rejects(p.Statuses) && p.Receiver >= 0 && p.Receiver < len(ack.Receivers) {
			who := payeeOf(p.Party)
			if err := im.rejectAbove(ack.Receivers[p.Receiver].Trace, &who, p.Statuses, p.RejectedAmount, reported); err != nil {
				return err
			}
		}
	}
	for i, r := range ack.Receivers {
		if !providersUnder[i] && rejects(r.Statuses) {
			if err := im.rejectAbove(r.Trace, nil, r.Statuses, r.RejectedAmount, reported); err != nil {
				return err
			}
		}
	}
	return nil
}

// rejects reports whether an STC of a 277CA level says the payer rejected
// what it covers.
func rejects(sts []x12.Status) bool {
	for _, st := range sts {
		for _, sc := range st.Codes {
			if sc.Rejected() {
				return true
			}
		}
	}
	return false
}

// rejectAbove records a 277CA rejection made above the claims as each
// claim's: every loop of the batch trace names (2200B TRN02, our 837's
// BHT03, "RSS" and the batch id), or of it for the payee who only (a
// provider-level rejection, who matched as findLoop matches it). A batch
// that trace does not name, a payee of none of its loops, or one naming
// no agency alone is kept as one unmatched item (its reference the trace,
// its amount what the payer says it rejected), so the file does not read
// empty.
func (im *importer) rejectAbove(trace string, who *payee, sts []x12.Status, rejected decimal.Decimal, reported time.Time) error {
	codes := []string{}
	for _, st := range sts {
		for _, sc := range st.Codes {
			codes = append(codes, statusCode(sc))
		}
	}
	var loops []struct {
		sentLoop
		ProviderID int64  `db:"provider_id"`
		NPI        string `db:"npi"`
	}
	reason := UnmatchedBatch
	var batchID int64
	if id, err := strconv.ParseInt(strings.TrimPrefix(trace, "RSS"), 10, 64); err == nil && strings.HasPrefix(trace, "RSS") {
		err := im.tx.GetContext(im.ctx, &batchID, `SELECT id FROM batches WHERE id = $1 AND payer_route = '`+RouteMedicaid837P+`'`, id)
		if err != nil && !errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("277CA rejection of a batch: %w", err)
		}
	}
	npi, tin := "", ""
	if who != nil {
		npi, tin = who.npi, who.tin
	}
	switch {
	case batchID == 0:
	case who != nil && npi == "" && tin == "":
		reason = UnmatchedPayee // XV, the plan's own number: no agency of ours
	default:
		if err := im.tx.SelectContext(im.ctx, &loops, `
			SELECT x.batch_id, x.claim_id, x.part, c.client_id, x.line_ids, x.frequency, x.provider_id, COALESCE(bp.npi, '') AS npi
			FROM batch_x12_claims x
			JOIN batch_providers bp ON bp.batch_id = x.batch_id AND bp.provider_id = x.provider_id
			JOIN claims c ON c.id = x.claim_id
			WHERE x.batch_id = $1 AND `+payeeMatchSQL("bp", "$2", "$3")+`
			ORDER BY x.provider_id, x.claim_id, x.part`, batchID, npi, tin); err != nil {
			return fmt.Errorf("277CA rejection of a batch: %w", err)
		}
		if who != nil {
			reason = UnmatchedUnknownPayee
		}
		// A payee named by a tax id two agencies of the batch share names
		// neither alone, as findLoop reads it.
		for _, l := range loops {
			if who != nil && l.ProviderID != loops[0].ProviderID {
				loops, reason = nil, UnmatchedPayee
				break
			}
		}
	}
	if len(loops) == 0 {
		// What the payer says it rejected (AMT*YY), else its STC04; none
		// when it says neither.
		if rejected.IsZero() && len(sts) > 0 {
			rejected = sts[0].Amount
		}
		var amount any
		if !rejected.IsZero() {
			d, err := cents(rejected, "the 277CA's rejected amount (AMT*YY or STC04)")
			if err != nil {
				return err
			}
			amount = d
		}
		if _, err := im.tx.ExecContext(im.ctx, `INSERT INTO payer_claim_statuses (file_id, seq, clm01, provider_npi, accepted, statuses,
				charge, unmatched_reason, reported_at)
			VALUES ($1, $2, $3, NULLIF($4, ''), false, $5, $6, $7, $8)`,
			im.fileID, im.next(), trace, npi, pq.StringArray(codes), amount, reason, reported); err != nil {
			return fmt.Errorf("record 277CA rejection: %w", err)
		}
		return nil
	}
	for _, l := range loops {
		if _, err := im.tx.ExecContext(im.ctx, `INSERT INTO payer_claim_statuses (file_id, seq, clm01, provider_npi, batch_id, claim_id, part,
				accepted, statuses, reported_at)
			SELECT $1, $2, x.clm01, NULLIF($3, ''), x.batch_id, x.claim_id, x.part, false, $7, $8
			FROM batch_x12_claims x WHERE x.batch_id = $4 AND x.claim_id = $5 AND x.part = $6`,
			im.fileID, im.next(), l.NPI, l.BatchID, l.ClaimID, l.Part, pq.StringArray(codes), reported); err != nil {
			return fmt.Errorf("record 277CA rejection: %w", err)
		}
		im.events = append(im.events, access.Event{Action: "post", EntityType: "claim", EntityID: access.ID(l.ClaimID), ClientID: l.ClientID})
	}
	return nil
}

// statusCode is an STC composite as stored: category:code, and :entity
// when the payer names one.
func statusCode(sc x12.StatusCode) string {
	s := sc.Category + ":" + sc.Code
	if sc.Entity != "" {
		s += ":" + sc.Entity
	}
	return s
}

// post835 records one payment and posts its claims. A payment (TRN) is
// posted once whatever file brings it. A claim is posted to the loop its
// CLP01 names; a reversal (CLP02 22) undoes the current posting with the
// payer's claim control number it carries (CLP07), or else (a CLP07 never
// seen) the one its REF*F8 names or the current posting of the loop it
// names, and is posted to that posting's loop (reversalTarget); a
// second payment of a loop whose posting was not reversed first is kept
// but not posted, so nothing counts twice.
func (im *importer) post835(rem x12.Remittance) error {
	total, err := cents(rem.SignedTotal(), "BPR02")
	if err != nil {
		return err
	}
	var payDate any
	if !rem.PaymentDate.IsZero() {
		payDate = rem.PaymentDate.Format(time.DateOnly)
	}
	who := payeeOf(rem.Payee)
	var paymentID int64
	err = im.tx.GetContext(im.ctx, &paymentID, `INSERT INTO payer_payments (file_id, seq, st_control, handling, amount, credit_debit, method,
			payment_date, trace_number, originator, payer_name, payer_id, payee_npi, payee_tax_id)
		VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, ''), $8, $9, $10, NULLIF($11, ''), NULLIF($12, ''), NULLIF($13, ''), NULLIF($14, ''))
		RETURNING id`,
		im.fileID, im.next(), rem.STControl, rem.Handling, total, rem.CreditDebit, rem.Method, payDate, rem.Trace, rem.TraceOriginator,
		rem.Payer.Name, rem.Payer.ID, who.npi, who.tin)
	if pg.IsViolation(err, pg.CodeUniqueViolation, "payer_payments_trace_once") {
		return rss.Coded(rss.ErrConflict, "payment_already_posted",
			"payment %s was posted before, by an earlier file or earlier in this one; nothing was written", rem.Trace)
	}
	if err != nil {
		return fmt.Errorf("record 835 payment: %w", err)
	}
	im.payments = append(im.payments, pendingPayment{id: paymentID, who: who, claims: rem.Claims})
	var agency int64
	if len(rem.Adjustments) > 0 {
		if agency, err = im.claimsAgency(rem.Claims, who); err != nil {
			return fmt.Errorf("record PLB: %w", err)
		}
	}
	for i, plb := range rem.Adjustments {
		amount, err := cents(plb.Amount, "PLB amount")
		if err != nil {
			return err
		}
		var fiscal any
		if !plb.FiscalEnd.IsZero() {
			fiscal = plb.FiscalEnd.Format(time.DateOnly)
		}
		// The adjustment moves the payee's money (it is netted in this
		// payment's BPR02), so it is the payee's, whatever PLB01 names: read
		// by PLB01's NPI, a PLB naming another agency charged that agency's
		// reconciliation for money taken from this one's payment (a
		// black-box pass). The payee is read as the payment's claims are
		// (payeeProviderSQL): read by the agencies' NPI and tax id today,
		// a payment under the NPI an agency's claims went out with, changed
		// since, posted its claims to the agency and charged its PLB to
		// nobody, or to the agency holding that NPI now (a review). A payee
		// that names several agencies (an NPI one agency had and another
		// took since, each billing under it) is the one every claim of the
		// payment matched, where the PLB was charged to nobody and each
		// agency's reconciliation missed what was withheld from its
		// payment (a black-box re-check). PLB01 is the agency only when
		// the payee names none.
		if _, err := im.tx.ExecContext(im.ctx, `INSERT INTO payer_provider_adjustments (payment_id, seq, provider_ref, provider_id, fiscal_date,
				reason, reference, amount)
			VALUES ($1, $2, $3, CASE WHEN $8 <> '' OR $9 <> '' THEN COALESCE(`+payeeProviderSQL("$8", "$9")+`, NULLIF($10::bigint, 0))
				ELSE `+payeeProviderSQL("$3", "''")+` END, $4, $5, NULLIF($6, ''), $7)`,
			paymentID, i+1, plb.Provider, fiscal, plb.Reason, plb.Reference, amount, who.npi, who.tin, agency); err != nil {
			return fmt.Errorf("record PLB: %w", err)
		}
	}
	return nil
}

// pendingPayment is an 835 payment recorded, its claims not yet posted.
type pendingPayment struct {
	id     int64
	who    payee
	claims []x12.ClaimPayment
}

// postClaimPayments posts the claims of every payment of the file: the
// reversals of all its sets first, then the rest, each numbered by its
// place in its set. A payer's reversal and its correction are one action,
// in whichever order or set the file lists them: posted in file order, a
// correction listed first met the payment it corrects still standing and
// was kept aside, and the reversal then left the claim reversed and open
// though the payer had paid it again (black-box passes: in one set, then
// in two sets of one file). A reversal that finds nothing to undo while a
// payment of the file carries its CLP07 (or the REF*F8 it reads first:
// reversalTarget) waits for that payment: the payments it names are
// posted, then it, each waiting reversal in turn, then the other payments.
// The payer may take back in one file the very payment it makes there
// (the two netted in BPR02): posted first, the reversal undid nothing and
// the payment stood, the claim reading paid for money the agency did not
// keep (a black-box pass); and a split payment, its reversal and the
// correction in one file post in the payer's order. Waiting instead
// whenever a reversal finds nothing would let it undo a correction the
// file pays for a payment rss never saw.
func (im *importer) postClaimPayments() error {
	type claimAt struct {
		p *pendingPayment
		i int
	}
	type ccnOf struct {
		who payee
		ccn string
	}
	var waiting, payments []claimAt
	named := map[ccnOf][]decimal.Decimal{} // what the waiting reversals of each CLP07 take back
	waitOn := map[claimAt]string{}         // the number each waiting reversal waits on
	for k := range im.payments {
		p := &im.payments[k]
		for i := range p.claims {
			if p.claims[i].Status != x12.ClaimReversal {
				payments = append(payments, claimAt{p, i})
				continue
			}
			wait, err := im.postClaim(p.id, i+1, p.who, &p.claims[i], true)
			if err != nil {
				return err
			}
			if wait != "" {
				waiting = append(waiting, claimAt{p, i})
				waitOn[claimAt{p, i}] = wait
				k := ccnOf{p.who, wait}
				named[k] = append(named[k], p.claims[i].Paid.Neg())
			}
		}
	}
	post := func(cs []claimAt, keep func(c claimAt) bool) error {
		for _, c := range cs {
			if keep(c) {
				if _, err := im.postClaim(c.p.id, c.i+1, c.p.who, &c.p.claims[c.i], false); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// The first payment of the file a waiting reversal names is the one it
	// undoes; a later one with the same CLP07 is its correction, posted
	// after it: all posted first, the correction met the payment still
	// standing and was kept aside, and the reversal left the claim
	// reversed (a re-check: payers keep a claim's number on its
	// correction).
	// The first, that is, unless a later one is of the amount a reversal
	// takes back: a file listing the correction before the payment had the
	// reversal undo the correction, and the payment stand (a re-check).
	// Parts of that payment (the same payment, each itemizing lines no
	// other part did) go with it: a split payment is taken back whole.
	type firstPayment struct {
		p     *pendingPayment
		lines map[string]bool
	}
	head := map[ccnOf]int{}
	mirrored := map[ccnOf]bool{}
	for j, c := range payments {
		k := ccnOf{c.p.who, c.p.claims[c.i].PayerControl}
		back, ok := named[k]
		if !ok || mirrored[k] {
			continue
		}
		if _, set := head[k]; !set {
			head[k] = j
		}
		if slices.ContainsFunc(back, c.p.claims[c.i].Paid.Equal) {
			head[k], mirrored[k] = j, true
		}
	}
	first := map[ccnOf]*firstPayment{}
	chosen := map[claimAt]bool{}
	for j, c := range payments {
		k := ccnOf{c.p.who, c.p.claims[c.i].PayerControl}
		if h, ok := head[k]; !ok || j < h {
			continue
		}
		f, seen := first[k]
		if !seen {
			f = &firstPayment{p: c.p, lines: map[string]bool{}}
			first[k] = f
		} else if f.p != c.p || !filePart(f.lines, &c.p.claims[c.i]) {
			continue
		}
		for _, l := range c.p.claims[c.i].Lines {
			f.lines[l.ControlNumber] = true
		}
		chosen[c] = true
	}
	// Each waiting reversal is posted right after the payments it names,
	// in file order: a chain of re-adjudications (a reversal naming by
	// REF*F8 the correction of the one before) undoes each correction
	// before the next posts; all corrections posted first, the second met
	// the first standing and was kept aside (a black-box re-check).
	isNamed := func(c claimAt) bool { return chosen[c] }
	posted := map[claimAt]bool{}
	for _, r := range waiting {
		k := ccnOf{r.p.who, waitOn[r]}
		if err := post(payments, func(c claimAt) bool {
			if !chosen[c] || posted[c] || (ccnOf{c.p.who, c.p.claims[c.i].PayerControl}) != k {
				return false
			}
			posted[c] = true
			return true
		}); err != nil {
			return err
		}
		if err := post([]claimAt{r}, func(claimAt) bool { return true }); err != nil {
			return err
		}
	}
	return post(payments, func(c claimAt) bool { return !isNamed(c) })
}

// filePart is importer.splitPart's rule read on a file's CLPs before any
// is posted: c is a further part of a split payment when it itemizes lines
// (REF*6R) no part before did (seen), or, itemizing none, says so (MA15).
// The loop's charge, which splitPart holds the parts to, is not read here:
// one taken for a part that splitPart keeps aside only posts in the
// order chosen.
func filePart(seen map[string]bool, c *x12.ClaimPayment) bool {
	if len(c.Lines) == 0 {
		return slices.Contains(c.Remarks, "MA15")
	}
	for _, l := range c.Lines {
		if l.ControlNumber == "" || seen[l.ControlNumber] {
			return false
		}
	}
	return true
}

// paidInFile reports whether a payment (not a reversal) of this file to
// the payee who carries the payer's claim control number ccn.
func (im *importer) paidInFile(ccn string, who payee) bool {
	for _, p := range im.payments {
		if p.who != who {
			continue
		}
		for _, c := range p.claims {
			if c.Status != x12.ClaimReversal && c.PayerControl == ccn {
				return true
			}
		}
	}
	return false
}

// mirroredStanding is the current posting of loop l when reversal c
// takes back exactly what it stands for: CLP03 and CLP04 the negated
// charge and payment of its standing parts (one posting, however split).
func (im *importer) mirroredStanding(l *sentLoop, c *x12.ClaimPayment) (*posting, error) {
	var sum struct {
		Charge decimal.NullDecimal `db:"charge"`
		Paid   decimal.NullDecimal `db:"paid"`
	}
	if err := im.tx.GetContext(im.ctx, &sum, `SELECT sum(p.charge) AS charge, sum(p.paid) AS paid FROM payer_claim_payments p
		WHERE p.batch_id = $1 AND p.claim_id = $2 AND p.part = $3 AND p.unmatched_reason IS NULL AND NOT p.reversal
		  AND `+standsP, l.BatchID, l.ClaimID, l.Part); err != nil {
		return nil, fmt.Errorf("standing posting: %w", err)
	}
	if !sum.Charge.Valid || !sum.Charge.Decimal.Equal(c.Charge.Neg()) || !sum.Paid.Decimal.Equal(c.Paid.Neg()) {
		return nil, nil
	}
	return im.current("p.batch_id = $1 AND p.claim_id = $2 AND p.part = $3", l.BatchID, l.ClaimID, l.Part)
}

// mirrors reports whether a reversal of charge and paid (negative) takes
// back exactly the posting id, or with whole every part of its loop that
// stands (splitTarget).
func (im *importer) mirrors(id int64, whole bool, charge, paid decimal.Decimal) (bool, error) {
	where := `p.id = $1`
	if whole {
		where = `(p.batch_id, p.claim_id, p.part) = (SELECT batch_id, claim_id, part FROM payer_claim_payments WHERE id = $1)
		  AND p.unmatched_reason IS NULL AND NOT p.reversal AND ` + standsP
	}
	var sum struct {
		Charge decimal.NullDecimal `db:"charge"`
		Paid   decimal.NullDecimal `db:"paid"`
	}
	if err := im.tx.GetContext(im.ctx, &sum, `SELECT sum(p.charge) AS charge, sum(p.paid) AS paid FROM payer_claim_payments p WHERE `+where,
		id); err != nil {
		return false, fmt.Errorf("reversed posting: %w", err)
	}
	return sum.Charge.Decimal.Equal(charge.Neg()) && sum.Paid.Decimal.Equal(paid.Neg()), nil
}

// standsP is the condition that posting p is not undone: no reversal
// names it, and no reversal of a whole split payment (reverses_whole,
// migration 00058) names another posting of its loop made after it (the
// postings of a loop that stand are the parts of one posting, whichever
// payment carried each: migration 00068).
const standsP = `NOT EXISTS (SELECT 1 FROM payer_claim_payments r WHERE r.reverses_id = p.id)
	  AND NOT EXISTS (SELECT 1 FROM payer_claim_payments w JOIN payer_claim_payments r ON r.reverses_id = w.id AND r.reverses_whole
	      WHERE w.batch_id = p.batch_id AND w.claim_id = p.claim_id AND w.part = p.part AND p.id < r.id)`

// currentPostingQuery is a loop's current posting: posted, not a
// reversal, undone by no reversal. The posting rules keep one, or the
// parts of one the payer split (splitPart), in one payment or several:
// then the latest part.
const currentPostingQuery = `
	SELECT p.id, p.payment_id, p.batch_id, p.claim_id, p.part FROM payer_claim_payments p
	WHERE p.unmatched_reason IS NULL AND NOT p.reversal AND %s
	  AND ` + standsP + `
	ORDER BY p.id DESC LIMIT 1`

// splitTarget chooses what a reversal of paid (negative) undoes when the
// posting it names, target, is one part of a claim the payer split (in
// one payment or across payments: the loop's postings that stand): the
// part of that amount, latest first, when it is not also their sum; else
// every part (whole), as the payer mostly takes a split claim back with
// one CLP (the parts are one posting; the latest part alone left the
// claim reading more paid than the payer's net, a black-box re-check); a
// reversal of an amount that mirrors nothing is then kept aside (mirrors). A target not split is undone alone. A part the
// reversal's CLP07 (ccn: or the REF*F8 that found the target) names
// alone, of the amount it takes back, is the one undone: parts paid across 835s each carry their own number, and
// choosing by amount alone took back the latest part of it, another line's
// (a black-box re-check).
func (im *importer) splitTarget(target *posting, paid decimal.Decimal, ccn string) (id int64, whole bool, err error) {
	var parts []struct {
		ID   int64           `db:"id"`
		Paid decimal.Decimal `db:"paid"`
		CCN  *string         `db:"payer_ccn"`
	}
	if err := im.tx.SelectContext(im.ctx, &parts, `SELECT p.id, p.paid, p.payer_ccn FROM payer_claim_payments p
		WHERE p.batch_id = $1 AND p.claim_id = $2 AND p.part = $3 AND p.unmatched_reason IS NULL
		  AND NOT p.reversal AND `+standsP+` ORDER BY p.id DESC`, target.BatchID, target.ClaimID, target.Part); err != nil {
		return 0, false, fmt.Errorf("split payment: %w", err)
	}
	if len(parts) < 2 {
		return target.ID, false, nil
	}
	back, sum := paid.Neg(), decimal.Zero
	named, namedID := 0, int64(0)
	for _, p := range parts {
		if ccn != "" && p.CCN != nil && *p.CCN == ccn {
			named++
			if p.Paid.Equal(back) {
				namedID = p.ID
			}
		}
	}
	if named == 1 && namedID != 0 {
		return namedID, false, nil
	}
	for _, p := range parts {
		sum = sum.Add(p.Paid)
	}
	if !sum.Equal(back) {
		for _, p := range parts {
			if p.Paid.Equal(back) {
				return p.ID, false, nil
			}
		}
	}
	return parts[0].ID, true, nil
}

type posting struct {
	ID        int64 `db:"id"`
	PaymentID int64 `db:"payment_id"`
	BatchID   int64 `db:"batch_id"`
	ClaimID   int64 `db:"claim_id"`
	Part      int   `db:"part"`
}

func (im *importer) current(where string, args ...any) (*posting, error) {
	var p posting
	err := im.tx.GetContext(im.ctx, &p, fmt.Sprintf(currentPostingQuery, where), args...)
	if errors.Is(err, pg.ErrNoRows) {
		return nil, nil
	}
	return &p, err
}

// ccnSeen says what of the payer's number ccn is on file for the payee
// who: a payment (posted or not: known); one kept without posting, as a
// second payment of a loop already paid, and not yet taken back (aside:
// each such payment is reversed once); a reversal posted under it by
// another payment than paymentID (reversal).
type ccnOnFile struct{ known, aside, reversal bool }

func (im *importer) ccnSeen(ccn string, who payee, paymentID int64) (ccnOnFile, error) {
	var r struct {
		Known    bool `db:"known"`
		Aside    bool `db:"aside"`
		Reversal bool `db:"reversal"`
	}
	// The payee's own payments: the counts pair a payment kept aside with
	// the reversal that takes it back, both the payee's. A payment is the
	// payee's when the loop it was matched to is the payee's agency's (as
	// findLoop matched it), or, matched to none, when it was sent to the
	// same NPI or tax id: compared by the identifiers alone, a duplicate
	// sent to the agency's NPI was not its own for a reversal sent to its
	// tax id, and the reversal undid the payment that stands (a black-box
	// pass).
	own := `(($4 = '' AND $5 = '') OR ` + payeeLoop("p", "$4", "$5") + ` OR EXISTS (SELECT 1 FROM payer_payments pp
		WHERE pp.id = p.payment_id AND (($4 <> '' AND pp.payee_npi = $4) OR ($5 <> '' AND pp.payee_tax_id = $5))))`
	// Money kept aside is a second payment (already_posted) or a payment
	// of a void's loop (void_paid): the payer taking either back nets it
	// out, reverses_kept_aside. A void_paid taken back read
	// nothing_to_reverse, and finance, reading a takeback that found
	// nothing beside a void payment still owed back, could return the money
	// twice (a payer black-box pass).
	keptAside := []string{UnmatchedAlreadyPosted, UnmatchedVoidPaid}
	// A reversal repeated in another payment is the payer's repeat: in
	// the payment itself, the parts of a split claim may each be taken
	// back under one number.
	err := im.tx.GetContext(im.ctx, &r, `SELECT
		EXISTS (SELECT 1 FROM payer_claim_payments p WHERE p.payer_ccn = $1 AND NOT p.reversal AND `+own+`) AS known,
		(SELECT count(*) FROM payer_claim_payments p WHERE p.payer_ccn = $1 AND NOT p.reversal AND p.unmatched_reason = ANY ($2) AND `+own+`) >
		(SELECT count(*) FROM payer_claim_payments p WHERE p.payer_ccn = $1 AND p.reversal AND p.unmatched_reason = $3 AND `+own+`) AS aside,
		EXISTS (SELECT 1 FROM payer_claim_payments p WHERE p.payer_ccn = $1 AND p.reversal AND p.unmatched_reason IS NULL
			AND p.payment_id <> $6 AND `+own+`) AS reversal`,
		ccn, pq.Array(keptAside), UnmatchedKeptAside, who.npi, who.tin, paymentID)
	return ccnOnFile{known: r.Known, aside: r.Aside, reversal: r.Reversal}, err
}

// splitPart reports whether c, a payment of a loop whose current posting
// cur stands, is another part of the same adjudication: the payer split
// the claim into several CLPs of one CLP01 in one payment (the 835 guide's
// claim splitting), each with the lines it covers: it itemizes lines
// (REF*6R) none of the parts posted in the payment did, or, itemizing none,
// says so (MOA or MIA remark MA15, "claim separated to expedite
// handling"). A CLP repeating a part's lines, MA15 or not, or paid again
// in another payment, is a second payment and kept aside; so is one
// laterPart refuses while a part from another payment stands. A black-box pass found the second part
// of a split claim kept aside as already posted: the claim read half paid,
// its lines 0.00, and the reconciliation's difference unexplained.
func (im *importer) splitPart(paymentID int64, cur *posting, l *sentLoop, c *x12.ClaimPayment) (bool, error) {
	if cur.PaymentID != paymentID {
		return im.laterPart(cur, l, c)
	}
	// A part standing from another payment holds its lines whichever part
	// this payment posted last: compared with this payment's parts alone,
	// a CLP repeating the earlier 835's line (or saying MA15 beside it)
	// was posted as one more part, the line paid twice (a review).
	var earlier bool
	if err := im.tx.GetContext(im.ctx, &earlier, `SELECT EXISTS (SELECT 1 FROM payer_claim_payments p
			WHERE p.batch_id = $1 AND p.claim_id = $2 AND p.part = $3 AND p.payment_id <> $4 AND p.unmatched_reason IS NULL
			  AND NOT p.reversal AND `+standsP+`)`, cur.BatchID, cur.ClaimID, cur.Part, paymentID); err != nil {
		return false, err
	}
	if earlier {
		if ok, err := im.laterPart(cur, l, c); err != nil || !ok {
			return false, err
		}
	}
	// A part that itemizes nothing is one by its MA15 when, with the
	// payment's parts before it that itemize nothing, it charges (CLP03)
	// the lines no part itemized, whole, in the order the loop sent them:
	// the parts before it ending on a line's end, and it on a later one's.
	// Parts divide a claim, and a second CLP charging the claim whole
	// again is a second payment (summed in, a 14.50 claim read paid 29.00,
	// nothing unmatched: a payer black-box pass); and a void takes each
	// part back under its own number by the lines its charge covers
	// (billing's loopsQuery, splitCCN), which a part ending inside a line
	// would leave with none (a re-check). One that itemizes lines is one
	// only if no other part did: MA15 beside a line already paid was
	// summed twice (a black-box pass).
	if len(c.Lines) == 0 {
		if !slices.Contains(c.Remarks, "MA15") || !c.Charge.IsPositive() {
			return false, nil
		}
		var fits bool
		err := im.tx.GetContext(im.ctx, &fits, `WITH itemized AS (
				SELECT lp.line_id FROM payer_claim_payments p JOIN payer_line_payments lp ON lp.claim_payment_id = p.id
				WHERE p.payment_id = $1 AND p.batch_id = $2 AND p.claim_id = $3 AND p.part = $4 AND p.unmatched_reason IS NULL
				  AND NOT p.reversal AND lp.line_id IS NOT NULL AND `+standsP+`),
			ends AS (
				SELECT sum(l.paid) OVER (ORDER BY o.n) AS upto
				FROM unnest($5::bigint[]) WITH ORDINALITY AS o(id, n) JOIN claim_lines l ON l.id = o.id
				WHERE o.id NOT IN (SELECT line_id FROM itemized)),
			before AS (
				SELECT COALESCE(sum(p.charge), 0) AS charged FROM payer_claim_payments p
				WHERE p.payment_id = $1 AND p.batch_id = $2 AND p.claim_id = $3 AND p.part = $4 AND p.unmatched_reason IS NULL
				  AND NOT p.reversal AND `+standsP+`
				  AND NOT EXISTS (SELECT 1 FROM payer_line_payments lp WHERE lp.claim_payment_id = p.id))
			SELECT (b.charged = 0 OR EXISTS (SELECT 1 FROM ends WHERE upto = b.charged))
			   AND EXISTS (SELECT 1 FROM ends WHERE upto = b.charged + $6)
			FROM before b`,
			paymentID, cur.BatchID, cur.ClaimID, cur.Part, l.LineIDs, c.Charge)
		return fits, err
	}
	ids, ok := loopLines(c, l)
	if !ok {
		return false, nil
	}
	// Nor beside a part that itemizes nothing unless each such part says
	// MA15 and, with c's lines out, they still end on line ends (as a
	// part itemizing nothing is held to): a whole-claim payment before it
	// makes it a second payment, but an MA15 part listed first made a
	// genuine split's later parts kept aside, the claim read underpaid
	// and its void took back the first part alone (a payer re-check).
	var overlap bool
	err := im.tx.GetContext(im.ctx, &overlap, `WITH parts AS (
				SELECT p.id, p.charge, p.remarks FROM payer_claim_payments p
				WHERE p.payment_id = $1 AND p.batch_id = $2 AND p.claim_id = $3 AND p.part = $4 AND p.unmatched_reason IS NULL
				  AND NOT p.reversal AND `+standsP+`),
			bare AS (
				SELECT x.* FROM parts x WHERE NOT EXISTS (SELECT 1 FROM payer_line_payments lp WHERE lp.claim_payment_id = x.id)),
			ends AS (
				SELECT sum(cl.paid) OVER (ORDER BY o.n) AS upto
				FROM unnest($6::bigint[]) WITH ORDINALITY AS o(id, n) JOIN claim_lines cl ON cl.id = o.id
				WHERE o.id <> ALL ($5) AND NOT EXISTS (SELECT 1 FROM parts x JOIN payer_line_payments lp ON lp.claim_payment_id = x.id
				                                       WHERE lp.line_id = o.id))
		SELECT EXISTS (SELECT 1 FROM parts x JOIN payer_line_payments lp ON lp.claim_payment_id = x.id
				WHERE lp.line_id IS NULL OR lp.line_id = ANY ($5))
			OR EXISTS (SELECT 1 FROM bare WHERE NOT 'MA15' = ANY (bare.remarks))
			OR (EXISTS (SELECT 1 FROM bare)
			    AND NOT EXISTS (SELECT 1 FROM ends WHERE upto = (SELECT sum(charge) FROM bare)))`,
		paymentID, cur.BatchID, cur.ClaimID, cur.Part, pq.Int64Array(ids), l.LineIDs)
	return !overlap, err
}

// loopLines are the lines of loop l that c itemizes (REF*6R, each the id
// of a line l carried), and false when a line of c names none: such a
// payment names no line apart. A reference naming no line of the loop (a
// payer garbling REF*6R, or echoing its own line numbers) told nothing
// apart, yet was taken as a line no part had paid, and a claim paid in
// full three times read paid thrice as three parts (a black-box re-check).
func loopLines(c *x12.ClaimPayment, l *sentLoop) ([]int64, bool) {
	ids := make([]int64, 0, len(c.Lines))
	for _, ln := range c.Lines {
		n, err := strconv.ParseInt(ln.ControlNumber, 10, 64)
		if err != nil || !containsInt(l.LineIDs, n) {
			return nil, false
		}
		ids = append(ids, n)
	}
	return ids, true
}

// laterPart reports whether c, a payment of a loop whose current posting
// cur stands and came in another payment (an earlier 835, or another set),
// is a further part of it: the payer paid the claim in parts across its
// 835s, each CLP under its own claim control number and itemizing the
// lines it pays. It is one when it itemizes lines (REF*6R, each naming a
// line) and every part standing does too, none of them a line c names;
// otherwise, or itemizing nothing (MA15 alone cannot tell a part from a
// duplicate across payments), it is a second payment and kept aside. A
// payer pass found the second 835's part kept aside as already posted:
// the claim read paid by the first alone, the rest unexplained.
func (im *importer) laterPart(cur *posting, l *sentLoop, c *x12.ClaimPayment) (bool, error) {
	ids, ok := loopLines(c, l)
	if len(c.Lines) == 0 || !ok {
		return false, nil
	}
	// A standing part with a line naming no line of the loop paid money
	// no line can be told apart by: whatever else comes is a second
	// payment.
	var overlap bool
	err := im.tx.GetContext(im.ctx, &overlap, `SELECT EXISTS (SELECT 1 FROM payer_claim_payments p
			WHERE p.batch_id = $1 AND p.claim_id = $2 AND p.part = $3 AND p.unmatched_reason IS NULL AND NOT p.reversal
			  AND `+standsP+`
			  AND (NOT EXISTS (SELECT 1 FROM payer_line_payments l WHERE l.claim_payment_id = p.id)
			       OR EXISTS (SELECT 1 FROM payer_line_payments l WHERE l.claim_payment_id = p.id
			                  AND (l.line_id IS NULL OR l.line_id = ANY ($4)))))`,
		cur.BatchID, cur.ClaimID, cur.Part, pq.Int64Array(ids))
	return !overlap, err
}

// payeeLoop is the condition that the claim payment p was matched to a
// loop billed by the payee the parameters npi and tin name, as findLoop
// matches a CLP01: when the payee names neither, any loop.
func payeeLoop(p, npi, tin string) string {
	return `EXISTS (SELECT 1 FROM claims c JOIN batch_providers bp ON bp.batch_id = ` + p + `.batch_id
		AND bp.provider_id = c.provider_id WHERE c.id = ` + p + `.claim_id AND ` + payeeMatchSQL("bp", npi, tin) + `)`
}

// reversalTarget finds the posting a reversal undoes and the payer's
// number it was found by (by: "" when by the loop), or why it undoes
// nothing (reason), or the number of a payment of this file it waits for
// (waitOn). Only a posting of the payee's own loops: a CLP07 names a
// payment of the payer's, and one agency's 835 (or a slip in its CLP07)
// must not take back another agency's payment.
//
// The current posting carrying its CLP07 comes first. A CLP07 rss has
// seen that no current posting carries undoes nothing: the payer takes
// back a second payment kept aside (already_posted, never posted), and
// the pair nets to nothing on the unmatched list; or the payment it names
// was undone already; or it is a reversal posted before, repeated (payers
// that give each adjustment its own number send it as CLP07). Falling
// back to the loop's current posting there undid the payment that stands,
// or the correction (black-box passes). A CLP07 rss has never seen leaves
// the posting to the 835's REF*F8 (the original claim's number, one value
// only) when a current posting or a payment of the file carries it, to
// nothing when the payment it names is on file and does not stand (read
// as that number would be as CLP07), and else to the current posting of
// the loop CLP01 names.
func (im *importer) reversalTarget(paymentID int64, who payee, c *x12.ClaimPayment, l *sentLoop, mayDefer bool) (
	target *posting, by, reason, waitOn string, err error) {
	byNumber := func(ccn string) (*posting, error) {
		return im.current("p.payer_ccn = $1 AND "+payeeLoop("p", "$2", "$3"), ccn, who.npi, who.tin)
	}
	if ccn := c.PayerControl; ccn != "" {
		if target, err = byNumber(ccn); err != nil || target != nil {
			return target, ccn, "", "", err
		}
		seen, err := im.ccnSeen(ccn, who, paymentID)
		if err != nil {
			return nil, "", "", "", err
		}
		if seen.aside {
			return nil, "", UnmatchedKeptAside, "", nil
		}
		// A payment of this file carries the CLP07: the reversal names
		// it, posted after the reversals (the loop's current posting, or
		// an earlier payment of that number undone already, is another
		// payment). Unless its REF*F8 names a posting that stands, which
		// is what it takes back, whatever those payments' amounts: a payer
		// numbering each adjustment sends the reversal and its correction
		// under the adjustment's number, and waiting on the correction
		// kept both aside, the original standing (a review; then, the
		// correction paying what the original did, a black-box re-check).
		// Without REF*F8, a reversal mirroring the loop's standing
		// posting (CLP03 and CLP04 its amounts negated) takes back that
		// posting, the one their correction replaces, whatever the
		// correction pays (a black-box re-check found both kept aside, the
		// old amount and number standing). So it does when the correction
		// pays what the original did: read as the payer paying and taking
		// back a second payment in one file, both were kept aside, the
		// original stood, and the payer's later takeback of the new number
		// undid nothing, the claim keeping money the payer had taken back
		// (a re-check, medium). Paying a claim that stands again only to
		// take it back in the same 835 is no payer's practice; a
		// re-adjudication under a new number is. A reversal mirroring no
		// standing posting (another amount, or one of several parts) still
		// waits on its number and is kept aside with it.
		// A REF*F8 naming no standing posting but a payment of this file
		// (the payer re-adjudicating twice in one file, each reversal
		// under the new number) waits for that payment, which it then
		// undoes: waiting on its own number undid the second correction,
		// the first standing (a black-box re-check).
		if mayDefer && im.paidInFile(ccn, who) {
			if f8 := originalRef(c); f8 != "" && f8 != ccn {
				if target, err = byNumber(f8); err != nil || target != nil {
					return target, f8, "", "", err
				}
				if im.paidInFile(f8, who) {
					return nil, "", "", f8, nil
				}
			} else if l != nil {
				if target, err = im.mirroredStanding(l, c); err != nil || target != nil {
					return target, "", "", "", err
				}
			}
			return nil, "", "", ccn, nil
		}
		if seen.known || seen.reversal {
			return nil, "", UnmatchedNothingToUndo, "", nil
		}
		if f8 := originalRef(c); f8 != "" && f8 != ccn {
			if target, err = byNumber(f8); err != nil || target != nil {
				return target, f8, "", "", err
			}
			if mayDefer && im.paidInFile(f8, who) {
				return nil, "", "", f8, nil
			}
			// A payment REF*F8 names that is on file and does not stand
			// is read as its own number would be: a duplicate kept aside
			// is taken back beside it, one undone already undoes
			// nothing. Left to the loop's current posting, it undid the
			// payment that stands (a black-box re-check).
			seen, err := im.ccnSeen(f8, who, paymentID)
			if err != nil {
				return nil, "", "", "", err
			}
			if seen.aside {
				return nil, "", UnmatchedKeptAside, "", nil
			}
			if seen.known || seen.reversal {
				return nil, "", UnmatchedNothingToUndo, "", nil
			}
		}
	}
	if l != nil {
		target, err = im.current("p.batch_id = $1 AND p.claim_id = $2 AND p.part = $3", l.BatchID, l.ClaimID, l.Part)
	}
	return target, "", "", "", err
}

// originalRef is the original claim's payer claim control number an 835
// claim carries in REF*F8, "" when it carries none or several.
func originalRef(c *x12.ClaimPayment) string {
	ref := ""
	for _, r := range c.Refs {
		if r.Qual != "F8" || r.Value == "" {
			continue
		}
		if ref != "" && r.Value != ref {
			return ""
		}
		ref = r.Value
	}
	return ref
}

// postClaim posts one CLP. A reversal posted before the file's payments
// (mayDefer) that finds no current posting with its CLP07 (or the REF*F8
// read in its place) while a payment of the same file carries it is not
// recorded: it returns that number (waitOn), to be posted again once the
// payments it names are.
func (im *importer) postClaim(paymentID int64, seq int, who payee, c *x12.ClaimPayment, mayDefer bool) (waitOn string, err error) {
	charge, err := cents(c.Charge, at(c.Position, "CLP", "CLP03"))
	if err != nil {
		return "", err
	}
	paid, err := cents(c.Paid, at(c.Position, "CLP", "CLP04"))
	if err != nil {
		return "", err
	}
	resp, err := cents(c.PatientResp, at(c.Position, "CLP", "CLP05"))
	if err != nil {
		return "", err
	}
	l, unmatched, err := im.findLoop(c.ClaimID, who)
	if err != nil {
		return "", err
	}
	reversal := c.Status == x12.ClaimReversal
	// named is the loop the CLP01 names when a reversal is posted to
	// another (the original a void or replacement supersedes): its lines
	// may itemize the reversal.
	var named *sentLoop
	var reverses any
	whole := false
	reason := ""
	switch {
	case !linesBalance(c):
		// The payer's claim and its own lines disagree: which of them
		// is the payment is the payer's to say, so the claim is kept
		// aside, listed for finance with the reason, and the rest of the
		// file posts (a payer pass posted both as sent, the claim paid
		// one amount and its lines another). Nothing is undone by it.
		reason = UnmatchedUnbalanced
	case reversal && unmatched == UnmatchedPayee:
		// The CLP01 names loops of several agencies the payee may be
		// (the plan's own number, a shared tax id): no agency's, as a
		// payment's is. Found by its CLP07 across them, one undid an
		// agency's payment with nothing for finance to review (a payer
		// black-box pass).
		reason = UnmatchedPayee
	case reversal:
		target, by, why, waitOn, err := im.reversalTarget(paymentID, who, c, l, mayDefer)
		if err != nil {
			return "", err
		}
		if waitOn != "" {
			return waitOn, nil
		}
		if why != "" {
			reason = why
			break
		}
		if target == nil {
			reason = UnmatchedNothingToUndo
			if l == nil {
				reason = unmatched
			}
			break
		}
		// The posting a CLP07 names belongs to a loop sent with the CLM01
		// the reversal's CLP01 names: one naming another claim's payment
		// is a slip of the payer's, kept aside rather than charged to a
		// claim the payer did not name (it undid that claim's payment, a
		// black-box pass). The same CLM01 sent again in a later batch is
		// the same claim. So is the claim a void or replacement supersedes:
		// rss gives each its own claim number, naming the original by the
		// payer's number in REF*F8, and payers answer it under that number.
		other, err := im.otherClaim(target, c.ClaimID, l)
		if err != nil {
			return "", err
		}
		if other {
			reason = UnmatchedOtherClaim
			break
		}
		id, all, err := im.splitTarget(target, paid, by)
		if err != nil {
			return "", err
		}
		// A reversal takes back what the posting it undoes paid: one
		// whose CLP03 and CLP04 do not mirror it is the payer's to
		// explain, kept aside and undoing nothing. Taken, a −20.00
		// reversal undid a 29.00 payment and the 9.00 showed nowhere, the
		// claim and advice reading one amount and the reconciliation
		// another (a black-box re-check).
		if mirrors, err := im.mirrors(id, all, charge, paid); err != nil {
			return "", err
		} else if !mirrors {
			reason = UnmatchedReversalMismatch
			break
		}
		reverses, whole = id, all
		if l == nil || l.BatchID != target.BatchID || l.ClaimID != target.ClaimID || l.Part != target.Part {
			named = l
			if l, err = im.loopOf(target.BatchID, target.ClaimID, target.Part); err != nil {
				return "", err
			}
		}
	case l == nil:
		reason = unmatched
	case l.Frequency == "8" && paid.IsPositive():
		// A payer answers a void by reversing the original's payment
		// (CLP02 22), never by paying the void: money paid on one posted
		// as paid, the void reading paid to the agency and counted in the
		// reconciliation's paid, only an unexplained difference showing
		// it (a finance black-box pass). Kept aside for finance to chase.
		// Nor has the payer taken the void: the original's payment
		// stands, so the void's loop reads turned away (loopRejectedX) and
		// its agency sends it again, as after void_denied below; it read
		// no answer at all and its resend was refused (a payer black-box
		// pass).
		reason = UnmatchedVoidPaid
	case l.Frequency == "8":
		// Nor by a claim of the void's own paying nothing (CLP02 4, the
		// charge adjusted away): that is the payer turning the void away,
		// the original's payment standing. Kept aside, the void's loop
		// reads rejected (payer_loop_rejected, migration 00104), as a
		// 277CA's rejection reads it, and the agency sends it again.
		// Posted, its positive charge and CAS met the void's negative
		// billed and the reconciliation read twice the void unexplained,
		// and the resend was refused (a white-box review).
		reason = UnmatchedVoidDenied
	default:
		cur, err := im.current("p.batch_id = $1 AND p.claim_id = $2 AND p.part = $3", l.BatchID, l.ClaimID, l.Part)
		if err != nil {
			return "", err
		}
		// Nothing standing: a first payment, or a correction after a
		// reversal (a whole reversal undoes only the postings before it,
		// migration 00068, so a correction paid in the split payment's own
		// set after it stands).
		if cur != nil {
			split, err := im.splitPart(paymentID, cur, l, c)
			if err != nil {
				return "", err
			}
			if !split {
				reason = UnmatchedAlreadyPosted
			}
		}
	}
	var batch, claim, part any
	if l != nil {
		batch, claim, part = l.BatchID, l.ClaimID, l.Part
	}
	var id int64
	err = im.tx.GetContext(im.ctx, &id, `INSERT INTO payer_claim_payments (payment_id, seq, clp01, status_code, charge, paid, patient_resp,
			filing_code, payer_ccn, reversal, batch_id, claim_id, part, reverses_id, remarks, unmatched_reason, reverses_whole)
		VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, ''), NULLIF($9, ''), $10, $11, $12, $13, $14, $15, NULLIF($16, ''), $17) RETURNING id`,
		paymentID, seq, c.ClaimID, c.Status, charge, paid, resp, c.FilingCode, c.PayerControl, reversal, batch, claim, part, reverses,
		pq.StringArray(nonNil(c.Remarks)), reason, whole)
	if err != nil {
		return "", fmt.Errorf("record 835 claim: %w", err)
	}
	if l != nil && reason == "" {
		im.events = append(im.events, access.Event{Action: "post", EntityType: "claim", EntityID: access.ID(l.ClaimID),
			ClientID: l.ClientID})
	}
	adj := 0
	for _, a := range c.Adjustments {
		adj++
		if err := im.adjustment(id, nil, adj, a); err != nil {
			return "", err
		}
	}
	for i := range c.Lines {
		ln := &c.Lines[i]
		lineID, err := im.postLine(id, i+1, l, named, ln)
		if err != nil {
			return "", err
		}
		for _, a := range ln.Adjustments {
			adj++
			if err := im.adjustment(id, &lineID, adj, a); err != nil {
				return "", err
			}
		}
	}
	return "", nil
}

// linesBalance reports whether a CLP that itemizes its lines is tied to
// them by the 835 guide's claim balancing: the lines' charges (SVC02) add
// up to the claim's (CLP03), and their payments (SVC03) less the
// claim-level adjustments to the claim's payment (CLP04). The reader
// balanced each line (SVC02 − its CAS = SVC03) and the claim against all
// its CAS (CLP03 − claim and line CAS = CLP04), so the two read the same;
// neither is checked by the reader, which refuses a whole file for one
// claim. A CLP itemizing no line (paid or denied whole) has nothing to tie.
func linesBalance(c *x12.ClaimPayment) bool {
	if len(c.Lines) == 0 {
		return true
	}
	charged, paid := decimal.Zero, decimal.Zero
	for _, ln := range c.Lines {
		charged, paid = charged.Add(ln.Charge), paid.Add(ln.Paid)
	}
	for _, a := range c.Adjustments {
		paid = paid.Sub(a.Amount)
	}
	return charged.Equal(c.Charge) && paid.Equal(c.Paid)
}

// otherClaim reports whether target, the posting a reversal undoes, is of
// a claim the reversal's CLP01 does not name: not a loop sent with that
// CLM01 (clp01), nor of a claim that the loop CLP01 names (l, as findLoop
// matched it for the payee) supersedes as a void or replacement
// (frequency 8 or 7), down its chain of originals. Payers answer a void
// or replacement under its own CLM01, CLP07 the original's number (the
// REF*F8 rss sent): kept aside as another claim's, the original read paid
// though the payer had taken the money back (a black-box pass).
func (im *importer) otherClaim(target *posting, clp01 string, l *sentLoop) (bool, error) {
	var lb, lc int64
	var lp int
	if l != nil {
		lb, lc, lp = l.BatchID, l.ClaimID, l.Part
	}
	var same bool
	err := im.tx.GetContext(im.ctx, &same, `SELECT EXISTS (SELECT 1 FROM batch_x12_claims
			WHERE batch_id = $1 AND claim_id = $2 AND part = $3 AND clm01 = $4)
		OR EXISTS (WITH RECURSIVE chain (id) AS (
				SELECT c.original_claim_id FROM batch_x12_claims x JOIN claims c ON c.id = x.claim_id
				WHERE x.batch_id = $5 AND x.claim_id = $6 AND x.part = $7 AND x.frequency IN ('7', '8')
				UNION SELECT c.original_claim_id FROM claims c JOIN chain ON c.id = chain.id WHERE c.original_claim_id IS NOT NULL)
			SELECT 1 FROM chain WHERE id = $2)`,
		target.BatchID, target.ClaimID, target.Part, clp01, lb, lc, lp)
	return !same, err
}

// postLine records an SVC, matched by REF*6R to a line of the loop l: a
// line of it, or, for a reversal posted to the original that named (a
// void's loop) supersedes, a line of named reversing one of l's (a void
// repeats the original's lines as its own, and the payer echoes those).
func (im *importer) postLine(claimPaymentID int64, seq int, l, named *sentLoop, ln *x12.LinePayment) (int64, error) {
	charge, err := cents(ln.Charge, at(ln.Position, "SVC", "SVC02"))
	if err != nil {
		return 0, err
	}
	paid, err := cents(ln.Paid, at(ln.Position, "SVC", "SVC03"))
	if err != nil {
		return 0, err
	}
	var line any
	reason := UnmatchedClaimLine
	if l != nil {
		reason = UnmatchedLine
		n, err := strconv.ParseInt(ln.ControlNumber, 10, 64)
		switch {
		case err != nil:
		case containsInt(l.LineIDs, n):
			line, reason = n, ""
		case named != nil && containsInt(named.LineIDs, n):
			var orig int64
			err := im.tx.GetContext(im.ctx, &orig, `WITH RECURSIVE back (id) AS (
					SELECT reverses_line_id FROM claim_lines WHERE id = $1 AND reverses_line_id IS NOT NULL
					UNION SELECT l.reverses_line_id FROM claim_lines l JOIN back ON l.id = back.id WHERE l.reverses_line_id IS NOT NULL)
				SELECT id FROM back WHERE id = ANY ($2) LIMIT 1`, n, l.LineIDs)
			switch {
			case err == nil:
				line, reason = orig, ""
			case !errors.Is(err, pg.ErrNoRows):
				return 0, fmt.Errorf("match 835 line: %w", err)
			}
		}
	}
	units, err := quantity(ln.Units, at(ln.Position, "SVC", "SVC05"))
	if err != nil {
		return 0, err
	}
	var id int64
	err = im.tx.GetContext(im.ctx, &id, `INSERT INTO payer_line_payments (claim_payment_id, seq, procedure_code, modifiers, charge, paid,
			units, line_ref, line_id, remarks, unmatched_reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, ''), $9, $10, NULLIF($11, '')) RETURNING id`,
		claimPaymentID, seq, ln.Procedure.Code, pq.StringArray(nonNil(ln.Procedure.Modifiers)), charge, paid, units, ln.ControlNumber, line,
		pq.StringArray(nonNil(ln.Remarks)), reason)
	if err != nil {
		return 0, fmt.Errorf("record 835 line: %w", err)
	}
	return id, nil
}

// adjustment records one CAS triplet; its group and reason code were
// checked by the reader.
func (im *importer) adjustment(claimPaymentID int64, linePaymentID *int64, seq int, a x12.Adjustment) error {
	amount, err := cents(a.Amount, at(a.Position, "CAS", "an amount"))
	if err != nil {
		return err
	}
	qty, err := quantity(a.Quantity, at(a.Position, "CAS", "a quantity"))
	if err != nil {
		return err
	}
	if _, err := im.tx.ExecContext(im.ctx, `INSERT INTO payer_adjustments (claim_payment_id, line_payment_id, seq, group_code, carc, amount, quantity)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, claimPaymentID, linePaymentID, seq, a.Group, a.Reason, amount, qty); err != nil {
		return fmt.Errorf("record CAS: %w", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
