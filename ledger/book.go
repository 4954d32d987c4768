package ledger

import (
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"rss"
	"rss/adjudication"
)

// Held is an authorization a claims submission holds locked, with what its
// episode allows and has paid.
type Held struct {
	Authorization
	DollarCap *rss.Money `db:"dollar_cap"`
	// DollarsPaid is its episode's (the authorization's own is
	// Authorization.DollarsPaid).
	DollarsPaid rss.Money `db:"episode_dollars_paid"`
}

// Key identifies a counted line: a line with the same client, service,
// date and units is a duplicate (the schema's claim_lines_no_duplicate).
type Key struct {
	Client  int64
	Service string
	DOS     time.Time
	Units   int
}

// Day is one client's service on one date: its counted lines together
// hold no more units than the date does (adjudication's C00).
type Day struct {
	Client  int64
	Service string
	DOS     time.Time
}

// ClientDay is one client's date: the counted lines of the services counted
// by time hold no more of it together than the day's hours (C00).
type ClientDay struct {
	Client int64
	DOS    time.Time
}

// Entry is what a stored line holds on the ledger, for release.
type Entry struct {
	Key             Key
	AuthorizationID *int64
	EpisodeID       *int64
	UnitsAllowed    int
	Allowed         decimal.Decimal
	Paid            decimal.Decimal
}

type episode struct {
	cap    *decimal.Decimal
	paid   decimal.Decimal
	change decimal.Decimal
}

// Book is the ledger of one claims submission: the authorizations it
// holds locked, their episodes, the lines already counted, and what the
// submission changes. Lines are claimed in the caller's order (a claim's
// lines by date of service), each seeing what the earlier ones consumed
// and released and the activity they recorded.
type Book struct {
	provider int64
	today    time.Time
	auths    map[int64][]adjudication.Authorization // by client
	episodes map[int64]*episode
	counted  map[Key]bool
	days     map[Day]int // units of the counted lines, by client, service and date
	// minutes are the minutes the counted lines of the services counted by
	// time hold, by client and date; perUnit is a service's minutes a unit
	// (adjudication.Service.MinutesPerUnit), for a released line's.
	minutes map[ClientDay]int
	perUnit func(service string) int
	units   map[int64]int             // change of units_used, by authorization
	paid    map[int64]decimal.Decimal // change of dollars_paid, by authorization
	served  map[int64]time.Time       // latest date of service claimed, by authorization
	// holdings are what the episodes' authorizations hold of each
	// service and its maximum there (WithHoldings), as they stood when the
	// submission began; mine are this book's authorizations by episode and
	// service, and began what each held then, so a line sees the others'
	// holdings as they were and this book's as its lines left them.
	holdings  Holdings
	mine      map[EpisodeService][]*adjudication.Authorization
	began     map[int64]int
	beganUsed map[int64]int
	unknown   map[int64]bool
	// epDollars is what each episode's authorizations held of its dollar
	// cap as the submission began (Holding.Dollars summed over its
	// services), mineEp this book's authorizations by episode, and
	// beganDollars what each of them held of it then.
	epDollars    map[int64]decimal.Decimal
	mineEp       map[int64][]*adjudication.Authorization
	beganDollars map[int64]decimal.Decimal
}

// EpisodeService is one service in one episode: the episode unit maximum
// is a service's.
type EpisodeService struct {
	Episode int64
	Service string
}

// Holding is what the authorizations of an episode hold of one service
// (adjudication.Authorization.Holds, every agency's), the units they used,
// and the episode's maximum of it when a reviewer's exception raised it
// past the service's (zero otherwise).
type Holding struct {
	Held, Used, Max int
	// Dollars is what they hold of the episode's dollar cap
	// (Authorization.HoldsDollars summed).
	Dollars decimal.Decimal
}

// Holdings are the episodes' holdings by service.
type Holdings map[EpisodeService]Holding

// NewBook opens the ledger on the locked authorizations of the given
// clients of provider (others are left out) and the counted lines found;
// each authorization's status is judged on today.
func NewBook(provider int64, today rss.Date, held []Held, clients map[int64]bool, counted []Key) *Book {
	b := &Book{provider: provider, today: today.Time, auths: map[int64][]adjudication.Authorization{}, episodes: map[int64]*episode{},
		counted: make(map[Key]bool, len(counted)), units: map[int64]int{}, paid: map[int64]decimal.Decimal{}, served: map[int64]time.Time{}, unknown: map[int64]bool{},
		mine: map[EpisodeService][]*adjudication.Authorization{}, began: map[int64]int{}, beganUsed: map[int64]int{}}
	for i := range held {
		h := &held[i]
		if !clients[h.ClientID] {
			continue // locked, but the agency no longer serves the client
		}
		b.auths[h.ClientID] = append(b.auths[h.ClientID], h.Rule(today))
		if _, ok := b.episodes[h.EpisodeID]; !ok {
			ep := &episode{paid: h.DollarsPaid.Decimal}
			if h.DollarCap != nil {
				c := h.DollarCap.Decimal
				ep.cap = &c
			}
			b.episodes[h.EpisodeID] = ep
		}
	}
	for _, k := range counted {
		b.counted[k] = true
	}
	b.days, b.minutes = map[Day]int{}, map[ClientDay]int{}
	return b
}

