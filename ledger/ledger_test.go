package ledger_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/adjudication"
	"rss/ledger"
)

// The book's arithmetic, decided by the real claim rules, without a
// database: what the Postgres-backed intake tests check through the API.

const (
	provID    int64 = 101
	clientID  int64 = 5001
	staffID   int64 = 7001
	episodeID int64 = 3001
	authID    int64 = 41
)

var received = day(2026, time.April, 10)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func money(s string) rss.Money { return rss.MustMoney(s) }

// held is an ATR case-management authorization at 15.00 a unit over March
// and April, with its episode's cap (empty for none) and dollars paid.
func held(id int64, units, used int, dollarCap, paid string) ledger.Held {
	h := ledger.Held{Authorization: ledger.Authorization{ID: id, Number: fmt.Sprintf("PA%08d", id), ClientID: clientID,
		ProviderID: provID, ProgramCode: "ATR", ServiceCode: "ATR-CM", EpisodeID: episodeID, UnitsAuthorized: units, UnitsUsed: used,
		Rate: money("15.00"), StartDate: rss.NewDate(day(2026, time.March, 1)), EndDate: rss.NewDate(day(2026, time.April, 30))},
		DollarsPaid: money(paid)}
	if dollarCap != "" {
		c := money(dollarCap)
		h.DollarCap = &c
	}
	return h
}

func book(counted []ledger.Key, hs ...ledger.Held) *ledger.Book {
	return ledger.NewBook(provID, rss.NewDate(received), hs, map[int64]bool{clientID: true}, counted)
}

// lineFacts is a clean ATR case-management line: every rule but the
// ledger's passes.
func lineFacts(dos time.Time, units int, charge string) adjudication.LineFacts {
	return adjudication.LineFacts{
		ReceivedOn: received, ProviderID: provID,
		Line: adjudication.ClaimLine{ServiceCode: "ATR-CM", DateOfService: dos, Units: units, Charge: dec(charge)},
		Program: adjudication.Program{Code: "ATR", VoucherValidityDays: 90, FilingLimitDays: 90, GPRARequired: true,
			FollowupOpenDays: 150, FollowupCloseDays: 240, DischargeGPRADays: 30, RetroLimitDays: 14, CarePlanRequired: true},
		Service: adjudication.Service{Code: "ATR-CM", ProgramCode: "ATR", Rate: dec("15.00"), PerVoucherMax: 96, PerEpisodeMax: 480,
			Qualification: adjudication.QualATRCaseManager, RequiresPrimaryCaseManager: true, Active: true},
		Provider: adjudication.Provider{ID: provID, AgreementStart: day(2025, time.July, 1), AgreementEnd: day(2027, time.June, 30),
			Programs: []string{"ATR"}, Services: []string{"ATR-CM"}},
		Client: adjudication.Client{ID: clientID, DateOfBirth: day(1988, time.June, 15), CatchmentArea: "Hartford"},
		Enrollments: []adjudication.Enrollment{{ID: 9001, ProviderID: provID, ProgramCode: "ATR", EpisodeID: episodeID,
			Start: day(2026, time.January, 5), PlannedEnd: day(2026, time.December, 31), PrimaryCaseManager: true, AssignedStaffID: staffID}},
		Staff: &adjudication.Staff{ID: staffID, ProviderID: provID, Role: "case_manager", Active: true, DateOfBirth: day(1979, time.April, 2),
			Credentials: []adjudication.Credential{
				{Type: adjudication.CredBachelorHumanSvcs, ValidFrom: day(2002, time.May, 20)},
				{Type: adjudication.CredCADC, ValidFrom: day(2024, time.January, 1), ValidTo: day(2027, time.December, 31)},
			},
			BackgroundChecks: []adjudication.BackgroundCheck{{CheckedOn: day(2025, time.June, 1), Passed: true}}},
		Settings: adjudication.Settings{MinorAgeYears: 18, CMTargetPopulationMonths: 12, CMEquivalencyMonths: 24, RAMinAgeYears: 18},
	}
}

type billed struct {
	dos    time.Time
	units  int
	charge string
}

type outcome struct {
	status  string
	allowed int
	paid    string
	carcs   []string
	counted bool
}

// claim decides lines in order against b, as intake does: draw, decide, claim.
func claim(b *ledger.Book, lines ...billed) []outcome {
	out := make([]outcome, len(lines))
	for i, l := range lines {
		f := lineFacts(l.dos, l.units, l.charge)
		b.Draw(clientID, &f)
		d := adjudication.DecideLine(&f)
		o := outcome{status: d.Status, allowed: d.UnitsAllowed, paid: d.Paid.StringFixed(2), counted: b.Claim(clientID, &f, &d)}
		for _, a := range d.Adjustments {
			o.carcs = append(o.carcs, a.CARC+a.RARC)
		}
		out[i] = o
	}
	return out
}

func april(d int) time.Time { return day(2026, time.April, d) }

func TestBookClaimsLinesInOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		book    *ledger.Book
		lines   []billed
		want    []outcome
		changes ledger.Changes
	}{
		{
			name:  "partial payment on the authorization's remaining units (198)",
			book:  book(nil, held(authID, 10, 0, "", "0.00")),
			lines: []billed{{april(5), 6, "90.00"}, {april(6), 6, "90.00"}, {april(7), 2, "30.00"}},
			want: []outcome{
				{status: "paid", allowed: 6, paid: "90.00", counted: true},
				{status: "partial", allowed: 4, paid: "60.00", carcs: []string{"198"}, counted: true},
				{status: "denied", allowed: 0, paid: "0.00", carcs: []string{"198"}},
			},
			changes: ledger.Changes{Authorizations: []int64{authID}, Units: []int64{10}, Served: []time.Time{april(6)}, Episodes: []int64{episodeID},
				Dollars: []decimal.Decimal{dec("150")}},
		},
		{
			name:  "the episode's dollar cap (119)",
			book:  book(nil, held(authID, 40, 0, "100.00", "0.00")),
			lines: []billed{{april(5), 4, "60.00"}, {april(6), 4, "60.00"}, {april(7), 1, "15.00"}},
			want: []outcome{
				{status: "paid", allowed: 4, paid: "60.00", counted: true},
				{status: "partial", allowed: 2, paid: "30.00", carcs: []string{"119"}, counted: true},
				{status: "denied", allowed: 0, paid: "0.00", carcs: []string{"119"}},
			},
			changes: ledger.Changes{Authorizations: []int64{authID}, Units: []int64{6}, Served: []time.Time{april(6)}, Episodes: []int64{episodeID},
				Dollars: []decimal.Decimal{dec("90")}},
		},
		{
			name:  "a line repeating a counted line, on file or earlier in the submission, is a duplicate (18)",
			book:  book([]ledger.Key{{Client: clientID, Service: "ATR-CM", DOS: april(5), Units: 4}}, held(authID, 40, 4, "", "60.00")),
			lines: []billed{{april(5), 4, "60.00"}, {april(6), 2, "30.00"}, {april(6), 2, "30.00"}, {april(6), 3, "45.00"}},
			want: []outcome{
				{status: "denied", paid: "0.00", carcs: []string{"18"}},
				{status: "paid", allowed: 2, paid: "30.00", counted: true},
				{status: "denied", paid: "0.00", carcs: []string{"18"}},
				{status: "paid", allowed: 3, paid: "45.00", counted: true},
			},
			changes: ledger.Changes{Authorizations: []int64{authID}, Units: []int64{5}, Served: []time.Time{april(6)}, Episodes: []int64{episodeID},
				Dollars: []decimal.Decimal{dec("75")}},
		},
		{
			name:  "no authorization for the date draws nothing (197)",
			book:  book(nil, held(authID, 40, 0, "", "0.00")),
			lines: []billed{{day(2026, time.February, 20), 4, "60.00"}},
			want:  []outcome{{status: "denied", paid: "0.00", carcs: []string{"197"}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, claim(tc.book, tc.lines...))
			assertChanges(t, tc.changes, tc.book.Changes())
		})
	}
}

// nz reads an empty list as none.
func nz(s []int64) []int64 {
	if len(s) == 0 {
		return nil
	}
	return s
}

func assertChanges(t *testing.T, want, got ledger.Changes) {
	t.Helper()
	assert.Equal(t, nz(want.Authorizations), nz(got.Authorizations), "authorizations changed")
	assert.Equal(t, nz(want.Units), nz(got.Units), "units")
	if len(want.Served) == 0 {
		want.Served = nil
	}
	if len(got.Served) == 0 {
		got.Served = nil
	}
	assert.Equal(t, want.Served, got.Served, "last dates of service")
	assert.Equal(t, nz(want.Episodes), nz(got.Episodes), "episodes changed")
	require.Len(t, got.Dollars, len(want.Dollars))
	for i := range want.Dollars {
		assert.True(t, want.Dollars[i].Equal(got.Dollars[i]), "dollars %d: want %s, got %s", i, want.Dollars[i], got.Dollars[i])
	}
}

// A released line gives its units and dollars back and stops counting as a
// duplicate, so a replacement re-bills the same service in full; the net
// change is only what the replacement adds.
func TestReleaseLetsAReplacementReuseWhatTheOriginalHeld(t *testing.T) {
	t.Parallel()
	aid, eid := authID, episodeID
	original := []ledger.Entry{
		{Key: ledger.Key{Client: clientID, Service: "ATR-CM", DOS: april(5), Units: 6}, AuthorizationID: &aid, EpisodeID: &eid,
			UnitsAllowed: 6, Allowed: dec("90.00"), Paid: dec("90.00")},
		{Key: ledger.Key{Client: clientID, Service: "ATR-CM", DOS: april(6), Units: 4}, AuthorizationID: &aid, EpisodeID: &eid,
			UnitsAllowed: 4, Allowed: dec("60.00"), Paid: dec("60.00")},
	}
	counted := []ledger.Key{original[0].Key, original[1].Key}
	b := book(counted, held(authID, 10, 10, "150.00", "150.00"))
	// Before the release the authorization is exhausted and the lines duplicate.
	before := claim(book(counted, held(authID, 10, 10, "150.00", "150.00")), billed{april(5), 6, "90.00"})
	assert.Equal(t, []string{"18"}, before[0].carcs)

	for i := range original {
		b.Release(&original[i])
	}
	got := claim(b, billed{april(5), 6, "90.00"}, billed{april(6), 3, "45.00"}, billed{april(7), 1, "15.00"})
	for i, o := range got {
		assert.Equal(t, "paid", o.status, "line %d", i+1)
		assert.True(t, o.counted, "line %d", i+1)
	}
	// Units net to nothing; the authorization was still claimed on, up to the 7th.
	assertChanges(t, ledger.Changes{Authorizations: []int64{authID}, Units: []int64{0}, Served: []time.Time{april(7)}}, b.Changes())

	// Voided and not replaced: everything comes back.
	v := book(counted, held(authID, 10, 10, "150.00", "150.00"))
	for i := range original {
		v.Release(&original[i])
	}
	assertChanges(t, ledger.Changes{Authorizations: []int64{authID}, Units: []int64{-10}, Served: []time.Time{{}}, Episodes: []int64{episodeID},
		Dollars: []decimal.Decimal{dec("-150")}}, v.Changes())
}

