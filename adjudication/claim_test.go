package adjudication

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// adj is the expected shape of one CAS adjustment.
type adj struct {
	code, carc, rarc string
	amount           string
	units            int
}

type lineCase struct {
	name     string
	base     func() *LineFacts // nil means paidATRLine
	mutate   func(f *LineFacts)
	status   string
	units    int    // units allowed
	paid     string // also the allowed amount
	adjs     []adj
	hits     []string // when set: exactly these hit codes
	detail   string   // when set: a substring of the first hit's detail
	fullRule bool     // the line got past the denials: trace has C01..C11
}

func runLineCases(t *testing.T, cases []lineCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := tc.base
			if base == nil {
				base = paidATRLine
			}
			f := base()
			if tc.mutate != nil {
				tc.mutate(f)
			}
			d := DecideLine(f)
			assert.Equal(t, tc.status, d.Status, "hits %v", d.Hits)
			assert.Equal(t, tc.units, d.UnitsAllowed, "units allowed")
			assertDec(t, tc.paid, d.Paid, "paid")
			assertDec(t, tc.paid, d.Allowed, "allowed")
			assertBalanced(t, f.Line, d)
			assert.Equal(t, ClaimRuleSetVersion, d.RuleSetVersion)

			got := make([]adj, 0, len(d.Adjustments))
			for _, a := range d.Adjustments {
				got = append(got, adj{code: a.Code, carc: a.CARC, rarc: a.RARC, amount: a.Amount.StringFixed(2), units: a.Units})
			}
			want := tc.adjs
			if want == nil {
				want = []adj{}
			}
			assert.Equal(t, want, got, "adjustments")

			if tc.hits != nil {
				assert.Equal(t, tc.hits, hitCodes(d.Hits))
			}
			if tc.detail != "" && assert.NotEmpty(t, d.Hits) {
				assert.Contains(t, d.Hits[0].Detail, tc.detail)
			}
			for _, h := range d.Hits {
				assert.NotEmpty(t, h.Detail, "hit %s says what it saw", h.Code)
			}
			wantRules := []string{"C00", "C01", "C05", "C02", "C12", "C13", "C03", "C04", "C06", "C07", "C08"}
			if tc.fullRule {
				wantRules = append(wantRules, "C09", "C10", "C11")
			}
			ids := make([]string, 0, len(d.Trace))
			for _, e := range d.Trace {
				ids = append(ids, e.Rule)
			}
			assert.Equal(t, wantRules, ids, "trace")
			if tc.fullRule {
				require.NotNil(t, f.Authorization)
				assert.Equal(t, f.Authorization.ID, d.AuthorizationID, "the line draws on its authorization")
			} else {
				assert.Zero(t, d.AuthorizationID, "a line denied before pricing draws on no authorization")
			}
		})
	}
}

