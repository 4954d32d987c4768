package vouchers

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"rss"
)

// The schedule of one agency's part of an episode, from its own enrollment
// span and its own interviews: windows and statuses on a given day.
func TestBuildSchedule(t *testing.T) {
	t.Parallel()
	open, close, discharge := 150, 240, 30
	opened := rss.MustDate("2026-01-10")
	intake := Interview{Kind: "intake", Status: "completed", InterviewDate: opened}
	type want struct{ intake, followUp, discharge string }
	cases := []struct {
		name   string
		closed rss.Date
		ivs    []Interview
		today  rss.Date
		want   want
		window string // the follow-up's window
	}{
		{name: "no intake yet", today: opened.AddDays(3), want: want{"due", "not_applicable", "not_applicable"}, window: "not_applicable"},
		{name: "intake done, follow-up not yet open", ivs: []Interview{intake}, today: opened.AddDays(149),
			want: want{"completed", "not_yet_due", "not_applicable"}, window: "not_yet_open"},
		{name: "follow-up window opens on day 150", ivs: []Interview{intake}, today: opened.AddDays(150),
			want: want{"completed", "due", "not_applicable"}, window: "open"},
		{name: "still open on day 240", ivs: []Interview{intake}, today: opened.AddDays(240),
			want: want{"completed", "due", "not_applicable"}, window: "open"},
		{name: "overdue on day 241", ivs: []Interview{intake}, today: opened.AddDays(241),
			want: want{"completed", "overdue", "not_applicable"}, window: "closed"},
		{name: "follow-up done late", ivs: []Interview{intake, {Kind: "follow_up", Status: "completed", InterviewDate: opened.AddDays(245)}},
			today: opened.AddDays(250), want: want{"completed", "completed_late", "not_applicable"}, window: "closed"},
		{name: "follow-up not conducted", ivs: []Interview{intake, {Kind: "follow_up", Status: "not_conducted", InterviewDate: opened.AddDays(200)}},
			today: opened.AddDays(250), want: want{"completed", "not_conducted", "not_applicable"}, window: "closed"},
		{name: "discharged, the discharge interview due within 30 days", closed: opened.AddDays(100), ivs: []Interview{intake},
			today: opened.AddDays(110), want: want{"completed", "not_yet_due", "due"}, window: "not_yet_open"},
		{name: "discharge interview overdue", closed: opened.AddDays(100), ivs: []Interview{intake},
			today: opened.AddDays(131), want: want{"completed", "not_yet_due", "overdue"}, window: "not_yet_open"},
		// The 30-day count (issue 10): the interview's date against the close.
		{name: "discharge interview on the 30th day counts in window", closed: opened.AddDays(100),
			ivs:   []Interview{intake, {Kind: "discharge", Status: "completed", InterviewDate: opened.AddDays(130)}},
			today: opened.AddDays(140), want: want{"completed", "not_yet_due", "completed"}, window: "not_yet_open"},
		{name: "discharge interview on the 31st day is late", closed: opened.AddDays(100),
			ivs:   []Interview{intake, {Kind: "discharge", Status: "completed", InterviewDate: opened.AddDays(131)}},
			today: opened.AddDays(140), want: want{"completed", "not_yet_due", "completed_late"}, window: "not_yet_open"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := buildSchedule(stay{EnrollmentID: 9, ID: 5, ProviderID: 2, ProgramCode: "ATR", OpenedOn: opened, ClosedOn: tc.closed,
				FollowupOpenDays: &open, FollowupCloseDays: &close, DischargeDays: &discharge}, tc.ivs, tc.today)
			assert.Equal(t, int64(2), s.ProviderID)
			assert.Equal(t, int64(9), s.EnrollmentID)
			if assert.Len(t, s.Interviews, 3) {
				assert.Equal(t, tc.want, want{s.Interviews[0].Status, s.Interviews[1].Status, s.Interviews[2].Status})
				assert.Equal(t, tc.window, s.Interviews[1].Window)
			}
		})
	}
}

// A not-conducted interview's reason left out is required; one outside the
// list is invalid (a GPRA black-box pass read "required" for both).
func TestNotConductedReasonCodes(t *testing.T) {
	t.Parallel()
	today := rss.MustDate("2026-06-15")
	reason := func(r *string) string {
		t.Helper()
		n := NewInterview{ClientID: 1, Kind: "intake", Instrument: "SUPRT-2025", Status: "not_conducted", NotConductedReason: r, InterviewDate: today}
		var v *rss.ValidationError
		if !assert.ErrorAs(t, n.validate(today), &v) || !assert.Len(t, v.Fields, 1) {
			return ""
		}
		assert.Equal(t, "not_conducted_reason", v.Fields[0].Field)
		return v.Fields[0].Code
	}
	busy, refused := "busy", "refused"
	assert.Equal(t, "required", reason(nil))
	assert.Equal(t, "invalid_value", reason(&busy))
	n := NewInterview{ClientID: 1, Kind: "intake", Instrument: "SUPRT-2025", Status: "not_conducted", NotConductedReason: &refused, InterviewDate: today}
	assert.NoError(t, n.validate(today))
}
