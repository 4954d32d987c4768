package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/pg"
)

// Claims intake is four rooms: validate (claims.go), snapshot the facts
// with the locks held (intake_facts.go), decide every claim against the
// ledger in memory (intake_decide.go, ledger.Book), and write it all in one
// statement (intake_write.go). Only the write changes the database.

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
// each answered on its own. Claims are decided in the order given, as the
// same claims sent one by one in that order would be, each claim's lines
// in date-of-service order (serviceOrder); every line sees the units,
// dollars and activity of the lines decided before it.
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
	lines := 0
	for i := range claims {
		lines += len(claims[i].Lines)
	}
	if lines > MaxLinesPerBulk {
		return nil, rss.Invalid("claims", "too_many_lines", "at most %d lines per request (this one has %d); send the claims in more requests",
			MaxLinesPerBulk, lines)
	}
	// The request's idempotency key, the claims and the answer commit
	// together; the key's stored answer is read by the snapshot's round
	// trip (pg.DoFolded).
	var out []Outcome
	err = pg.DoIntoFolded(ctx, s.db, s.ids, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		// A bulk runs for seconds: its key is held until it commits, so a
		// revocation meanwhile either waits for it or stops it. One claim
		// is over in milliseconds and skips the round trip.
		if len(claims) > 1 {
			if err := access.HoldKey(ctx, tx, a); err != nil {
				return err
			}
		}
		var keys []string
		scope, key, folded := pg.FoldedRequest(ctx)
		if folded {
			keys = []string{key}
		}
		var err error
		out, err = s.submit(ctx, a, claims, nil, scope, keys)
		return err
	})
	return out, err
}

// SubmitEach adjudicates claims that arrived as separate requests of one
// API key, in one transaction (group commit): each keeps its own outcome
// and its own request id in the audit log. The caller owns the
// transaction through ctx and answers each request. With keys (the
// requests' idempotency keys, of the actor's scope), the snapshot reads
// their stored answers in its own round trip, and the submission fails
// with errKeysAnswered, having written nothing, when one holds an answer.
func (s *Service) SubmitEach(ctx context.Context, claims []NewClaim, requestIDs, keys []string) ([]Outcome, error) {
	a, err := access.Require(ctx, access.RoleProvider)
	if err != nil {
		return nil, err
	}
	if len(claims) != len(requestIDs) || (keys != nil && len(keys) != len(claims)) {
		return nil, fmt.Errorf("SubmitEach: %d claims, %d request ids, %d keys", len(claims), len(requestIDs), len(keys))
	}
	return s.submit(ctx, a, claims, requestIDs, a.IdempotencyScope(), keys)
}

// submit is the whole intake: validate, then in one transaction take the
// snapshot (with the stored answers of keys, when given), decide against
// the ledger and write.
func (s *Service) submit(ctx context.Context, a access.Actor, claims []NewClaim, requestIDs []string, scope int64, keys []string) ([]Outcome, error) {
	// The database keeps microseconds: a finer time would be rounded there
	// and differ from what was decided with.
	today, now := s.today(), s.now().Truncate(time.Microsecond)
	in := newSubmission(a, claims, requestIDs, today, now)
	in.scope, in.keys = scope, keys
	var out []Outcome
	err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		for attempt := 1; ; attempt++ {
			f, err := s.snapshot(ctx, tx, in)
			// Two agencies' claims for one person, their authorizations
			// in two episodes with ids interleaved, lock the episodes in
			// opposite orders, and PostgreSQL ends one: a deadlock met
			// taking the snapshot's locks reached the client as a 409 (a
			// review). Undone to the savepoint, which lets the other go
			// on, the snapshot is taken again, as a write's is.
			if isDeadlock(err) && attempt < intakeAttempts {
				if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT claim_intake`); rerr != nil {
					return fmt.Errorf("rollback to savepoint: %w", rerr)
				}
				continue
			}
			if err != nil {
				return err
			}
			w := decide(f, in)
			if len(w.unknown) > 0 {
				// The facts read every locked episode's holdings.
				return fmt.Errorf("claim intake: holdings of episodes %v not read", w.unknown)
			}
			err = s.write(ctx, tx, a, w)
			if writtenMeanwhile(err) {
				if attempt < intakeAttempts {
					continue // decided again on a new snapshot
				}
				if isDeadlock(err) {
					// Met every time: the whole transaction runs again
					// (pg.Transact), which a coded conflict would stop
					// (a review).
					return err
				}
				return rss.Coded(rss.ErrConflict, "claim_number_reused",
					"claim numbers of this submission were being written by other requests at the same moment; send it again")
			}
			if err != nil {
				return err
			}
			out, err = s.answer(ctx, tx, w)
			return err
		}
	})
	return out, err
}

// intakeAttempts bounds how often one submission is decided again because
// another transaction wrote one of its claim numbers meanwhile.
const intakeAttempts = 3

// writtenMeanwhile reports whether err means another transaction wrote one
// of the submission's claim numbers, or deadlocked with it doing so.
func writtenMeanwhile(err error) bool {
	var pe *pq.Error
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == pg.CodeDeadlock || (pe.Code == pg.CodeUniqueViolation && pe.Constraint == "claims_number_unique")
}

// isDeadlock reports whether err is PostgreSQL ending the transaction's
// statement to break a deadlock.
func isDeadlock(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == pg.CodeDeadlock
}

// answer reads back the claims already on file that the submission
// repeated, and clears the claim of every refused outcome.
func (s *Service) answer(ctx context.Context, tx *sqlx.Tx, w *decided) ([]Outcome, error) {
	out := w.out
	if len(w.onFile) > 0 {
		ids := make([]int64, len(w.onFile))
		for k, i := range w.onFile {
			ids[k] = out[i].Claim.ID
		}
		var found []Claim
		if err := tx.SelectContext(ctx, &found, `SELECT `+claimColumns+`, `+claimBatchColumn+` FROM claims c WHERE c.id = ANY($1)`, pq.Array(ids)); err != nil {
			return nil, err
		}
		if err := attachLines(ctx, tx, found, false); err != nil {
			return nil, err
		}
		byID := map[int64]*Claim{}
		for k := range found {
			byID[found[k].ID] = &found[k]
		}
		for _, i := range w.onFile {
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

// ledgerError explains a ledger guard that fired: it means the code and the
// schema disagree, which must never pass silently.
func ledgerError(err error) error {
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Constraint != "" {
		return fmt.Errorf("ledger guard %s refused the write: %w", pe.Constraint, err)
	}
	return err
}