func TestDecideLineDenials(t *testing.T) {
	t.Parallel()
	denied := func(code, carc, rarc string) []adj {
		return []adj{{code: code, carc: carc, rarc: rarc, amount: "60.00", units: 4}}
	}
	minor := func(f *LineFacts) { f.Client.DateOfBirth = f.Line.DateOfService.AddDate(-18, 0, 1) }
	runLineCases(t, []lineCase{
		{name: "96 service of another program", mutate: func(f *LineFacts) { f.Service.ProgramCode = "RCM" },
			status: LineDenied, paid: "0", adjs: denied(CodeClaimServiceNotCovered, "96", "N130"), hits: []string{CodeClaimServiceNotCovered}},
		{name: "96 service withdrawn", mutate: func(f *LineFacts) { f.Service.Active = false },
			status: LineDenied, paid: "0", adjs: denied(CodeClaimServiceNotCovered, "96", "N130"), detail: "no longer offered"},
		// A retired service's work done before its retirement is paid on its
		// authorization; from the day of the retirement on it is not.
		{name: "service retired the day after the service", mutate: func(f *LineFacts) {
			f.Service.Active, f.Service.RetiredOn = false, addDays(f.Line.DateOfService, 1)
		}, status: LinePaid, units: 4, paid: "60.00", fullRule: true},
		{name: "96 service retired on the day of service", mutate: func(f *LineFacts) {
			f.Service.Active, f.Service.RetiredOn = false, f.Line.DateOfService
		}, status: LineDenied, paid: "0", adjs: denied(CodeClaimServiceNotCovered, "96", "N130"), hits: []string{CodeClaimServiceNotCovered},
			detail: "retired from ATR's catalog on"},
		{name: "96 service retired before the day of service", mutate: func(f *LineFacts) {
			f.Service.Active, f.Service.RetiredOn = false, addDays(f.Line.DateOfService, -1)
		}, status: LineDenied, paid: "0", adjs: denied(CodeClaimServiceNotCovered, "96", "N130")},

		// A line is one date: a day holds one day, 24 hours, 96 quarter
		// hours (a black-box pass paid 30 days on one date).
		{name: "16/M53 four days on one date", mutate: func(f *LineFacts) { f.Service.Unit = "day" },
			status: LineDenied, paid: "0", adjs: denied(CodeClaimInvalidUnits, "16", "M53"), detail: "4 units of day on one date; a day holds 1"},
		{name: "four hours on one date", mutate: func(f *LineFacts) { f.Service.Unit = "hour" },
			status: LinePaid, units: 4, paid: "60.00", fullRule: true},
		{name: "16/M53 97 quarter hours on one date", mutate: func(f *LineFacts) { f.Service.Unit = "15min"; f.Line.Units = 97 },
			status: LineDenied, paid: "0", adjs: []adj{{CodeClaimInvalidUnits, "16", "M53", "60.00", 97}}, detail: "a day holds 96"},
		// And the client's day across the services counted by time: 24
		// hours of one and 12 of another for one client on one date were
		// both paid (a claims black-box pass).
		{name: "16/M53 four hours on a date whose other services hold 21 hours", mutate: func(f *LineFacts) {
			f.Service.Unit, f.DayMinutesCounted = "hour", 21*60
		}, status: LineDenied, paid: "0", adjs: denied(CodeClaimInvalidUnits, "16", "M53"),
			detail: "4 units of hour on a date the client's services counted by time already hold 21 hours; a day holds 24 hours"},
		{name: "four quarter hours filling the day's last hour", mutate: func(f *LineFacts) {
			f.Service.Unit, f.DayMinutesCounted = "15min", 23*60
		}, status: LinePaid, units: 4, paid: "60.00", fullRule: true},
		{name: "16/M53 four quarter hours one minute short", mutate: func(f *LineFacts) {
			f.Service.Unit, f.DayMinutesCounted = "15min", 23*60+1
		}, status: LineDenied, paid: "0", adjs: denied(CodeClaimInvalidUnits, "16", "M53"), detail: "already hold 23 hours 1 minute"},
		{name: "a duplicate is C07's, not the day's", mutate: func(f *LineFacts) {
			f.Service.Unit, f.DayMinutesCounted, f.Duplicate = "hour", 24*60, true
		}, status: LineDenied, paid: "0", adjs: denied(CodeClaimDuplicate, "18", ""), hits: []string{CodeClaimDuplicate}},
		{name: "a day's stay takes no hours", mutate: func(f *LineFacts) {
			f.Service.Unit, f.Line.Units, f.Line.Charge, f.DayMinutesCounted = "day", 1, dec("15.00"), 24*60
		}, status: LinePaid, units: 1, paid: "15.00", fullRule: true},
		{name: "16/M76 MHW without a diagnosis", base: paidMHWLine, mutate: func(f *LineFacts) { f.Diagnoses = 0 },
			status: LineDenied, paid: "0", adjs: []adj{{CodeClaimInfoMissing, "16", "M76", "21.75", 3}}, hits: []string{CodeClaimInfoMissing}},
		{name: "ATR needs no diagnosis", mutate: func(f *LineFacts) { f.Diagnoses = 0 },
			status: LinePaid, units: 4, paid: "60.00", fullRule: true},

		{name: "29 received 91 days after service", mutate: func(f *LineFacts) { f.ReceivedOn = addDays(f.Line.DateOfService, 91) },
			status: LineDenied, paid: "0", adjs: denied(CodeClaimFilingLimit, "29", ""), detail: "received 91 days after service; limit 90"},
		{name: "received exactly 90 days after service", mutate: func(f *LineFacts) {
			f.ReceivedOn = addDays(f.Line.DateOfService, 90)
		}, status: LinePaid, units: 4, paid: "60.00", fullRule: true},
		{name: "29 MHW received 366 days after service", base: paidMHWLine, mutate: func(f *LineFacts) { f.ReceivedOn = addDays(f.Line.DateOfService, 366) },
			status: LineDenied, paid: "0", adjs: []adj{{CodeClaimFilingLimit, "29", "", "21.75", 3}}},
		{name: "MHW received exactly 365 days after service", base: paidMHWLine, mutate: func(f *LineFacts) { f.ReceivedOn = addDays(f.Line.DateOfService, 365) },
			status: LinePaid, units: 3, paid: "21.75", fullRule: true},

		{name: "26 service before the enrollment began", mutate: func(f *LineFacts) { f.Enrollments[0].Start = addDays(f.Line.DateOfService, 1) },
			status: LineDenied, paid: "0", adjs: denied(CodeClaimBeforeCoverage, "26", ""), detail: "no enrollment in force"},
		{name: "26 no enrollment at all", mutate: func(f *LineFacts) { f.Enrollments = nil },
			status: LineDenied, paid: "0", adjs: denied(CodeClaimBeforeCoverage, "26", "")},
		{name: "27 service the day after discharge", mutate: func(f *LineFacts) { f.Enrollments[0].Discharge = addDays(f.Line.DateOfService, -1) },
			status: LineDenied, paid: "0", adjs: denied(CodeClaimAfterCoverage, "27", ""), hits: []string{CodeClaimAfterCoverage}},
		{name: "service on the discharge day", mutate: func(f *LineFacts) { f.Enrollments[0].Discharge = f.Line.DateOfService },
			status: LinePaid, units: 4, paid: "60.00", fullRule: true},
		{name: "service on the enrollment's first day", mutate: func(f *LineFacts) { f.Enrollments[0].Start = f.Line.DateOfService },
			status: LinePaid, units: 4, paid: "60.00", fullRule: true},
		{name: "a later re-enrollment covers the date", mutate: func(f *LineFacts) {
			first := f.Enrollments[0]
			first.Start, first.Discharge = day(2025, time.March, 1), day(2025, time.September, 1)
			f.Enrollments = append([]Enrollment{first}, f.Enrollments...)
		}, status: LinePaid, units: 4, paid: "60.00", fullRule: true},
		{name: "26 service before the client was born", base: medicaidLine, mutate: func(f *LineFacts) {
			f.Client.DateOfBirth = addDays(f.Line.DateOfService, 1)
			f.Enrollments[0].Start = addDays(f.Line.DateOfService, -30)
		}, status: LineDenied, paid: "0", adjs: []adj{{CodeClaimBeforeCoverage, "26", "", "21.75", 3}}, hits: []string{CodeClaimBeforeCoverage},
			detail: "before the client's date of birth"},
		{name: "service on the day of birth", mutate: func(f *LineFacts) { f.Client.DateOfBirth = f.Line.DateOfService },
			status: LinePaid, units: 4, paid: "60.00", fullRule: true},
		{name: "26/N382 MHW client without a Medicaid ID", base: paidMHWLine, mutate: func(f *LineFacts) { f.Client.HasMedicaidID = false },
			status: LineDenied, paid: "0", adjs: []adj{{CodeClaimNoMedicaidID, "26", "N382", "21.75", 3}}, hits: []string{CodeClaimNoMedicaidID}},

		{name: "B7 agreement ended before the date of service", mutate: func(f *LineFacts) { f.Provider.AgreementEnd = addDays(f.Line.DateOfService, -1) },
			status: LineDenied, paid: "0", adjs: denied(CodeClaimProviderIneligible, "B7", "")},
		{name: "B7 no agreement", mutate: func(f *LineFacts) { f.Provider.AgreementStart = time.Time{} },
			status: LineDenied, paid: "0", adjs: denied(CodeClaimProviderIneligible, "B7", "")},
		{name: "B7 not enrolled for the service", mutate: func(f *LineFacts) { f.Provider.Services = []string{"ATR-TR"} },
			status: LineDenied, paid: "0", adjs: denied(CodeClaimProviderIneligible, "B7", ""), detail: "not enrolled for ATR-CM"},
		{name: "B7 not enrolled in the program", mutate: func(f *LineFacts) { f.Provider.Programs = []string{"RCM"} },
			status: LineDenied, paid: "0", adjs: denied(CodeClaimProviderIneligible, "B7", "")},
		// An agency billing a waiver service it does not deliver, for a
		// client it never enrolled, with no diagnosis: the agency is told
		// the service is not its own, not to add a diagnosis (a claims
		// black-box pass of the forty-fifth stop: 16/M76 alone, and the
		// corrected claim was denied again).
		{name: "B7 before 16 and 26: a waiver service the agency does not deliver", base: paidMHWLine, mutate: func(f *LineFacts) {
			f.Provider.Programs, f.Provider.Services = []string{"ATR"}, []string{"ATR-CM"}
			f.Diagnoses, f.Enrollments = 0, nil
		}, status: LineDenied, paid: "0", adjs: []adj{{CodeClaimProviderIneligible, "B7", "", "21.75", 3}},
			hits: []string{CodeClaimProviderIneligible, CodeClaimInfoMissing, CodeClaimBeforeCoverage}, detail: "not enrolled for MHW-RA"},
		{name: "agreement ends on the date of service", mutate: func(f *LineFacts) { f.Provider.AgreementEnd = f.Line.DateOfService },
			status: LinePaid, units: 4, paid: "60.00", fullRule: true},

		{name: "185 CADC expired before the date of service", mutate: func(f *LineFacts) {
			f.Staff.Credentials = []Credential{cred(CredCADC, day(2023, 1, 1), addDays(f.Line.DateOfService, -1))}
		}, status: LineDenied, paid: "0", adjs: denied(CodeClaimStaffNotQualified, "185", ""), detail: "no_qualifying_path"},
		{name: "185 staff of another provider", mutate: func(f *LineFacts) { f.Staff.ProviderID = otherProvID },
			status: LineDenied, paid: "0", adjs: denied(CodeClaimStaffNotQualified, "185", "")},
		{name: "185 no rendering staff", mutate: func(f *LineFacts) { f.Staff = nil },
			status: LineDenied, paid: "0", adjs: denied(CodeClaimStaffNotQualified, "185", ""), detail: "no_staff_named"},
		{name: "185 MHW recovery assistant training lapsed", base: paidMHWLine, mutate: func(f *LineFacts) {
			f.Staff.Credentials[2].ValidTo = addDays(f.Line.DateOfService, -1)
		}, status: LineDenied, paid: "0", adjs: []adj{{CodeClaimStaffNotQualified, "185", "", "21.75", 3}}},
		{name: "185 minor, background check on the date of service", mutate: func(f *LineFacts) {
			minor(f)
			f.Staff.BackgroundChecks = []BackgroundCheck{{CheckedOn: f.Line.DateOfService, Passed: true}}
		}, status: LineDenied, paid: "0", adjs: denied(CodeClaimStaffNotQualified, "185", ""), detail: "minor"},
		{name: "185 minor, no staff for an unqualified service", mutate: func(f *LineFacts) {
			minor(f)
			f.Service = atrTR()
			f.Line.ServiceCode = "ATR-TR"
			f.Authorization.ServiceCode = "ATR-TR"
			f.Staff = nil
		}, status: LineDenied, paid: "0", adjs: denied(CodeClaimStaffNotQualified, "185", ""), detail: "minor"},
		{name: "minor, background check the day before", mutate: func(f *LineFacts) {
			minor(f)
			f.Staff.BackgroundChecks = []BackgroundCheck{{CheckedOn: addDays(f.Line.DateOfService, -1), Passed: true}}
		}, status: LinePaid, units: 4, paid: "60.00", fullRule: true},

		{name: "18 exact duplicate", mutate: func(f *LineFacts) { f.Duplicate = true },
			status: LineDenied, paid: "0", adjs: denied(CodeClaimDuplicate, "18", ""), hits: []string{CodeClaimDuplicate}},
		{name: "197 no authorization", mutate: func(f *LineFacts) { f.Authorization = nil },
			status: LineDenied, paid: "0", adjs: denied(CodeClaimNoAuthorization, "197", ""), hits: []string{CodeClaimNoAuthorization}},
		{name: "197/N54 named authorization does not match", mutate: func(f *LineFacts) {
			f.Line.AuthorizationNumber = "ATR-2026-999999"
			f.Authorization, f.AuthorizationMismatch = nil, true
		}, status: LineDenied, paid: "0", adjs: denied(CodeClaimAuthMismatch, "197", "N54"), hits: []string{CodeClaimAuthMismatch}, detail: "ATR-2026-999999"},

		{name: "first denial sets the CARC, every denial is a hit", mutate: func(f *LineFacts) {
			f.Service.Active = false
			f.ReceivedOn = addDays(f.Line.DateOfService, 200)
			f.Duplicate = true
		}, status: LineDenied, paid: "0", adjs: denied(CodeClaimServiceNotCovered, "96", "N130"),
			hits: []string{CodeClaimServiceNotCovered, CodeClaimFilingLimit, CodeClaimDuplicate}},
	})
}

