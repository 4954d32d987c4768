package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"rss"
)

// decode reads the body strictly into v: JSON only, no unknown fields, no
// trailing data, right types. On failure it writes a 4xx problem and
// returns false.
func decode(c *gin.Context, v any) bool {
	body, ok, err := decodeStrict(c, v)
	if ok && err != nil {
		decodeProblem(c, err, body, v)
	}
	return ok && err == nil
}

// memberIsNull reports whether the body, a JSON object that decoded,
// gives the member name as null, which decoding reads as the member left
// out. Its name in any case, as encoding/json matches it ("Expect": null
// closed a batch unchecked: a re-check).
func memberIsNull(body []byte, name string) bool {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return false
	}
	for k, raw := range members {
		if strings.EqualFold(k, name) && bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			return true
		}
	}
	return false
}

// utf8Charset reports whether a media type's parameters declare UTF-8 (or
// US-ASCII, a subset of it) or no charset: a body declared in another
// (latin1, utf-16) would be read as UTF-8 and mangled or misread, so it is
// refused rather than guessed at.
func utf8Charset(params map[string]string) bool {
	cs, ok := params["charset"]
	if !ok {
		return true
	}
	for _, name := range []string{"utf-8", "utf8", "us-ascii", "ascii"} {
		if strings.EqualFold(cs, name) {
			return true
		}
	}
	return false
}

// decodeStrict is decode leaving a body that does not decode into v to the
// caller: err is encoding/json's, unwritten, with the body read. ok is
// false when it wrote a problem itself (media type, size, an empty body,
// data after the document, text PostgreSQL cannot keep).
func decodeStrict(c *gin.Context, v any) (body []byte, ok bool, err error) {
	return decodeScanned(c, v, nil, scanText)
}

// decodeScanned is decodeStrict with the scan of a body that decodes
// given: a bulk's answers a key given twice inside one claim as that
// claim's own problem. bound, when given, may refuse the body by what it
// holds before it is decoded.
func decodeScanned(c *gin.Context, v any, bound func([]byte) *Problem, scan func([]byte) *textProblem) (body []byte, ok bool, err error) {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			problem(c, http.StatusUnsupportedMediaType, "unsupported_media_type", "Unsupported media type", "send application/json")
			return nil, false, nil
		}
		// JSON is UTF-8 (RFC 8259); a body declared in another charset
		// (latin1, utf-16) would be read as UTF-8 and its names stored
		// mangled, so it is refused rather than guessed at.
		if !utf8Charset(params) {
			problem(c, http.StatusUnsupportedMediaType, "unsupported_media_type", "Unsupported media type",
				"send application/json in UTF-8 (charset=utf-8, us-ascii, or none)")
			return nil, false, nil
		}
	}
	body, err = readBody(c)
	if err != nil {
		return nil, false, nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		problem(c, http.StatusBadRequest, "malformed_json", "Malformed JSON", "the request body is empty")
		return nil, false, nil
	}
	// What the body holds is bounded before it is decoded, where that is
	// what a body's size cannot bound (a bulk's claims).
	if bound != nil {
		if p := bound(body); p != nil {
			writeProblem(c, *p)
			return nil, false, nil
		}
	}
	// A body that is null is no object: encoding/json reads it into a
	// struct as {}, and a care plan closed on it (a hostile-input pass).
	if bytes.Equal(bytes.TrimSpace(body), []byte("null")) && reflect.Indirect(reflect.ValueOf(v)).Kind() == reflect.Struct {
		writeProblem(c, Problem{Status: http.StatusBadRequest, Code: "wrong_type", Title: "Wrong type", Detail: "a field has the wrong type",
			Errors: []rss.FieldError{{Field: "body", Code: "wrong_type", Message: "must be an object"}}})
		return nil, false, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return body, true, err
	}
	// Anything but white space after the document is refused; Decoder.More
	// would let a stray "]" or "}" through.
	if len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		problem(c, http.StatusBadRequest, "malformed_json", "Malformed JSON", "unexpected data after the JSON document")
		return nil, false, nil
	}
	if bad := scan(body); bad != nil {
		bad.write(c)
		return nil, false, nil
	}
	return body, true, nil
}

// unmarshalStrict decodes one JSON document into v as decode does: no
// unknown fields, no trailing data.
func unmarshalStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if len(bytes.TrimSpace(b[dec.InputOffset():])) > 0 {
		return &json.SyntaxError{}
	}
	return nil
}

