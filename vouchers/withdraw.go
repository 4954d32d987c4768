package vouchers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/pg"
)

// WithdrawRequest takes back a pended request its agency no longer wants
// reviewed (the wrong service, units or dates; the client left): it leaves
// the review queue with decision withdrawn, granting and holding nothing,
// and the withdrawal (who, when, why) is kept on it and audited. Only the
// agency that made it may (another agency's request is a 404, as on a
// read), and only while it waits: one decided is a 409 not_pended, one
// withdrawn already a 409 already_withdrawn. A reviewer's hold on it
// (Take) does not keep the agency from withdrawing it; the hold ends
// with it. A reviewer deciding it at the same moment locks the same row
// first: whichever comes second finds the other's outcome and is refused
// (voucher_requests_decided_once holds it in the schema too).
func (s *Service) WithdrawRequest(ctx context.Context, id int64, reason string) (VoucherRequest, error) {
	a, err := access.Require(ctx, access.RoleProvider)
	if err != nil {
		return VoucherRequest{}, err
	}
	v := &rss.ValidationError{}
	requireReason(v, reason, "reason is required: why the request is withdrawn")
	if err := v.Err(); err != nil {
		return VoucherRequest{}, err
	}
	var out VoucherRequest
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		var vr VoucherRequest
		err := tx.GetContext(ctx, &vr, `SELECT `+requestColumns+requestFrom+`WHERE v.id = $1 FOR UPDATE OF v`, id)
		if errors.Is(err, pg.ErrNoRows) || (err == nil && vr.ProviderID != a.ProviderID) {
			return fmt.Errorf("%w: voucher request %d", rss.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		switch vr.Decision {
		case "pended":
		case "withdrawn":
			return rss.Coded(rss.ErrConflict, "already_withdrawn", "voucher request %d was withdrawn at %s", id,
				vr.WithdrawnAt.UTC().Format(time.RFC3339))
		default:
			return rss.Coded(rss.ErrConflict, "not_pended", "voucher request %d was decided (%s): only a pended request can be withdrawn",
				id, vr.Decision)
		}
		if _, err := withdrawPended(ctx, tx, `v.id = $1`, id, a.KeyID, WithdrawnByAgency, reason, s.now()); err != nil {
			return err
		}
		if out, err = getRequest(ctx, tx, id); err != nil {
			return err
		}
		if err := out.shownTo(ctx, tx, a, s.Today()); err != nil {
			return err
		}
		// The answer shows the request's reasons as a GET does, another
		// agency's records under its consent among them: a disclosure, and
		// a retry after the consent ended is redacted afresh (a Part 2
		// black-box pass found both missing).
		quoted, err := reasonDisclosures(ctx, tx, a, &out)
		if err != nil {
			return err
		}
		return access.Record(ctx, tx, quoted...)
	})
	var replayed *pg.Replayed
	if errors.As(err, &replayed) {
		return out, s.replayShownNow(ctx, a, replayed)
	}
	return out, err
}

// withdrawPended withdraws the pended requests where (a condition on v
// with $1 = arg) holds, for cause, by the key whose act it is, and audits
// each: a withdrawal, not a reviewer's decision. A request decided by a
// reviewer meanwhile is no longer pended when the statement reaches it
// (its row lock waits for the decision), so it is left as decided.
func withdrawPended(ctx context.Context, tx *sqlx.Tx, where string, arg, keyID int64, cause, reason string, now time.Time) ([]int64, error) {
	var rows []struct {
		ID       int64 `db:"id"`
		ClientID int64 `db:"client_id"`
	}
	if err := tx.SelectContext(ctx, &rows, `UPDATE voucher_requests v SET decision = 'withdrawn', decided_at = $2, withdrawn_at = $2,
		withdrawn_by = $3, withdrawal_reason = $4, withdrawal_cause = $5, taken_by = NULL, taken_at = NULL
		WHERE `+where+` AND v.decision = 'pended' RETURNING v.id, v.client_id`, arg, now, keyID, reason, cause); err != nil {
		return nil, fmt.Errorf("withdraw voucher requests: %w", err)
	}
	ids := make([]int64, len(rows))
	events := make([]access.Event, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
		events[i] = access.Event{Action: "withdraw", EntityType: "voucher_request", EntityID: access.ID(r.ID), ClientID: r.ClientID,
			Outcome: cause}
	}
	return ids, access.Record(ctx, tx, events...)
}

// withdrawEnrollmentRequests withdraws the pended requests for an
// enrollment its discharge or withdrawal ends, as a system action with a
// reason that says so: the re-check would let a reviewer only deny them,
// which would record a decision no reviewer made.
func (s *Service) withdrawEnrollmentRequests(ctx context.Context, tx *sqlx.Tx, a access.Actor, e *Enrollment, cause, reason string) error {
	_, err := withdrawPended(ctx, tx, `v.enrollment_id = $1`, e.ID, a.KeyID, cause, reason, s.now())
	return err
}
