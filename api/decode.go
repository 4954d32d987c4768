package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"rss"
)

// decode reads the body strictly into v: JSON only, no unknown fields, no
// trailing data, right types. On failure it writes a 4xx problem and
// returns false.
func decode(c *gin.Context, v any) bool {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			problem(c, http.StatusUnsupportedMediaType, "unsupported_media_type", "Unsupported media type", "send application/json")
			return false
		}
	}
	body, err := readBody(c)
	if err != nil {
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		problem(c, http.StatusBadRequest, "malformed_json", "Malformed JSON", "the request body is empty")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		decodeProblem(c, err, body, v)
		return false
	}
	// Anything but white space after the document is refused; Decoder.More
	// would let a stray "]" or "}" through.
	if len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		problem(c, http.StatusBadRequest, "malformed_json", "Malformed JSON", "unexpected data after the JSON document")
		return false
	}
	// PostgreSQL text cannot hold NUL: refuse it here rather than fail the insert with a 500.
	if bytes.Contains(body, []byte(`\u0000`)) {
		if field := nulPath(body); field != "" {
			problem(c, http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "one or more fields are invalid",
				rss.FieldError{Field: field, Code: "invalid_character", Message: "text may not contain the NUL character"})
			return false
		}
	}
	return true
}

// nulPath returns the path of the first string in body holding a NUL.
func nulPath(body []byte) string {
	var tree any
	if json.Unmarshal(body, &tree) != nil {
		return ""
	}
	var walk func(v any, path string) string
	walk = func(v any, path string) string {
		switch x := v.(type) {
		case string:
			if strings.ContainsRune(x, 0) {
				return path
			}
		case []any:
			for i, e := range x {
				if p := walk(e, path+"["+strconv.Itoa(i)+"]"); p != "" {
					return p
				}
			}
		case map[string]any:
			for k, e := range x {
				p := k
				if path != "" {
					p = path + "." + k
				}
				if r := walk(e, p); r != "" {
					return r
				}
			}
		}
		return ""
	}
	return walk(tree, "")
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
		if errors.As(err, &mbe) {
			problem(c, http.StatusRequestEntityTooLarge, "body_too_large", "Request body too large",
				"the body exceeds "+strconv.FormatInt(mbe.Limit, 10)+" bytes")
		} else {
			problem(c, http.StatusBadRequest, "malformed_json", "Unreadable body", "the request body could not be read")
		}
		return nil, err
	}
	c.Set(ctxBody, b)
	return b, nil
}

func decodeProblem(c *gin.Context, err error, body []byte, v any) {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		problem(c, http.StatusBadRequest, "malformed_json", "Malformed JSON", "the body is not valid JSON")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		problem(c, http.StatusBadRequest, "wrong_type", "Wrong type", "a field has the wrong type",
			rss.FieldError{Field: field, Code: "wrong_type", Message: "must be " + jsonKind(typ.Type.String())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		problem(c, http.StatusBadRequest, "unknown_field", "Unknown field", "the body has a field this endpoint does not accept",
			rss.FieldError{Field: name, Code: "unknown_field", Message: "unknown field " + name})
	case errors.Is(err, rss.ErrInvalid):
		// A typed value (date, money) refused its own text. encoding/json
		// does not say which field held it, so find it.
		field := badValuePath(body, reflect.TypeOf(v))
		if field == "" {
			field = "body"
		}
		problem(c, http.StatusBadRequest, "wrong_type", "Wrong type", err.Error(),
			rss.FieldError{Field: field, Code: "wrong_type", Message: err.Error()})
	default:
		problem(c, http.StatusBadRequest, "malformed_json", "Malformed JSON", "the body could not be decoded")
	}
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// badValuePath returns the path ("start_date", "lines[0].charge") of the
// first value in body that a field of type t with its own UnmarshalJSON
// refuses, or "" when there is none.
func badValuePath(body []byte, t reflect.Type) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var tree any
	if t == nil || dec.Decode(&tree) != nil {
		return ""
	}
	return findBadValue(tree, t, "")
}

func findBadValue(val any, t reflect.Type, path string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if val == nil {
		return ""
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		raw, err := json.Marshal(val)
		if err != nil {
			return ""
		}
		if reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(raw) != nil {
			return path
		}
		return ""
	}
	join := func(name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := val.(map[string]any)
		if !ok {
			return ""
		}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			for k, x := range obj {
				if strings.EqualFold(k, name) {
					if p := findBadValue(x, f.Type, join(name)); p != "" {
						return p
					}
				}
			}
		}
	case reflect.Slice, reflect.Array:
		arr, ok := val.([]any)
		if !ok {
			return ""
		}
		for i, x := range arr {
			if p := findBadValue(x, t.Elem(), path+"["+strconv.Itoa(i)+"]"); p != "" {
				return p
			}
		}
	case reflect.Map:
		obj, ok := val.(map[string]any)
		if !ok {
			return ""
		}
		for k, x := range obj {
			if p := findBadValue(x, t.Elem(), join(k)); p != "" {
				return p
			}
		}
	}
	return ""
}

func jsonKind(goType string) string {
	switch {
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

// pathID parses a positive id path parameter; anything else is a 404, as an
// id that does not exist would be.
func pathID(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		problem(c, http.StatusNotFound, "not_found", "Not found", "no such "+strings.TrimSuffix(name, "_id"))
		return 0, false
	}
	return id, true
}

// queryInt reads an optional positive integer query parameter.
func queryInt(c *gin.Context, name string) (int64, bool) {
	s := c.Query(name)
	if s == "" {
		return 0, true
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		code := "invalid_value"
		if err == nil {
			code = "out_of_range"
		}
		problem(c, http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "invalid query parameter",
			rss.FieldError{Field: name, Code: code, Message: name + " must be a positive whole number"})
		return 0, false
	}
	return v, true
}

// queryDate reads an optional date query parameter.
func queryDate(c *gin.Context, name string) (rss.Date, bool) {
	s := c.Query(name)
	if s == "" {
		return rss.Date{}, true
	}
	d, err := rss.ParseDate(s)
	if err != nil {
		problem(c, http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "invalid query parameter",
			rss.FieldError{Field: name, Code: "invalid_value", Message: name + " must be YYYY-MM-DD"})
		return rss.Date{}, false
	}
	return d, true
}