// readBody reads the (size-limited) body once and keeps it for the
// idempotency hash.
func readBody(c *gin.Context) ([]byte, error) {
	if b, ok := c.Get(ctxBody); ok {
		return b.([]byte), nil
	}
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		var ne net.Error
		switch {
		case errors.As(err, &mbe):
			problem(c, http.StatusRequestEntityTooLarge, "body_too_large", "Request body too large",
				"the body exceeds "+strconv.FormatInt(mbe.Limit, 10)+" bytes")
		case errors.As(err, &ne) && ne.Timeout():
			// The server's read deadline (a request arrives whole within
			// 60 s): said to be the JSON's fault, a valid bulk sent over a
			// slow link read "could not be read" (an on-call black-box
			// pass).
			problem(c, http.StatusRequestTimeout, "body_timeout", "Request body too slow",
				"the request body did not arrive in time (a request must arrive whole within 60 s): send it again over a faster link, or in smaller bulks")
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || c.Request.Context().Err() != nil:
			// The body ended short of its length: the client left during
			// it, or the connection was closed under it at a shutdown.
			// Logged and counted as a 400 malformed_json, it read as a
			// client's bug to the engineer on call (an on-call pass).
			abandoned(c)
		default:
			problem(c, http.StatusBadRequest, "malformed_json", "Unreadable body", "the request body could not be read")
		}
		return nil, err
	}
	c.Set(ctxBody, b)
	return b, nil
}

// optionalBody reports whether a POST whose body may be left out sent
// one: by its length, or, sent chunked (no length), by what arrived. By
// the length alone a chunked body was taken for none: a revocation's
// reason was dropped, and garbage accepted where an empty object is, while
// the idempotency key's hash read the bytes (a hostile-input pass). It
// answers the request itself when the body cannot be read (ok false).
func optionalBody(c *gin.Context) (sent, ok bool) {
	if c.Request.ContentLength == 0 {
		return false, true
	}
	b, err := readBody(c)
	if err != nil {
		return false, false
	}
	return len(bytes.TrimSpace(b)) > 0 || c.Request.ContentLength > 0, true
}

func decodeProblem(c *gin.Context, err error, body []byte, v any) {
	writeProblem(c, decodeError(err, body, v))
}

