package vouchers

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/pg"
)

// A view is what one actor may see of one person's care (42 CFR Part 2).
// The MSC roles see every agency's records. A provider sees its own and
// those of each agency whose current consent, on that agency's record of
// the person, names the provider as recipient; nothing else, and nothing
// that says other records exist.
type view struct {
	personID int64
	all      bool
	agencies []int64 // provider views: own agency first
}

// sees reports whether the view shows records an agency made.
func (v view) sees(providerID int64) bool {
	if v.all {
		return true
	}
	for _, p := range v.agencies {
		if p == providerID {
			return true
		}
	}
	return false
}

// arg is the agencies as a query argument: NULL means every agency.
func (v view) arg() any {
	if v.all {
		return nil
	}
	return pq.Array(v.agencies)
}

// viewOf returns the actor's view of the person behind client record
// clientID, or ErrNotFound when the actor may not see that record.
func viewOf(ctx context.Context, ext pg.Ext, a access.Actor, clientID int64, today rss.Date) (view, error) {
	if err := canSeeClient(ctx, ext, a, clientID); err != nil {
		return view{}, err
	}
	var personID int64
	if err := sqlx.GetContext(ctx, ext, &personID, `SELECT person_id FROM clients WHERE id = $1`, clientID); err != nil {
		return view{}, fmt.Errorf("client person: %w", err)
	}
	return personView(ctx, ext, a, personID, today)
}

// personView is the actor's view of a person it is known to serve.
func personView(ctx context.Context, ext pg.Ext, a access.Actor, personID int64, today rss.Date) (view, error) {
	if !a.IsProvider() {
		return view{personID: personID, all: true}, nil
	}
	others, err := consentingAgencies(ctx, ext, personID, a.ProviderID, today, a.Purpose)
	if err != nil {
		return view{}, err
	}
	return view{personID: personID, agencies: append([]int64{a.ProviderID}, others...)}, nil
}

// consentingAgencies lists the agencies that, on day today, hold a current
// consent of the person naming recipient as the provider they may disclose
// to for purpose.
func consentingAgencies(ctx context.Context, ext pg.Ext, personID, recipient int64, today rss.Date, purpose string) ([]int64, error) {
	out := []int64{}
	if err := sqlx.SelectContext(ctx, ext, &out, consentingSQL("$1", "$2", "$3", "$4")+` ORDER BY 1`, personID, recipient, today,
		purpose); err != nil {
		return nil, fmt.Errorf("consenting agencies: %w", err)
	}
	return out, nil
}

// canSeeAgencyRecord returns ErrNotFound unless the actor may see a record
// that agency providerID keeps about client record clientID.
func canSeeAgencyRecord(ctx context.Context, ext pg.Ext, a access.Actor, clientID, providerID int64, today rss.Date, what string, id int64) error {
	if a.SeesProvider(providerID) {
		return nil
	}
	var personID int64
	if err := sqlx.GetContext(ctx, ext, &personID, `SELECT person_id FROM clients WHERE id = $1`, clientID); err != nil {
		return fmt.Errorf("client person: %w", err)
	}
	v, err := personView(ctx, ext, a, personID, today)
	if err != nil {
		return err
	}
	// The provider must also keep a record of the person itself: a consent
	// names a recipient that serves them.
	var serves bool
	if err := sqlx.GetContext(ctx, ext, &serves, `SELECT EXISTS (SELECT 1 FROM clients WHERE person_id = $1 AND provider_id = $2)`,
		personID, a.ProviderID); err != nil {
		return err
	}
	if !serves || !v.sees(providerID) {
		return fmt.Errorf("%w: %s %d", rss.ErrNotFound, what, id)
	}
	return nil
}

// disclosed is a record of another agency shown to the actor: its id (for
// a list of a client's records, the client record's), the agency's client
// record it is about, and the agency.
type disclosed struct {
	entityID             string
	clientID, providerID int64
}

// disclosures records, for each record of another agency the actor was
// shown under that agency's consent, a disclosure to the actor's agency
// naming the record (a single enrollment or care plan read was recorded
// under its client record's id: a black-box pass).
func disclosures(a access.Actor, entity string, shown ...disclosed) []access.Event {
	var out []access.Event
	for _, d := range shown {
		if a.IsProvider() && d.providerID != a.ProviderID {
			out = append(out, access.Event{Action: "disclose", EntityType: entity, EntityID: d.entityID, ClientID: d.clientID,
				Recipient: "provider:" + strconv.FormatInt(a.ProviderID, 10)})
		}
	}
	return out
}

// Disclosures lists, for an admin, every recorded disclosure of the person
// behind client record clientID: to whom (another agency under consent, the
// payer in an 837P), when, for what purpose, of which record.
func (s *Service) Disclosures(ctx context.Context, clientID int64, p Page) (List[access.Disclosure], error) {
	a, err := access.Require(ctx, access.RoleAdmin)
	if err != nil {
		return List[access.Disclosure]{}, err
	}
	after, limit, err := p.after()
	if err != nil {
		return List[access.Disclosure]{}, err
	}
	var rows []access.Disclosure
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := canSeeClient(ctx, tx, a, clientID); err != nil {
			return err
		}
		var records []int64
		if err := tx.SelectContext(ctx, &records, `SELECT id FROM clients
			WHERE person_id = (SELECT person_id FROM clients WHERE id = $1) ORDER BY id`, clientID); err != nil {
			return fmt.Errorf("person's records: %w", err)
		}
		if rows, err = access.Disclosures(ctx, tx, records, after, limit+1); err != nil {
			return err
		}
		return access.Record(ctx, tx, access.Event{Action: "read", EntityType: "disclosures", EntityID: access.ID(clientID),
			ClientID: clientID})
	})
	if err != nil {
		return List[access.Disclosure]{}, err
	}
	return page(rows, limit, func(d access.Disclosure) int64 { return d.ID }), nil
}
