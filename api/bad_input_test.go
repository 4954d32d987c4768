package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// itBad is one bad request and the problem it must get.
type itBad struct {
	name    string
	body    any // a string is sent raw; anything else as JSON
	header  map[string]string
	idem    string // "" a fresh key, "-" none, else this key
	chunked bool   // send the body without a Content-Length
	status  int
	code    string
	field   string // a field the problem's errors must name ("" when none is required)
}

// itEndpoint is a POST (or PATCH) endpoint with a body it accepts.
type itEndpoint struct {
	name   string
	method string // POST unless set
	key    string
	// setup prepares the records the endpoint acts on and returns its path
	// and a body it accepts.
	setup        func(t *testing.T, e *env) (path string, valid map[string]any)
	bodyOptional bool // the endpoint takes no body at all
	cases        func(e *env, valid map[string]any) []itBad
}

func itWith(m map[string]any, kv ...any) map[string]any {
	out := maps.Clone(m)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func itWithout(m map[string]any, keys ...string) map[string]any {
	out := maps.Clone(m)
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

func itJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func itMustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// itDoChunked sends a POST whose length is not declared up front.
func itDoChunked(e *env, method, key, path, idem string, body string) resp {
	hr := httptest.NewRequest(method, path, io.MultiReader(strings.NewReader(body)))
	hr.ContentLength = -1
	hr.Header.Set("Authorization", "Bearer "+key)
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Idempotency-Key", idem)
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, hr)
	return resp{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}

// itGeneric are the bad bodies and headers every JSON endpoint refuses.
func itGeneric(t *testing.T, ep itEndpoint, valid map[string]any) []itBad {
	v := itJSON(t, valid)
	huge := itJSON(t, itWith(valid, "note", strings.Repeat("x", 1<<20+10)))
	out := []itBad{
		{name: "malformed JSON", body: `{"client_id": `, status: 400, code: "malformed_json"},
		{name: "not JSON", body: `client_id=1&units=10`, status: 400, code: "malformed_json"},
		{name: "single quotes", body: `{'client_id': 1}`, status: 400, code: "malformed_json"},
		{name: "trailing garbage", body: v + ` x`, status: 400, code: "malformed_json"},
		{name: "trailing bracket", body: v + `]`, status: 400, code: "malformed_json"},
		{name: "trailing brace", body: v + `}`, status: 400, code: "malformed_json"},
		{name: "two documents", body: v + v, status: 400, code: "malformed_json"},
		{name: "unknown field", body: itWith(valid, "surprise", 1), status: 400, code: "unknown_field", field: "surprise"},
		{name: "array body", body: `[` + v + `]`, status: 400, code: "wrong_type", field: "body"},
		{name: "string body", body: `"hello"`, status: 400, code: "wrong_type", field: "body"},
		// null is not an object either (it read as {}: a care plan closed on
		// it, a hostile-input pass).
		{name: "null body", body: `null`, status: 400, code: "wrong_type", field: "body"},
		{name: "wrong content type", body: v, header: map[string]string{"Content-Type": "text/plain"}, status: 415, code: "unsupported_media_type"},
		{name: "form content type", body: v, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			status: 415, code: "unsupported_media_type"},
		{name: "latin1 charset", body: v, header: map[string]string{"Content-Type": "application/json; charset=latin1"},
			status: 415, code: "unsupported_media_type"},
		{name: "utf-16 charset", body: v, header: map[string]string{"Content-Type": "application/json; charset=UTF-16"},
			status: 415, code: "unsupported_media_type"},
		{name: "body over the limit", body: huge, status: 413, code: "body_too_large"},
		{name: "body over the limit, chunked", body: huge, chunked: true, status: 413, code: "body_too_large"},
	}
	if !ep.bodyOptional {
		out = append(out,
			itBad{name: "empty body", body: "", status: 400, code: "malformed_json"},
			itBad{name: "blank body", body: " \n\t ", status: 400, code: "malformed_json"},
		)
	}
	if ep.method == "" || ep.method == http.MethodPost {
		out = append(out,
			itBad{name: "no Idempotency-Key", body: valid, idem: "-", status: 400, code: "idempotency_key_required"},
			itBad{name: "Idempotency-Key too long", body: valid, idem: strings.Repeat("k", 256), status: 400, code: "invalid_idempotency_key"},
			itBad{name: "Idempotency-Key not UTF-8", body: valid, idem: "key-\xff\xfe", status: 400, code: "invalid_idempotency_key"},
			itBad{name: "Idempotency-Key with NUL", body: valid, idem: "key-\x00", status: 400, code: "invalid_idempotency_key"},
		)
	}
	return append(out, itTextCases(t, valid)...)
}

var (
	itDateRe  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	itMoneyRe = regexp.MustCompile(`^-?\d+\.\d{2}$`)
)

// itLeaves lists the paths ("lines[0].charge") and values of the scalars
// in v, in a fixed order.
func itLeaves(v any, path string) [][2]any {
	var out [][2]any
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			out = append(out, itLeaves(x[k], p)...)
		}
	case []any:
		for i, e := range x {
			out = append(out, itLeaves(e, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case []map[string]any:
		for i, e := range x {
			out = append(out, itLeaves(e, fmt.Sprintf("%s[%d]", path, i))...)
		}
	default:
		out = append(out, [2]any{path, v})
	}
	return out
}

// itReplaceRaw returns valid as JSON with the value at path replaced by
// the raw JSON text raw (which json.Marshal could not produce).
func itReplaceRaw(t *testing.T, valid map[string]any, path, raw string) string {
	const marker = "it-raw-marker-7f3a"
	v := itSetPath(t, itDeepCopy(valid), path, marker)
	return strings.Replace(itJSON(t, v), `"`+marker+`"`, raw, 1)
}

func itDeepCopy(v map[string]any) map[string]any {
	var out map[string]any
	b, _ := json.Marshal(v)
	_ = json.Unmarshal(b, &out)
	return out
}

var itPathPart = regexp.MustCompile(`([^.\[\]]+)|\[(\d+)\]`)

func itSetPath(t *testing.T, root map[string]any, path string, value any) map[string]any {
	t.Helper()
	var cur any = root
	parts := itPathPart.FindAllStringSubmatch(path, -1)
	for i, m := range parts {
		last := i == len(parts)-1
		if m[1] != "" {
			obj := cur.(map[string]any)
			if last {
				obj[m[1]] = value
				return root
			}
			cur = obj[m[1]]
			continue
		}
		n, _ := strconv.Atoi(m[2])
		arr := cur.([]any)
		if last {
			arr[n] = value
			return root
		}
		cur = arr[n]
	}
	t.Fatalf("no path %s", path)
	return nil
}

// itTextCases are the bodies encoding/json would accept while changing
// them: bytes that are not UTF-8 and lone surrogates (stored as U+FFFD), a
// key given twice (the last kept), text past the documented maximum, and
// dates outside the range the API documents, in every date field.
func itTextCases(t *testing.T, valid map[string]any) []itBad {
	leaves := itLeaves(itDeepCopy(valid), "")
	var out []itBad
	textDone := false
	for _, l := range leaves {
		path, val := l[0].(string), l[1]
		s, ok := val.(string)
		if !ok {
			continue
		}
		if itDateRe.MatchString(s) {
			for _, d := range []string{"0000-01-01", "0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"} {
				out = append(out, itBad{name: "date " + d + " in " + path, body: itReplaceRaw(t, valid, path, `"`+d+`"`),
					status: 422, code: "validation_failed", field: path})
			}
			continue
		}
		if itMoneyRe.MatchString(s) {
			continue // an amount refuses them all as a wrong type
		}
		out = append(out,
			itBad{name: "invalid UTF-8 in " + path, body: itReplaceRaw(t, valid, path, "\"ab\xffcd\""), status: 422, code: "validation_failed", field: path},
			itBad{name: "lone high surrogate in " + path, body: itReplaceRaw(t, valid, path, `"ab\ud800cd"`), status: 422, code: "validation_failed", field: path},
			itBad{name: "100,000 characters in " + path, body: itReplaceRaw(t, valid, path, `"`+strings.Repeat("n", 100000)+`"`),
				status: 422, code: "validation_failed", field: path},
		)
		if textDone {
			continue // the finer cases once per body, on its first free string
		}
		textDone = true
		out = append(out,
			itBad{name: "overlong UTF-8 in " + path, body: itReplaceRaw(t, valid, path, "\"\xc0\xafx\""), status: 422, code: "validation_failed", field: path},
			itBad{name: "high surrogate at the end of " + path, body: itReplaceRaw(t, valid, path, `"ab\ud800"`), status: 422, code: "validation_failed", field: path},
			itBad{name: "lone low surrogate in " + path, body: itReplaceRaw(t, valid, path, `"\udc00"`), status: 422, code: "validation_failed", field: path},
			itBad{name: "two high surrogates in " + path, body: itReplaceRaw(t, valid, path, `"\ud800\ud800"`), status: 422, code: "validation_failed", field: path},
			itBad{name: "text over the maximum in " + path, body: itReplaceRaw(t, valid, path, `"`+strings.Repeat("é", 4001)+`"`),
				status: 422, code: "validation_failed", field: path},
		)
	}
	// A key given twice, exactly or in another case, at the top and, where
	// there is one, inside a nested object.
	keys := slices.Sorted(maps.Keys(valid))
	if len(keys) > 0 {
		k := keys[0]
		first := strings.TrimSuffix(itJSON(t, map[string]any{k: valid[k]}), "}")
		upper := strings.Replace(first, `"`+k+`"`, `"`+strings.ToUpper(k)+`"`, 1)
		rest := strings.TrimPrefix(itJSON(t, valid), "{")
		out = append(out,
			itBad{name: "duplicate key " + k, body: first + "," + rest, status: 400, code: "duplicate_field", field: k},
			itBad{name: "duplicate key " + k + " in upper case", body: upper + "," + rest, status: 400, code: "duplicate_field", field: k},
		)
	}
	for _, l := range leaves {
		path := l[0].(string)
		i := strings.LastIndex(path, "].")
		if i < 0 {
			continue
		}
		parent, key := path[:i+1], path[i+2:]
		if strings.ContainsAny(key, ".[") {
			continue
		}
		raw := itJSON(t, l[1])
		body := itReplaceRaw(t, valid, path, raw+`,"`+key+`":`+raw)
		out = append(out, itBad{name: "duplicate key in " + parent, body: body, status: 400, code: "duplicate_field", field: path})
		break
	}
	return out
}

func itEndpoints() []itEndpoint {
	rivera := func(e *env) int64 { return e.demo.Clients["Rivera"] }
	return []itEndpoint{
		{name: "clients", key: keyHRA,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				first, last := itPerson("Bad")
				return "/v1/clients", map[string]any{"first_name": first, "last_name": last, "date_of_birth": "1990-04-12",
					"catchment_area": "hartford", "medicaid_id": "CT77700001"}
			},
			cases: func(e *env, v map[string]any) []itBad {
				return []itBad{
					// What the 837P cannot carry is refused here, not found in a closed batch.
					{name: "segment terminator in a name", body: itWith(v, "last_name", "Smith~Jones"), status: 422, code: "validation_failed", field: "last_name"},
					{name: "element separator in an address", body: itWith(v, "address_line1", "1*Main St"), status: 422, code: "validation_failed", field: "address_line1"},
					{name: "first name past NM104's 35", body: itWith(v, "first_name", strings.Repeat("A", 36)), status: 422, code: "validation_failed", field: "first_name"},
					{name: "last name past NM103's 60", body: itWith(v, "last_name", strings.Repeat("B", 61)), status: 422, code: "validation_failed", field: "last_name"},
					{name: "100,000-character name", body: itWith(v, "last_name", strings.Repeat("C", 100000)), status: 422, code: "validation_failed", field: "last_name"},
					{name: "city past N401's 30", body: itWith(v, "city", strings.Repeat("D", 31)), status: 422, code: "validation_failed", field: "city"},
					{name: "address line past N301's 55", body: itWith(v, "address_line1", strings.Repeat("E", 56)), status: 422, code: "validation_failed", field: "address_line1"},
					{name: "empty city", body: itWith(v, "city", " "), status: 422, code: "validation_failed", field: "city"},
					{name: "control character in a name", body: itWith(v, "first_name", "Ann\u0007"), status: 422, code: "validation_failed", field: "first_name"},
					{name: "a letter the 837P cannot carry", body: itWith(v, "last_name", "Pe\u00f1a"), status: 422, code: "validation_failed", field: "last_name"},
					{name: "one-letter city", body: itWith(v, "city", "X"), status: 422, code: "validation_failed", field: "city"},
					{name: "name as a number", body: itWith(v, "first_name", 5), status: 400, code: "wrong_type", field: "first_name"},
					{name: "date of birth not ISO", body: itWith(v, "date_of_birth", "12/04/1990"), status: 400, code: "wrong_type", field: "date_of_birth"},
					{name: "date of birth as a number", body: itWith(v, "date_of_birth", 19900412), status: 400, code: "wrong_type", field: "date_of_birth"},
					{name: "impossible date", body: itWith(v, "date_of_birth", "1990-02-30"), status: 400, code: "wrong_type", field: "date_of_birth"},
					{name: "names missing", body: itWithout(v, "first_name", "last_name"), status: 422, code: "validation_failed", field: "last_name"},
					{name: "blank first name", body: itWith(v, "first_name", "   "), status: 422, code: "validation_failed", field: "first_name"},
					{name: "born in the future", body: itWith(v, "date_of_birth", day(1)), status: 422, code: "validation_failed", field: "date_of_birth"},
					{name: "gender", body: itWith(v, "gender", "X"), status: 422, code: "validation_failed", field: "gender"},
					// An optional field may be left out, but not sent empty: "" was
					// stored as the default (U, unknown; a black-box pass).
					{name: "empty gender", body: itWith(v, "gender", ""), status: 422, code: "validation_failed", field: "gender"},
					{name: "empty substance use status", body: itWith(v, "substance_use_status", ""), status: 422, code: "validation_failed",
						field: "substance_use_status"},
					{name: "medicaid id format", body: itWith(v, "medicaid_id", "12-34"), status: 422, code: "validation_failed", field: "medicaid_id"},
					// A placeholder would match two people born the same day into one
					// person (42 CFR Part 2; a black-box pass).
					{name: "medicaid id placeholder", body: itWith(v, "medicaid_id", "PENDING"), status: 422, code: "validation_failed", field: "medicaid_id"},
					{name: "medicaid id of zeros", body: itWith(v, "medicaid_id", "000000"), status: 422, code: "validation_failed", field: "medicaid_id"},
					{name: "state format", body: itWith(v, "state", "ct"), status: 422, code: "validation_failed", field: "state"},
					{name: "unknown catchment area", body: itWith(v, "catchment_area", "atlantis"), status: 422, code: "validation_failed", field: "catchment_area"},
					{name: "NUL in a name", body: strings.Replace(itMustJSON(v), `"first_name":"`, `"first_name":"Ann\u0000`, 1),
						status: 422, code: "validation_failed", field: "first_name"},
				}
			}},
		{name: "enrollments", key: keyHRA,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				c := itNewClient(t, e, keyHRA, "hartford")
				return "/v1/enrollments", map[string]any{"client_id": c, "program_code": "ATR", "start_date": day(0), "planned_end_date": day(90)}
			},
			cases: func(e *env, v map[string]any) []itBad {
				return []itBad{
					{name: "client id as a string", body: itWith(v, "client_id", "1"), status: 400, code: "wrong_type", field: "client_id"},
					{name: "start date not ISO", body: itWith(v, "start_date", "15/06/2026"), status: 400, code: "wrong_type", field: "start_date"},
					{name: "start before the client was born", body: itWith(itWith(v, "start_date", "1985-01-01"), "planned_end_date", nil),
						status: 422, code: "validation_failed", field: "start_date"},
					{name: "flag as a string", body: itWith(v, "primary_case_manager", "yes"), status: 400, code: "wrong_type", field: "primary_case_manager"},
					{name: "planned end before start", body: itWith(v, "planned_end_date", day(-1)), status: 422, code: "validation_failed", field: "planned_end_date"},
					{name: "required fields", body: map[string]any{}, status: 422, code: "validation_failed", field: "start_date"},
					{name: "unknown client", body: itWith(v, "client_id", 999999), status: 422, code: "validation_failed", field: "client_id"},
					{name: "negative client id", body: itWith(v, "client_id", -4), status: 422, code: "validation_failed", field: "client_id"},
					{name: "unknown program", body: itWith(v, "program_code", "XYZ"), status: 422, code: "validation_failed", field: "program_code"},
					{name: "unknown staff", body: itWith(v, "assigned_staff_id", 999999), status: 422, code: "validation_failed", field: "assigned_staff_id"},
					{name: "another agency's staff", body: itWith(v, "assigned_staff_id", e.demo.Staff["Ibrahim"]), status: 422, code: "validation_failed",
						field: "assigned_staff_id"},
					{name: "RCM without referral source", body: itWith(v, "program_code", "RCM"), status: 422, code: "validation_failed", field: "referral_source"},
					{name: "bad referral source", body: itWith(v, "referral_source", "billboard"), status: 422, code: "validation_failed", field: "referral_source"},
					// RCM is referred through the four channels seed 000 names.
					{name: "RCM referred by the client", body: itWith(itWith(v, "program_code", "RCM"), "referral_source", "self"), status: 422,
						code: "validation_failed", field: "referral_source"},
				}
			}},
		{name: "discharge", key: keyHRA,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				a := itATRClient(t, e, day(-20))
				return itPath("/v1/enrollments/%d/discharge", a.Enrollment), map[string]any{"discharge_date": day(0), "reason": "completed"}
			},
			cases: func(e *env, v map[string]any) []itBad {
				return []itBad{
					{name: "date as a number", body: itWith(v, "discharge_date", 20260615), status: 400, code: "wrong_type", field: "discharge_date"},
					{name: "discharge before start", body: itWith(v, "discharge_date", day(-30)), status: 422, code: "validation_failed", field: "discharge_date"},
					{name: "discharge in the future", body: itWith(v, "discharge_date", day(3)), status: 422, code: "validation_failed", field: "discharge_date"},
					{name: "no reason", body: itWithout(v, "reason"), status: 422, code: "validation_failed", field: "reason"},
					{name: "reason of invisible characters", body: itWith(v, "reason", "\u200b\u00ad"), status: 422, code: "validation_failed",
						field: "reason"},
				}
			}},
		{name: "void authorization", key: keyReviewer,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				id := itFixtureID(t, e, `SELECT id FROM authorizations WHERE client_id = $1`, e.demo.Clients["Kim"])
				return itPath("/v1/authorizations/%d/void", id), map[string]any{"reason": "issued in error"}
			},
			cases: func(e *env, v map[string]any) []itBad {
				return []itBad{
					{name: "no reason", body: itWithout(v, "reason"), status: 422, code: "validation_failed", field: "reason"},
					{name: "reason as a number", body: itWith(v, "reason", 7), status: 400, code: "wrong_type", field: "reason"},
					// Shows nothing: zero-width spaces and a soft hyphen were
					// stored as a reason (a black-box pass).
					{name: "reason of invisible characters", body: itWith(v, "reason", "\u200b\u00ad\u200b"), status: 422,
						code: "validation_failed", field: "reason"},
					// Nor the characters filed as letters that show nothing.
					{name: "reason of a Hangul filler", body: itWith(v, "reason", "\u3164"), status: 422, code: "validation_failed", field: "reason"},
					{name: "reason of a Braille blank", body: itWith(v, "reason", "\u2800 \u2800"), status: 422, code: "validation_failed",
						field: "reason"},
				}
			}},
		{name: "consents", key: keyHRA,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				return "/v1/consents", map[string]any{"client_id": rivera(e), "recipient_type": "msc", "recipient_name": "MSC",
					"purposes": []string{"payment"}, "information": "services", "signed_on": day(0), "expires_on": day(365)}
			},
			cases: func(e *env, v map[string]any) []itBad {
				return []itBad{
					{name: "purposes as a string", body: itWith(v, "purposes", "payment"), status: 400, code: "wrong_type", field: "purposes"},
					{name: "signed on not ISO", body: itWith(v, "signed_on", "June 15"), status: 400, code: "wrong_type", field: "signed_on"},
					{name: "expires before signed", body: itWith(v, "expires_on", day(-1)), status: 422, code: "validation_failed", field: "expires_on"},
					{name: "no expiry", body: itWithout(v, "expires_on"), status: 422, code: "validation_failed", field: "expires_on"},
					{name: "signed in the future", body: itWith(v, "signed_on", day(2), "expires_on", day(30)), status: 422, code: "validation_failed",
						field: "signed_on"},
					{name: "unknown purpose", body: itWith(v, "purposes", []string{"marketing"}), status: 422, code: "validation_failed", field: "purposes"},
					{name: "recipient type", body: itWith(v, "recipient_type", "anyone"), status: 422, code: "validation_failed", field: "recipient_type"},
					{name: "unknown client", body: itWith(v, "client_id", 999999), status: 422, code: "validation_failed", field: "client_id"},
					{name: "unknown recipient provider", body: itWith(v, "recipient_type", "provider", "recipient_provider_id", 999999),
						status: 422, code: "validation_failed", field: "recipient_provider_id"},
					// A Part 2 consent is free text read by every reader of the
					// client's consents; it was the one that took control
					// characters, bidi overrides, line separators and text
					// that shows nothing (a black-box pass).
					{name: "recipient name of invisible characters", body: itWith(v, "recipient_name", "\u200b"), status: 422,
						code: "validation_failed", field: "recipient_name"},
					{name: "recipient name with a bidi override", body: itWith(v, "recipient_name", "MSC \u202eevil"), status: 422,
						code: "validation_failed", field: "recipient_name"},
					{name: "information with control characters", body: itWith(v, "information", "\u001b[31mall\u0007"), status: 422,
						code: "validation_failed", field: "information"},
					{name: "information with a bidi override", body: itWith(v, "information", "all \u202eevil"), status: 422,
						code: "validation_failed", field: "information"},
					{name: "information of invisible characters", body: itWith(v, "information", "\u200b\u00ad"), status: 422,
						code: "validation_failed", field: "information"},
					{name: "expiry event with a line separator", body: itWith(v, "expiry_event", "end\u2028of care"), status: 422,
						code: "validation_failed", field: "expiry_event"},
					{name: "expiry event of invisible characters", body: itWith(v, "expiry_event", "\u200b"), status: 422,
						code: "validation_failed", field: "expiry_event"},
				}
			}},
		{name: "revoke consent", key: keyHRA,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				a := itATRClient(t, e, day(-5))
				return itPath("/v1/consents/%d/revoke", a.Consent), map[string]any{"reason": "client asked"}
			},
			cases: func(e *env, v map[string]any) []itBad {
				return []itBad{
					{name: "reason as a number", body: itWith(v, "reason", 3), status: 400, code: "wrong_type", field: "reason"},
					{name: "no reason", body: map[string]any{}, status: 422, code: "validation_failed", field: "reason"},
					{name: "reason with a bidi override", body: itWith(v, "reason", "\u202e\u0007"), status: 422, code: "validation_failed", field: "reason"},
					{name: "reason with a line separator", body: itWith(v, "reason", "client\u2028asked"), status: 422, code: "validation_failed", field: "reason"},
					{name: "reason of invisible characters", body: itWith(v, "reason", "\u200b"), status: 422, code: "validation_failed", field: "reason"},
				}
			}},
		{name: "GPRA interviews", key: keyHRA,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				c := itNewClient(t, e, keyHRA, "hartford")
				r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "ATR", "start_date": day(-10)})
				require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
				return "/v1/gpra-interviews", map[string]any{"client_id": c, "kind": "intake", "instrument": "SUPRT-2025",
					"status": "completed", "interview_date": day(-10)}
			},
			cases: func(e *env, v map[string]any) []itBad {
				return []itBad{
					{name: "kind as a number", body: itWith(v, "kind", 7), status: 400, code: "wrong_type", field: "kind"},
					{name: "date not ISO", body: itWith(v, "interview_date", "2026-6-5"), status: 400, code: "wrong_type", field: "interview_date"},
					{name: "in the future", body: itWith(v, "interview_date", day(1)), status: 422, code: "validation_failed", field: "interview_date"},
					{name: "unknown kind", body: itWith(v, "kind", "exit"), status: 422, code: "validation_failed", field: "kind"},
					{name: "not conducted without reason", body: itWith(v, "status", "not_conducted"), status: 422, code: "validation_failed",
						field: "not_conducted_reason"},
					{name: "unknown instrument", body: itWith(v, "instrument", "GPRA-1999"), status: 422, code: "validation_failed", field: "instrument"},
					{name: "retired instrument", body: itWith(v, "instrument", "GPRA-2017"), status: 422, code: "validation_failed", field: "instrument"},
					{name: "unknown client", body: itWith(v, "client_id", 999999), status: 422, code: "validation_failed", field: "client_id"},
					{name: "unknown episode", body: itWith(v, "episode_id", 999999), status: 422, code: "validation_failed", field: "episode_id"},
					{name: "follow-up before intake", body: itWith(v, "kind", "follow_up"), status: 422, code: "validation_failed", field: "kind"},
					{name: "follow-up before its window", body: itWith(v, "client_id", e.demo.Clients["Rivera"], "kind", "follow_up", "interview_date", day(0)),
						status: 422, code: "validation_failed", field: "interview_date"},
					{name: "discharge interview of an open episode", body: itWith(v, "kind", "discharge"), status: 422, code: "validation_failed", field: "kind"},
				}
			}},
		{name: "care plans", key: keyHRA,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				return "/v1/care-plans", map[string]any{"client_id": rivera(e), "program_code": "ATR", "kind": "rss_care_plan",
					"start_date": day(0), "end_date": day(90), "services": []map[string]any{{"service_code": "ATR-CM", "units_planned": 40}}}
			},
			cases: func(e *env, v map[string]any) []itBad {
				svc := func(code string, units any) []map[string]any {
					return []map[string]any{{"service_code": code, "units_planned": units}}
				}
				return []itBad{
					{name: "services as a string", body: itWith(v, "services", "ATR-CM"), status: 400, code: "wrong_type", field: "services"},
					{name: "planned units as a string", body: itWith(v, "services", svc("ATR-CM", "forty")), status: 400, code: "wrong_type",
						field: "services[0].units_planned"},
					{name: "unknown nested field", body: itWith(v, "services", []map[string]any{{"service_code": "ATR-CM", "hours": 3}}),
						status: 400, code: "unknown_field", field: "services[0].hours"},
					{name: "end before start", body: itWith(v, "end_date", day(-1)), status: 422, code: "validation_failed", field: "end_date"},
					// The waiver's own plan, for a program that is no waiver (a black-box pass).
					{name: "waiver plan for ATR", body: itWith(v, "kind", "waiver_recovery_plan"), status: 422, code: "validation_failed", field: "kind"},
					{name: "zero planned units", body: itWith(v, "services", svc("ATR-CM", 0)), status: 422, code: "validation_failed",
						field: "services[0].units_planned"},
					{name: "negative planned units", body: itWith(v, "services", svc("ATR-CM", -3)), status: 422, code: "validation_failed",
						field: "services[0].units_planned"},
					{name: "planned units beyond any plan", body: itWith(v, "services", svc("ATR-CM", 99999999999)), status: 422,
						code: "validation_failed", field: "services[0].units_planned"},
					{name: "no services", body: itWith(v, "services", []any{}), status: 422, code: "validation_failed", field: "services"},
					{name: "kind", body: itWith(v, "kind", "wish_list"), status: 422, code: "validation_failed", field: "kind"},
					{name: "unknown service", body: itWith(v, "services", svc("ATR-XX", 1)), status: 422, code: "validation_failed",
						field: "services[0].service_code"},
					{name: "service of another program", body: itWith(v, "services", svc("RCM-CM", 1)), status: 422, code: "validation_failed",
						field: "services[0].service_code"},
					{name: "unknown client", body: itWith(v, "client_id", 999999), status: 422, code: "validation_failed", field: "client_id"},
					{name: "unknown program", body: itWith(v, "program_code", "NOPE"), status: 422, code: "validation_failed", field: "program_code"},
				}
			}},
		{name: "close care plan", key: keyHRA, bodyOptional: true,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				a := itATRClient(t, e, day(-5))
				return itPath("/v1/care-plans/%d/close", a.CarePlan), map[string]any{}
			}},
		{name: "voucher requests", key: keyHRA,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				return "/v1/voucher-requests", map[string]any{"client_id": rivera(e), "service_code": "ATR-CM", "units": 10,
					"start_date": day(0), "end_date": day(29)}
			},
			cases: func(e *env, v map[string]any) []itBad {
				return []itBad{
					{name: "units as a word", body: itWith(v, "units", "ten"), status: 400, code: "wrong_type", field: "units"},
					{name: "units as a fraction", body: itWith(v, "units", 1.5), status: 400, code: "wrong_type", field: "units"},
					// Out of range, as a little less is (a black-box pass read
					// "must be a whole number" of 2^63).
					{name: "units beyond int64", body: strings.Replace(itMustJSON(v), `"units":10`, `"units":99999999999999999999999`, 1),
						status: 422, code: "validation_failed", field: "units"},
					{name: "client id as a string", body: itWith(v, "client_id", "1"), status: 400, code: "wrong_type", field: "client_id"},
					{name: "start date not ISO", body: itWith(v, "start_date", "15/06/2026"), status: 400, code: "wrong_type", field: "start_date"},
					{name: "start date as a number", body: itWith(v, "start_date", 20260615), status: 400, code: "wrong_type", field: "start_date"},
					{name: "start date with a time", body: itWith(v, "start_date", day(0)+"T00:00:00Z"), status: 400, code: "wrong_type", field: "start_date"},
					{name: "note as an object", body: itWith(v, "note", map[string]any{"a": 1}), status: 400, code: "wrong_type", field: "note"},
					{name: "zero units", body: itWith(v, "units", 0), status: 422, code: "validation_failed", field: "units"},
					{name: "negative units", body: itWith(v, "units", -5), status: 422, code: "validation_failed", field: "units"},
					{name: "units null", body: itWith(v, "units", nil), status: 422, code: "validation_failed", field: "units"},
					{name: "absurd units", body: itWith(v, "units", 100001), status: 422, code: "validation_failed", field: "units"},
					{name: "end before start", body: itWith(v, "end_date", day(-1)), status: 422, code: "validation_failed", field: "end_date"},
					{name: "span over a year", body: itWith(v, "end_date", day(400)), status: 422, code: "validation_failed", field: "end_date"},
					{name: "dates missing", body: itWithout(v, "start_date", "end_date"), status: 422, code: "validation_failed", field: "start_date"},
					{name: "NUL in the note", body: strings.Replace(itMustJSON(v), `{`, `{"note":"a\u0000b",`, 1),
						status: 422, code: "validation_failed", field: "note"},
					{name: "note too long", body: itWith(v, "note", strings.Repeat("n", 4001)), status: 422, code: "validation_failed", field: "note"},
					{name: "unknown client", body: itWith(v, "client_id", 999999), status: 422, code: "validation_failed", field: "client_id"},
					{name: "unknown service", body: itWith(v, "service_code", "ATR-ZZ"), status: 422, code: "validation_failed", field: "service_code"},
					{name: "unknown program", body: itWith(v, "program_code", "ZZZ"), status: 422, code: "validation_failed", field: "program_code"},
					{name: "unknown staff", body: itWith(v, "staff_id", 999999), status: 422, code: "validation_failed", field: "staff_id"},
					{name: "another agency's staff", body: itWith(v, "staff_id", e.demo.Staff["Ibrahim"]), status: 422, code: "validation_failed",
						field: "staff_id"},
					{name: "unknown enrollment", body: itWith(v, "enrollment_id", 999999), status: 422, code: "validation_failed", field: "enrollment_id"},
				}
			}},
		{name: "decision", key: keyReviewer,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				p := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 59)
				require.Equal(t, "pended", p["decision"])
				return itPath("/v1/voucher-requests/%d/decision", itNum(t, p, "id")), map[string]any{"action": "approve", "note": "ok"}
			},
			cases: func(e *env, v map[string]any) []itBad {
				mod := map[string]any{"action": "approve_modified", "units": 10, "start_date": day(0), "end_date": day(29), "note": "ok"}
				return []itBad{
					{name: "units as a string", body: itWith(mod, "units", "10"), status: 400, code: "wrong_type", field: "units"},
					{name: "date not ISO", body: itWith(mod, "end_date", "2026/07/14"), status: 400, code: "wrong_type", field: "end_date"},
					{name: "zero units", body: itWith(mod, "units", 0), status: 422, code: "validation_failed", field: "units"},
					{name: "negative units", body: itWith(mod, "units", -1), status: 422, code: "validation_failed", field: "units"},
					{name: "end before start", body: itWith(mod, "end_date", day(-3)), status: 422, code: "validation_failed", field: "end_date"},
					{name: "no note", body: itWithout(v, "note"), status: 422, code: "validation_failed", field: "note"},
				}
			}},
		{name: "claims", key: keyHRA,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				return "/v1/claims", map[string]any{"claim_number": "BAD-1", "client_id": e.demo.Clients["Kim"],
					"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
					"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1, "charge": "12.00"}}}
			},
			cases: func(e *env, v map[string]any) []itBad {
				line := func(kv ...any) []any {
					return []any{itWith(map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1, "charge": "12.00"}, kv...)}
				}
				return []itBad{
					{name: "charge as a number", body: itWith(v, "lines", line("charge", 12)), status: 400, code: "wrong_type", field: "lines[0].charge"},
					// A null charge names its line (it read "body", a hostile-input pass).
					{name: "charge null on the second line", body: itWith(v, "lines", append(line(), line("charge", nil)...)), status: 422,
						code: "validation_failed", field: "lines[1].charge"},
					{name: "charge with three decimals", body: itWith(v, "lines", line("charge", "12.001")), status: 400, code: "wrong_type",
						field: "lines[0].charge"},
					{name: "date of service not ISO", body: itWith(v, "lines", line("date_of_service", "06/14/2026")), status: 400, code: "wrong_type",
						field: "lines[0].date_of_service"},
					{name: "claim number of dashes alone", body: itWith(v, "claim_number", "--"), status: 422, code: "validation_failed", field: "claim_number"},
					{name: "unknown client", body: itWith(v, "client_id", 999999), status: 422, code: "validation_failed", field: "client_id"},
				}
			}},
		{name: "API keys", key: keyAdmin,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				return "/v1/api-keys", map[string]any{"role": "finance", "label": "ledger"}
			},
			cases: func(e *env, v map[string]any) []itBad {
				return []itBad{
					{name: "role as a number", body: itWith(v, "role", 4), status: 400, code: "wrong_type", field: "role"},
					{name: "unknown role", body: itWith(v, "role", "root"), status: 422, code: "validation_failed", field: "role"},
					{name: "no label", body: itWithout(v, "label"), status: 422, code: "validation_failed", field: "label"},
					// One line of free text (a black-box pass stored a BEL).
					{name: "label with a control character", body: itWith(v, "label", "a\u0007b"), status: 422, code: "validation_failed", field: "label"},
					{name: "label on two lines", body: itWith(v, "label", "a\nb"), status: 422, code: "validation_failed", field: "label"},
					{name: "label of invisible characters", body: itWith(v, "label", "\u200b"), status: 422, code: "validation_failed", field: "label"},
					{name: "unknown provider", body: itWith(v, "role", "provider", "provider_id", 999999), status: 422, code: "validation_failed",
						field: "provider_id"},
				}
			}},
		{name: "revoke API key", key: keyAdmin, bodyOptional: true,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				r := e.post(keyAdmin, "/v1/api-keys", map[string]any{"role": "finance", "label": "to revoke"})
				require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
				return itPath("/v1/api-keys/%d/revoke", itID(t, r)), map[string]any{}
			}},
		{name: "patch service", method: http.MethodPatch, key: keyAdmin,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				return "/v1/reference/services/ATR-CM", map[string]any{"rate": "16.00"}
			},
			cases: func(e *env, v map[string]any) []itBad {
				return []itBad{
					{name: "rate as a number", body: itWith(v, "rate", 40), status: 400, code: "wrong_type", field: "rate"},
					{name: "rate with three decimals", body: itWith(v, "rate", "16.005"), status: 400, code: "wrong_type", field: "rate"},
					{name: "negative rate", body: itWith(v, "rate", "-1.00"), status: 422, code: "validation_failed", field: "rate"},
					{name: "zero rate", body: itWith(v, "rate", "0.00"), status: 422, code: "validation_failed", field: "rate"},
					{name: "null rate", body: itWith(v, "rate", nil), status: 422, code: "validation_failed", field: "rate"},
					{name: "rate beyond any amount", body: itWith(v, "rate", "99999999999.00"), status: 422, code: "validation_failed", field: "rate"},
					{name: "per-voucher max beyond a whole number column", body: map[string]any{"per_voucher_max": 99999999999}, status: 422,
						code: "validation_failed", field: "per_voucher_max"},
					{name: "zero per-voucher max", body: map[string]any{"per_voucher_max": 0}, status: 422, code: "validation_failed", field: "per_voucher_max"},
					{name: "empty patch", body: map[string]any{}, status: 422, code: "validation_failed", field: "body"},
				}
			}},
		{name: "patch program", method: http.MethodPatch, key: keyAdmin,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				return "/v1/reference/programs/ATR", map[string]any{"voucher_validity_days": 60}
			},
			cases: func(e *env, v map[string]any) []itBad {
				return []itBad{
					{name: "days as a string", body: itWith(v, "voucher_validity_days", "sixty"), status: 400, code: "wrong_type", field: "voucher_validity_days"},
					{name: "cap as a number", body: map[string]any{"episode_dollar_cap": 4000}, status: 400, code: "wrong_type", field: "episode_dollar_cap"},
					{name: "validity beyond a whole number column", body: itWith(v, "voucher_validity_days", 99999999999), status: 422,
						code: "validation_failed", field: "voucher_validity_days"},
					{name: "cap beyond any amount", body: map[string]any{"episode_dollar_cap": "99999999999.00"}, status: 422,
						code: "validation_failed", field: "episode_dollar_cap"},
					{name: "zero validity", body: itWith(v, "voucher_validity_days", 0), status: 422, code: "validation_failed", field: "voucher_validity_days"},
					{name: "GPRA window removed", body: map[string]any{"gpra_followup_open_days": nil}, status: 422, code: "validation_failed",
						field: "gpra_followup_open_days"},
					{name: "GPRA window inverted", body: map[string]any{"gpra_followup_open_days": 300}, status: 422, code: "validation_failed"},
					{name: "unknown caseload role", body: map[string]any{"caseload_caps": map[string]int{"wizard": 3}}, status: 422,
						code: "validation_failed", field: "caseload_caps.wizard"},
				}
			}},
		{name: "patch setting", method: http.MethodPatch, key: keyAdmin,
			setup: func(t *testing.T, e *env) (string, map[string]any) {
				return "/v1/reference/settings/minor_age_years", map[string]any{"value": 18}
			},
			cases: func(e *env, v map[string]any) []itBad {
				return []itBad{
					{name: "value as a string", body: itWith(v, "value", "18"), status: 400, code: "wrong_type", field: "value"},
					{name: "value beyond a whole number column", body: itWith(v, "value", 99999999999), status: 422, code: "validation_failed", field: "value"},
					{name: "negative value", body: itWith(v, "value", -1), status: 422, code: "validation_failed", field: "value"},
					// No client is a minor under 0: the background-check rule
					// would be off unseen (a black-box pass).
					{name: "zero minor age", body: itWith(v, "value", 0), status: 422, code: "validation_failed", field: "value"},
					{name: "no value", body: map[string]any{}, status: 422, code: "validation_failed", field: "value"},
				}
			}},
	}
}