// decodeError is the problem a body that does not decode into v (err)
// answers: the field named by its path in body ("lines[3].units").
func decodeError(err error, body []byte, v any) Problem {
	p := func(status int, code, title, detail string, fields ...rss.FieldError) Problem {
		return Problem{Status: status, Code: code, Title: title, Detail: detail, Errors: fields}
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn) && strings.Contains(syn.Error(), "exceeded max depth"):
		// Valid JSON nested deeper than the decoder reads: saying it was
		// not valid JSON misled (a black-box pass).
		return p(http.StatusBadRequest, "malformed_json", "Malformed JSON", "the body nests arrays or objects deeper than 10,000 levels")
	case (errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF)) && bytes.HasPrefix(body, utf8BOM):
		// JSON is sent without a byte-order mark (RFC 8259 §8.1); one
		// a text editor saved read "not valid JSON" and nothing more (a
		// consents black-box pass of the forty-sixth stop).
		return p(http.StatusBadRequest, "malformed_json", "Malformed JSON",
			"the body begins with a UTF-8 byte-order mark (EF BB BF); send the JSON without it")
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return p(http.StatusBadRequest, "malformed_json", "Malformed JSON", "the body is not valid JSON")
	case errors.As(err, &typ):
		// encoding/json names the field without array indices
		// ("lines.units"); the value's own path says which line
		// ("lines[3].units"), as a refused value's path does.
		field := wrongTypePath(body, reflect.TypeOf(v), typ.Field)
		if field == "" {
			field = "body"
		}
		// A whole number too large for the field is out of range, as one
		// a little smaller is (the domain's bound): 2^63 read "must be a
		// whole number" (a black-box pass).
		if wholeNumber.MatchString(typ.Value) && intKind(typ.Type.Kind()) {
			return p(http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "one or more fields are invalid",
				rss.FieldError{Field: field, Code: "out_of_range", Message: lastName(field) + " is " + tooWhat(typ.Value)})
		}
		return p(http.StatusBadRequest, "wrong_type", "Wrong type", "a field has the wrong type",
			rss.FieldError{Field: field, Code: "wrong_type", Message: "must be " + jsonKind(typ.Type.String())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return p(http.StatusBadRequest, "unknown_field", "Unknown field", "the body has a field this endpoint does not accept",
			rss.FieldError{Field: unknownFieldPath(body, reflect.TypeOf(v), name), Code: "unknown_field", Message: "unknown field " + name})
	case errors.Is(err, rss.ErrDateRange):
		// The date is not quoted back: a date of birth is PHI, and the
		// problem went into the caller's logs with it (a black-box pass).
		field := badValuePath(body, reflect.TypeOf(v))
		if field == "" {
			field = "body"
		}
		return p(http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "one or more fields are invalid",
			rss.FieldError{Field: field, Code: "out_of_range", Message: fmt.Sprintf("%s is outside the dates rss holds, %s to %s", lastName(field), rss.MinDate, rss.MaxDate)})
	case errors.Is(err, rss.ErrAmountRange):
		// Past any amount rss holds: out of range, as a date is above. The
		// generic bound is not quoted: a claim's charge read "at most
		// 999999999999.99" here and "at most 99999999.99" from its own
		// check (a claims black-box pass of the forty-sixth stop).
		field := badValuePath(body, reflect.TypeOf(v))
		if field == "" {
			field = "body"
		}
		return p(http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "one or more fields are invalid",
			rss.FieldError{Field: field, Code: "out_of_range", Message: lastName(field) + " is too large"})
	case errors.Is(err, rss.ErrInvalid):
		// A typed value (date, money) refused its own text. encoding/json
		// does not say which field held it, so find it. One sent as null
		// was not given: required, as a null whole number or date reads.
		if field, ok := findInBody(body, reflect.TypeOf(v), refusedNull, func(string) bool { return true }); ok {
			return p(http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "one or more fields are invalid",
				rss.FieldError{Field: field, Code: "required", Message: lastName(field) + " is required"})
		}
		field := badValuePath(body, reflect.TypeOf(v))
		if field == "" {
			field = "body"
		}
		msg := err.Error()
		switch {
		case errors.Is(err, rss.ErrNotCalendarDay):
			msg = lastName(field) + " is not a day of the calendar" // not quoted back, as above
		case errors.Is(err, rss.ErrNotDateShape):
			msg = lastName(field) + " must be a date, YYYY-MM-DD"
		}
		return p(http.StatusBadRequest, "wrong_type", "Wrong type", msg,
			rss.FieldError{Field: field, Code: "wrong_type", Message: msg})
	default:
		return p(http.StatusBadRequest, "malformed_json", "Malformed JSON", "the body could not be decoded")
	}
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// badValuePath returns the path ("start_date", "lines[0].charge") of the
// first value in body that a field of type t with its own UnmarshalJSON
// refuses, or "" when there is none.
func badValuePath(body []byte, t reflect.Type) string {
	p, _ := findInBody(body, t, refused, func(string) bool { return true })
	return p
}

// wrongTypePath returns the path with indices ("lines[3].units") of the
// first value in body whose JSON kind a field of type t cannot hold and
// whose path without indices is field (encoding/json's UnmarshalTypeError
// names it so, without the indices a refused value's path has), or field
// itself when none is found.
func wrongTypePath(body []byte, t reflect.Type, field string) string {
	p, ok := findInBody(body, t, mistyped, func(path string) bool { return indexRe.ReplaceAllString(path, "") == field })
	if !ok {
		return field
	}
	return p
}

var indexRe = regexp.MustCompile(`\[[0-9]+\]`)

// utf8BOM is the byte-order mark a text editor may save before JSON.
var utf8BOM = []byte("\xef\xbb\xbf")

// wholeNumber is an UnmarshalTypeError's value when it was a JSON integer.
var wholeNumber = regexp.MustCompile(`^number -?[0-9]+$`)

// tooWhat says which way a whole number missed its field's type: "is out
// of range" alone left the caller to guess (a claims black-box pass).
func tooWhat(value string) string {
	if strings.HasPrefix(value, "number -") {
		return "too small"
	}
	return "too large"
}

func intKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// unknownFieldPath returns the path of the first object in body holding
// the field name that its type does not take ("lines[0].foo"; encoding/json
// names the field alone), or name when none is found.
func unknownFieldPath(body []byte, t reflect.Type, name string) string {
	holds := func(val any, t reflect.Type) bool {
		obj, ok := val.(map[string]any)
		if _, has := obj[name]; !ok || !has || t.Kind() != reflect.Struct {
			return false
		}
		return !takesField(t, name)
	}
	p, ok := findInBody(body, t, holds, func(string) bool { return true })
	switch {
	case !ok:
		return name
	case p == "":
		return name
	}
	return p + "." + name
}

// takesField reports whether struct type t decodes a JSON field name (as
// encoding/json matches it: its tag or Go name, letter case aside, embedded
// structs' fields included).
func takesField(t reflect.Type, name string) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && tag == "" && ft.Kind() == reflect.Struct {
			if takesField(ft, name) {
				return true
			}
			continue
		}
		if !f.IsExported() || tag == "-" {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if strings.EqualFold(tag, name) {
			return true
		}
	}
	return false
}

