package registry

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/pg"
	"rss/vouchers"
)

// Discharge reasons and GPRA instrument versions are reference data the
// MSC's admin keeps through the API: a new SAMHSA instrument, a retirement
// date for one, or a new discharge reason needed a software release. The
// registry owns their writes, as it owns every other reference table's
// (one writer a table, its audit and history in the same transaction);
// vouchers keeps reading them where it judges a discharge or an interview
// (checkDischargeReason, RecordInterview) and where it lists them, as it
// reads the catchment areas the registry writes. The one fact of vouchers'
// own tables a write here needs, the interviews an instrument's span must
// hold, is asked of vouchers (InterviewsOutside).

var (
	// The formats the schema holds (discharge_reasons_code_format,
	// migration 00022; gpra_instruments_code_format, migration 00115).
	dischargeReasonCodeFormat = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)
	instrumentCodeFormat      = regexp.MustCompile(`^[A-Z][A-Z0-9-]{1,19}$`)
	dischargeOutcomes         = []string{"completed", "positive", "neutral", "negative"}
)

// NewDischargeReason is a discharge reason: generic (program_code left out
// or null, for every program) or a program's own; outcome groups it for
// the reports.
type NewDischargeReason struct {
	Code        string  `json:"code"`
	Name        string  `json:"name"`
	ProgramCode *string `json:"program_code"`
	Outcome     string  `json:"outcome"`
}

// DischargeReasonPatch renames a reason, retires (active false) or
// restores it, or corrects its outcome. The outcome is a label the reports
// read through the reason for every discharge made with it, so a
// correction mends a typo for them all, those made before it included; it
// takes a reason, since it changes figures already reported. The program
// stays as created: a generic reason is carried by discharges of every
// program, and made one program's, the others' would carry a reason their
// program may not take (checkDischargeReason's wrong_program).
type DischargeReasonPatch struct {
	Name    rss.Optional[string] `json:"name"`
	Active  rss.Optional[bool]   `json:"active"`
	Outcome rss.Optional[string] `json:"outcome"`
	// Reason is why, kept with the change in the reason's history.
	Reason rss.Optional[string] `json:"reason"`
}

