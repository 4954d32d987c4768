package outcomes

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"rss"
)

func TestParseMonth(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"2026-06": "2026-06-01", "2024-02": "2024-02-01", "1999-12": "1999-12-01"} {
		d, ok := parseMonth(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, d.String(), in)
	}
	for _, in := range []string{"", "2026-6", "2026-00", "2026-13", "2026-06-01", "26-06", "1899-12", "2026/06", " 2026-06", "２０２６-06"} {
		_, ok := parseMonth(in)
		assert.False(t, ok, "%q", in)
	}
	assert.Equal(t, "2026-02-01", monthOf(rss.MustDate("2026-02-28")).String())
}

// A monthly record's codes are checked before the database sees them, each
// error naming its field.
func TestMonthlyProgressValidate(t *testing.T) {
	t.Parallel()
	today := rss.MustDate("2026-06-15")
	good := NewMonthlyProgress{Month: "2026-06", TreatmentStatus: "engaged",
		Contacts: []Contacts{{"face_to_face", 2}}, Goals: []Goal{{"Housing", "in_progress"}}}
	m, err := good.validate(today)
	assert.NoError(t, err)
	assert.Equal(t, "2026-06-01", m.String())

	bad := NewMonthlyProgress{Month: "2026-07", TreatmentStatus: "x",
		Contacts: []Contacts{{"telephone", 1000}, {"telephone", 1}, {"fax", 1}},
		Goals: []Goal{{"", "achieved"}, {"a\x00b", "achieved"}, {"Job", "meh"}, {"\u200b\u00ad", "achieved"},
			{"Enter \u202etreatment", "in_progress"}, {"line\u2028break", "revised"}}}
	_, err = bad.validate(today)
	var v *rss.ValidationError
	if assert.ErrorAs(t, err, &v) {
		got := map[string]string{}
		for _, f := range v.Fields {
			got[f.Field] = f.Code
		}
		assert.Equal(t, map[string]string{
			"month": "in_future", "treatment_status": "invalid_value",
			"contacts[0].count": "out_of_range", "contacts[1].kind": "duplicate", "contacts[2].kind": "invalid_value",
			"goals[0].goal": "required", "goals[1].goal": "invalid_character", "goals[2].status": "invalid_value",
			"goals[3].goal": "required", "goals[4].goal": "invalid_character", "goals[5].goal": "invalid_character",
		}, got)
	}

	// Left out reads required, as every other field does: it read "must be
	// one of" or "out of range" (a black-box pass).
	missing := NewMonthlyProgress{Month: "2026-06", TreatmentStatus: "engaged",
		Contacts: []Contacts{{"", 2}, {"telephone", 0}}, Goals: []Goal{{"Housing", ""}}}
	_, err = missing.validate(today)
	if assert.ErrorAs(t, err, &v) {
		got := map[string]string{}
		for _, f := range v.Fields {
			got[f.Field] = f.Code
		}
		assert.Equal(t, map[string]string{"contacts[0].kind": "required", "contacts[1].count": "required", "goals[0].status": "required"}, got)
	}
}
