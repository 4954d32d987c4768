package vouchers

import (
	"strings"
	"testing"

	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/adjudication"
)

func fieldCodes(t *testing.T, err error) map[string]string {
	t.Helper()
	out := map[string]string{}
	if err == nil {
		return out
	}
	var ve *rss.ValidationError
	require.ErrorAs(t, err, &ve)
	for _, f := range ve.Fields {
		out[f.Field] = f.Code
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestNewClientValidate(t *testing.T) {
	t.Parallel()
	today := rss.MustDate("2026-12-02")
	valid := func() NewClient {
		return NewClient{FirstName: " Ana ", LastName: "Lopez", DateOfBirth: rss.MustDate("1990-04-12"), CatchmentArea: "hartford"}
	}
	cases := []struct {
		name  string
		edit  func(n *NewClient)
		field string // "" when valid
		code  string
	}{
		{name: "valid, with defaults filled", edit: func(*NewClient) {}},
		{name: "no first name", edit: func(n *NewClient) { n.FirstName = "  " }, field: "first_name", code: "required"},
		{name: "first name past NM104", edit: func(n *NewClient) { n.FirstName = strings.Repeat("a", 36) }, field: "first_name", code: "too_long"},
		{name: "last name at NM103's 60", edit: func(n *NewClient) { n.LastName = strings.Repeat("b", 60) }},
		{name: "last name past NM103", edit: func(n *NewClient) { n.LastName = strings.Repeat("b", 61) }, field: "last_name", code: "too_long"},
		{name: "segment terminator", edit: func(n *NewClient) { n.LastName = "Lo~pez" }, field: "last_name", code: "invalid_character"},
		{name: "component separator", edit: func(n *NewClient) { n.FirstName = "A:na" }, field: "first_name", code: "invalid_character"},
		{name: "outside ASCII", edit: func(n *NewClient) { n.LastName = "López" }, field: "last_name", code: "invalid_character"},
		{name: "digits and an apostrophe are fine", edit: func(n *NewClient) { n.LastName = "O'Brien 2nd" }},
		{name: "born tomorrow", edit: func(n *NewClient) { n.DateOfBirth = today.AddDays(1) }, field: "date_of_birth", code: "in_future"},
		{name: "born before 1901", edit: func(n *NewClient) { n.DateOfBirth = rss.MustDate("1900-12-31") }, field: "date_of_birth", code: "out_of_range"},
		{name: "gender", edit: func(n *NewClient) { n.Gender = ptr("X") }, field: "gender", code: "invalid_value"},
		{name: "empty gender", edit: func(n *NewClient) { n.Gender = ptr("") }, field: "gender", code: "required"},
		{name: "medicaid id lower case is upper-cased", edit: func(n *NewClient) { n.MedicaidID = ptr(" ct135792 ") }},
		{name: "medicaid id too short", edit: func(n *NewClient) { n.MedicaidID = ptr("CT12") }, field: "medicaid_id", code: "invalid_format"},
		// Placeholders would match two people born the same day into one.
		{name: "medicaid id placeholder PENDING", edit: func(n *NewClient) { n.MedicaidID = ptr("pending") }, field: "medicaid_id", code: "invalid_format"},
		{name: "medicaid id placeholder UNKNOWN", edit: func(n *NewClient) { n.MedicaidID = ptr("UNKNOWN") }, field: "medicaid_id", code: "invalid_format"},
		{name: "medicaid id all zeros", edit: func(n *NewClient) { n.MedicaidID = ptr("000000") }, field: "medicaid_id", code: "invalid_format"},
		{name: "medicaid id one digit repeated", edit: func(n *NewClient) { n.MedicaidID = ptr("999999999") }, field: "medicaid_id", code: "invalid_format"},
		{name: "medicaid id a run up", edit: func(n *NewClient) { n.MedicaidID = ptr("123456789") }, field: "medicaid_id", code: "invalid_format"},
		{name: "medicaid id a run down", edit: func(n *NewClient) { n.MedicaidID = ptr("987654") }, field: "medicaid_id", code: "invalid_format"},
		{name: "medicaid id a run through 0", edit: func(n *NewClient) { n.MedicaidID = ptr("1234567890") }, field: "medicaid_id", code: "invalid_format"},
		{name: "medicaid id a run from 8", edit: func(n *NewClient) { n.MedicaidID = ptr("890123") }, field: "medicaid_id", code: "invalid_format"},
		// Letters before a placeholder's digits leave it a placeholder.
		{name: "medicaid id letters and zeros", edit: func(n *NewClient) { n.MedicaidID = ptr("PENDING000000") }, field: "medicaid_id", code: "invalid_format"},
		{name: "medicaid id letters and a run", edit: func(n *NewClient) { n.MedicaidID = ptr("TBD123456") }, field: "medicaid_id", code: "invalid_format"},
		{name: "medicaid id a letter and a digit repeated", edit: func(n *NewClient) { n.MedicaidID = ptr("X111111") }, field: "medicaid_id", code: "invalid_format"},
		{name: "medicaid id letters and one digit", edit: func(n *NewClient) { n.MedicaidID = ptr("PENDING1") }, field: "medicaid_id", code: "invalid_format"},
		{name: "medicaid id letters and digits", edit: func(n *NewClient) { n.MedicaidID = ptr("CT0000001") }},
		{name: "empty address line", edit: func(n *NewClient) { n.AddressLine1 = ptr(" ") }, field: "address_line1", code: "required"},
		{name: "address past N301", edit: func(n *NewClient) { n.AddressLine1 = ptr(strings.Repeat("1", 56)) }, field: "address_line1", code: "too_long"},
		{name: "one-letter city", edit: func(n *NewClient) { n.City = ptr("X") }, field: "city", code: "too_short"},
		{name: "state", edit: func(n *NewClient) { n.State = ptr("ct") }, field: "state", code: "invalid_format"},
		{name: "zip", edit: func(n *NewClient) { n.Zip = ptr("0610") }, field: "zip", code: "invalid_format"},
		// What the 837P's N4 carries is held to the agency's own address rules.
		{name: "state no post office has", edit: func(n *NewClient) { n.State = ptr("XX") }, field: "state", code: "invalid_format"},
		{name: "zip 00000", edit: func(n *NewClient) { n.Zip = ptr("00000") }, field: "zip", code: "invalid_format"},
		{name: "zip+4 of 00000", edit: func(n *NewClient) { n.Zip = ptr("000001234") }, field: "zip", code: "invalid_format"},
		{name: "territory", edit: func(n *NewClient) { n.State = ptr("PR"); n.Zip = ptr("009011234") }},
		{name: "substance use status", edit: func(n *NewClient) { n.SubstanceUseStatus = ptr("sober") }, field: "substance_use_status", code: "invalid_value"},
		{name: "empty substance use status", edit: func(n *NewClient) { n.SubstanceUseStatus = ptr("") }, field: "substance_use_status", code: "required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := valid()
			tc.edit(&n)
			codes := fieldCodes(t, n.validate(today))
			if tc.field == "" {
				assert.Empty(t, codes)
				assert.Equal(t, "Ana", n.FirstName, "names are trimmed")
				assert.Equal(t, "U", *n.Gender)
				assert.Equal(t, "unknown", *n.SubstanceUseStatus)
				if n.MedicaidID != nil {
					assert.Contains(t, []string{"CT135792", "CT0000001"}, *n.MedicaidID, "trimmed and upper-cased")
				}
				return
			}
			assert.Equal(t, tc.code, codes[tc.field], "%v", codes)
		})
	}
}

func TestVoucherRequestAndReviewValidate(t *testing.T) {
	t.Parallel()
	start := rss.MustDate("2026-12-01")
	req := func() NewVoucherRequest {
		return NewVoucherRequest{ClientID: 1, ServiceCode: "ATR-CM", Units: ptr(10), StartDate: start, EndDate: start.AddDays(29)}
	}
	for _, tc := range []struct {
		name  string
		edit  func(n *NewVoucherRequest)
		field string
	}{
		{name: "valid", edit: func(*NewVoucherRequest) {}},
		{name: "units left out", edit: func(n *NewVoucherRequest) { n.Units = nil }, field: "units"},
		{name: "zero units", edit: func(n *NewVoucherRequest) { n.Units = ptr(0) }, field: "units"},
		{name: "absurd units", edit: func(n *NewVoucherRequest) { n.Units = ptr(maxUnits + 1) }, field: "units"},
		{name: "end before start", edit: func(n *NewVoucherRequest) { n.EndDate = start.AddDays(-1) }, field: "end_date"},
		{name: "a span of a year and a day", edit: func(n *NewVoucherRequest) { n.EndDate = start.AddDays(maxSpanDays) }, field: "end_date"},
		{name: "a note of 4,000 characters outside ASCII", edit: func(n *NewVoucherRequest) { n.Note = ptr(strings.Repeat("é", maxNoteLen)) }},
		{name: "a note past 4,000 characters", edit: func(n *NewVoucherRequest) { n.Note = ptr(strings.Repeat("a", maxNoteLen+1)) }, field: "note"},
		{name: "a control character in the note", edit: func(n *NewVoucherRequest) { n.Note = ptr("a\x07b") }, field: "note"},
		{name: "starting a year ahead", edit: func(n *NewVoucherRequest) {
			n.StartDate, n.EndDate = start.AddDays(maxLeadDays), start.AddDays(maxLeadDays+29)
		}},
		{name: "starting past a year ahead", edit: func(n *NewVoucherRequest) {
			n.StartDate, n.EndDate = start.AddDays(maxLeadDays+1), start.AddDays(maxLeadDays+29)
		}, field: "start_date"},
		{name: "a mistyped year", edit: func(n *NewVoucherRequest) {
			n.StartDate, n.EndDate = rss.MustDate("2900-01-01"), rss.MustDate("2900-01-31")
		},
			field: "start_date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := req()
			tc.edit(&n)
			codes := fieldCodes(t, n.validate(start))
			if tc.field == "" {
				assert.Empty(t, codes)
			} else {
				assert.Contains(t, codes, tc.field)
			}
		})
	}

	for _, tc := range []struct {
		name  string
		r     Review
		field string
	}{
		{name: "approve", r: Review{Action: ReviewApprove, Note: "ok"}},
		{name: "approve with units", r: Review{Action: ReviewApprove, Note: "ok", Units: ptr(3)}, field: "action"},
		{name: "approve_modified needs units and span", r: Review{Action: ReviewApproveModified, Note: "ok"}, field: "units"},
		{name: "approve_modified span reversed", r: Review{Action: ReviewApproveModified, Note: "ok", Units: ptr(3),
			StartDate: start, EndDate: start.AddDays(-1)}, field: "end_date"},
		{name: "no note", r: Review{Action: ReviewDeny, Note: " "}, field: "note"},
		{name: "unknown action", r: Review{Action: "shrug", Note: "x"}, field: "action"},
	} {
		t.Run("review "+tc.name, func(t *testing.T) {
			codes := fieldCodes(t, tc.r.Validate())
			if tc.field == "" {
				assert.Empty(t, codes)
			} else {
				assert.Contains(t, codes, tc.field)
			}
		})
	}
}