func loadDischargeReason(ctx context.Context, ext pg.Ext, code string, lock bool) (vouchers.DischargeReason, error) {
	q := `SELECT code, name, program_code, outcome, active FROM discharge_reasons WHERE code = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	var out vouchers.DischargeReason
	err := sqlx.GetContext(ctx, ext, &out, q, code)
	if errors.Is(err, pg.ErrNoRows) {
		return out, fmt.Errorf("%w: discharge reason %q", rss.ErrNotFound, code)
	}
	return out, err
}

// labelKey is a pick list's label as a reader tells labels apart: as an
// area's name (areaNameKey), and punctuation read as a space, so
// "Stepped-down to outpatient care." is "Stepped down to outpatient care"
// (both stood as two reasons: a black-box pass).
func labelKey(name string) string {
	return areaNameKey(strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) {
			return ' '
		}
		return r
	}, name))
}

// lockNames takes, until the transaction ends, the lock under which the
// names of table's rows are checked and written: two admins' names that
// read alike, checked at the same moment, each passed before the other
// had committed and both stood (a black-box pass). Under READ COMMITTED
// the check after the lock reads what the first writer committed. Admin
// writes are rare; they wait in turn.
func lockNames(ctx context.Context, tx *sqlx.Tx, table string) error {
	return vouchers.LockNames(ctx, tx, table)
}

// dischargeNameFree refuses a name that reads (areaNameKey) as another
// reason's offered beside it: two generic ones, a generic one and a
// program's, or two of one program. A discharge is coded by choosing a
// name from the list; two that read alike are a coin toss.
func dischargeNameFree(ctx context.Context, tx *sqlx.Tx, code string, program *string, name string) error {
	if err := lockNames(ctx, tx, "discharge_reasons"); err != nil {
		return err
	}
	var others []vouchers.DischargeReason
	if err := tx.SelectContext(ctx, &others, `SELECT code, name, program_code, outcome, active FROM discharge_reasons
		WHERE code <> $1 AND ($2::text IS NULL OR program_code IS NULL OR program_code = $2)`, code, program); err != nil {
		return err
	}
	key := labelKey(name)
	for _, o := range others {
		if labelKey(o.Name) == key {
			// A retired one keeps its name: restoring it is the way back
			// to the name (said so: "offered beside it" misread, a
			// black-box pass).
			if !o.Active {
				return rss.Coded(rss.ErrConflict, "discharge_reason_name_taken",
					"a retired discharge reason (%s) has this name, as it reads: restore it instead", o.Code)
			}
			return rss.Coded(rss.ErrConflict, "discharge_reason_name_taken", "another discharge reason offered beside it (%s) has this name, as it reads", o.Code)
		}
	}
	return nil
}

// CreateDischargeReason adds a discharge reason (admin).
func (s *Service) CreateDischargeReason(ctx context.Context, n NewDischargeReason) (vouchers.DischargeReason, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return vouchers.DischargeReason{}, err
	}
	v := &rss.ValidationError{}
	if !dischargeReasonCodeFormat.MatchString(n.Code) {
		v.Add("code", "invalid_format", "code must be 2 to 40 lower-case letters, digits and underscores, a letter first")
	}
	checkIdentity(v, []fieldCheck{oneLine("name", n.Name)})
	if n.Outcome == "" {
		v.Add("outcome", "required", "outcome is required: one of %s", strings.Join(dischargeOutcomes, ", "))
	} else {
		oneOf(v, "outcome", n.Outcome, dischargeOutcomes)
	}
	if n.ProgramCode != nil && !programCodeFormat.MatchString(*n.ProgramCode) {
		v.Add("program_code", "invalid_format", "program_code must be null (every program) or a program's code: "+
			"2 to 10 capital letters and digits, a letter first")
	}
	if err := v.Err(); err != nil {
		return vouchers.DischargeReason{}, err
	}
	var out vouchers.DischargeReason
	err := write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if n.ProgramCode != nil {
			var known bool
			if err := tx.GetContext(ctx, &known, `SELECT EXISTS (SELECT 1 FROM programs WHERE code = $1)`, *n.ProgramCode); err != nil {
				return err
			}
			if !known {
				return rss.Invalid("program_code", "unknown_id", "no program %s", *n.ProgramCode)
			}
		}
		if err := dischargeNameFree(ctx, tx, n.Code, n.ProgramCode, n.Name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO discharge_reasons (code, name, program_code, outcome) VALUES ($1, $2, $3, $4)`,
			n.Code, strings.TrimSpace(n.Name), n.ProgramCode, n.Outcome)
		switch {
		case pg.IsViolation(err, pg.CodeUniqueViolation, "discharge_reasons_pkey"):
			return rss.Coded(rss.ErrConflict, "discharge_reason_exists", "discharge reason %s exists", n.Code)
		case err != nil:
			return constraintError(err)
		}
		if err := access.Record(ctx, tx, access.Event{Action: "create", EntityType: "discharge_reason", EntityID: n.Code,
			Outcome: "reference_data"}); err != nil {
			return err
		}
		out, err = loadDischargeReason(ctx, tx, n.Code, false)
		return err
	})
	return out, err
}