// findInBody decodes body as a tree and finds in it, by t's fields, the
// first value wrong picks at a path keep accepts.
func findInBody(body []byte, t reflect.Type, wrong func(any, reflect.Type) bool, keep func(string) bool) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var tree any
	if t == nil || dec.Decode(&tree) != nil {
		return "", false
	}
	return findValue(tree, t, "", wrong, keep)
}

func findValue(val any, t reflect.Type, path string, wrong func(any, reflect.Type) bool, keep func(string) bool) (string, bool) {
	nullable := t.Kind() == reflect.Pointer
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if val == nil {
		// null sets a pointer to nil and leaves other fields as they were,
		// but a value's own UnmarshalJSON is called with it and may refuse
		// it (money: a null charge read "body", a hostile-input pass).
		if !nullable && reflect.PointerTo(t).Implements(unmarshalerType) && wrong(nil, t) {
			return path, keep(path)
		}
		return "", false
	}
	// A PATCH field (rss.Optional) is its value's type seen through: its
	// own UnmarshalJSON would stop the walk at the field, naming
	// "services" for a wrong element of it (a black-box pass).
	if t.Kind() == reflect.Struct && t.PkgPath() == "rss" && strings.HasPrefix(t.Name(), "Optional[") {
		if f, ok := t.FieldByName("Value"); ok {
			return findValue(val, f.Type, path, wrong, keep)
		}
	}
	if wrong(val, t) {
		return path, keep(path)
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return "", false
	}
	join := func(name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, _ := val.(map[string]any)
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" {
				if p, ok := findValue(val, f.Type, path, wrong, keep); ok {
					return p, true
				}
				continue
			}
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			for k, x := range obj {
				if strings.EqualFold(k, name) {
					if p, ok := findValue(x, f.Type, join(name), wrong, keep); ok {
						return p, true
					}
				}
			}
		}
	case reflect.Slice, reflect.Array:
		arr, _ := val.([]any)
		for i, x := range arr {
			if p, ok := findValue(x, t.Elem(), path+"["+strconv.Itoa(i)+"]", wrong, keep); ok {
				return p, true
			}
		}
	case reflect.Map:
		obj, _ := val.(map[string]any)
		for k, x := range obj {
			if p, ok := findValue(x, t.Elem(), join(k), wrong, keep); ok {
				return p, true
			}
		}
	}
	return "", false
}

// refused reports whether a type with its own UnmarshalJSON refuses val.
// refusedNull reports whether val is a null that type t's UnmarshalJSON
// refuses.
func refusedNull(val any, t reflect.Type) bool {
	return val == nil && refused(nil, t)
}

// lastName is the last member name of a path ("charge" of
// "lines[1].charge").
func lastName(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		path = path[i+1:]
	}
	return indexRe.ReplaceAllString(path, "")
}

func refused(val any, t reflect.Type) bool {
	if !reflect.PointerTo(t).Implements(unmarshalerType) {
		return false
	}
	raw, err := json.Marshal(val)
	return err != nil || reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(raw) != nil
}

