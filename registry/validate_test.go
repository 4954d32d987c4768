package registry

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The NPI check is the database's npi_valid in Go, so a bad NPI is a field
// error before any statement runs.
func TestNPIValid(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, npi string
		want      bool
	}{
		{"CMS example", "1245319599", true},
		{"demo HRA", "1234567893", true},
		{"demo BCS", "1456789019", true},
		{"demo LAS", "1765432103", true},
		{"wrong check digit", "1245319598", false},
		{"another wrong check digit", "1234567890", false},
		{"nine digits", "124531959", false},
		{"eleven digits", "12453195990", false},
		{"a letter", "12453195X9", false},
		{"empty", "", false},
	} {
		assert.Equal(t, c.want, NPIValid(c.npi), c.name)
	}
}
