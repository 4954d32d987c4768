package adjudication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A kept cap's holdings leave out the agency's authorizations of an
// earlier stay another agency keeps in the episode, by the keeper's own
// stay's dates; facts stored without a stay count every one, as judged.
func TestKeptOwnCapHoldsItsStaysAlone(t *testing.T) {
	began := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)
	c := KeptOwnCap{ProviderID: 1, Stay: 20, StayBegan: began}
	for _, tc := range []struct {
		name string
		cap  KeptOwnCap
		a    Authorization
		want bool
	}{
		{"the stay's own", c, Authorization{ProviderID: 1, EnrollmentID: 20, Start: began}, true},
		{"an earlier stay's", c, Authorization{ProviderID: 1, EnrollmentID: 10, Start: began.AddDate(0, 0, -13)}, false},
		{"another enrollment of the unbroken stay", c, Authorization{ProviderID: 1, EnrollmentID: 15, Start: began.AddDate(0, 0, 2)}, true},
		{"another agency's", c, Authorization{ProviderID: 2, EnrollmentID: 20, Start: began}, false},
		{"facts stored without a stay", KeptOwnCap{ProviderID: 1},
			Authorization{ProviderID: 1, EnrollmentID: 10, Start: began.AddDate(0, 0, -13)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.cap.Holds(&tc.a))
		})
	}
}