// mistyped reports whether val, decoded with UseNumber, is of a JSON kind
// type t cannot hold (a value its own UnmarshalJSON refuses included).
func mistyped(val any, t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return refused(val, t)
	}
	switch t.Kind() {
	case reflect.String:
		_, ok := val.(string)
		return !ok
	case reflect.Bool:
		_, ok := val.(bool)
		return !ok
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		n, ok := val.(json.Number)
		return !ok || !fits(string(n), t)
	case reflect.Struct, reflect.Map:
		_, ok := val.(map[string]any)
		return !ok
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			_, ok := val.(string)
			return !ok
		}
		_, ok := val.([]any)
		return !ok
	}
	return false
}

// fits reports whether the JSON number n can be held by the numeric type t.
func fits(n string, t reflect.Type) bool {
	var err error
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		_, err = strconv.ParseInt(n, 10, t.Bits())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		_, err = strconv.ParseUint(n, 10, t.Bits())
	default:
		_, err = strconv.ParseFloat(n, t.Bits())
	}
	return err == nil
}

func jsonKind(goType string) string {
	switch {
	// A body's own struct first: its type's text names its fields' types,
	// and a discharge sent as [] read "must be a date" (an enrollment
	// black-box pass).
	case strings.HasPrefix(goType, "struct") || strings.HasPrefix(goType, "map["):
		return "an object"
	case strings.Contains(goType, "int"):
		return "a whole number"
	case strings.Contains(goType, "float"):
		return "a number"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.Contains(goType, "Date"):
		return `a date "YYYY-MM-DD"`
	case strings.Contains(goType, "Money"):
		return `an amount string like "40.00"`
	}
	return "an object"
}

// pathID parses a positive id path parameter written canonically
// (rss.ParseID: "+1" and "01" are not 1); anything else is a 404, as an id
// that does not exist would be.
func pathID(c *gin.Context, name string) (int64, bool) {
	id, ok := rss.ParseID(c.Param(name))
	if !ok {
		problem(c, http.StatusNotFound, "not_found", "Not found", "no such "+strings.TrimSuffix(name, "_id"))
		return 0, false
	}
	return id, true
}

// queryInt reads an optional positive integer query parameter (an id),
// written canonically as a path id is.
func queryInt(c *gin.Context, name string) (int64, bool) {
	s := c.Query(name)
	if s == "" {
		return 0, true
	}
	v, ok := rss.ParseID(s)
	if !ok {
		problem(c, http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "invalid query parameter",
			rss.FieldError{Field: name, Code: rss.BadIDCode(s), Message: name + " must be a positive whole number"})
		return 0, false
	}
	return v, true
}

// queryCount reads an optional whole-number query parameter that may be 0
// (a count of days, say); the domain checks its range.
func queryCount(c *gin.Context, name string) (int, bool) {
	s := c.Query(name)
	if s == "" {
		return 0, true
	}
	// A well-written whole number out of the domain's range (negative, or
	// too long to hold) is out_of_range, as limit is; anything else is not
	// a number at all.
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		problem(c, http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "invalid query parameter",
			rss.FieldError{Field: name, Code: "invalid_value", Message: name + " must be a whole number, 0 or more"})
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || len(digits) > 9 {
		problem(c, http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "invalid query parameter",
			rss.FieldError{Field: name, Code: "out_of_range", Message: name + " must be a whole number, 0 or more, of at most 9 digits"})
		return 0, false
	}
	return n, true
}

// queryDate reads an optional date query parameter.
func queryDate(c *gin.Context, name string) (rss.Date, bool) {
	s := c.Query(name)
	if s == "" {
		return rss.Date{}, true
	}
	d, err := rss.ParseDate(s)
	if errors.Is(err, rss.ErrDateRange) {
		problem(c, http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "invalid query parameter",
			rss.FieldError{Field: name, Code: "out_of_range", Message: fmt.Sprintf("%s must be between %s and %s", name, rss.MinDate, rss.MaxDate)})
		return rss.Date{}, false
	}
	if err != nil {
		msg := name + " must be YYYY-MM-DD"
		if errors.Is(err, rss.ErrNotCalendarDay) {
			msg = name + " is not a day of the calendar"
		}
		problem(c, http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "invalid query parameter",
			rss.FieldError{Field: name, Code: "invalid_value", Message: msg})
		return rss.Date{}, false
	}
	return d, true
}

// MaxTextLength is the most characters any JSON string of a request body
// may hold, whatever its field: a backstop under the field-specific
// limits, so no field stores an unbounded text.
const MaxTextLength = 4000

