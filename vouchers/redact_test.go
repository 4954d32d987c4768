package vouchers

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/adjudication"
)

// personFactsSample is a snapshot of a person served by three agencies,
// twelve authorizations among them: what a provider's GET filters.
func personFactsSample(t testing.TB) []byte {
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f := adjudication.VoucherFacts{Today: day, Enrollment: &adjudication.Enrollment{ID: 1, ProviderID: 1, EpisodeID: 9, Start: day}}
	for i := range 12 {
		f.Authorizations = append(f.Authorizations, adjudication.Authorization{ID: int64(i + 1), Number: "A-000000" + string(rune('A'+i)),
			ProviderID: int64(i%3 + 1), ServiceCode: "ATR-CM", EpisodeID: 9, Start: day, End: day.AddDate(0, 2, 0), UnitsAuthorized: 40})
	}
	f.OtherEnrollments = []adjudication.Enrollment{{ID: 2, ProviderID: 2, EpisodeID: 9, Start: day}, {ID: 3, ProviderID: 3, EpisodeID: 9, Start: day}}
	f.EpisodeUnitsAuthorized = 480
	f.OthersOwnCaps = []adjudication.KeptOwnCap{{ProviderID: 2, Cap: decimal.RequireFromString("4321.09")}}
	raw, err := json.Marshal(f)
	require.NoError(t, err)
	return raw
}

func TestFactsShownToAProvider(t *testing.T) {
	t.Parallel()
	raw := personFactsSample(t)
	whole, err := (&VoucherRequest{FactsRaw: raw}).Facts()
	require.NoError(t, err)
	assert.Equal(t, raw, whole, "the MSC reads it whole")
	v := VoucherRequest{FactsRaw: raw, personHidden: true}
	shown, err := v.Facts()
	require.NoError(t, err)
	var got map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(shown, &got))
	for _, k := range personFacts {
		assert.JSONEq(t, `"`+WithheldFact+`"`, string(got[k]), "%s reads withheld, not as none", k)
	}
	assert.Contains(t, got, "enrollment", "the requester's own facts stay")
	var enrollment map[string]any
	require.NoError(t, json.Unmarshal(got["enrollment"], &enrollment))
	assert.EqualValues(t, 1, enrollment["id"], "the agency's enrollment reads as its own")
	assert.NotContains(t, enrollment, "episode_id", "but not the episode it joined: another agency may have opened it")
	assert.Contains(t, got, "today")
	assert.NotContains(t, string(shown), "A-000000")
	assert.NotContains(t, string(shown), "4321.09", "another agency's kept own cap")
	assert.Equal(t, raw, v.FactsRaw, "the stored snapshot is not changed")

	none, err := (&VoucherRequest{personHidden: true}).Facts()
	require.NoError(t, err)
	assert.Nil(t, none)
}

// BenchmarkHidePersonFacts is what the console's page of one request adds
// for a provider (the API's answers carry no snapshot and pay nothing).
func BenchmarkHidePersonFacts(b *testing.B) {
	raw := personFactsSample(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		v := VoucherRequest{FactsRaw: raw, personHidden: true}
		if _, err := v.Facts(); err != nil {
			b.Fatal(err)
		}
	}
}

