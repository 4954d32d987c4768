package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"rss/billing"
	"rss/outcomes"
	"rss/registry"
	"rss/staff"
	"rss/vouchers"
)

// bodyTypes are the request bodies the handlers decode (decode(c, &v)).
func bodyTypes() []func() any {
	return []func() any{
		func() any { return new(billing.NewClaim) }, func() any { return new(vouchers.NewVoucherRequest) },
		func() any { return new(vouchers.Review) }, func() any { return new(billing.NewBatch) },
		func() any { return new(vouchers.NewClient) }, func() any { return new(vouchers.ClientPatch) },
		func() any { return new(vouchers.NewEnrollment) }, func() any { return new(vouchers.NewConsent) },
		func() any { return new(vouchers.NewInterview) }, func() any { return new(vouchers.NewCarePlan) },
		func() any { return new(vouchers.NewEligibility) }, func() any { return new(outcomes.NewMonthlyProgress) },
		func() any { return new(outcomes.NewDrugScreen) }, func() any { return new(registry.NewProvider) },
		func() any { return new(registry.ProviderPatch) }, func() any { return new(registry.NewRate) },
		func() any { return new(staff.NewStaff) }, func() any { return new(staff.Patch) },
		func() any { return new(vouchers.ServicePatch) }, func() any { return new(registry.NewAgreement) },
	}
}

func fuzzContext(body []byte) (*gin.Context, *httptest.ResponseRecorder) {
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Request = httptest.NewRequest(http.MethodPost, "/v1/x", bytes.NewReader(body))
	c.Request.Header.Set("Content-Type", "application/json")
	return c, w
}

// checkRefusal: a refused body is a 4xx problem+json naming a code.
func checkRefusal(t *testing.T, what string, body []byte, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code < 400 || w.Code >= 500 {
		t.Fatalf("%s: refused with %d: %s (body %q)", what, w.Code, w.Body, body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s: refusal content type %q", what, ct)
	}
	var p map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p["code"] == nil || p["code"] == "" {
		t.Fatalf("%s: refusal not a problem: %s (%v)", what, w.Body, err)
	}
}

// acceptedText: what the decoder accepts is UTF-8 with no NUL and no
// string over MaxTextLength characters.
func acceptedText(t *testing.T, what string, body []byte) {
	t.Helper()
	if !utf8.Valid(body) {
		t.Fatalf("%s: accepted a body that is not UTF-8: %q", what, body)
	}
	var tree any
	if err := json.Unmarshal(body, &tree); err != nil {
		t.Fatalf("%s: accepted a body encoding/json cannot read: %v", what, err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if strings.ContainsRune(x, 0) || utf8.RuneCountInString(x) > MaxTextLength {
				t.Fatalf("%s: accepted string %q", what, x)
			}
			if strings.ContainsRune(x, utf8.RuneError) && !bytes.Contains(body, []byte("\uFFFD")) && !bytes.Contains(bytes.ToLower(body), []byte(`\ufffd`)) {
				t.Fatalf("%s: accepted a string decoded with U+FFFD in place of something: %q", what, x)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				walk(k)
				walk(e)
			}
		}
	}
	walk(tree)
}

// FuzzDecodeBody drives decode (the strict decoder every POST and PATCH
// uses, with its field finders) and decodeBulk with any bytes: never a
// panic, a refusal is a 4xx problem, an acceptance writes nothing and
// holds only text PostgreSQL keeps.
func FuzzDecodeBody(f *testing.F) {
	gin.SetMode(gin.TestMode)
	for _, s := range []string{
		`{"claim_number":"C-1","client_id":1,"frequency":"1","rendering_staff_id":2,"place_of_service":"11","diagnoses":["F1120"],"lines":[{"service_code":"ATR-CM","date_of_service":"2026-03-02","units":4,"charge":"40.00","authorization_number":"PA1"}]}`,
		`{"claims":[{"claim_number":"C-1","client_id":1,"lines":[{"date_of_service":"2026-02-30","charge":"1e3"}]},null,3,{"lines":[{"units":1e400}]}]}`,
		`{"client_id":1,"service_code":"ATR-CM","units":4,"start_date":"2026-03-01","end_date":"2026-03-31","note":"x"}`,
		`{"lines":[{"units":9223372036854775808}]}`, `{"lines":[{"charge":40}]}`, `{"a":1,"A":2}`, `{"note":"\ud800"}`,
		`{"note":"\u0000"}`, `[]`, `null`, `"x"`, `{"claims":[]}`, `{"claims":{}}`, `{"claims":[{"lines":[{"units":"1"}]}]}`,
		`{"claims":[{"claim_number":"a","claim_number":"b"}]}`, `{"start_date":"0000-01-01"}`, `{"lines":[[]]}`, `{"lines":[null,{}]}`,
		"{\"note\":\"\xff\"}", `{"claims":[{"lines":[{"date_of_service":"3000-01-01"}]}]}`, `{"Lines":[{"Units":1.5}]}`,
	} {
		f.Add([]byte(s), uint8(0))
	}
	types := bodyTypes()
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		mk := types[int(which)%len(types)]
		v := mk()
		c, w := fuzzContext(body)
		ok := decode(c, v)
		if ok {
			if w.Body.Len() > 0 || c.Writer.Written() {
				t.Fatalf("decode accepted %q and wrote %d %s", body, w.Code, w.Body)
			}
			acceptedText(t, "decode", body)
		} else {
			checkRefusal(t, "decode", body, w)
		}

		c, w = fuzzContext(body)
		claims, undecoded, ok := decodeBulk(c)
		if !ok {
			checkRefusal(t, "decodeBulk", body, w)
			return
		}
		if c.Writer.Written() {
			t.Fatalf("decodeBulk accepted %q and wrote %d", body, w.Code)
		}
		if len(claims) == 0 && len(undecoded) > 0 {
			t.Fatalf("decodeBulk accepted %q with no claim decoded", body)
		}
		for i, p := range undecoded {
			if p == nil || p.Status < 400 || p.Status >= 500 || p.Code == "" {
				t.Fatalf("decodeBulk: claim %d's problem %+v", i, p)
			}
		}
		if len(undecoded) == 0 {
			acceptedText(t, "decodeBulk", body)
		}
	})
}

// FuzzScanText: the text scanner never panics on any bytes, valid JSON or
// not.
func FuzzScanText(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"\ud800\udc00"}`, `{"a":"\ud800"}`, `{"a":1,"A":2}`, `[[[[`, `"\`, `{"a":"\u00"}`, `{"claims":[{"x":1,"x":2}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return // scanText reads a body that decoded; scanBulk too
		}
		p := scanText(b)
		if p != nil && (p.status < 400 || p.status >= 500) {
			t.Fatalf("scanText(%q) status %d", b, p.status)
		}
		bad, _, _ := scanBulk(b)
		if bad != nil && (bad.status < 400 || bad.status >= 500) {
			t.Fatalf("scanBulk(%q) status %d", b, bad.status)
		}
	})
}