func TestConsentStatus(t *testing.T) {
	t.Parallel()
	today := rss.MustDate("2026-12-02")
	now := today.Time
	for _, tc := range []struct {
		name string
		c    Consent
		want string
	}{
		// The status reads in_force_through, as the database reads the
		// consent's date, recorded event and ten years (migration 00109).
		{name: "current", c: Consent{ExpiresOn: today, InForceThrough: today}, want: "active"},
		{name: "expires by event only", c: Consent{ExpiryEvent: ptr("discharge"), InForceThrough: today.AddDays(3000)}, want: "active"},
		{name: "event recorded today", c: Consent{ExpiryEvent: ptr("discharge"), ExpiredOn: today, InForceThrough: today.AddDays(-1)},
			want: "expired"},
		{name: "expired yesterday", c: Consent{ExpiresOn: today.AddDays(-1), InForceThrough: today.AddDays(-1)}, want: "expired"},
		{name: "revoked outranks expired", c: Consent{ExpiresOn: today.AddDays(-1), InForceThrough: today.AddDays(-1), RevokedAt: &now},
			want: "revoked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.setStatus(today)
			assert.Equal(t, tc.want, tc.c.Status)
		})
	}
}

func TestViewSees(t *testing.T) {
	t.Parallel()
	msc := view{personID: 1, all: true}
	assert.True(t, msc.sees(99, recordsCarePlans))
	assert.Nil(t, msc.arg(recordsCarePlans), "the MSC's query argument is NULL: every agency")
	p := view{personID: 1, own: 4, shared: map[int64][]string{7: {recordsCarePlans, recordsGPRA}, 9: {recordsConsents}, 8: {recordsCarePlans}}}
	assert.True(t, p.sees(4, recordsConsents), "its own records, every kind")
	assert.True(t, p.sees(7, recordsCarePlans))
	assert.False(t, p.sees(7, recordsConsents), "a kind the consent does not disclose")
	assert.False(t, p.sees(5, recordsCarePlans), "an agency with no consent naming the reader")
	assert.Equal(t, pq.Array([]int64{4, 7, 8}), p.arg(recordsCarePlans), "its own first, then by id")
	assert.Equal(t, pq.Array([]int64{4}), p.arg(adjudication.RecordsEnrollments))
}