func TestReversalNegatesExactly(t *testing.T) {
	t.Parallel()
	aid, eid := authID, episodeID
	e := ledger.Entry{Key: ledger.Key{Client: clientID, Service: "ATR-CM", DOS: april(5), Units: 8}, AuthorizationID: &aid,
		EpisodeID: &eid, UnitsAllowed: 5, Allowed: dec("75.00"), Paid: dec("74.99")}
	r := ledger.Reversal(e)
	assert.Equal(t, -5, r.UnitsAllowed)
	assert.Equal(t, "-75.00", r.Allowed.StringFixed(2))
	assert.Equal(t, "-74.99", r.Paid.StringFixed(2))
	assert.True(t, r.Paid.Add(e.Paid).IsZero(), "the reversal and the original sum to nothing")
	assert.Equal(t, e.Key, r.Key)
	assert.Equal(t, e.AuthorizationID, r.AuthorizationID)
	assert.Equal(t, e, ledger.Reversal(r), "reversing twice is the original")
}

func TestRollUp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lines []string
		want  string
	}{
		{[]string{"paid"}, "paid"},
		{[]string{"paid", "paid"}, "paid"},
		{[]string{"denied", "denied"}, "denied"},
		{[]string{"paid", "denied"}, "partial"},
		{[]string{"partial"}, "partial"},
		{[]string{"paid", "partial"}, "partial"},
		{[]string{"denied", "partial"}, "partial"},
	} {
		assert.Equal(t, tc.want, ledger.RollUp(tc.lines), "%v", tc.lines)
	}
}

// The authorizations of a client the agency no longer serves are locked but
// left out of the book.
func TestBookLeavesOutClientsNotServed(t *testing.T) {
	t.Parallel()
	other := held(authID, 40, 0, "", "0.00")
	other.ClientID = clientID + 1
	b := ledger.NewBook(provID, rss.NewDate(received), []ledger.Held{other}, map[int64]bool{clientID: true}, nil)
	f := lineFacts(april(5), 4, "60.00")
	b.Draw(other.ClientID, &f)
	assert.Nil(t, f.Authorization)
}

// A lapsed, void or inactive authorization holds only the units it used; a
// running one all it authorizes. Voucher requests and the reviewer's
// cap exception both count with this.
func TestEpisodeTotalsCountALapsedAuthorizationsUsedUnits(t *testing.T) {
	t.Parallel()
	today := day(2026, time.April, 10)
	auths := []adjudication.Authorization{
		{ID: 1, ServiceCode: "ATR-CM", EpisodeID: episodeID, End: day(2026, time.April, 30), UnitsAuthorized: 40, UnitsUsed: 5, Rate: dec("15.00")},
		{ID: 2, ServiceCode: "ATR-CM", EpisodeID: episodeID, End: day(2026, time.April, 9), UnitsAuthorized: 40, UnitsUsed: 7, Rate: dec("15.00")},
		{ID: 3, ServiceCode: "ATR-CM", EpisodeID: episodeID, End: day(2026, time.April, 30), UnitsAuthorized: 40, UnitsUsed: 3, Rate: dec("15.00"), Void: true},
		{ID: 4, ServiceCode: "ATR-TR", EpisodeID: episodeID, End: day(2026, time.April, 10), UnitsAuthorized: 10, UnitsUsed: 1, Rate: dec("12.50")},
		{ID: 5, ServiceCode: "ATR-CM", EpisodeID: episodeID + 1, End: day(2026, time.April, 30), UnitsAuthorized: 99, Rate: dec("15.00")},
		{ID: 6, ServiceCode: "ATR-CM", EpisodeID: episodeID, End: day(2026, time.April, 30), UnitsAuthorized: 40, UnitsUsed: 2, Rate: dec("15.00"), Inactive: true},
	}
	assert.Equal(t, 40, ledger.UnitsCounted(&auths[0], today))
	assert.Equal(t, 7, ledger.UnitsCounted(&auths[1], today), "lapsed yesterday")
	assert.Equal(t, 3, ledger.UnitsCounted(&auths[2], today), "void: the units it used")
	assert.Equal(t, 2, ledger.UnitsCounted(&auths[5], today), "inactive: the units it used")
	assert.Equal(t, 10, ledger.UnitsCounted(&auths[3], today), "ends today: still running")
	units, dollars := ledger.EpisodeTotals(auths, episodeID, "ATR-CM", today)
	assert.Equal(t, 52, units)
	assert.Equal(t, "905.00", dollars.StringFixed(2), "600 + 105 + 45 + 125 + 30")
}

