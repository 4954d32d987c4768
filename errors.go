package rss

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Error kinds. Domain packages wrap these with context
// (fmt.Errorf("%w: end before start", rss.ErrInvalid)); the API maps them to
// a status and a stable code through one table.
var (
	ErrInvalid     = errors.New("invalid input")
	ErrNotFound    = errors.New("not found")
	ErrConflict    = errors.New("conflict")
	ErrForbidden   = errors.New("forbidden")
	ErrUnavailable = errors.New("unavailable")
)

// FieldError names one field of the input that is wrong and why.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ValidationError is an ErrInvalid that carries per-field errors, so the
// caller sees every problem with the input at once.
type ValidationError struct {
	Fields []FieldError
}

func (v *ValidationError) Error() string {
	parts := make([]string, len(v.Fields))
	for i, f := range v.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true for a ValidationError.
func (v *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Add records one field problem. A message quotes at most maxQuoted bytes
// of any text it names: a report's 900 KB program code came back whole in
// its 422 (a black-box pass).
//
// At most maxFieldErrors are kept, the last of them saying more were
// found: a consent of 200,000 bad record kinds drew a 32 MB problem, one
// entry for each (a consents black-box pass), where a decoder's type error
// stops at the first.
func (v *ValidationError) Add(field, code, format string, args ...any) {
	switch {
	case len(v.Fields) > maxFieldErrors:
		return
	case len(v.Fields) == maxFieldErrors:
		v.Fields = append(v.Fields, FieldError{Field: clip(field), Code: CodeTooManyErrors,
			Message: fmt.Sprintf("more than %d problems were found; the first %d are listed", maxFieldErrors, maxFieldErrors)})
		return
	}
	args = slices.Clone(args) // the caller's own slice stays as it was
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = clip(s)
		}
	}
	v.Fields = append(v.Fields, FieldError{Field: clip(field), Code: code, Message: fmt.Sprintf(format, args...)})
}

// maxFieldErrors is how many field errors a ValidationError lists before
// saying there are more (CodeTooManyErrors).
const maxFieldErrors = 100

// CodeTooManyErrors ends a list of field errors cut at maxFieldErrors.
const CodeTooManyErrors = "too_many_errors"

// maxQuoted is how much of a caller's text a problem quotes.
const maxQuoted = 100

// clip shortens s to maxQuoted bytes at a character boundary, marked with
// an ellipsis.
func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// RequireID records a missing id (0, or the field left out) as required
// and a negative one as out of range: a negative id was answered
// "client_id is required" though one was sent (a black-box pass).
func (v *ValidationError) RequireID(field string, id int64) {
	switch {
	case id == 0:
		v.Add(field, "required", "%s is required", field)
	case id < 0:
		v.Add(field, "out_of_range", "%s must be a positive whole number", field)
	}
}

// Err returns the ValidationError when it holds a problem, else nil.
func (v *ValidationError) Err() error {
	if v == nil || len(v.Fields) == 0 {
		return nil
	}
	return v
}

// Invalid is shorthand for a ValidationError with one field.
func Invalid(field, code, format string, args ...any) error {
	v := &ValidationError{}
	v.Add(field, code, format, args...)
	return v
}

// CodedError carries a stable machine code for the API alongside its kind,
// for conflicts and refusals that need more than the kind's default code.
type CodedError struct {
	Kind    error
	Code    string
	Message string
	// Reasons are the reason codes behind the refusal, when rules made it.
	Reasons []string
	// Existing names the caller's own record a conflict found on file (a
	// claim under the number, the live copy of a consent), so a program
	// reads it without parsing the message. Never another agency's record:
	// naming one would say the person is known there.
	Existing *Ref
	// Overlaps name, by number, other agencies' authorizations a duplicate
	// refusal met, for a reviewer to acknowledge by name (an MSC reader's
	// answer only: they say the person is known elsewhere).
	Overlaps []string
}

// Ref names one record: its kind (as an audit event's entity type) and id.
type Ref struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
}

// OnFile builds a conflict of code naming the caller's own record of kind
// entity and id found on file (CodedError.Existing).
func OnFile(entity string, id int64, code, format string, args ...any) error {
	return &CodedError{Kind: ErrConflict, Code: code, Message: fmt.Sprintf(format, args...), Existing: &Ref{Type: entity, ID: id}}
}

func (e *CodedError) Error() string        { return e.Message }
func (e *CodedError) Is(target error) bool { return target == e.Kind }

// Coded builds a CodedError of the given kind.
func Coded(kind error, code, format string, args ...any) error {
	return &CodedError{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}
