package vouchers

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/ledger"
	"rss/pg"
)

// Separate takes client record id out of its person into a new person of
// its own, as if it had been registered a stranger: the MSC's way to part
// a record joined to another human's person, by a Medicaid ID mistyped
// into one that person holds with the same birth date, or by a name and
// birth date two people share. Joined, the two shared episodes, caps, the
// duplicate-service check and the primary case manager designation, and
// the agency's correction of the ID left them joined (a clients black-box
// pass). The record's stays leave the episodes they share
// (ledger.Separate); the separation is kept with its reason
// (client_separations) and audited, and no agency is told anything: its
// answers for its own record read the same, but for the decisions now
// made on its own person.
//
// Admin only. Refused, writing nothing (409): the person's only record
// (nothing_to_separate); a record whose Medicaid ID on file another record
// of the person holds on file (medicaid_id_shared: the registration would
// join them again; correct it first, ending its span and recording the
// right one). Its claim lines go with it (episode_splits), and a
// reviewer's exception in a shared episode is divided as its limits are.
func (s *Service) Separate(ctx context.Context, id int64, reason string) (Client, error) {
	a, err := access.Require(ctx, access.RoleAdmin)
	if err != nil {
		return Client{}, err
	}
	v := &rss.ValidationError{}
	requireReason(v, reason, "reason is required: why the record is not the person it was joined to")
	if err := v.Err(); err != nil {
		return Client{}, err
	}
	var out Client
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		// The episodes' life and the agencies' intake first, then the
		// record's row, as a merging enrollment takes them
		// (ledger.LockSeparation).
		if err := ledger.LockSeparation(ctx, tx, id); err != nil {
			return err
		}
		var c Client
		err := tx.GetContext(ctx, &c, `SELECT `+clientColumns+` FROM clients c WHERE c.id = $1 FOR UPDATE`, id)
		if errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("%w: client %d", rss.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		var o struct {
			Others   int    `db:"others"`
			SharedID *int64 `db:"shared_id"`
		}
		if err := tx.GetContext(ctx, &o, `SELECT
				(SELECT count(*) FROM clients WHERE person_id = $2 AND id <> $1) AS others,
				(SELECT min(o.id) FROM clients o WHERE o.person_id = $2 AND o.id <> $1 AND o.medicaid_id = $3) AS shared_id`,
			id, c.PersonID, c.MedicaidID); err != nil {
			return fmt.Errorf("separate: %w", err)
		}
		// A primary case manager designation moved between the record's
		// stays and another record's stays where it is: each person's
		// stays keep their flags, and one left with none is designated
		// anew by the MSC (designate-primary). Refused, as it was, a
		// transfer back did not clear it, and the record stayed joined
		// for good (a re-check).
		switch {
		case o.Others == 0:
			return rss.Coded(rss.ErrConflict, "nothing_to_separate", "client %d is its person's only record", id)
		case o.SharedID != nil:
			return rss.Coded(rss.ErrConflict, "medicaid_id_shared",
				"client %d holds the Medicaid ID on file that client %d of its person holds: a registration would join them again; "+
					"correct the record's ID first (end its eligibility span and record the right one)", id, *o.SharedID)
		}
		// The earlier IDs the record shares with the person it leaves:
		// they joined the two, and stop matching the record (matchPerson).
		joined := []string{} // none (joined by name and birth date): an empty array, never NULL
		if err := tx.SelectContext(ctx, &joined, `SELECT DISTINCT g.medicaid_id FROM client_eligibility g
			WHERE g.client_id = $1 AND g.medicaid_id IS DISTINCT FROM $3
			  AND (EXISTS (SELECT 1 FROM clients o WHERE o.person_id = $2 AND o.id <> $1 AND o.medicaid_id = g.medicaid_id)
			    OR EXISTS (SELECT 1 FROM client_eligibility x JOIN clients o ON o.id = x.client_id
			               WHERE o.person_id = $2 AND o.id <> $1 AND x.medicaid_id = g.medicaid_id))
			ORDER BY 1`, id, c.PersonID, c.MedicaidID); err != nil {
			return fmt.Errorf("separate: %w", err)
		}
		var person int64
		if err := tx.GetContext(ctx, &person, `INSERT INTO persons DEFAULT VALUES RETURNING id`); err != nil {
			return fmt.Errorf("new person: %w", err)
		}
		if err := ledger.Separate(ctx, tx, ledger.Separation{ClientID: id, ProviderID: c.ProviderID, From: c.PersonID, To: person,
			Today: s.Today(), At: s.now()}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO client_separations (client_id, from_person_id, to_person_id, medicaid_ids, reason,
				actor_key_id, separated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			id, c.PersonID, person, pq.Array(joined), reason, a.KeyID, s.now()); err != nil {
			return fmt.Errorf("record separation: %w", err)
		}
		if err := tx.GetContext(ctx, &out, `SELECT `+clientColumns+` FROM clients c WHERE c.id = $1`, id); err != nil {
			return err
		}
		return access.Record(ctx, tx, access.Event{Action: "separate", EntityType: "client", EntityID: access.ID(id), ClientID: id})
	})
	return out, err
}