// UpdateDischargeReason applies an admin's patch to a discharge reason. A
// retired one is refused for a new discharge (checkDischargeReason) and no
// longer listed for choosing; the discharges that carry it keep it, and
// the reports read it still, with its outcome as corrected last.
func (s *Service) UpdateDischargeReason(ctx context.Context, code string, p DischargeReasonPatch) (vouchers.DischargeReason, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return vouchers.DischargeReason{}, err
	}
	v := &rss.ValidationError{}
	if p.Name.Set && (p.Name.Null || blank(p.Name.Value)) {
		v.Add("name", "required", "name cannot be blank")
	} else if p.Name.Set {
		checkIdentity(v, []fieldCheck{oneLine("name", p.Name.Value)})
	}
	if p.Active.Set && p.Active.Null {
		v.Add("active", "required", "active cannot be null: false retires the reason, true restores it")
	}
	if p.Outcome.Set {
		if p.Outcome.Null {
			v.Add("outcome", "required", "outcome cannot be null: one of %s", strings.Join(dischargeOutcomes, ", "))
		} else {
			oneOf(v, "outcome", p.Outcome.Value, dischargeOutcomes)
		}
		if !p.Reason.Set || p.Reason.Null {
			v.Add("reason", "required", "reason is required with outcome: a correction changes how the reports count every discharge made with it")
		}
	}
	if !p.Name.Set && !p.Active.Set && !p.Outcome.Set {
		v.Add("body", "empty_patch", "nothing to change")
	}
	reason := vouchers.ChangeReason(v, p.Reason)
	if err := v.Err(); err != nil {
		return vouchers.DischargeReason{}, err
	}
	var out vouchers.DischargeReason
	err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := access.ChangeReason(ctx, tx, reason); err != nil {
			return err
		}
		was, err := loadDischargeReason(ctx, tx, code, true)
		if err != nil {
			return err
		}
		// other codes a discharge sent with a note alone (what clients
		// sent before codes): retired, every such discharge is refused.
		if p.Active.Set && !p.Active.Value && code == vouchers.DischargeReasonOther {
			return rss.Coded(rss.ErrConflict, "discharge_reason_required",
				"%s codes a discharge sent with a note and no reason_code; it stays in use", code)
		}
		name := was.Name
		if p.Name.Set {
			name = strings.TrimSpace(p.Name.Value)
			if err := dischargeNameFree(ctx, tx, code, was.ProgramCode, name); err != nil {
				return err
			}
		}
		active, outcome := was.Active, was.Outcome
		if p.Active.Set {
			active = p.Active.Value
		}
		if p.Outcome.Set {
			outcome = p.Outcome.Value
		}
		if _, err := tx.ExecContext(ctx, `UPDATE discharge_reasons SET name = $2, active = $3, outcome = $4 WHERE code = $1`,
			code, name, active, outcome); err != nil {
			return constraintError(err)
		}
		if err := access.Record(ctx, tx, access.Event{Action: "update", EntityType: "discharge_reason", EntityID: code,
			Outcome: "reference_data"}); err != nil {
			return err
		}
		out, err = loadDischargeReason(ctx, tx, code, false)
		return err
	})
	return out, err
}

// DischargeReasonHistory lists the changes to a discharge reason, oldest
// first (every role, as the reasons are read): as created, then each
// change before and after, when, why when given, and by whom.
func (s *Service) DischargeReasonHistory(ctx context.Context, code string) ([]access.Change, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out []access.Change
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if _, err := loadDischargeReason(ctx, tx, code, false); err != nil {
			return err
		}
		out, err = access.ChangesByKey(ctx, tx, a, access.ChangesOfDischargeReasons, "discharge_reason", nil, code)
		return err
	})
	return out, err
}

// NewInstrument is a GPRA instrument version: in use from active_from,
// through active_to when it is known (null: until retired). An interview
// names its instrument, which must be in use on the interview's day.
type NewInstrument struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	ActiveFrom rss.Date `json:"active_from"`
	ActiveTo   rss.Date `json:"active_to"`
}

// InstrumentPatch renames an instrument, corrects its first day
// (active_from) or dates its retirement (active_to; null: in use again
// with no end). Either end is held to the interviews on file on it: each
// was taken on a day the instrument was in use, and stays so.
type InstrumentPatch struct {
	Name       rss.Optional[string]   `json:"name"`
	ActiveFrom rss.Optional[rss.Date] `json:"active_from"`
	ActiveTo   rss.Optional[rss.Date] `json:"active_to"`
	// Reason is why, kept with the change in the instrument's history.
	Reason rss.Optional[string] `json:"reason"`
}