// WithDayMinutes gives the book the minutes the counted lines of the
// services counted by time hold of each client's date, as the submission
// begins, and each service's minutes a unit.
func (b *Book) WithDayMinutes(m map[ClientDay]int, perUnit func(service string) int) *Book {
	for d, n := range m {
		b.minutes[d] = n
	}
	b.perUnit = perUnit
	return b
}

// WithDays gives the book the units the counted lines of each day hold,
// as the submission begins.
func (b *Book) WithDays(days map[Day]int) *Book {
	for d, n := range days {
		b.days[d] = n
	}
	return b
}

// WithHoldings gives the book what the episodes' authorizations hold, as
// the submission begins.
func (b *Book) WithHoldings(h Holdings) *Book {
	b.holdings = h
	b.epDollars, b.mineEp, b.beganDollars = map[int64]decimal.Decimal{}, map[int64][]*adjudication.Authorization{}, map[int64]decimal.Decimal{}
	for k, x := range h {
		b.epDollars[k.Episode] = b.epDollars[k.Episode].Add(x.Dollars)
	}
	for client := range b.auths {
		for i := range b.auths[client] {
			a := &b.auths[client][i]
			k := EpisodeService{a.EpisodeID, a.ServiceCode}
			b.mine[k] = append(b.mine[k], a)
			b.began[a.ID], b.beganUsed[a.ID] = a.Holds(b.today), a.UnitsUsed
			b.mineEp[a.EpisodeID] = append(b.mineEp[a.EpisodeID], a)
			b.beganDollars[a.ID] = a.HoldsDollars(b.today)
		}
	}
	return b
}

// dollarsHeldBesides is, for an authorization that no longer holds its
// unused units (inactive, or ended past its claims' due day), what the
// episode's authorizations hold of its dollar cap, its own paid dollars
// included: the others' reservations stand against its late lines, as
// they do against its units (heldBesides). Judged by the dollars paid
// alone, a late line was paid out of a live voucher's reserved dollars,
// whose later lines were denied 119, and another agency's first line on
// a voucher approved that day read 119 where a stranger's was paid (an
// inactivity black-box pass; 42 CFR Part 2). Nil for one that holds its
// units (its dollars were set aside when it was granted), and when the
// book was not given the episode's holdings.
func (b *Book) dollarsHeldBesides(a *adjudication.Authorization) *decimal.Decimal {
	total, ok := b.epDollars[a.EpisodeID]
	if !ok || a.Holds(b.today) >= a.UnitsAuthorized {
		return nil
	}
	for _, m := range b.mineEp[a.EpisodeID] {
		total = total.Sub(b.beganDollars[m.ID]).Add(m.HoldsDollars(b.today))
	}
	return &total
}