// What an authorization holds of the dollar cap is what it was paid, when
// that was read, and its unused units still holding at its rate.
func TestEpisodeDollarsCountWhatWasPaid(t *testing.T) {
	t.Parallel()
	today := day(2026, time.April, 10)
	paid := func(s string) decimal.NullDecimal { return decimal.NullDecimal{Decimal: dec(s), Valid: true} }
	auths := []adjudication.Authorization{
		// 20 of 20 used, paid 200.00 though 240.00 at its rate.
		{ID: 1, ServiceCode: "ATR-TR", EpisodeID: episodeID, End: day(2026, time.April, 30), UnitsAuthorized: 20, UnitsUsed: 20, Rate: dec("12.00"), Paid: paid("200.00")},
		// 5 of 10 used, paid 50.00, its 5 unused still held at 12.00.
		{ID: 2, ServiceCode: "ATR-TR", EpisodeID: episodeID, End: day(2026, time.April, 30), UnitsAuthorized: 10, UnitsUsed: 5, Rate: dec("12.00"), Paid: paid("50.00")},
		// Lapsed: what it was paid only.
		{ID: 3, ServiceCode: "ATR-TR", EpisodeID: episodeID, End: day(2026, time.April, 1), UnitsAuthorized: 10, UnitsUsed: 2, Rate: dec("12.00"), Paid: paid("20.00")},
		// Not read (facts stored before it was): rate × units used.
		{ID: 4, ServiceCode: "ATR-TR", EpisodeID: episodeID, End: day(2026, time.April, 1), UnitsAuthorized: 10, UnitsUsed: 2, Rate: dec("12.00")},
	}
	_, dollars := ledger.EpisodeTotals(auths, episodeID, "ATR-TR", today)
	assert.Equal(t, "354.00", dollars.StringFixed(2), "200 + 50 + 60 + 20 + 24")
}

// The room an episode's cap keeps for the standing exceptions: each
// agency's own cap past what its own authorizations hold (a line paid
// under the fee lowers that), none where they hold it all, a grant
// counted in full for its agency. The scenario of the README: BCS's own
// cap 360.00, a line of its 360.00 grant paid 0.05 for five units.
func TestRoomKeptIsEachOwnCapPastItsHoldings(t *testing.T) {
	t.Parallel()
	today := day(2026, time.April, 10)
	const bcs, hra, third int64 = 1, 2, 3
	auths := []adjudication.Authorization{
		{ID: 1, ProviderID: bcs, EpisodeID: episodeID, End: day(2026, time.May, 1), UnitsAuthorized: 30, UnitsUsed: 5, Rate: dec("12.00"),
			Paid: decimal.NullDecimal{Decimal: dec("0.05"), Valid: true}}, // 0.05 + 25 × 12.00 = 300.05
		{ID: 2, ProviderID: hra, EpisodeID: episodeID, End: day(2026, time.May, 1), UnitsAuthorized: 5, Rate: dec("12.00")}, // 60.00
		{ID: 3, ProviderID: third, EpisodeID: episodeID + 1, End: day(2026, time.May, 1), UnitsAuthorized: 50, Rate: dec("12.00")},
	}
	kept := func(caps ...adjudication.KeptOwnCap) string {
		return ledger.RoomKept(caps, auths, episodeID, today, 0, decimal.Zero).StringFixed(2)
	}
	bcsCap := adjudication.KeptOwnCap{ProviderID: bcs, Cap: dec("360.00")}
	assert.Equal(t, "0.00", kept(), "no standing exception keeps none")
	assert.Equal(t, "59.95", kept(bcsCap))
	assert.Equal(t, "59.95", kept(bcsCap, adjudication.KeptOwnCap{ProviderID: hra, Cap: dec("50.00")}), "HRA holds past its own cap")
	assert.Equal(t, "69.95", kept(bcsCap, adjudication.KeptOwnCap{ProviderID: hra, Cap: dec("70.00")}), "two agencies' rooms")
	assert.Equal(t, "100.00", kept(adjudication.KeptOwnCap{ProviderID: third, Cap: dec("100.00")}),
		"its authorizations in another episode hold none of this one")
	assert.Equal(t, "0.00", ledger.RoomKept([]adjudication.KeptOwnCap{bcsCap}, auths, episodeID, today, bcs, dec("59.95")).StringFixed(2),
		"a grant of its own counted in full")
}

// A retro grant (issued after its last day) holds all its units
// through the day its claims are due, or the day before it goes inactive;
// so, since the thirty-fourth stop, does one that ran (it freed its unused
// units at its end: TestEndedAuthorizationHoldsUntilItsClaimsAreDue).
func TestRetroGrantHoldsUntilItsClaimsAreDue(t *testing.T) {
	t.Parallel()
	d := func(s string) rss.Date { return rss.MustDate(s) }
	idle := 30
	auth := func(issued string, idleDays *int) ledger.Authorization {
		return ledger.Authorization{ID: 1, ServiceCode: "ATR-TR", StartDate: d("2026-03-01"), EndDate: d("2026-03-05"),
			IssuedOn: d(issued), UnitsAuthorized: 10, UnitsUsed: 2, ClaimsDueBy: d("2026-06-03"), InactivateAfterDays: idleDays}
	}
	for _, tc := range []struct {
		name   string
		a      ledger.Authorization
		today  string
		counts int
	}{
		{"issued before its end, after it", auth("2026-03-04", nil), "2026-03-06", 10},
		{"issued on its last day, the day after", auth("2026-03-05", nil), "2026-03-06", 10},
		{"issued before its end, the day after its claims are due", auth("2026-03-04", nil), "2026-06-04", 2},
		{"retro, its claims' due day", auth("2026-03-10", nil), "2026-06-03", 10},
		{"retro, the day after", auth("2026-03-10", nil), "2026-06-04", 2},
		{"retro, idle 30 days from its issue: its last active day", auth("2026-03-10", &idle), "2026-04-09", 10},
		{"retro, idle 30 days from its issue: inactive", auth("2026-03-10", &idle), "2026-04-10", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			today := d(tc.today)
			r := tc.a.Rule(today)
			assert.Equal(t, tc.counts, ledger.UnitsCounted(&r, today.Time))
		})
	}
}

