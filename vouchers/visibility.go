package vouchers

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/pg"
)

// A view is what one actor may see of one person's care (42 CFR Part 2).
// The MSC roles see every agency's records. A provider sees its own and,
// of each agency whose current consent on its record of the person names
// the provider as recipient, the kinds of record the consent discloses;
// nothing else, and nothing that says other records exist.
type view struct {
	personID int64
	all      bool
	own      int64              // provider views: the reader's agency
	shared   map[int64][]string // provider views: agency → kinds of record its consents disclose
}

// sees reports whether the view shows the records of kind records an
// agency made.
func (v view) sees(providerID int64, records string) bool {
	return v.all || providerID == v.own || slices.Contains(v.shared[providerID], records)
}

// arg is the agencies whose records of kind records are shown, as a query
// argument: the reader's own first, then by id; NULL means every agency.
func (v view) arg(records string) any {
	if v.all {
		return nil
	}
	out := []int64{v.own}
	for _, p := range slices.Sorted(maps.Keys(v.shared)) {
		if slices.Contains(v.shared[p], records) {
			out = append(out, p)
		}
	}
	return pq.Array(out)
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
	shared, err := consentingAgencies(ctx, ext, personID, a.ProviderID, today, a.Purpose)
	if err != nil {
		return view{}, err
	}
	return view{personID: personID, own: a.ProviderID, shared: shared}, nil
}

// consentingAgencies maps each agency that, on day today, holds a current
// consent of the person naming recipient as the provider it may disclose
// to for purpose, to the kinds of record those consents disclose.
func consentingAgencies(ctx context.Context, ext pg.Ext, personID, recipient int64, today rss.Date, purpose string) (map[int64][]string, error) {
	var rows []struct {
		P       int64          `db:"p"`
		Records pq.StringArray `db:"records"`
	}
	if err := sqlx.SelectContext(ctx, ext, &rows, consentingSQL("$1", "$2", "$3", "$4"), personID, recipient, today, purpose); err != nil {
		return nil, fmt.Errorf("consenting agencies: %w", err)
	}
	out := make(map[int64][]string, len(rows))
	for _, r := range rows {
		out[r.P] = r.Records
	}
	return out, nil
}

// canSeeAgencyRecord returns ErrNotFound unless the actor may see a record
// of kind records that agency providerID keeps about client record clientID.
func canSeeAgencyRecord(ctx context.Context, ext pg.Ext, a access.Actor, clientID, providerID int64, today rss.Date, records, what string,
	id int64) error {
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
	if !serves || !v.sees(providerID, records) {
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

// AuditQuery asks the audit log for its entries (admin only): every
// field narrows it; From and To are days in the service's time zone,
// both included.
type AuditQuery struct {
	ClientID   int64
	EntityType string
	EntityID   string
	Action     string
	ActorKeyID int64
	From, To   rss.Date
}

// AuditEvents reads the audit log back through the API, oldest first: who
// did what to which record and client, why and when, reads included. The
// MSC read it only in the database (a known gap until the twenty-first
// stop). The read is itself audited.
func (s *Service) AuditEvents(ctx context.Context, q AuditQuery, p Page) (List[access.LoggedEvent], error) {
	a, err := access.Require(ctx, access.RoleAdmin)
	if err != nil {
		return List[access.LoggedEvent]{}, err
	}
	v := &rss.ValidationError{}
	for _, f := range []struct{ name, value string }{{"entity_type", q.EntityType}, {"action", q.Action}} {
		// Digits too: rss writes days_past_24_hours_report, and its
		// readers could not be asked for (a re-check).
		if f.value != "" && (len(f.value) > maxCodeLen || strings.Trim(f.value, "abcdefghijklmnopqrstuvwxyz0123456789_") != "") {
			v.Add(f.name, "invalid_value", "%s is a lower-case code of letters, digits and underscores, at most %d characters", f.name,
				maxCodeLen)
		}
	}
	switch {
	case len(q.EntityID) > 255:
		v.Add("entity_id", "too_long", "entity_id must be at most 255 characters")
	case q.EntityID != "" && q.EntityType == "":
		v.Add("entity_id", "pair_required", "entity_id names a record of an entity_type: give both")
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		v.Add("to", "before_from", "to is before from")
	}
	if err := v.Err(); err != nil {
		return List[access.LoggedEvent]{}, err
	}
	after, limit, err := p.after()
	if err != nil {
		return List[access.LoggedEvent]{}, err
	}
	f := access.EventFilter{ClientID: q.ClientID, EntityType: q.EntityType, EntityID: q.EntityID, Action: q.Action, ActorKeyID: q.ActorKeyID}
	if !q.From.IsZero() {
		y, m, d := q.From.Date()
		from := time.Date(y, m, d, 0, 0, 0, 0, s.loc)
		f.From = &from
	}
	if !q.To.IsZero() {
		y, m, d := q.To.AddDays(1).Date()
		to := time.Date(y, m, d, 0, 0, 0, 0, s.loc)
		f.To = &to
	}
	var rows []access.LoggedEvent
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		// A client that does not exist is not found, as its disclosures
		// are: answered, the read was recorded against an id a later
		// registration took (a re-check).
		if q.ClientID != 0 {
			if err := canSeeClient(ctx, tx, a, q.ClientID); err != nil {
				return err
			}
		}
		if rows, err = access.Events(ctx, tx, f, after, limit+1); err != nil {
			return err
		}
		// The read names every client whose entries it showed, however
		// it was narrowed, as a report's read does (a read set): read as
		// "all", a read of one client's claims by record id was not found
		// under the client (a re-check).
		var entries, clients []int64
		for _, r := range rows[:min(len(rows), limit)] {
			if r.ClientID != nil {
				entries, clients = append(entries, r.ID), append(clients, *r.ClientID)
			}
		}
		if len(entries) > 0 {
			return access.RecordReads(ctx, tx, "audit_log", `SELECT e AS entity_id, c AS client_id FROM unnest($1::bigint[], $2::bigint[]) AS x(e, c)`,
				pq.Array(entries), pq.Array(clients))
		}
		return access.Record(ctx, tx, access.Event{Action: "read", EntityType: "audit_log", EntityID: "none"})
	})
	if err != nil {
		return List[access.LoggedEvent]{}, err
	}
	return page(rows, limit, func(e access.LoggedEvent) int64 { return e.ID }), nil
}