func loadInstrument(ctx context.Context, ext pg.Ext, code string, lock bool) (vouchers.Instrument, error) {
	q := `SELECT code, name, active_from, active_to FROM gpra_instruments WHERE code = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	var out vouchers.Instrument
	err := sqlx.GetContext(ctx, ext, &out, q, code)
	if errors.Is(err, pg.ErrNoRows) {
		return out, fmt.Errorf("%w: GPRA instrument %q", rss.ErrNotFound, code)
	}
	return out, err
}

// instrumentNameFree refuses a name another instrument's reads as
// (areaNameKey): an agency chooses the version by it.
func instrumentNameFree(ctx context.Context, tx *sqlx.Tx, code, name string) error {
	if err := lockNames(ctx, tx, "gpra_instruments"); err != nil {
		return err
	}
	var others []vouchers.Instrument
	if err := tx.SelectContext(ctx, &others, `SELECT code, name, active_from, active_to FROM gpra_instruments WHERE code <> $1`, code); err != nil {
		return err
	}
	key := labelKey(name)
	for _, o := range others {
		if labelKey(o.Name) == key {
			return rss.Coded(rss.ErrConflict, "instrument_name_taken", "another GPRA instrument (%s) has this name, as it reads", o.Code)
		}
	}
	return nil
}

// spanError is the schema's refusal of a span that would leave an
// interview outside (gpra_instruments_span_kept, migration 00115), said as
// the registry's own check says it.
func spanError(err error, code string) error {
	if pg.IsViolation(err, pg.CodeCheckViolation, "gpra_instruments_span_kept") {
		return rss.Coded(rss.ErrConflict, "instrument_in_use", "an interview recorded on %s would fall outside its span", code)
	}
	return constraintError(err)
}

// CreateInstrument adds a GPRA instrument version (admin).
func (s *Service) CreateInstrument(ctx context.Context, n NewInstrument) (vouchers.Instrument, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return vouchers.Instrument{}, err
	}
	v := &rss.ValidationError{}
	if !instrumentCodeFormat.MatchString(n.Code) {
		v.Add("code", "invalid_format", "code must be 2 to 20 capital letters, digits and dashes, a letter first (SUPRT-2025)")
	}
	checkIdentity(v, []fieldCheck{oneLine("name", n.Name)})
	if n.ActiveFrom.IsZero() {
		v.Add("active_from", "required", "active_from is required: the first day the instrument is in use")
	} else {
		dateWithin(v, "active_from", n.ActiveFrom, s.Today(), 25, 5)
	}
	if !n.ActiveTo.IsZero() {
		dateWithin(v, "active_to", n.ActiveTo, s.Today(), 25, 5)
		if !n.ActiveFrom.IsZero() && n.ActiveTo.Before(n.ActiveFrom) {
			v.Add("active_to", "out_of_range", "active_to must be on or after active_from")
		}
	}
	if err := v.Err(); err != nil {
		return vouchers.Instrument{}, err
	}
	var out vouchers.Instrument
	err := write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := instrumentNameFree(ctx, tx, n.Code, n.Name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO gpra_instruments (code, name, active_from, active_to) VALUES ($1, $2, $3, $4)`,
			n.Code, strings.TrimSpace(n.Name), n.ActiveFrom, n.ActiveTo)
		switch {
		case pg.IsViolation(err, pg.CodeUniqueViolation, "gpra_instruments_pkey"):
			return rss.Coded(rss.ErrConflict, "instrument_exists", "GPRA instrument %s exists", n.Code)
		case err != nil:
			return constraintError(err)
		}
		if err := access.Record(ctx, tx, access.Event{Action: "create", EntityType: "gpra_instrument", EntityID: n.Code,
			Outcome: "reference_data"}); err != nil {
			return err
		}
		out, err = loadInstrument(ctx, tx, n.Code, false)
		return err
	})
	return out, err
}