// A reason whose totals two other agencies filled, stored and read back
// as a request's hits are: a provider under one agency's consent reads
// CONFLICT_ON_FILE and no trace; under both, the reason as decided.
func TestRedactNeedsEveryAgencyATotalDrawsOn(t *testing.T) {
	t.Parallel()
	d := adjudication.VoucherDecision{Hits: []adjudication.Hit{{Code: adjudication.CodeEpisodeUnitsExceeded, Action: adjudication.ActionPend,
		Detail: "10 units asked, 0 left of 200", Source: 2, Sources: []int64{2, 3}}}}
	stored, err := json.Marshal(d.Hits)
	require.NoError(t, err)
	read := func() *VoucherRequest {
		var hits []adjudication.Hit
		require.NoError(t, json.Unmarshal(stored, &hits))
		v := &VoucherRequest{Trace: json.RawMessage(`[{"rule":"V32"}]`)}
		v.setDecoded(hits)
		return v
	}
	sees := func(ps ...int64) func(int64, string) bool {
		return func(p int64, _ string) bool { return slices.Contains(ps, p) }
	}
	// The totals quote authorizations: a consent of both agencies' enrollments alone does not show them.
	enrollmentsOf := func(ps ...int64) func(int64, string) bool {
		return func(p int64, k string) bool { return k == adjudication.RecordsEnrollments && slices.Contains(ps, p) }
	}
	for _, seen := range []func(int64, string) bool{sees(2), sees(3), sees(), enrollmentsOf(2, 3)} {
		v := read()
		v.redact(seen)
		require.Len(t, v.Reasons, 1)
		assert.Equal(t, adjudication.CodeConflictOnFile, v.Reasons[0].Code)
		assert.Zero(t, v.Reasons[0].Source)
		assert.Nil(t, v.Reasons[0].Sources)
		assert.Nil(t, v.Trace)
	}
	v := read()
	v.redact(sees(2, 3))
	require.Len(t, v.Reasons, 1)
	assert.Equal(t, adjudication.CodeEpisodeUnitsExceeded, v.Reasons[0].Code)
	assert.Equal(t, []int64{2, 3}, v.Reasons[0].Sources)
	assert.NotNil(t, v.Trace)
}

// Every fact of the snapshot has a class (ownFacts, personFacts,
// sourcedFacts): a fact added to adjudication.VoucherFacts without one is
// kept from the provider's copy by Facts, and fails here until its class is
// chosen. The GPRA facts are classed as a whole by gpraOwn, which reads
// their agencies: a GPRA fact added without one fails too.
func TestEveryFactClassified(t *testing.T) {
	t.Parallel()
	names := func(v any) []string {
		var out []string
		ty := reflect.TypeOf(v)
		for i := range ty.NumField() {
			name, _, _ := strings.Cut(ty.Field(i).Tag.Get("json"), ",")
			require.NotEmpty(t, name, "%s.%s has no JSON name", ty.Name(), ty.Field(i).Name)
			if name == "-" {
				continue // never in a snapshot (GivenBack: how the rules run, not a fact)
			}
			out = append(out, name)
		}
		return out
	}
	for _, name := range names(adjudication.VoucherFacts{}) {
		_, sourced := sourcedFacts[name]
		classes := 0
		for _, in := range []bool{slices.Contains(ownFacts, name), slices.Contains(personFacts, name), sourced} {
			if in {
				classes++
			}
		}
		assert.Equal(t, 1, classes, "fact %q: is it the requester's own, the person's, or sourced? (vouchers/requests.go)", name)
	}
	assert.ElementsMatch(t, []string{"intake_completed", "intake_date", "followup_recorded", "intake_provider_id", "followup_provider_id"},
		names(adjudication.GPRA{}), "a new GPRA fact: say in gpraOwn whose interview it is drawn from")
}

// A provider's copy keeps the GPRA facts when they count its own
// interviews only; one drawn from another agency's (or from an unknown
// agency's, in facts stored before they were named) reads withheld.
func TestFactsLeaveOutAnotherAgencysGPRA(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		gpra  adjudication.GPRA
		shown bool
	}{
		{"none", adjudication.GPRA{}, true},
		{"own intake", adjudication.GPRA{IntakeCompleted: true, IntakeDate: day, IntakeProviderID: 1}, true},
		{"own intake and follow-up", adjudication.GPRA{IntakeCompleted: true, IntakeDate: day, IntakeProviderID: 1, FollowupRecorded: true,
			FollowupProviderID: 1}, true},
		{"another's intake", adjudication.GPRA{IntakeCompleted: true, IntakeDate: day, IntakeProviderID: 2}, false},
		{"another's follow-up", adjudication.GPRA{IntakeCompleted: true, IntakeDate: day, IntakeProviderID: 1, FollowupRecorded: true,
			FollowupProviderID: 2}, false},
		{"stored before agencies were named", adjudication.GPRA{IntakeCompleted: true, IntakeDate: day}, false},
	} {
		raw, err := json.Marshal(adjudication.VoucherFacts{Today: day, GPRA: c.gpra})
		require.NoError(t, err)
		shown, err := (&VoucherRequest{ProviderID: 1, FactsRaw: raw, personHidden: true}).Facts()
		require.NoError(t, err)
		var got map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(shown, &got))
		// Withheld, it says so (as "—" on the page it read as no interview).
		assert.Equal(t, c.shown, string(got["gpra"]) != `"`+WithheldFact+`"`, c.name)
		assert.Contains(t, got, "gpra", c.name)
		assert.Contains(t, got, "today", c.name)
	}
}