// The status roll-up: void, then exhausted, then expired, then inactive,
// else active, on the day it is read; inactivity counts from the latest of
// the start, the last counted date of service and the last reactivation.
func TestStatusOn(t *testing.T) {
	t.Parallel()
	d := func(m time.Month, dd int) rss.Date { return rss.NewDate(day(2026, m, dd)) }
	days := func(n int) *int { return &n }
	voided := day(2026, time.April, 2)
	base := func() ledger.Authorization {
		return ledger.Authorization{ID: authID, Number: "PA1", ProviderID: provID, ServiceCode: "ATR-CM", EpisodeID: episodeID,
			UnitsAuthorized: 10, UnitsUsed: 2, Rate: money("15.00"), StartDate: d(time.March, 1), EndDate: d(time.June, 30)}
	}
	for _, tc := range []struct {
		name       string
		edit       func(a *ledger.Authorization)
		today      rss.Date
		want       string
		inactiveOn string // "" when the program never inactivates
	}{
		{name: "running", today: d(time.April, 10), want: ledger.StatusActive},
		{name: "void wins over everything", today: d(time.July, 10), want: ledger.StatusVoid,
			edit: func(a *ledger.Authorization) { a.VoidedAt = &voided; a.UnitsUsed = 10; a.InactivateAfterDays = days(5) }},
		{name: "void: nothing left to bill, never inactive", today: d(time.April, 10), want: ledger.StatusVoid,
			edit: func(a *ledger.Authorization) { a.VoidedAt = &voided; a.InactivateAfterDays = days(5) }},
		{name: "exhausted before expired", today: d(time.July, 10), want: ledger.StatusExhausted,
			edit: func(a *ledger.Authorization) { a.UnitsUsed = 10 }},
		{name: "expired the day after its end", today: d(time.July, 1), want: ledger.StatusExpired},
		{name: "still active on its end date", today: d(time.June, 30), want: ledger.StatusActive},
		{name: "expired before inactive", today: d(time.July, 1), want: ledger.StatusExpired,
			edit: func(a *ledger.Authorization) { a.InactivateAfterDays = days(5) }, inactiveOn: "2026-03-07"},
		{name: "off by default: never inactive", today: d(time.June, 30), want: ledger.StatusActive},
		{name: "N days after its start, still active", today: d(time.March, 31), want: ledger.StatusActive,
			edit: func(a *ledger.Authorization) { a.InactivateAfterDays = days(30) }, inactiveOn: "2026-04-01"},
		{name: "the day after N days without a claim: inactive", today: d(time.April, 1), want: ledger.StatusInactive,
			edit: func(a *ledger.Authorization) { a.InactivateAfterDays = days(30) }, inactiveOn: "2026-04-01"},
		{name: "a claim line's date of service restarts the count", today: d(time.April, 20), want: ledger.StatusActive,
			edit:       func(a *ledger.Authorization) { a.InactivateAfterDays = days(30); a.LastServiceOn = d(time.March, 25) },
			inactiveOn: "2026-04-25"},
		{name: "a reactivation restarts the count", today: d(time.May, 10), want: ledger.StatusActive,
			edit: func(a *ledger.Authorization) {
				a.InactivateAfterDays = days(30)
				a.LastServiceOn = d(time.March, 25)
				a.ReactivatedOn = d(time.May, 1)
			}, inactiveOn: "2026-06-01"},
		{name: "and N days after the reactivation it is inactive again", today: d(time.June, 1), want: ledger.StatusInactive,
			edit:       func(a *ledger.Authorization) { a.InactivateAfterDays = days(30); a.ReactivatedOn = d(time.May, 1) },
			inactiveOn: "2026-06-01"},
		// A shorter window starts the day after its change, but one
		// inactive under the longer one stays so from its day (a black-box
		// pass saw it active again).
		{name: "a stricter window starts late", today: d(time.April, 10), want: ledger.StatusActive,
			edit: func(a *ledger.Authorization) {
				a.InactivateAfterDays = days(5)
				a.InactivitySince = d(time.April, 11)
			}, inactiveOn: "2026-04-11"},
		{name: "but one inactive before it stays so", today: d(time.April, 10), want: ledger.StatusInactive,
			edit: func(a *ledger.Authorization) {
				a.InactivateAfterDays = days(5)
				a.InactivitySince = d(time.April, 11)
				a.InactiveFrom = d(time.April, 1)
			}, inactiveOn: "2026-04-01"},
		// Kept for one a loosening held for review, whatever the setting
		// (switching it off clears every other).
		{name: "the day kept stands with the setting off", today: d(time.April, 10), want: ledger.StatusInactive,
			edit: func(a *ledger.Authorization) { a.InactiveFrom = d(time.April, 1) }, inactiveOn: "2026-04-01"},
		// Neither goes inactive, so neither says a day it would (one ended
		// at a discharge read a day after its end: a black-box pass).
		{name: "exhausted is not inactive", today: d(time.June, 1), want: ledger.StatusExhausted,
			edit: func(a *ledger.Authorization) { a.InactivateAfterDays = days(1); a.UnitsUsed = 10 }},
		{name: "ending before it would go inactive", today: d(time.June, 1), want: ledger.StatusActive,
			edit: func(a *ledger.Authorization) { a.InactivateAfterDays = days(30); a.LastServiceOn = d(time.May, 31) }},
		{name: "going inactive on its end date", today: d(time.June, 1), want: ledger.StatusActive,
			edit:       func(a *ledger.Authorization) { a.InactivateAfterDays = days(30); a.LastServiceOn = d(time.May, 30) },
			inactiveOn: "2026-06-30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := base()
			if tc.edit != nil {
				tc.edit(&a)
			}
			a.Derive(tc.today)
			assert.Equal(t, tc.want, a.Status)
			assert.Equal(t, tc.want, a.StatusOn(tc.today))
			if tc.want == ledger.StatusVoid {
				assert.Zero(t, a.UnitsRemaining)
			} else {
				assert.Equal(t, a.UnitsAuthorized-a.UnitsUsed, a.UnitsRemaining)
			}
			if tc.inactiveOn == "" {
				assert.True(t, a.InactiveOn.IsZero())
			} else {
				assert.Equal(t, tc.inactiveOn, a.InactiveOn.String())
			}
			r := a.Rule(tc.today)
			assert.Equal(t, tc.want == ledger.StatusVoid, r.Void)
			assert.Equal(t, tc.want == ledger.StatusInactive, r.Inactive)
			assert.Equal(t, tc.want != ledger.StatusVoid && tc.want != ledger.StatusInactive, r.Live())
		})
	}
}