// medicaidLine is a clean MHW line billed through the 837P, with the
// parties' addresses the file carries.
func medicaidLine() *LineFacts {
	f := paidMHWLine()
	f.PayerFile = &PayerFile{
		SubscriberAddress:      PostalAddress{Line1: "100 Main Street", City: "Norwich", State: "CT", Zip: "06360"},
		BillingProviderAddress: PostalAddress{Line1: "12 Union Street", City: "Norwich", State: "CT", Zip: "063603506"},
	}
	return f
}

// What the 837P must carry about the client and the agency is checked when
// the claim is received: a line the file could not carry is denied 16 with
// the remark naming what is missing, never found later as a bad file.
func TestDecideLinePayerFileData(t *testing.T) {
	t.Parallel()
	denied := func(code, rarc string) []adj { return []adj{{code, "16", rarc, "21.75", 3}} }
	client := func(mut func(a *PostalAddress)) func(f *LineFacts) {
		return func(f *LineFacts) { mut(&f.PayerFile.SubscriberAddress) }
	}
	agency := func(mut func(a *PostalAddress)) func(f *LineFacts) {
		return func(f *LineFacts) { mut(&f.PayerFile.BillingProviderAddress) }
	}
	runLineCases(t, []lineCase{
		{name: "complete addresses", base: medicaidLine, status: LinePaid, units: 3, paid: "21.75", fullRule: true},
		{name: "client ZIP+4 and a 55-character street", base: medicaidLine, mutate: client(func(a *PostalAddress) {
			a.Zip, a.Line1 = "063601234", strings.Repeat("x", 55)
		}), status: LinePaid, units: 3, paid: "21.75", fullRule: true},
		{name: "16/MA37 client without an address", base: medicaidLine, mutate: client(func(a *PostalAddress) { *a = PostalAddress{} }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimClientAddress, "MA37"), hits: []string{CodeClaimClientAddress}, detail: "no street address"},
		{name: "16/MA37 street of blanks", base: medicaidLine, mutate: client(func(a *PostalAddress) { a.Line1 = "   " }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimClientAddress, "MA37"), detail: "no street address"},
		{name: "16/MA37 street longer than N301 takes", base: medicaidLine, mutate: client(func(a *PostalAddress) { a.Line1 = strings.Repeat("x", 56) }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimClientAddress, "MA37"), detail: "55"},
		{name: "16/MA37 no city", base: medicaidLine, mutate: client(func(a *PostalAddress) { a.City = "" }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimClientAddress, "MA37"), detail: "no city"},
		{name: "16/MA37 one-letter city", base: medicaidLine, mutate: client(func(a *PostalAddress) { a.City = "X" }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimClientAddress, "MA37"), detail: "city"},
		{name: "16/MA37 no state", base: medicaidLine, mutate: client(func(a *PostalAddress) { a.State = "" }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimClientAddress, "MA37"), detail: "no state"},
		{name: "16/MA37 no ZIP", base: medicaidLine, mutate: client(func(a *PostalAddress) { a.Zip = "" }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimClientAddress, "MA37"), detail: "no ZIP"},
		{name: "16/MA37 four-digit ZIP", base: medicaidLine, mutate: client(func(a *PostalAddress) { a.Zip = "0636" }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimClientAddress, "MA37"), detail: "5 or 9"},

		{name: "16/N258 agency ZIP of five digits", base: medicaidLine, mutate: agency(func(a *PostalAddress) { a.Zip = "06360" }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimBillingAddress, "N258"), hits: []string{CodeClaimBillingAddress}, detail: "ZIP+4"},
		{name: "16/N258 agency at a post office box", base: medicaidLine, mutate: agency(func(a *PostalAddress) { a.Line1 = "P.O. Box 112" }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimBillingAddress, "N258"), detail: "mailbox"},
		{name: "16/N258 agency at a POB", base: medicaidLine, mutate: agency(func(a *PostalAddress) { a.Line1 = "P.O.B. 12" }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimBillingAddress, "N258"), detail: "mailbox"},
		{name: "16/N258 agency at a private mail box", base: medicaidLine, mutate: agency(func(a *PostalAddress) { a.Line1 = "Private Mail Box 4" }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimBillingAddress, "N258"), detail: "mailbox"},
		{name: "16/N258 agency at a bare box", base: medicaidLine, mutate: agency(func(a *PostalAddress) { a.Line1 = "Box 12" }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimBillingAddress, "N258"), detail: "mailbox"},
		{name: "16/N258 agency's second line a box", base: medicaidLine, mutate: agency(func(a *PostalAddress) { a.Line2 = "PO Box 7" }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimBillingAddress, "N258"), detail: "mailbox"},
		{name: "a suite on the second line is a street", base: medicaidLine, mutate: agency(func(a *PostalAddress) { a.Line2 = "Suite 200" }),
			status: LinePaid, units: 3, paid: "21.75", fullRule: true},
		{name: "16/N258 agency without a street", base: medicaidLine, mutate: agency(func(a *PostalAddress) { a.Line1 = "" }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimBillingAddress, "N258"), detail: "no street"},
		{name: "a street with Box in its name is a street", base: medicaidLine, mutate: agency(func(a *PostalAddress) { a.Line1 = "4 Boxwood Road" }),
			status: LinePaid, units: 3, paid: "21.75", fullRule: true},
		{name: "16/N258 agency at General Delivery", base: medicaidLine, mutate: agency(func(a *PostalAddress) { a.Line1 = "General Delivery" }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimBillingAddress, "N258"), detail: "mailbox"},
		{name: "16/N258 agency ZIP+4 ending 0000", base: medicaidLine, mutate: agency(func(a *PostalAddress) { a.Zip = "063600000" }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimBillingAddress, "N258"), detail: "0000"},
		{name: "16/N258 agency ZIP 00000 with an add-on", base: medicaidLine, mutate: agency(func(a *PostalAddress) { a.Zip = "000001234" }),
			status: LineDenied, paid: "0", adjs: denied(CodeClaimBillingAddress, "N258"), detail: "00000"},
		{name: "a street named for delivery is a street", base: medicaidLine, mutate: agency(func(a *PostalAddress) { a.Line1 = "12 Delivery Lane" }),
			status: LinePaid, units: 3, paid: "21.75", fullRule: true},

		{name: "a program paid through the register needs no address", mutate: func(f *LineFacts) { f.PayerFile = nil },
			status: LinePaid, units: 4, paid: "60.00", fullRule: true},
		{name: "diagnosis first, then the addresses; all are hits", base: medicaidLine, mutate: func(f *LineFacts) {
			f.Diagnoses = 0
			f.PayerFile.SubscriberAddress.City = ""
			f.PayerFile.BillingProviderAddress.Zip = "06360"
		}, status: LineDenied, paid: "0", adjs: denied(CodeClaimInfoMissing, "M76"),
			hits: []string{CodeClaimInfoMissing, CodeClaimClientAddress, CodeClaimBillingAddress}},
		{name: "the addresses before the filing limit", base: medicaidLine, mutate: func(f *LineFacts) {
			f.PayerFile.SubscriberAddress.Line1 = ""
			f.ReceivedOn = addDays(f.Line.DateOfService, 400)
		}, status: LineDenied, paid: "0", adjs: denied(CodeClaimClientAddress, "MA37"),
			hits: []string{CodeClaimClientAddress, CodeClaimFilingLimit}},
	})

	// The detail is stored in the trace: it says what is wrong, never the address.
	f := medicaidLine()
	f.PayerFile.SubscriberAddress.Line1, f.PayerFile.SubscriberAddress.Zip = "7 Secret Lane", "0636X"
	d := DecideLine(f)
	require.Len(t, d.Hits, 1)
	assert.NotContains(t, d.Hits[0].Detail, "Secret")
	assert.NotContains(t, d.Hits[0].Detail, "0636X")
}

