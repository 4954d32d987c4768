package vouchers

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/ledger"
)

// parting is a record leaving the person a name and birth date joined it
// to, for the Medicaid ID an eligibility span gives it (partPlan), and
// the person that ID names, if another agency's record does (0 for none).
type parting struct {
	from, to int64
}

// partPlan is the parting a span of medicaidID makes of client record id,
// nil for none. A record registered without an ID joins, by its name and
// date of birth, the person another agency's record names; given an ID
// later that differs from the one that record holds, it stayed joined,
// where a registration giving that ID made a person of its own: two
// beneficiaries with Medicaid IDs of their own shared caps and the
// duplicate check, the second agency's request pended CONFLICT_ON_FILE
// where a stranger's was approved, and nothing told the reviewer the IDs
// differed (a black-box pass of the forty-fourth stop). The span parts
// the record as the MSC's separation would, and joins it to the person
// the ID names, as the registration would have (matchPerson).
//
// Only a record joined by name parts: the ID is Medicaid's own length
// (strongMedicaidID), no other record of the person holds it (on file or
// on a span), another holds a strong one of its own on file, and the
// record never held an ID another record of the person holds (one joined
// by an ID moving on is the same person with a new ID).
func partPlan(ctx context.Context, tx *sqlx.Tx, clientID int64, medicaidID string) (*parting, error) {
	if !strongMedicaidID(&medicaidID) {
		return nil, nil
	}
	var c struct {
		recordWho
		OthersIDs  pq.StringArray `db:"others_ids"`
		OthersHold bool           `db:"others_hold"`
		Shared     bool           `db:"shared"`
	}
	err := tx.GetContext(ctx, &c, `WITH others AS (SELECT o.id, o.medicaid_id FROM clients o
			WHERE o.person_id = (SELECT person_id FROM clients WHERE id = $1) AND o.id <> $1),
		held AS (SELECT medicaid_id FROM others WHERE medicaid_id IS NOT NULL
			UNION SELECT g.medicaid_id FROM client_eligibility g JOIN others o ON o.id = g.client_id)
		SELECT c.person_id, c.provider_id, c.first_name, c.last_name, c.date_of_birth,
			ARRAY(SELECT medicaid_id FROM others WHERE medicaid_id IS NOT NULL ORDER BY 1) AS others_ids,
			EXISTS (SELECT 1 FROM held WHERE medicaid_id = $2) AS others_hold,
			EXISTS (SELECT 1 FROM client_eligibility g JOIN held h ON h.medicaid_id = g.medicaid_id WHERE g.client_id = c.id) AS shared
		FROM clients c WHERE c.id = $1`, clientID, medicaidID)
	if err != nil {
		return nil, fmt.Errorf("part by medicaid id: %w", err)
	}
	if c.OthersHold || c.Shared {
		return nil, nil
	}
	strong := false
	for _, id := range c.OthersIDs {
		strong = strong || strongMedicaidID(&id)
	}
	if !strong {
		return nil, nil
	}
	to, err := matchPerson(ctx, tx, c.asNew(medicaidID), c.Provider)
	if err != nil {
		return nil, err
	}
	if to == c.Person {
		to = 0
	}
	return &parting{from: c.Person, to: to}, nil
}

// lockParting takes what the parting changes, before the record's row:
// the separation's locks, with the person it joins the join's (a superset
// of them, in one order: LockJoin).
func lockParting(ctx context.Context, tx *sqlx.Tx, clientID int64, p *parting) error {
	if p.to == 0 {
		return ledger.LockSeparation(ctx, tx, clientID)
	}
	return ledger.LockJoin(ctx, tx, ledger.Joining{ClientID: clientID, From: p.from, To: p.to})
}

// part separates client record id from its person (ledger.Separate) into
// a new person, kept as a separation with its reason, and joins that to
// the person the ID names (ledger.Join). The agency is told nothing
// either way: the span's answer reads the same.
func part(ctx context.Context, tx *sqlx.Tx, a access.Actor, clientID int64, p *parting, today rss.Date, now time.Time) error {
	var provider int64
	if err := tx.GetContext(ctx, &provider, `SELECT provider_id FROM clients WHERE id = $1`, clientID); err != nil {
		return fmt.Errorf("part: %w", err)
	}
	var person int64
	if err := tx.GetContext(ctx, &person, `INSERT INTO persons DEFAULT VALUES RETURNING id`); err != nil {
		return fmt.Errorf("new person: %w", err)
	}
	if err := ledger.Separate(ctx, tx, ledger.Separation{ClientID: clientID, ProviderID: provider, From: p.from, To: person,
		Today: today, At: now}); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO client_separations (client_id, from_person_id, to_person_id, reason,
			actor_key_id, separated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		clientID, p.from, person, partReason, a.KeyID, now); err != nil {
		return fmt.Errorf("record separation: %w", err)
	}
	if p.to != 0 {
		if err := ledger.Join(ctx, tx, ledger.Joining{ClientID: clientID, From: person, To: p.to, Today: today, At: now}); err != nil {
			return err
		}
	}
	return access.Record(ctx, tx, access.Event{Action: "separate", EntityType: "client", EntityID: access.ID(clientID),
		ClientID: clientID, Outcome: "eligibility_span"})
}

// partReason is the reason a parting's separation is kept with.
const partReason = "an eligibility span recorded a Medicaid ID no other record of the person holds, where another holds its own: " +
	"joined by name and date of birth, the record is another beneficiary"
