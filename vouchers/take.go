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

// TakeExpiry is how long a reviewer holds a pended request after taking
// it: long enough to read the trace and the facts and write a note, short
// enough that a request taken by someone who went home returns to the
// queue the same morning.
const TakeExpiry = 30 * time.Minute

// heldByAnother reports whether a reviewer other than keyID holds the
// request at now. A hold by a key revoked since has lapsed: no one can
// act on it, and it kept every other reviewer out for the rest of its
// half hour (black-box pass).
func (v *VoucherRequest) heldByAnother(ctx context.Context, ext pg.Ext, keyID int64, now time.Time) (bool, error) {
	if v.TakenBy == nil || *v.TakenBy == keyID || v.TakenAt == nil || !now.Before(v.TakenAt.Add(TakeExpiry)) {
		return false, nil
	}
	var live bool
	err := sqlx.GetContext(ctx, ext, &live, `SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL)`, *v.TakenBy)
	return live, err
}

// Take gives a pended request to the calling reviewer for TakeExpiry, so
// two reviewers do not decide the same one. Taking again what one already
// holds renews it; a request another reviewer holds is a conflict
// (`taken`), one already decided is `not_pended`.
func (s *Service) Take(ctx context.Context, id int64) (VoucherRequest, error) {
	a, err := access.Require(ctx, access.RoleReviewer)
	if err != nil {
		return VoucherRequest{}, err
	}
	var out VoucherRequest
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		var vr VoucherRequest
		err := tx.GetContext(ctx, &vr, `SELECT `+requestColumns+requestFrom+`WHERE v.id = $1 FOR UPDATE OF v`, id)
		if errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("%w: voucher request %d", rss.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		if vr.Decision != "pended" {
			return rss.Coded(rss.ErrConflict, "not_pended", "voucher request %d is %s, not pended", id, vr.Decision)
		}
		now := s.now()
		if held, err := vr.heldByAnother(ctx, tx, a.KeyID, now); err != nil || held {
			if err != nil {
				return err
			}
			return rss.Coded(rss.ErrConflict, "taken", "voucher request %d is taken by another reviewer until %s",
				id, vr.TakenAt.Add(TakeExpiry).UTC().Format(time.RFC3339))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE voucher_requests SET taken_by = $2, taken_at = $3 WHERE id = $1`, id, a.KeyID, now); err != nil {
			return err
		}
		if err := access.Record(ctx, tx, access.Event{Action: "take", EntityType: "voucher_request", EntityID: access.ID(id),
			ClientID: vr.ClientID}); err != nil {
			return err
		}
		out, err = getRequest(ctx, tx, id)
		return err
	})
	return out, err
}
