package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A date refused as in the future names rss's today in the MSC's time
// zone: a caller whose clock reads UTC is a day ahead of New York in the
// evening, and "cannot be in the future" read as wrong for a date that is
// today on its clock (a black-box pass of the forty-seventh stop).
func TestFutureDatesNameToday(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	today := "today is " + day(0) + " in the MSC's time zone"
	ramos := enrollmentOf(e, e.demo.Clients["Ramos"], "EMP")  // HRA
	reyes := enrollmentOf(e, e.demo.Clients["Reyes"], "RSVP") // BCS
	for _, c := range []struct {
		name, key, path, field string
		body                   map[string]any
	}{
		{"a birth", keyHRA, "/v1/clients", "date_of_birth",
			map[string]any{"first_name": "Ada", "last_name": "Quill", "date_of_birth": day(1), "catchment_area": "hartford"}},
		{"a stage change", keyHRA, itPath("/v1/enrollments/%d/employment-stages", ramos), "effective_date",
			map[string]any{"stage": "apprenticeship", "effective_date": day(1)}},
		{"a drug screen", keyBCS, itPath("/v1/enrollments/%d/drug-screens", reyes), "date",
			map[string]any{"date": day(1), "kind": "random", "result": "negative"}},
		{"a batch", keyFinance, "/v1/batches", "through_date",
			map[string]any{"payer_route": "payment_register", "through_date": day(1)}},
		// Bounds counted from today name it too (a Part 2 sweep of the
		// forty-seventh stop).
		{"a hire a year ahead", keyHRA, itPath("/v1/providers/%d/staff", e.demo.Providers["HRA"]), "employment_start",
			map[string]any{"first_name": "Noor", "last_name": "Ahead", "role": "case_manager", "date_of_birth": "1990-02-03", "employment_start": day(400)}},
		{"a staff member born yesterday", keyHRA, itPath("/v1/providers/%d/staff", e.demo.Providers["HRA"]), "date_of_birth",
			map[string]any{"first_name": "Noor", "last_name": "Young", "role": "case_manager", "date_of_birth": day(-1), "employment_start": day(0)}},
	} {
		p := requireProblem(t, e.post(c.key, c.path, c.body), http.StatusUnprocessableEntity, "validation_failed")
		assert.Contains(t, []string{"in_future", "out_of_range"}, itFieldCode(p, c.field), "%s: %v", c.name, p)
		assert.Contains(t, itFieldMessage(p, c.field), today, c.name)
	}
}