// UpdateInstrument applies an admin's patch to a GPRA instrument. A first
// day after, or a retirement date before, an interview already recorded on
// the instrument is refused (409): the interview would be on file on an
// instrument not in use on its day, as RecordInterview refuses one. The
// row is locked first; an interview being recorded holds it (FOR SHARE)
// until it commits, so the count below sees it.
func (s *Service) UpdateInstrument(ctx context.Context, code string, p InstrumentPatch) (vouchers.Instrument, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return vouchers.Instrument{}, err
	}
	v := &rss.ValidationError{}
	if p.Name.Set && (p.Name.Null || blank(p.Name.Value)) {
		v.Add("name", "required", "name cannot be blank")
	} else if p.Name.Set {
		checkIdentity(v, []fieldCheck{oneLine("name", p.Name.Value)})
	}
	if p.ActiveFrom.Set && p.ActiveFrom.Null {
		v.Add("active_from", "required", "active_from cannot be null: it is the first day the instrument is in use")
	} else if p.ActiveFrom.Set {
		dateWithin(v, "active_from", p.ActiveFrom.Value, s.Today(), 25, 5)
	}
	if p.ActiveTo.Set && !p.ActiveTo.Null {
		dateWithin(v, "active_to", p.ActiveTo.Value, s.Today(), 25, 5)
	}
	if !p.Name.Set && !p.ActiveFrom.Set && !p.ActiveTo.Set {
		v.Add("body", "empty_patch", "nothing to change")
	}
	reason := vouchers.ChangeReason(v, p.Reason)
	if err := v.Err(); err != nil {
		return vouchers.Instrument{}, err
	}
	var out vouchers.Instrument
	err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := access.ChangeReason(ctx, tx, reason); err != nil {
			return err
		}
		was, err := loadInstrument(ctx, tx, code, true)
		if err != nil {
			return err
		}
		name, from, to := was.Name, was.ActiveFrom, was.ActiveTo
		if p.Name.Set {
			name = strings.TrimSpace(p.Name.Value)
			if err := instrumentNameFree(ctx, tx, code, name); err != nil {
				return err
			}
		}
		if p.ActiveFrom.Set {
			from = p.ActiveFrom.Value
		}
		if p.ActiveTo.Set {
			to = p.ActiveTo.Value // zero for null: no end
		}
		switch {
		case to.IsZero() || !to.Before(from):
		case p.ActiveTo.Set:
			return rss.Invalid("active_to", "out_of_range", "active_to must be on or after active_from (%s)", from)
		default:
			return rss.Invalid("active_from", "out_of_range", "active_from must be on or before active_to (%s)", to)
		}
		if p.ActiveFrom.Set || p.ActiveTo.Set {
			if err := spanHoldsInterviews(ctx, tx, code, from, to); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE gpra_instruments SET name = $2, active_from = $3, active_to = $4 WHERE code = $1`,
			code, name, from, to); err != nil {
			return spanError(err, code)
		}
		if err := access.Record(ctx, tx, access.Event{Action: "update", EntityType: "gpra_instrument", EntityID: code,
			Outcome: "reference_data"}); err != nil {
			return err
		}
		out, err = loadInstrument(ctx, tx, code, false)
		return err
	})
	return out, err
}

// spanHoldsInterviews refuses a span from..to (to zero: open) that leaves
// out an interview on file on the instrument, naming each end at fault and
// the day it can move to.
func spanHoldsInterviews(ctx context.Context, tx *sqlx.Tx, code string, from, to rss.Date) error {
	o, err := vouchers.InterviewsOutside(ctx, tx, code, from, to)
	if err != nil {
		return err
	}
	var why []string
	if o.Before > 0 {
		why = append(why, fmt.Sprintf("%s dated before %s, the first on %s: its active_from can be that day or earlier",
			interviews(o.Before), from, o.First))
	}
	if o.After > 0 {
		why = append(why, fmt.Sprintf("%s dated after %s, the last on %s: its active_to can be that day or later",
			interviews(o.After), to, o.Last))
	}
	if len(why) == 0 {
		return nil
	}
	return rss.Coded(rss.ErrConflict, "instrument_in_use", "%s has %s", code, strings.Join(why, "; and "))
}

func interviews(n int) string {
	if n == 1 {
		return "a GPRA interview"
	}
	return fmt.Sprintf("%d GPRA interviews", n)
}

// InstrumentHistory lists the changes to a GPRA instrument, oldest first
// (every role, as the instruments are read).
func (s *Service) InstrumentHistory(ctx context.Context, code string) ([]access.Change, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out []access.Change
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if _, err := loadInstrument(ctx, tx, code, false); err != nil {
			return err
		}
		out, err = access.ChangesByKey(ctx, tx, a, access.ChangesOfGPRAInstruments, "gpra_instrument", nil, code)
		return err
	})
	return out, err
}

// Credential types and staff roles are reference data the department adds
// to: a new program's service may be qualified for by a certification of
// its own (qualification "credential"), and its staff may hold a role of
// its own, with no code change (SPEC §12). Both were read-only (a POST
// was a 405: a reviewer black-box pass). Neither is removed: credentials
// and staff on file name them.
var (
	credentialTypeCodeFormat = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,39}$`)
	staffRoleCodeFormat      = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)
)

// maxQualifyingCredentials bounds the credential types one service names.
const maxQualifyingCredentials = 20