// A void or inactive authorization draws no claim line: the line is denied
// as having no authorization (197), naming it, and the ledger moves nothing.
// A live one of the same service beside it is drawn on instead.
func TestBookDrawsNothingOnAVoidOrInactiveAuthorization(t *testing.T) {
	t.Parallel()
	voided := day(2026, time.April, 2)
	days := 5 // the held authorization starts March 1st: inactive on received
	for _, tc := range []struct {
		name   string
		edit   func(h *ledger.Held)
		detail string
	}{
		{name: "void", edit: func(h *ledger.Held) { h.VoidedAt = &voided }, detail: "authorization PA00000041 is void"},
		{name: "inactive", edit: func(h *ledger.Held) { h.InactivateAfterDays = &days }, detail: "authorization PA00000041 is inactive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := held(authID, 40, 4, "", "60.00")
			tc.edit(&h)
			b := book(nil, h)
			f := lineFacts(april(5), 4, "60.00")
			b.Draw(clientID, &f)
			require.Nil(t, f.Authorization)
			assert.False(t, f.AuthorizationMismatch)
			d := adjudication.DecideLine(&f)
			assert.Equal(t, adjudication.LineDenied, d.Status)
			require.NotEmpty(t, d.Hits)
			assert.Equal(t, adjudication.CodeClaimNoAuthorization, d.Hits[0].Code)
			assert.Equal(t, tc.detail, d.Hits[0].Detail)
			assert.False(t, b.Claim(clientID, &f, &d))
			assertChanges(t, ledger.Changes{}, b.Changes())

			// Named on the line: the same answer, not a mismatch.
			f = lineFacts(april(5), 4, "60.00")
			f.Line.AuthorizationNumber = "PA00000041"
			b.Draw(clientID, &f)
			assert.Nil(t, f.Authorization)
			assert.False(t, f.AuthorizationMismatch)
			require.NotNil(t, f.NotLive)

			// A live one beside it is drawn on.
			live := held(authID+1, 40, 0, "", "60.00")
			b = book(nil, h, live)
			f = lineFacts(april(5), 4, "60.00")
			b.Draw(clientID, &f)
			require.NotNil(t, f.Authorization)
			assert.Equal(t, authID+1, f.Authorization.ID)
		})
	}
}

// Inactivity is judged on each line's date of service: a service delivered
// while the authorization was active draws on it though the claim arrives
// after it went inactive (two black-box passes found such lines denied).
// Gone inactive, it stays so until a reviewer reactivates it: the late
// line moves no window, so a later date is still denied (the late line
// revived an authorization whose reactivation a reviewer had refused, and
// two agencies were paid for the same day: a lifecycle black-box pass).
func TestBookJudgesInactivityOnTheDateOfService(t *testing.T) {
	t.Parallel()
	days := 10
	h := held(authID, 40, 2, "", "30.00")
	h.InactivateAfterDays = &days
	h.LastServiceOn = rss.NewDate(day(2026, time.March, 20)) // inactive from March 31st
	b := book(nil, h)

	after := lineFacts(april(3), 2, "30.00") // three days into the idle stretch: denied
	b.Draw(clientID, &after)
	require.Nil(t, after.Authorization)
	require.NotNil(t, after.NotLive)

	within := lineFacts(day(2026, time.March, 30), 2, "30.00") // the tenth idle day: still active
	b.Draw(clientID, &within)
	require.NotNil(t, within.Authorization, "delivered while active, billed late")
	d := adjudication.DecideLine(&within)
	require.Equal(t, adjudication.LinePaid, d.Status)
	require.True(t, b.Claim(clientID, &within, &d))

	// March 30th counted, on an authorization inactive today: no window
	// moved, April 3rd still denied.
	again := lineFacts(april(3), 2, "30.00")
	b.Draw(clientID, &again)
	assert.Nil(t, again.Authorization, "the late line revives nothing")
	assert.True(t, b.Changes().Served[0].IsZero(), "its last date of service stays")

	// Live today (last served April 5th, inactive from April 16th), a
	// counted line is activity the submission's later lines see.
	h.LastServiceOn = rss.NewDate(april(5))
	b = book(nil, h)
	first := lineFacts(april(8), 2, "30.00")
	b.Draw(clientID, &first)
	require.NotNil(t, first.Authorization)
	d = adjudication.DecideLine(&first)
	require.True(t, b.Claim(clientID, &first, &d))
	next := lineFacts(april(17), 2, "30.00")
	b.Draw(clientID, &next)
	assert.NotNil(t, next.Authorization, "within ten days of April 8th")
	assert.Equal(t, april(8), b.Changes().Served[0])
}