// A body that may be left out, sent chunked (no length), is read as sent:
// taken for none, a key's revocation dropped its reason and garbage was
// accepted where an empty object is, while the idempotency key hashed the
// bytes (a hostile-input pass).
func TestOptionalBodySentChunkedIsRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	chunked := func(s string) io.Reader { return io.MultiReader(strings.NewReader(s)) }
	r := e.post(keyAdmin, "/v1/api-keys", map[string]any{"role": "finance", "label": "to revoke"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	revoke := itPath("/v1/api-keys/%d/revoke", itID(t, r))
	itNothingWritten(t, e, func() {
		requireProblem(t, e.do(req{Method: http.MethodPost, Path: revoke, Key: keyAdmin, Body: chunked("garbage")}),
			http.StatusBadRequest, "malformed_json")
	})
	r = e.do(req{Method: http.MethodPost, Path: revoke, Key: keyAdmin, Body: chunked(`{"reason":"staff member left"}`)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_records WHERE action = 'revoke' AND outcome = 'staff member left'`),
		"the reason is kept")
	r = e.do(req{Method: http.MethodPost, Path: itPath("/v1/voucher-requests/%d/take", int64(1)), Key: keyReviewer, Body: chunked("")})
	assert.NotEqual(t, http.StatusBadRequest, r.Status, "an empty chunked body is no body: %s", r.Body)
}

// A date refused in a body is named, not quoted back: a date of birth is
// PHI, and the problem's text repeated it into the caller's logs (black-box
// passes of the forty-second stop).
func TestRefusedDateIsNotQuotedBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, dob := range []string{"1990-02-30", "1899-12-31", "12/04/1990", "3000-06-01"} {
		itNothingWritten(t, e, func() {
			r := e.post(keyHRA, "/v1/clients", map[string]any{"first_name": "Ann", "last_name": "Ruiz", "date_of_birth": dob,
				"catchment_area": "hartford"})
			require.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, r.Status, "%s", r.Body)
			assert.NotContains(t, string(r.Body), dob, "not quoted back")
			p := r.JSON(t)
			assert.Contains(t, itFieldErrors(t, p), "date_of_birth", "%v", p)
		})
	}
}

// TestBadInput sends every kind of bad input to every endpoint that takes
// a body: each gets its 4xx problem+json with a stable code (and the field,
// where one is at fault), and no table changes.
func TestBadInput(t *testing.T) {
	t.Parallel()
	for _, ep := range itEndpoints() {
		t.Run(ep.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			path, valid := ep.setup(t, e)
			method := ep.method
			if method == "" {
				method = http.MethodPost
			}
			cases := itGeneric(t, ep, valid)
			if ep.cases != nil {
				cases = append(cases, ep.cases(e, valid)...)
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					itNothingWritten(t, e, func() {
						var r resp
						if c.chunked {
							r = itDoChunked(e, method, ep.key, path, "chunked-"+c.name, c.body.(string))
						} else {
							r = e.do(req{Method: method, Path: path, Key: ep.key, Body: c.body, IdemKey: c.idem, Header: c.header})
						}
						p := requireProblem(t, r, c.status, c.code)
						assert.NotEmpty(t, p["title"])
						assert.Equal(t, "https://rss.invalid/problems/"+c.code, p["type"])
						assert.Equal(t, path, p["instance"])
						if c.field != "" {
							assert.Contains(t, itFieldErrors(t, p), c.field, "body: %s", r.Body)
						}
						if c.code == "wrong_type" || c.code == "unknown_field" {
							fields := itFieldErrors(t, p)
							require.Len(t, fields, 1, "body: %s", r.Body)
						}
					})
				})
			}

			// A reused Idempotency-Key with another body: the first use
			// succeeds; the second is refused and writes nothing.
			if method != http.MethodPost {
				return
			}
			t.Run("reused Idempotency-Key, other body", func(t *testing.T) {
				key := "reuse-" + ep.name
				first := e.do(req{Method: method, Path: path, Key: ep.key, Body: valid, IdemKey: key})
				require.Less(t, first.Status, 300, "the first use succeeds: %s", first.Body)
				other := itWith(valid, "note", "a different body")
				if ep.bodyOptional {
					other = nil
				}
				itNothingWritten(t, e, func() {
					r := e.do(req{Method: method, Path: path, Key: ep.key, Body: other, IdemKey: key})
					requireProblem(t, r, http.StatusUnprocessableEntity, "idempotency_key_reused")
				})
			})
		})
	}
}

// List endpoints refuse bad paging and filters with 422 and the parameter named.
func TestBadQueryParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name  string
		key   string
		path  string
		field string
		code  string // checked when set
	}{
		{name: "limit not a number", key: keyHRA, path: "/v1/clients?limit=ten", field: "limit", code: "invalid_value"},
		{name: "limit zero", key: keyHRA, path: "/v1/clients?limit=0", field: "limit", code: "out_of_range"},
		{name: "limit negative", key: keyHRA, path: "/v1/voucher-requests?limit=-1", field: "limit", code: "out_of_range"},
		{name: "limit too large", key: keyHRA, path: "/v1/authorizations?limit=501", field: "limit", code: "out_of_range"},
		// A whole number past int64 is as out of range as 501 (Limit in
		// api/openapi.yaml); it answered invalid_value (a black-box pass).
		{name: "limit past int64", key: keyHRA, path: "/v1/clients?limit=99999999999999999999", field: "limit", code: "out_of_range"},
		{name: "cursor not ours", key: keyHRA, path: "/v1/clients?cursor=abc", field: "cursor"},
		{name: "cursor forged", key: keyHRA, path: "/v1/clients?cursor=aWQ6LTU", field: "cursor"},
		{name: "voucher status", key: keyHRA, path: "/v1/voucher-requests?status=maybe", field: "status"},
		{name: "client id filter", key: keyHRA, path: "/v1/voucher-requests?client_id=x", field: "client_id"},
		{name: "authorization status", key: keyHRA, path: "/v1/authorizations?status=spent", field: "status"},
		{name: "queue limit", key: keyReviewer, path: "/v1/review-queue?limit=zero", field: "limit"},
		// An agency that does not exist is a mistake, not an empty queue (a
		// console black-box pass), as an unknown program is.
		{name: "queue provider unknown", key: keyReviewer, path: "/v1/review-queue?provider_id=999999", field: "provider_id", code: "unknown_id"},
		{name: "claims date", key: keyHRA, path: "/v1/claims?service_from=yesterday", field: "service_from"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.get(tc.key, tc.path), http.StatusUnprocessableEntity, "validation_failed")
				assert.Contains(t, itFieldErrors(t, p), tc.field)
				if tc.code != "" {
					assert.Equal(t, tc.code, itFieldCode(p, tc.field))
				}
			})
		})
	}
	// 0, -1 and 501 read one message naming the range (0 read "a positive
	// whole number", 501 "between 1 and 500": a README black-box pass).
	for _, path := range []string{"/v1/clients?limit=0", "/v1/claims?limit=-1", "/v1/claims?limit=501"} {
		p := requireProblem(t, e.get(keyHRA, path), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "one or more fields are invalid", p["detail"], path)
		assert.Equal(t, []any{map[string]any{"field": "limit", "code": "out_of_range", "message": "limit must be between 1 and 500"}},
			p["errors"], path)
	}
	// No write takes a query parameter: POST /v1/batches?dry_run=true
	// closed a batch for good (a black-box pass).
	t.Run("write with a query parameter", func(t *testing.T) {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyHRA, "/v1/clients?dry_run=true", map[string]any{"first_name": "Query", "last_name": "Param",
				"date_of_birth": "1990-04-04", "catchment_area": "hartford"}), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "unknown_parameter", itFieldCode(p, "dry_run"))
			p = requireProblem(t, e.post(keyFinance, "/v1/batches?dry_run=true", map[string]any{"payer_route": "payment_register",
				"through_date": day(0)}), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "unknown_parameter", itFieldCode(p, "dry_run"))
			r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/settings/minor_age_years?x=1", Key: keyAdmin,
				Body: map[string]any{"value": 17}})
			requireProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
		})
	})
	for _, path := range []string{"/v1/clients/abc", "/v1/clients/0", "/v1/clients/-1", "/v1/enrollments/1.5", "/v1/voucher-requests/999999999999999999999"} {
		t.Run("path id "+path, func(t *testing.T) {
			requireProblem(t, e.get(keyHRA, path), http.StatusNotFound, "not_found")
		})
	}
}

// TestTextAtTheLimitIsKept: what the decoder's checks must let through is
// stored exactly: 4,000 characters (counted as characters, not bytes), an
// escaped backslash, and a character outside the BMP written as a
// surrogate-pair escape.
func TestTextAtTheLimitIsKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	label := strings.Repeat("é", 3998) + "\\\\" + `\ud83d\ude00`
	want := strings.Repeat("é", 3998) + "\\" + "😀"
	require.Equal(t, 4000, len([]rune(want)))
	r := e.post(keyAdmin, "/v1/api-keys", `{"role":"finance","label":"`+label+`"}`)
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	var stored string
	require.NoError(t, e.db.GetContext(t.Context(), &stored, `SELECT label FROM api_keys WHERE id = $1`, itID(t, r)))
	assert.Equal(t, want, stored)
}

// Three requests a hostile-input sweep found taken as something else
// (a black-box pass): a body declared compressed was read as plain and
// written; an encoded slash in the path split a segment, so one record
// answered under several URLs; a claims range ending before it starts was
// an empty page where the reports refuse it.
func TestRequestsReadAsSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client := e.demo.Clients["Rivera"]
	itNothingWritten(t, e, func() {
		for _, enc := range []string{"gzip", "br", "identity, gzip"} {
			r := e.do(req{Method: http.MethodPost, Path: "/v1/consents", Key: keyHRA, Header: map[string]string{"Content-Encoding": enc},
				Body: map[string]any{"client_id": client, "recipient_type": "msc", "recipient_name": "MSC", "purposes": []string{"payment"},
					"information": "claims", "signed_on": day(0), "expires_on": day(300)}})
			requireProblem(t, r, http.StatusUnsupportedMediaType, "unsupported_media_type")
		}
	})
	for _, path := range []string{itPath("/v1/clients%%2F%d", client), itPath("/v1/clients%%2F%d%%2Fenrollments", client)} {
		p := requireProblem(t, e.get(keyHRA, path), http.StatusNotFound, "not_found")
		// The path as sent: decoded, it named another URL, one that answers.
		assert.Equal(t, path, p["instance"])
	}
	id := itStr(client)
	r := e.get(keyHRA, "/v1/clients/%3"+id[:1]+id[1:])
	assert.Equal(t, http.StatusOK, r.Status, "an escaped digit is still the id: %s", r.Body)
	for _, q := range []string{"service_from=" + day(0) + "&service_to=" + day(-1), "received_from=" + day(0) + "&received_to=" + day(-1)} {
		p := requireProblem(t, e.get(keyAdmin, "/v1/claims?"+q), http.StatusUnprocessableEntity, "validation_failed")
		assert.Contains(t, itMustJSON(p["errors"]), "before_from")
	}
	assert.Equal(t, http.StatusOK, e.get(keyAdmin, "/v1/claims?service_from="+day(-1)+"&service_to="+day(-1)).Status, "one day is a range")
}

// A negative id is out of range, not missing: `"client_id": -1` was
// answered "client_id is required" though one was sent (a black-box pass).
// Nothing is written.
func TestNegativeIDIsOutOfRange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rivera := e.demo.Clients["Rivera"]
	for _, c := range []struct{ path, field string }{
		{"/v1/voucher-requests", "client_id"},
		{"/v1/claims", "client_id"},
		{"/v1/claims", "rendering_staff_id"},
		{"/v1/care-plans", "client_id"},
		{"/v1/consents", "client_id"},
		{"/v1/gpra-interviews", "client_id"},
	} {
		body := map[string]any{"client_id": rivera, c.field: -1}
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyHRA, c.path, body), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "out_of_range", itFieldCode(p, c.field), "%s %s", c.path, c.field)
		})
		body[c.field] = 0
		p := requireProblem(t, e.post(keyHRA, c.path, body), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "required", itFieldCode(p, c.field), "%s %s", c.path, c.field)
	}
	// A replacement's original, likewise (a re-check).
	p := requireProblem(t, e.post(keyHRA, "/v1/claims", map[string]any{"frequency": "7", "original_claim_id": -1}),
		http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "out_of_range", itFieldCode(p, "original_claim_id"))
}

// A field left out or sent empty reads required, as the README's API
// overview says: a missing units read out_of_range and an empty
// medicaid_id invalid_format where every other field read required (a
// new-user pass). Nothing is written.
func TestMissingOrEmptyReadsRequired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rivera := e.demo.Clients["Rivera"]
	for _, c := range []struct {
		name, path, field string
		body              map[string]any
	}{
		{"voucher units left out", "/v1/voucher-requests", "units",
			map[string]any{"client_id": rivera, "service_code": "ATR-CM", "start_date": day(0), "end_date": day(10)}},
		{"claim line units left out", "/v1/claims", "lines[0].units", e.riveraClaim("REQ-1",
			map[string]any{"service_code": "ATR-CM", "date_of_service": day(-1), "charge": "15.00"})},
		// A charge left out or null reads required and names its line (out
		// of range, and "body": a hostile-input pass).
		{"claim line charge left out", "/v1/claims", "lines[0].charge", e.riveraClaim("REQ-2",
			map[string]any{"service_code": "ATR-CM", "date_of_service": day(-1), "units": 1})},
		{"claim line charge null", "/v1/claims", "lines[1].charge", e.riveraClaim("REQ-3",
			map[string]any{"service_code": "ATR-CM", "date_of_service": day(-2), "units": 1, "charge": "15.00"},
			map[string]any{"service_code": "ATR-CM", "date_of_service": day(-1), "units": 1, "charge": nil})},
		{"medicaid id sent empty", "/v1/clients", "medicaid_id", map[string]any{"first_name": "Ann", "last_name": "Lee",
			"date_of_birth": "1990-04-12", "catchment_area": "hartford", "medicaid_id": " "}},
	} {
		t.Run(c.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.post(keyHRA, c.path, c.body), http.StatusUnprocessableEntity, "validation_failed")
				assert.Equal(t, "required", itFieldCode(p, c.field), "%v", p)
			})
		})
	}
}

// A voucher request's units given as 0 are out of range, as -1 is; only
// units left out or null are required (0 read "units is required": a
// black-box pass). Nothing is written.
func TestVoucherUnitsZeroIsOutOfRange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := map[string]any{"client_id": e.demo.Clients["Rivera"], "service_code": "ATR-CM", "start_date": day(0), "end_date": day(10)}
	for _, c := range []struct {
		name  string
		units any
		code  string
	}{
		{"zero", 0, "out_of_range"}, {"negative", -1, "out_of_range"}, {"past the bound", 100001, "out_of_range"},
		{"null", nil, "required"},
	} {
		t.Run(c.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.post(keyHRA, "/v1/voucher-requests", itWith(body, "units", c.units)),
					http.StatusUnprocessableEntity, "validation_failed")
				assert.Equal(t, c.code, itFieldCode(p, "units"), "%v", p)
			})
		})
	}
}

// Valid JSON nested past the decoder's depth is said to be so, not "not
// valid JSON" (a black-box pass).
func TestBodyNestedTooDeep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := `{"client_id":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, "/v1/clients", body), http.StatusBadRequest, "malformed_json")
		assert.Contains(t, p["detail"], "deeper than 10,000 levels")
	})
}