func TestDecideLinePricing(t *testing.T) {
	t.Parallel()
	// remaining leaves n units on the authorization.
	remaining := func(n int) func(f *LineFacts) {
		return func(f *LineFacts) { f.Authorization.UnitsUsed = f.Authorization.UnitsAuthorized - n }
	}
	paidSoFar := func(s string) func(f *LineFacts) { return func(f *LineFacts) { f.EpisodeDollarsPaid = dec(s) } }
	charge := func(s string) func(f *LineFacts) { return func(f *LineFacts) { f.Line.Charge = dec(s) } }
	all := func(ms ...func(f *LineFacts)) func(f *LineFacts) {
		return func(f *LineFacts) {
			for _, m := range ms {
				m(f)
			}
		}
	}
	runLineCases(t, []lineCase{
		{name: "paid in full", status: LinePaid, units: 4, paid: "60.00", fullRule: true, hits: []string{}},
		{name: "charge below the fee schedule is paid as billed", mutate: charge("50.00"),
			status: LinePaid, units: 4, paid: "50.00", fullRule: true},
		{name: "exactly the units remaining", mutate: remaining(4), status: LinePaid, units: 4, paid: "60.00", fullRule: true},

		{name: "198 fewer units remain than billed", mutate: remaining(2),
			status: LinePartial, units: 2, paid: "30.00", fullRule: true,
			adjs: []adj{{CodeClaimUnitsExceeded, "198", "", "30.00", 2}}, detail: "4 billed, 2 left on ATR-2026-000041"},
		{name: "198 one unit short", mutate: remaining(3),
			status: LinePartial, units: 3, paid: "45.00", fullRule: true,
			adjs: []adj{{CodeClaimUnitsExceeded, "198", "", "15.00", 1}}},
		{name: "198 no units remain", mutate: remaining(0),
			status: LineDenied, paid: "0", fullRule: true,
			adjs: []adj{{CodeClaimUnitsExceeded, "198", "", "60.00", 4}}, hits: []string{CodeClaimUnitsExceeded}},
		{name: "198 with a charge below the fee", mutate: all(remaining(2), charge("40.00")),
			status: LinePartial, units: 2, paid: "30.00", fullRule: true,
			adjs: []adj{{CodeClaimUnitsExceeded, "198", "", "10.00", 2}}},

		{name: "cap reached exactly by this line", mutate: paidSoFar("3940.00"),
			status: LinePaid, units: 4, paid: "60.00", fullRule: true},
		{name: "119 cap partly reached", mutate: paidSoFar("3970.00"),
			status: LinePartial, units: 2, paid: "30.00", fullRule: true,
			adjs: []adj{{CodeClaimCapReached, "119", "", "30.00", 2}}, detail: "30.00 left of the episode cap 4000.00"},
		{name: "119 cap leaves less than a unit", mutate: paidSoFar("3990.00"),
			status: LineDenied, paid: "0", fullRule: true,
			adjs: []adj{{CodeClaimCapReached, "119", "", "60.00", 4}}},
		{name: "119 cap already reached", mutate: paidSoFar("4000.00"),
			status: LineDenied, paid: "0", fullRule: true,
			adjs: []adj{{CodeClaimCapReached, "119", "", "60.00", 4}}, hits: []string{CodeClaimCapReached}},
		{name: "119 cap already passed", mutate: paidSoFar("4012.50"),
			status: LineDenied, paid: "0", fullRule: true,
			adjs: []adj{{CodeClaimCapReached, "119", "", "60.00", 4}}},
		{name: "cap partly reached with a charge below the fee", mutate: all(paidSoFar("3984.00"), charge("20.00")),
			status: LinePartial, units: 1, paid: "15.00", fullRule: true,
			adjs: []adj{{CodeClaimCapReached, "119", "", "5.00", 3}}},
		{name: "RCM has no dollar cap", mutate: func(f *LineFacts) {
			f.Program.HasDollarCap = false
			f.EpisodeDollarsPaid = dec("99999.00")
		}, status: LinePaid, units: 4, paid: "60.00", fullRule: true},

		{name: "45 charge above rate times units", mutate: charge("70.00"),
			status: LinePaid, units: 4, paid: "60.00", fullRule: true,
			adjs: []adj{{CodeClaimChargeOverFee, "45", "", "10.00", 0}}, hits: []string{CodeClaimChargeOverFee}, detail: "charge 70.00 over 60.00"},
		{name: "45 one cent over", mutate: charge("60.01"),
			status: LinePaid, units: 4, paid: "60.00", fullRule: true,
			adjs: []adj{{CodeClaimChargeOverFee, "45", "", "0.01", 0}}},
		{name: "45 and 198", mutate: all(charge("70.00"), remaining(2)),
			status: LinePartial, units: 2, paid: "30.00", fullRule: true,
			adjs: []adj{{CodeClaimChargeOverFee, "45", "", "10.00", 0}, {CodeClaimUnitsExceeded, "198", "", "30.00", 2}},
			hits: []string{CodeClaimUnitsExceeded, CodeClaimChargeOverFee}},
		{name: "45 and 119", mutate: all(charge("75.00"), paidSoFar("3955.00")),
			status: LinePartial, units: 3, paid: "45.00", fullRule: true,
			adjs: []adj{{CodeClaimChargeOverFee, "45", "", "15.00", 0}, {CodeClaimCapReached, "119", "", "15.00", 1}}},
		{name: "198 then 119 split by units", mutate: func(f *LineFacts) {
			f.Line.Units, f.Line.Charge = 6, dec("90.00")
			remaining(4)(f)
			f.EpisodeDollarsPaid = dec("3970.00")
		}, status: LinePartial, units: 2, paid: "30.00", fullRule: true,
			adjs: []adj{{CodeClaimUnitsExceeded, "198", "", "30.00", 2}, {CodeClaimCapReached, "119", "", "30.00", 2}},
			hits: []string{CodeClaimUnitsExceeded, CodeClaimCapReached}},
		{name: "198 then 119 with an uneven split", mutate: func(f *LineFacts) {
			f.Line.Units, f.Line.Charge = 7, dec("101.01")
			remaining(4)(f)
			f.EpisodeDollarsPaid = dec("3985.00")
		}, status: LinePartial, units: 1, paid: "15.00", fullRule: true,
			// 86.01 over 6 cut units: 43.005 rounds half-up to 43.01, the last cut takes the rest.
			adjs: []adj{{CodeClaimUnitsExceeded, "198", "", "43.01", 3}, {CodeClaimCapReached, "119", "", "43.00", 3}}},
		{name: "198 and 119 leave nothing: one 119 adjustment for the whole line", mutate: all(remaining(2), paidSoFar("3990.00")),
			status: LineDenied, paid: "0", fullRule: true,
			adjs: []adj{{CodeClaimCapReached, "119", "", "60.00", 4}}, hits: []string{CodeClaimUnitsExceeded, CodeClaimCapReached}},
		{name: "no units left and the cap passed: 119 wins", mutate: all(remaining(0), paidSoFar("4010.00")),
			status: LineDenied, paid: "0", fullRule: true,
			adjs: []adj{{CodeClaimCapReached, "119", "", "60.00", 4}}, hits: []string{CodeClaimUnitsExceeded, CodeClaimCapReached}},
		{name: "MHW 7.25 × 3", base: paidMHWLine, status: LinePaid, units: 3, paid: "21.75", fullRule: true},
		{name: "authorization rate, not the catalog rate", mutate: func(f *LineFacts) {
			f.Service.Rate = dec("16.50")
			f.Authorization.Rate = dec("14.00")
		}, status: LinePaid, units: 4, paid: "56.00", fullRule: true,
			adjs: []adj{{CodeClaimChargeOverFee, "45", "", "4.00", 0}}},
	})
}