// A line billed on an authorization that no longer holds its unused units
// (here one gone inactive after its last line, March 25th, then expired:
// an ended one whose claims are not yet due holds them,
// TestBookPaysALateLineOnAnEndedAuthorizationItsUnits) is paid only
// within what the episode's unit maximum has left, since voucher requests
// may have been granted those units meanwhile: a black-box pass was paid
// 230 units in an episode whose maximum is 200 through an inactive
// authorization billed for its live days. A live authorization's units
// were set aside when it was granted; its lines meet no such check.
func TestBookHoldsALateLineToTheEpisodeMaximum(t *testing.T) {
	t.Parallel()
	idle := 3
	expired := func(used int) ledger.Held {
		h := held(authID, 40, used, "", "0.00")
		h.EndDate, h.ClaimsDueBy = rss.NewDate(day(2026, time.March, 31)), rss.NewDate(day(2026, time.June, 29))
		h.InactivateAfterDays, h.LastServiceOn = &idle, rss.NewDate(day(2026, time.March, 25)) // inactive from March 29th
		return h
	}
	march := func(d int) time.Time { return day(2026, time.March, d) }
	key := ledger.EpisodeService{Episode: episodeID, Service: "ATR-CM"}

	// Without the episode's holdings the line is not decided on: the
	// intake reads them and decides again.
	b := book(nil, expired(0))
	f := lineFacts(march(20), 30, "450.00")
	b.Draw(clientID, &f)
	assert.Nil(t, f.EpisodeUnitsHeld)
	assert.Equal(t, []int64{episodeID}, b.Unknown())

	// The episode's authorizations hold 460 of 480 (this one's used units
	// among them): the first line gets 20, the next nothing.
	b = book(nil, expired(0)).WithHoldings(ledger.Holdings{key: {Held: 460}})
	got := claim(b, billed{march(20), 30, "450.00"}, billed{march(21), 1, "15.00"})
	assert.Equal(t, []outcome{
		{status: "partial", allowed: 20, paid: "300.00", carcs: []string{"119"}, counted: true},
		{status: "denied", allowed: 0, paid: "0.00", carcs: []string{"119"}},
	}, got)
	assert.Empty(t, b.Unknown())

	// A released line of it gives the episode its units back.
	aid, eid := authID, episodeID
	b = book([]ledger.Key{{Client: clientID, Service: "ATR-CM", DOS: march(10), Units: 8}}, expired(8)).
		WithHoldings(ledger.Holdings{key: {Held: 480}})
	b.Release(&ledger.Entry{Key: ledger.Key{Client: clientID, Service: "ATR-CM", DOS: march(10), Units: 8}, AuthorizationID: &aid,
		EpisodeID: &eid, UnitsAllowed: 8, Allowed: dec("120.00"), Paid: dec("120.00")})
	got = claim(b, billed{march(11), 10, "150.00"})
	assert.Equal(t, outcome{status: "partial", allowed: 8, paid: "120.00", carcs: []string{"119"}, counted: true}, got[0])

	// A live authorization whose units the episode holds within its
	// maximum (this one's 40 among the 480): paid.
	b = book(nil, held(authID, 40, 0, "", "0.00")).WithHoldings(ledger.Holdings{key: {Held: 480}})
	got = claim(b, billed{april(5), 30, "450.00"})
	assert.Equal(t, "paid", got[0].status)
	assert.Empty(t, b.Unknown())

	// The maximum granted twice over (a lapsed authorization revived by
	// late lines while its room went to new vouchers): the episode holds
	// 520 of 480 and has used 470; a live authorization's line is paid
	// what is left of the maximum, 10 of 30, not cut by the whole excess
	// (a black-box pass stopped an episode at 120 of 200 so).
	b = book(nil, held(authID, 40, 0, "", "0.00")).WithHoldings(ledger.Holdings{key: {Held: 520, Used: 470}})
	got = claim(b, billed{april(5), 30, "450.00"})
	assert.Equal(t, outcome{status: "partial", allowed: 10, paid: "150.00", carcs: []string{"119"}, counted: true}, got[0])

	// The same past a reviewer's exception raising the maximum to 520: paid.
	b = book(nil, held(authID, 40, 0, "", "0.00")).WithHoldings(ledger.Holdings{key: {Held: 520, Used: 470, Max: 520}})
	got = claim(b, billed{april(5), 30, "450.00"})
	assert.Equal(t, "paid", got[0].status)
}