// An unknown GPRA instrument reads "no instrument", where the codes are;
// one out of use on the interview's date reads so (an unknown code read
// "not in use on" a date, as if it had been: a README black-box pass).
// Nothing is written.
func TestUnknownInstrumentSaysWhereTheCodesAre(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := itATRClient(t, e, day(-30))
	message := func(instrument, date string) string {
		t.Helper()
		var msg string
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": hra.Client, "kind": "intake",
				"instrument": instrument, "status": "completed", "interview_date": date}), http.StatusUnprocessableEntity, "validation_failed")
			require.Equal(t, "unknown_id", itFieldCode(p, "instrument"), "%v", p)
			for _, x := range p["errors"].([]any) {
				msg = x.(map[string]any)["message"].(string)
			}
		})
		return msg
	}
	assert.Equal(t, `no instrument "SUPRT-1999": the codes are in GET /v1/reference/gpra-instruments`, message("SUPRT-1999", day(-1)))
	r := e.post(keyAdmin, "/v1/reference/gpra-instruments", map[string]any{"code": "SUPRT-2030", "name": "SAMHSA SUPRT-C (2030)",
		"active_from": day(30)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Contains(t, message("SUPRT-2030", day(-1)), `instrument "SUPRT-2030" is not in use on `+day(-1))
}

// A value out of range says which way and by the field's own bound where
// the field has one: a claim's charge past twelve digits read "at most
// 999999999999.99" (400 wrong_type) where one a little smaller read "at
// most 99999999.99"; units of 2^63 read "is out of range" alone; a date of
// service in 1899 read "must be between 1900-01-01 and 2999-12-31", and
// one in 1999 "not plausible" (a claims black-box pass of the forty-sixth
// stop). Nothing is written.
func TestOutOfRangeSaysWhichWay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	claim := func(line string) string {
		return fmt.Sprintf(`{"claim_number":"OOR-1","client_id":%d,"rendering_staff_id":%d,"place_of_service":"11","lines":[%s]}`,
			e.demo.Clients["Rivera"], e.demo.Staff["Okafor"], line)
	}
	for _, c := range []struct{ name, line, field, message string }{
		{"charge past any amount", `{"service_code":"ATR-CM","date_of_service":"` + day(-1) + `","units":1,"charge":"1000000000000.00"}`,
			"lines[0].charge", "charge is too large"},
		{"units past int64", `{"service_code":"ATR-CM","date_of_service":"` + day(-1) + `","units":9223372036854775808,"charge":"15.00"}`,
			"lines[0].units", "units is too large"},
		{"units below int64", `{"service_code":"ATR-CM","date_of_service":"` + day(-1) + `","units":-9223372036854775809,"charge":"15.00"}`,
			"lines[0].units", "units is too small"},
		{"date before any rss holds", `{"service_code":"ATR-CM","date_of_service":"1899-12-31","units":1,"charge":"15.00"}`,
			"lines[0].date_of_service", "date_of_service is outside the dates rss holds, 1900-01-01 to 2999-12-31"},
		{"date before the claims' first", `{"service_code":"ATR-CM","date_of_service":"1999-12-31","units":1,"charge":"15.00"}`,
			"lines[0].date_of_service", "date_of_service must be on or after 2000-01-01"},
	} {
		t.Run(c.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.post(keyHRA, "/v1/claims", claim(c.line)), http.StatusUnprocessableEntity, "validation_failed")
				assert.Equal(t, "out_of_range", itFieldCode(p, c.field), "%v", p)
				assert.Contains(t, fmt.Sprint(p["errors"]), c.message)
			})
		})
	}
}

