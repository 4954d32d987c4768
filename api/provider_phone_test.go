package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A provider's contact phone is a number one can call: ten digits of a
// North American number, its area code not starting with 0 or 1, not one
// digit repeated (a new-user black-box pass registered 0000000000, while
// the NPI, the EIN's prefix and a ZIP of 00000 were refused). A 422 on the
// field, as the ZIP's, on a registration and on a PATCH; nothing written.
// The demo agencies' phones pass, sent back as on file.
func TestProviderPhonePlausible(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := itPath("/v1/reference/providers/%d", e.demo.Providers["HRA"])
	for _, phone := range []string{"0000000000", "2222222222", "9999999999", "0605550199", "1605550199", "860555017", "86055501170", "860-555-0117"} {
		t.Run(phone, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.post(keyAdmin, "/v1/reference/providers", itWith(newProviderBody("NHRN", goodNPI), "contact_phone", phone)),
					http.StatusUnprocessableEntity, "validation_failed")
				assert.Equal(t, "invalid_format", itFieldCode(p, "contact_phone"), "%v", p)
				p = requireProblem(t, e.patch(keyAdmin, hra, map[string]any{"contact_phone": phone}), http.StatusUnprocessableEntity, "validation_failed")
				assert.Equal(t, "invalid_format", itFieldCode(p, "contact_phone"), "%v", p)
			})
		})
	}
	var phones []struct {
		ID    int64  `db:"id"`
		Phone string `db:"contact_phone"`
	}
	require.NoError(t, e.db.SelectContext(t.Context(), &phones, `SELECT id, contact_phone FROM providers WHERE contact_phone IS NOT NULL ORDER BY id`))
	require.NotEmpty(t, phones)
	for _, p := range phones {
		r := e.patch(keyAdmin, itPath("/v1/reference/providers/%d", p.ID), map[string]any{"contact_phone": p.Phone})
		assert.Equal(t, http.StatusOK, r.Status, "provider %d's %s: %s", p.ID, p.Phone, r.Body)
	}
	r := e.post(keyAdmin, "/v1/reference/providers", itWith(newProviderBody("NHRN", goodNPI), "contact_phone", "2125550100"))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}