// textProblem is what scanText found wrong with one string of a body.
type textProblem struct {
	status  int
	code    string // the problem's code
	field   rss.FieldError
	summary string
}

func (p *textProblem) write(c *gin.Context) {
	title := "The request is not valid"
	if p.code == "duplicate_field" {
		title = "Duplicate field"
	}
	problem(c, p.status, p.code, title, p.summary, p.field)
}

// scanText reads a body that has already decoded and refuses what
// encoding/json lets through silently: bytes that are not UTF-8 and
// lone UTF-16 surrogate escapes (it would store U+FFFD in their place), the
// NUL character (PostgreSQL text cannot hold it), strings longer than
// MaxTextLength characters, and a key given twice in one object (it would
// keep the last). Keys are compared as encoding/json matches them to
// fields, ignoring case.
func scanText(body []byte) *textProblem {
	s := &textScanner{b: body}
	return s.value(nil)
}

type textScanner struct {
	b []byte
	i int
	// dupAllowed, when set, is asked about each key given twice: true
	// when the caller answers it itself (and the scan goes on).
	dupAllowed func(field *textPath) bool
	// textAllowed, when set, is asked about each string refused (bytes
	// not UTF-8, a lone surrogate, NUL, too long), with the path its
	// problem names: true when the caller answers it itself, and the scan
	// goes on past the string.
	textAllowed func(path *textPath, p *textProblem) bool
}

// textPath is where the scanner is in the body: a key of an object or an
// index of an array, below its parent. Its text ("claims[3].lines[0]") is
// only made when a problem names it: making it for every value was most of
// the scan of a bulk body.
type textPath struct {
	parent  *textPath
	key     string
	index   int
	isIndex bool
}

func (p *textPath) String() string {
	if p == nil {
		return ""
	}
	if p.isIndex {
		return p.parent.String() + "[" + strconv.Itoa(p.index) + "]"
	}
	if p.parent == nil {
		return p.key
	}
	return p.parent.String() + "." + p.key
}

func fieldOrBody(path *textPath) string {
	if path == nil {
		return "body"
	}
	return path.String()
}

func (s *textScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *textScanner) value(path *textPath) *textProblem {
	s.ws()
	if s.i >= len(s.b) {
		return nil
	}
	switch s.b[s.i] {
	case '{':
		return s.object(path)
	case '[':
		return s.array(path)
	case '"':
		_, p := s.str(path, false)
		return p
	}
	// A number or a literal.
	for s.i < len(s.b) && !strings.ContainsRune(",]} \t\n\r", rune(s.b[s.i])) {
		s.i++
	}
	return nil
}

// smallObject is how many keys an object's keys are compared against one
// by one before they go in a map.
const smallObject = 16

func (s *textScanner) object(path *textPath) *textProblem {
	s.i++
	var few [smallObject]string
	keys := few[:0]
	var seen map[string]bool
	for {
		s.ws()
		if s.i >= len(s.b) {
			return nil
		}
		switch s.b[s.i] {
		case '}':
			s.i++
			return nil
		case ',':
			s.i++
			continue
		case '"':
		default:
			return nil // not JSON after all; the decoder has said so already
		}
		key, p := s.str(path, true)
		if p != nil {
			return p
		}
		field := &textPath{parent: path, key: key}
		dup := false
		if seen == nil {
			for _, k := range keys {
				if equalFold(k, key) {
					dup = true
					break
				}
			}
			if keys = append(keys, key); len(keys) > smallObject {
				seen = make(map[string]bool, 2*smallObject)
				for _, k := range keys {
					seen[foldKey(k)] = true
				}
			}
		} else {
			folded := foldKey(key)
			dup = seen[folded]
			seen[folded] = true
		}
		if dup && (s.dupAllowed == nil || !s.dupAllowed(field)) {
			return duplicateField(field.String())
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return nil
		}
		s.i++
		if p := s.value(field); p != nil {
			return p
		}
	}
}

// duplicateField is the problem of a key given twice, f its path.
func duplicateField(f string) *textProblem {
	return &textProblem{status: http.StatusBadRequest, code: "duplicate_field", summary: "the body gives a field more than once",
		field: rss.FieldError{Field: f, Code: "duplicate_field", Message: f + " is given more than once"}}
}