// A body beginning with a byte-order mark says so, on a single POST and a
// bulk alike: it read "the body is not valid JSON" and nothing more (a
// consents black-box pass of the forty-sixth stop). Nothing is written.
func TestByteOrderMarkSaysSo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bom := "\xef\xbb\xbf"
	for _, c := range []struct{ path, body string }{
		{"/v1/clients", bom + `{"first_name":"Ann","last_name":"Lee","date_of_birth":"1990-04-12","catchment_area":"hartford"}`},
		{"/v1/claims/bulk", bom + `{"claims":[]}`},
		{"/v1/claims", bom + `{"claim_number":"BOM-1"}`},
	} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyHRA, c.path, c.body), http.StatusBadRequest, "malformed_json")
			assert.Contains(t, p["detail"], "byte-order mark", c.path)
		})
	}
	// Not a mark at the start: the plain answer.
	p := requireProblem(t, e.post(keyHRA, "/v1/clients", `{"first_name":`+bom+`}`), http.StatusBadRequest, "malformed_json")
	assert.Equal(t, "the body is not valid JSON", p["detail"])
}

// A referral source no program takes is refused with every source and, in
// the same words, the few a program recording its referral source takes:
// one of the first list was refused again for RCM (a consents black-box
// pass of the forty-sixth stop). Nothing is written.
func TestUnknownReferralSourceNamesEveryList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": e.demo.Clients["Rivera"], "program_code": "RCM",
			"start_date": day(-1), "referral_source": "DCF"}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "invalid_value", itFieldCode(p, "referral_source"))
		msg := fmt.Sprint(p["errors"])
		assert.Contains(t, msg, "must be one of samss_meeting, dcf_substance_abuse_specialist, area_office_director, "+
			"regional_clinical_program_director, self, treatment_provider, other")
		assert.Contains(t, msg, "takes only samss_meeting, dcf_substance_abuse_specialist, area_office_director, "+
			"regional_clinical_program_director")
	})
}

// A key's negative agency id is out of range, as in the query filters,
// not an agency that does not exist (an admin black-box pass of the
// forty-sixth stop). Nothing is written.
func TestKeyNegativeProviderIsOutOfRange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyAdmin, "/v1/api-keys", map[string]any{"role": "provider", "provider_id": -1, "label": "x"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "out_of_range", itFieldCode(p, "provider_id"), "%v", p)
		p = requireProblem(t, e.post(keyAdmin, "/v1/api-keys", map[string]any{"role": "provider", "provider_id": 999999, "label": "x"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "unknown_provider", itFieldCode(p, "provider_id"), "%v", p)
	})
}