// Unknown lists, in id order, the episodes whose holdings a line needed
// and the book was not given (WithHoldings): a line of a service with a
// maximum was decided without its episode's.
func (b *Book) Unknown() []int64 {
	out := make([]int64, 0, len(b.unknown))
	for id := range b.unknown {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// heldBesides is what counts against the episode's maximum of a's service
// besides the line. For an authorization that no longer holds its unused
// units (inactive, ended, expired), what the episode's authorizations hold
// less a's unused units: the others' reservations stand against its late
// lines. For one that holds them (its units set aside when it was
// granted), the units used in the episode: the maximum is never paid
// past, and when it was granted twice over (a lapsed authorization's room
// given to new vouchers, then the lapsed one revived by late lines) the
// lines are paid in turn until it is reached, not each live authorization
// cut by the whole excess (a black-box pass stopped at 120 of 200 so).
// Others' as the submission began, this book's as its lines left them.
// Nil when the book was not given the episode's holdings.
func (b *Book) heldBesides(a *adjudication.Authorization) (held *int, max int) {
	k := EpisodeService{a.EpisodeID, a.ServiceCode}
	h, ok := b.holdings[k]
	if !ok {
		return nil, 0
	}
	var v int
	if a.Holds(b.today) < a.UnitsAuthorized {
		v = h.Held
		for _, m := range b.mine[k] {
			v -= b.began[m.ID]
			if m.ID != a.ID {
				v += m.Holds(b.today)
			}
		}
		v += a.UnitsUsed
	} else {
		v = h.Used
		for _, m := range b.mine[k] {
			v += m.UnitsUsed - b.beganUsed[m.ID]
		}
	}
	return &v, h.Max
}

// Draw fills the ledger's facts of a line of client's: the authorization
// it draws on, whether it repeats a counted line, its episode's cap and
// dollars paid, and, when the service has an episode maximum, what the
// episode's authorizations hold of it besides the authorization's unused
// units, with the maximum a reviewer's exception raised.
func (b *Book) Draw(client int64, f *adjudication.LineFacts) {
	l := &f.Line
	f.Authorization, f.AuthorizationMismatch = adjudication.PickAuthorization(b.auths[client], b.provider, l.ServiceCode, l.DateOfService, l.AuthorizationNumber,
		l.Units)
	f.Duplicate = b.counted[Key{client, l.ServiceCode, l.DateOfService, l.Units}]
	f.DayUnitsCounted = b.days[Day{client, l.ServiceCode, l.DateOfService}]
	f.DayMinutesCounted = b.minutes[ClientDay{client, l.DateOfService}]
	if f.Authorization == nil {
		if !f.AuthorizationMismatch {
			f.NotLive = adjudication.NotLive(b.auths[client], b.provider, l.ServiceCode, l.DateOfService, l.AuthorizationNumber)
		}
		return
	}
	if a := f.Authorization; f.Service.PerEpisodeMax > 0 {
		// The authorization itself is among the episode's: holdings
		// missing mean the episode was not read.
		if f.EpisodeUnitsHeld, f.EpisodeUnitMax = b.heldBesides(a); f.EpisodeUnitsHeld == nil {
			b.unknown[a.EpisodeID] = true
		}
	}
	if ep := b.episodes[f.Authorization.EpisodeID]; ep != nil {
		f.EpisodeDollarsPaid = ep.paid
		if ep.cap != nil {
			f.EpisodeDollarsHeld = b.dollarsHeldBesides(f.Authorization)
		}
		f.Program.HasDollarCap = ep.cap != nil
		if ep.cap != nil {
			f.Program.EpisodeDollarCap = *ep.cap
		} else if ep.paid.Add(f.Line.Charge).GreaterThan(maxEpisodeCap.Decimal) {
			// An uncapped episode still pays into episodes.dollars_paid,
			// NUMERIC(12,2): a line that could carry it past what the column
			// holds meets that as its cap, rather than a failed statement.
			f.Program.HasDollarCap = true
			f.Program.EpisodeDollarCap = maxEpisodeCap.Decimal
		}
	}
}

// Claim puts a decided line on the ledger: the units it was allowed leave
// its authorization, its payment leaves its episode's dollars, and it
// counts against duplicates. It reports whether the line counts (a line
// paying nothing does not).
func (b *Book) Claim(client int64, f *adjudication.LineFacts, d *adjudication.LineDecision) bool {
	if !d.Paid.IsPositive() && d.UnitsAllowed <= 0 {
		return false
	}
	a := f.Authorization // Draw's pointer into b.auths: later lines see the units used
	a.UnitsUsed += d.UnitsAllowed
	if a.Paid.Valid {
		a.Paid.Decimal = a.Paid.Decimal.Add(d.Paid) // and the dollars paid (HoldsDollars)
	}
	b.units[a.ID] += d.UnitsAllowed
	b.paid[a.ID] = b.paid[a.ID].Add(d.Paid)
	// The line's date is the authorization's last activity, for
	// inactivity, unless it has gone inactive: then it stays inactive until
	// a reviewer reactivates it. A late line for a day it was live on pays
	// (LiveOn) but moves no window: moved, one late line brought back an
	// authorization whose reactivation a reviewer had just refused, with
	// all its units, and its agency and the agency granted the client's
	// case management meanwhile were both paid for the same day (a
	// lifecycle black-box pass).
	if !a.Inactive {
		if dos := f.Line.DateOfService; dos.After(b.served[a.ID]) {
			b.served[a.ID] = dos
		}
		a.Served(f.Line.DateOfService)
	}
	if ep := b.episodes[a.EpisodeID]; ep != nil {
		ep.paid = ep.paid.Add(d.Paid)
		ep.change = ep.change.Add(d.Paid)
	}
	b.counted[Key{client, f.Line.ServiceCode, f.Line.DateOfService, f.Line.Units}] = true
	b.days[Day{client, f.Line.ServiceCode, f.Line.DateOfService}] += f.Line.Units
	b.minutes[ClientDay{client, f.Line.DateOfService}] += f.Line.Units * f.Service.MinutesPerUnit()
	return true
}

// Release gives a counted line's units and dollars back (its claim is
// voided or replaced), so a replacement may use them and bill the same
// service again.
func (b *Book) Release(e *Entry) {
	if e.AuthorizationID != nil {
		id := *e.AuthorizationID
		b.units[id] -= e.UnitsAllowed
		b.paid[id] = b.paid[id].Sub(e.Paid)
		auths := b.auths[e.Key.Client]
		for i := range auths {
			if auths[i].ID == id {
				auths[i].UnitsUsed -= e.UnitsAllowed
			}
		}
	}
	if e.EpisodeID != nil {
		if ep := b.episodes[*e.EpisodeID]; ep != nil {
			ep.paid = ep.paid.Sub(e.Paid)
			ep.change = ep.change.Sub(e.Paid)
		}
	}
	b.days[Day{e.Key.Client, e.Key.Service, e.Key.DOS}] -= e.Key.Units // a counted line's (the caller's)
	if b.perUnit != nil {
		b.minutes[ClientDay{e.Key.Client, e.Key.DOS}] -= e.Key.Units * b.perUnit(e.Key.Service)
	}
	delete(b.counted, e.Key)
}

// ReleaseFrees reports whether a released line of the client's
// authorization id lowers what its episode holds: so when the
// authorization holds no more than the units it used (void, its span
// ended past its claims' due day, inactive). One holding all its units
// holds as much after a void of its claim (the units come back to it).
// A reviewer's raise of the episode's cap or unit maximum for it is then
// to fall back (ReleaseEpisodeCap, ReleaseEpisodeUnits), as at its own
// void: kept, the room the claim's void freed was granted later to any
// agency with no review (a black-box pass). An authorization the book
// does not hold is taken to free.
func (b *Book) ReleaseFrees(client, id int64) bool {
	for i := range b.auths[client] {
		if a := &b.auths[client][i]; a.ID == id {
			return a.Void || a.Holds(b.today) < a.UnitsAuthorized
		}
	}
	return true
}

// Reversal is the entry that takes a released line back, as an 835
// reverses a payment: units allowed, allowed and paid negated exactly.
func Reversal(e Entry) Entry {
	e.UnitsAllowed, e.Allowed, e.Paid = -e.UnitsAllowed, e.Allowed.Neg(), e.Paid.Neg()
	return e
}

// Changes is what a submission moves on the ledger, in id order so that
// concurrent writers update shared rows in one order. Served is the latest
// date of service a line counted against each authorization (zero when
// none did: its units only came back).
type Changes struct {
	Authorizations []int64
	Units          []int64
	Served         []time.Time
	// Paid moves each authorization's dollars paid, as Dollars its
	// episode's.
	Paid     []decimal.Decimal
	Episodes []int64
	Dollars  []decimal.Decimal
}

// Changes returns the non-zero changes of units used and dollars paid, and
// the authorizations claimed on.
func (b *Book) Changes() Changes {
	var c Changes
	for id, d := range b.units {
		// Its dollars may move with its units netting nothing (a
		// replacement of the same units charged otherwise).
		if d != 0 || !b.served[id].IsZero() || !b.paid[id].IsZero() {
			c.Authorizations = append(c.Authorizations, id)
		}
	}
	for id, e := range b.episodes {
		if !e.change.IsZero() {
			c.Episodes = append(c.Episodes, id)
		}
	}
	sort.Slice(c.Authorizations, func(i, j int) bool { return c.Authorizations[i] < c.Authorizations[j] })
	sort.Slice(c.Episodes, func(i, j int) bool { return c.Episodes[i] < c.Episodes[j] })
	c.Units = make([]int64, len(c.Authorizations))
	c.Served = make([]time.Time, len(c.Authorizations))
	c.Paid = make([]decimal.Decimal, len(c.Authorizations))
	for i, id := range c.Authorizations {
		c.Units[i] = int64(b.units[id])
		c.Served[i] = b.served[id]
		c.Paid[i] = b.paid[id]
	}
	c.Dollars = make([]decimal.Decimal, len(c.Episodes))
	for i, id := range c.Episodes {
		c.Dollars[i] = b.episodes[id].change
	}
	return c
}

// Claim statuses a claim's lines roll up to.
const (
	ClaimPaid    = "paid"
	ClaimDenied  = "denied"
	ClaimPartial = "partial"
)

// RollUp is a claim's status from its adjudicated lines' statuses: paid
// when every line was paid in full, denied when every line was denied,
// partial otherwise.
func RollUp(lineStatuses []string) string {
	paidAll, deniedAll := true, true
	for _, s := range lineStatuses {
		if s != adjudication.LinePaid {
			paidAll = false
		}
		if s != adjudication.LineDenied {
			deniedAll = false
		}
	}
	switch {
	case paidAll:
		return ClaimPaid
	case deniedAll:
		return ClaimDenied
	default:
		return ClaimPartial
	}
}