// NewCode is a credential type or staff role to add: its code and name.
type NewCode struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// CreateCredentialType adds a credential type (admin): what a staff
// member's credential may be of, and what a service may be qualified by.
func (s *Service) CreateCredentialType(ctx context.Context, n NewCode) (vouchers.Code, error) {
	return s.createCode(ctx, n, codeKind{table: "credential_types", entity: "credential_type", format: credentialTypeCodeFormat,
		formatText: "code must be 2 to 40 capital letters, digits and underscores, a letter first (CPRS)", exists: "credential_type_exists"})
}

// CreateStaffRole adds a staff role (admin): what a hire's role may be,
// and what a program's caseload caps may name.
func (s *Service) CreateStaffRole(ctx context.Context, n NewCode) (vouchers.Code, error) {
	return s.createCode(ctx, n, codeKind{table: "staff_roles", entity: "staff_role", format: staffRoleCodeFormat,
		formatText: "code must be 2 to 40 lower-case letters, digits and underscores, a letter first (peer_specialist)", exists: "staff_role_exists"})
}

// codeKind is one small reference list createCode adds to.
type codeKind struct {
	table, entity, formatText, exists string
	format                            *regexp.Regexp
}

func (s *Service) createCode(ctx context.Context, n NewCode, k codeKind) (vouchers.Code, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return vouchers.Code{}, err
	}
	v := &rss.ValidationError{}
	if !k.format.MatchString(n.Code) {
		v.Add("code", "invalid_format", "%s", k.formatText)
	}
	checkIdentity(v, []fieldCheck{oneLine("name", n.Name)})
	if err := v.Err(); err != nil {
		return vouchers.Code{}, err
	}
	out := vouchers.Code{Code: n.Code, Name: strings.TrimSpace(n.Name)}
	err := write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		// A name that reads as another's (case, spacing and punctuation
		// aside) is refused: staff records are keyed by choosing a name, and
		// a second "Certified Alcohol and Drug Counselor" beside CADC took
		// credentials that qualified nobody (a black-box re-check). The
		// table is one of two constants (codeKind), never input.
		if err := lockNames(ctx, tx, k.table); err != nil {
			return err
		}
		var names []vouchers.Code
		if err := tx.SelectContext(ctx, &names, `SELECT code, name FROM `+k.table+` WHERE code <> $1`, out.Code); err != nil {
			return err
		}
		for _, o := range names {
			if compactKey(o.Name) == compactKey(out.Name) {
				return rss.Coded(rss.ErrConflict, k.entity+"_name_taken", "%s %s has this name, as it reads", strings.ReplaceAll(k.entity, "_", " "), o.Code)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO `+k.table+` (code, name) VALUES ($1, $2)`, out.Code, out.Name)
		switch {
		case pg.IsViolation(err, pg.CodeUniqueViolation, k.table+"_pkey"):
			return rss.Coded(rss.ErrConflict, k.exists, "%s %s exists", strings.ReplaceAll(k.entity, "_", " "), n.Code)
		case err != nil:
			return constraintError(err)
		}
		return access.Record(ctx, tx, access.Event{Action: "create", EntityType: k.entity, EntityID: n.Code, Outcome: "reference_data"})
	})
	return out, err
}

// compactKey is a name as it reads with case, spacing, punctuation and
// accents all aside, as a program's or service's is (vouchers.NameKey):
// "G.E.D." is "GED", "Highschool diploma" "High school diploma" (labelKey
// keeps word breaks, and both were taken beside the other: a Part 2
// black-box pass), and "GÉD" "GED" (taken as new: a staff black-box
// pass).
func compactKey(name string) string { return vouchers.NameKey(name) }

// credentialTypesKnown refuses a credential type the registry does not
// hold, by name (the schema refuses it too: services_credentials_known).
func credentialTypesKnown(ctx context.Context, tx *sqlx.Tx, types []string) error {
	if len(types) == 0 {
		return nil
	}
	var unknown []string
	if err := tx.SelectContext(ctx, &unknown, `SELECT c FROM unnest($1::text[]) c
		WHERE NOT EXISTS (SELECT 1 FROM credential_types t WHERE t.code = c) ORDER BY c`, pq.Array(types)); err != nil {
		return err
	}
	if len(unknown) > 0 {
		return rss.Invalid("qualifying_credentials", "unknown_id", "no credential type %s (GET /v1/reference/credential-types; POST there adds one)",
			strings.Join(unknown, ", "))
	}
	return nil
}