// A live authorization's lines are paid within the episode maximum its
// units were granted under, though the MSC lowered the service's maximum
// since: a reference-data black-box pass found the lines of authorizations
// reading active with their units left denied 119 once the maximum fell. A
// maximum granted twice over (as above) still cuts them.
func TestBookPaysALiveAuthorizationUnderTheMaximumItWasGranted(t *testing.T) {
	t.Parallel()
	key := ledger.EpisodeService{Episode: episodeID, Service: "ATR-CM"}
	granted := func(maxThen int) ledger.Held {
		h := held(authID, 40, 8, "", "0.00")
		h.EpisodeMaxThen = &maxThen
		return h
	}
	lowered := func(b *ledger.Book, units int) adjudication.LineDecision {
		f := lineFacts(april(5), units, "60.00")
		f.Service.PerEpisodeMax = 10 // lowered from 40 after the grant
		b.Draw(clientID, &f)
		return adjudication.DecideLine(&f)
	}
	// 8 of the episode's 40 used; the maximum now 10.
	d := lowered(book(nil, granted(40)).WithHoldings(ledger.Holdings{key: {Held: 40, Used: 8}}), 4)
	assert.Equal(t, adjudication.LinePaid, d.Status, "%+v", d.Adjustments)
	assert.Equal(t, 4, d.UnitsAllowed)

	// Granted under the lowered maximum itself: held to it.
	d = lowered(book(nil, granted(10)).WithHoldings(ledger.Holdings{key: {Held: 40, Used: 8}}), 4)
	assert.Equal(t, 2, d.UnitsAllowed, "10 less the 8 used")

	// Granted when the service had no maximum (kept as the largest
	// integer): one set since does not cut it (read as 0, it did: a
	// re-check).
	d = lowered(book(nil, granted(math.MaxInt32)).WithHoldings(ledger.Holdings{key: {Held: 40, Used: 8}}), 4)
	assert.Equal(t, adjudication.LinePaid, d.Status, "%+v", d.Adjustments)
}

// A day holds its units once: the client's counted lines of a service on
// a date, those on file (WithDays) and the submission's earlier ones,
// leave a line only what the day has left (C00, 16/M53), and a released
// line gives its units back.
func TestBookHoldsADaysUnitsOnce(t *testing.T) {
	t.Parallel()
	b := book(nil, held(authID, 400, 0, "", "0.00")).WithDays(map[ledger.Day]int{{Client: clientID, Service: "ATR-CM", DOS: april(5)}: 50})
	decide := func(dos time.Time, units int) adjudication.LineDecision {
		f := lineFacts(dos, units, fmt.Sprintf("%d.00", 15*units))
		f.Service.Unit = "15min"
		b.Draw(clientID, &f)
		d := adjudication.DecideLine(&f)
		b.Claim(clientID, &f, &d)
		return d
	}
	assert.Equal(t, "paid", decide(april(5), 40).Status, "90 of 96 with those on file")
	d := decide(april(5), 7)
	assert.Equal(t, "denied", d.Status)
	require.Len(t, d.Adjustments, 1)
	assert.Equal(t, "16M53", d.Adjustments[0].CARC+d.Adjustments[0].RARC)
	assert.Equal(t, "paid", decide(april(5), 6).Status, "the day's last 6")
	assert.Equal(t, "paid", decide(april(6), 96).Status, "another day holds its own")
	b.Release(&ledger.Entry{Key: ledger.Key{Client: clientID, Service: "ATR-CM", DOS: april(5), Units: 40}})
	assert.Equal(t, "paid", decide(april(5), 39).Status, "a released line gives its units back")
}

// A client's day holds 24 hours across the services counted by time: the
// book starts from what the day's counted lines of other services hold,
// counts each line it claims, and gives a released line's hours back.
func TestBookHoldsTheClientsDayAcrossServices(t *testing.T) {
	t.Parallel()
	perUnit := func(service string) int { return map[string]int{"ATR-CM": 15, "ATR-CC": 60}[service] }
	b := book(nil, held(authID, 96, 0, "", "0.00")).
		WithDayMinutes(map[ledger.ClientDay]int{{Client: clientID, DOS: april(9)}: 22 * 60}, perUnit)
	quarterHours := func(dos time.Time, units int) outcome {
		f := lineFacts(dos, units, fmt.Sprintf("%d.00", 15*units))
		f.Service.Unit = "15min"
		b.Draw(clientID, &f)
		d := adjudication.DecideLine(&f)
		o := outcome{status: d.Status, allowed: d.UnitsAllowed, paid: d.Paid.StringFixed(2), counted: b.Claim(clientID, &f, &d)}
		for _, a := range d.Adjustments {
			o.carcs = append(o.carcs, a.CARC+a.RARC)
		}
		return o
	}
	assert.Equal(t, outcome{status: adjudication.LineDenied, paid: "0.00", carcs: []string{"16M53"}}, quarterHours(april(9), 9),
		"two hours and a quarter past 22 hours")
	assert.Equal(t, outcome{status: adjudication.LinePaid, allowed: 8, paid: "120.00", counted: true}, quarterHours(april(9), 8), "the day's last two hours")
	assert.Equal(t, outcome{status: adjudication.LineDenied, paid: "0.00", carcs: []string{"16M53"}}, quarterHours(april(9), 1), "the day is full")
	assert.Equal(t, outcome{status: adjudication.LinePaid, allowed: 4, paid: "60.00", counted: true}, quarterHours(april(8), 4), "another day")

	// Released, a line of child care dated that day gives its hour back.
	id := int64(authID)
	b.Release(&ledger.Entry{Key: ledger.Key{Client: clientID, Service: "ATR-CC", DOS: april(9), Units: 1}, AuthorizationID: &id})
	assert.Equal(t, outcome{status: adjudication.LinePaid, allowed: 4, paid: "60.00", counted: true}, quarterHours(april(9), 4), "the hour given back")
}