// The program fact on a provider's copy reads the cap the agency's own
// records were judged by, never the episode's where that is another
// agency's record: the console's page of V33's facts showed 4760.00 (every
// agency's authorizations at another agency's exception) for a person
// served elsewhere, 4000.00 for a stranger (a Part 2 audit). Nor does it
// say whose the episode's cap is, or the window of a withheld intake's
// stay.
func TestProgramFactShowsTheAgencysOwnCap(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		program  adjudication.Program
		gpra     adjudication.GPRA
		wantCap  string
		wantDays bool
	}{
		{"the agency's own episode", adjudication.Program{Code: "ATR", HasDollarCap: true, EpisodeDollarCap: dec("4000"), FollowupCloseDays: 240},
			adjudication.GPRA{IntakeCompleted: true, IntakeDate: day, IntakeProviderID: 1}, "4000", true},
		{"raised by another agency's exception", adjudication.Program{Code: "ATR", HasDollarCap: true, EpisodeDollarCap: dec("4760"),
			AgencyCap: &adjudication.ProgramCap{Has: true, Cap: dec("4000"), By: 2}}, adjudication.GPRA{}, "4000", false},
		{"opened by another agency before the cap changed", adjudication.Program{Code: "ATR", HasDollarCap: true, EpisodeDollarCap: dec("4000"),
			AgencyCap: &adjudication.ProgramCap{Has: true, Cap: dec("4500"), By: 2}}, adjudication.GPRA{}, "4500", false},
		{"another's intake counted", adjudication.Program{Code: "ATR", HasDollarCap: true, EpisodeDollarCap: dec("4000"), FollowupCloseDays: 200},
			adjudication.GPRA{IntakeCompleted: true, IntakeDate: day, IntakeProviderID: 2}, "4000", false},
	} {
		f := adjudication.VoucherFacts{Today: day, Program: c.program, GPRA: c.gpra,
			Request: adjudication.VoucherRequest{ProviderID: 1}, Enrollment: &adjudication.Enrollment{ID: 1, ProviderID: 1, EpisodeID: 9, Start: day}}
		raw, err := json.Marshal(f)
		require.NoError(t, err)
		shown, err := (&VoucherRequest{ProviderID: 1, FactsRaw: raw, personHidden: true}).Facts()
		require.NoError(t, err)
		var got struct {
			Program map[string]json.RawMessage `json:"program"`
		}
		require.NoError(t, json.Unmarshal(shown, &got), c.name)
		assert.JSONEq(t, `"`+c.wantCap+`"`, string(got.Program["episode_dollar_cap"]), c.name)
		assert.JSONEq(t, `true`, string(got.Program["has_dollar_cap"]), c.name)
		assert.NotContains(t, got.Program, "agency_cap", c.name)
		_, days := got.Program["gpra_followup_close_days"]
		assert.Equal(t, c.wantDays, days, c.name)
		assert.JSONEq(t, `"ATR"`, string(got.Program["code"]), c.name)

		whole, err := (&VoucherRequest{ProviderID: 1, FactsRaw: raw}).Facts()
		require.NoError(t, err)
		assert.Equal(t, raw, whole, "the MSC reads it whole")
	}
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