func (s *textScanner) array(path *textPath) *textProblem {
	s.i++
	for n := 0; ; {
		s.ws()
		if s.i >= len(s.b) {
			return nil
		}
		switch s.b[s.i] {
		case ']':
			s.i++
			return nil
		case ',':
			s.i++
			n++
			continue
		}
		start := s.i
		if p := s.value(&textPath{parent: path, index: n, isIndex: true}); p != nil {
			return p
		}
		if s.i == start {
			return nil
		}
	}
}

func invalidText(field, code, message string) *textProblem {
	return &textProblem{status: http.StatusUnprocessableEntity, code: "validation_failed", summary: "one or more fields are invalid",
		field: rss.FieldError{Field: field, Code: code, Message: message}}
}

// str reads the string at s.i (its opening quote) and returns its text
// when keep is set.
// A key's problem names the object that holds it (the body at the top), a
// value's the value; path is the one named.
func (s *textScanner) str(path *textPath, keep bool) (string, *textProblem) {
	text, p := s.readStr(path, keep)
	if p != nil && s.textAllowed != nil && s.textAllowed(path, p) {
		s.skipStr()
		return text, nil
	}
	return text, p
}

// skipStr moves s.i past the closing quote of the string it stands in.
func (s *textScanner) skipStr() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
		case '"':
			s.i++
			return
		default:
			s.i++
		}
	}
}

func (s *textScanner) readStr(path *textPath, keep bool) (string, *textProblem) {
	s.i++
	var text strings.Builder
	chars := 0
	start, escaped := s.i, false
	field := func() string {
		if keep {
			return fieldOrBody(path)
		}
		return path.String()
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		var r rune
		switch {
		case c == '"':
			s.i++
			if keep && !escaped {
				return string(s.b[start : s.i-1]), nil
			}
			return text.String(), nil
		case c == '\\':
			if keep && !escaped {
				text.Write(s.b[start:s.i]) // what came before the first escape, as it stands
			}
			escaped = true
			if s.i+1 >= len(s.b) {
				return "", nil
			}
			if s.b[s.i+1] != 'u' {
				r = rune(unescapeJSON(s.b[s.i+1]))
				s.i += 2
				break
			}
			u, ok := hex4(s.b, s.i+2)
			if !ok {
				return "", nil
			}
			s.i += 6
			r = u
			if utf16.IsSurrogate(u) {
				lo, ok := rune(0), false
				if u < 0xDC00 && s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					lo, ok = hex4(s.b, s.i+2)
					ok = ok && lo >= 0xDC00 && lo <= 0xDFFF
				}
				if !ok {
					return "", invalidText(field(), "invalid_encoding", "text holds an unpaired UTF-16 surrogate escape")
				}
				s.i += 6
				r = utf16.DecodeRune(u, lo)
			}
			if r == 0 {
				return "", invalidText(field(), "invalid_character", "text may not contain the NUL character")
			}
		case c < utf8.RuneSelf:
			r = rune(c)
			s.i++
		default:
			var size int
			r, size = utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && size <= 1 {
				return "", invalidText(field(), "invalid_encoding", "text is not valid UTF-8")
			}
			s.i += size
		}
		chars++
		if chars > MaxTextLength {
			return "", invalidText(field(), "too_long", fmt.Sprintf("text may be at most %d characters", MaxTextLength))
		}
		if keep && escaped {
			text.WriteRune(r)
		}
	}
	return "", nil
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[at:at+4]), 16, 16)
	return rune(v), err == nil
}

func unescapeJSON(c byte) byte {
	switch c {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return c // '"', '\\', '/'
}

// foldKey folds a key the way encoding/json matches object keys to struct
// fields (ASCII case, and Unicode simple folding through upper(lower(r))).
func foldKey(k string) string {
	var b strings.Builder
	for _, r := range k {
		if r < utf8.RuneSelf {
			if 'a' <= r && r <= 'z' {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			continue
		}
		b.WriteRune(unicode.ToUpper(unicode.ToLower(r)))
	}
	return b.String()
}

// equalFold reports whether foldKey(a) == foldKey(b), without making either.
func equalFold(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb && foldRune(ra) != foldRune(rb) {
			return false
		}
		a, b = a[na:], b[nb:]
	}
	return a == "" && b == ""
}

func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		return r
	}
	return unicode.ToUpper(unicode.ToLower(r))
}
