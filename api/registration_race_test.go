package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Two registrations of one agency sent at once under two identities of
// one person (one by name, one by Medicaid ID) answer as they do for a
// stranger, both 201, when another agency's record ties the identities
// together: one was a 409 registration_conflict in a third of the rounds,
// a stranger's never (a Part 2 audit). Bounded: twelve rounds.
func TestRegistrationsPassingEachOtherAnswerAlike(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for round := range 12 {
		first, last := itPerson("Race")
		mid := fmt.Sprintf("RACE%06d", 100+round)
		r := e.post(keyBCS, "/v1/clients", map[string]any{"first_name": first, "last_name": last, "date_of_birth": "1980-01-15",
			"medicaid_id": mid, "catchment_area": "bridgeport"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		bodies := []map[string]any{
			{"first_name": first, "last_name": last, "date_of_birth": "1980-01-15", "catchment_area": "hartford"},
			{"first_name": "Other" + first, "last_name": "Other" + last, "date_of_birth": "1980-01-15", "medicaid_id": mid, "catchment_area": "hartford"},
		}
		got := make([]resp, len(bodies))
		var wg sync.WaitGroup
		for i, b := range bodies {
			wg.Go(func() { got[i] = e.post(keyHRA, "/v1/clients", b) })
		}
		wg.Wait()
		for i, g := range got {
			assert.Equal(t, http.StatusCreated, g.Status, "round %d, registration %d: %s", round, i, g.Body)
		}
	}
}