// A refusal of a character says which characters the element takes, whole:
// the list is rss's own words, not the caller's text, and was clipped at
// 100 bytes like quoted input ("allowed: letters, digits, space and …": a
// black-box pass).
func TestCharacterRefusalSaysWhatIsAllowed(t *testing.T) {
	t.Parallel()
	n := NewClient{FirstName: "Sam\u202eevil", LastName: "Test", DateOfBirth: rss.MustDate("1990-05-05"), CatchmentArea: "hartford"}
	err := n.validate(rss.MustDate("2026-12-02"))
	var ve *rss.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Fields, 1)
	msg := ve.Fields[0].Message
	assert.NotContains(t, msg, "…", "%s", msg)
	assert.True(t, strings.HasSuffix(msg, ")"), "%s", msg)
}

// A consent's ten years end where the database's signed_on + 10 years
// does (migration 00109's in_force_through): one signed on 29 February
// runs to the 28th, not to 1 March.
func TestLastConsentDayReadsAsTheDatabase(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "2036-12-01", lastConsentDay(rss.MustDate("2026-12-01")).String())
	assert.Equal(t, "2034-02-28", lastConsentDay(rss.MustDate("2024-02-29")).String())
	assert.Equal(t, "2036-02-28", lastConsentDay(rss.MustDate("2026-02-28")).String())
}

// One form keyed twice reads as one (a black-box pass recorded "BCS" and
// "bcs", "x" and "x ", as two): an agency recipient by its id alone, a name
// as the registry reads names, free text folded.
func TestConsentFormKey(t *testing.T) {
	t.Parallel()
	event := func(s string) *string { return &s }
	same := func(a, b string) { assert.Equal(t, a, b) }
	same(consentFormKey("provider", "BCS", "x", nil), consentFormKey("provider", "Bridgeport Community Supports L.L.C.", " X\t", nil))
	same(consentFormKey("msc", "MSC", "Claims  and\nplans", event("Upon discharge")),
		consentFormKey("msc", "the M.S.C., Inc.", "claims and plans ", event(" upon   DISCHARGE")))
	assert.NotEqual(t, consentFormKey("msc", "MSC", "x", nil), consentFormKey("msc", "Management Services Contractor", "x", nil))
	assert.NotEqual(t, consentFormKey("provider", "BCS", "x", nil), consentFormKey("provider", "BCS", "x", event("discharge")))
	assert.NotEqual(t, consentFormKey("provider", "BCS", "x y", nil), consentFormKey("provider", "BCS", "xy", nil))
}
