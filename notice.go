package rss

// Part2Notice is the redisclosure notice 42 CFR 2.32 requires on every
// disclosure of Part 2 records; every CSV export and report starts with it.
const Part2Notice = "NOTICE: 42 CFR part 2 prohibits unauthorized use or disclosure of these records. " +
	"This information has been disclosed to you from records protected by federal confidentiality rules (42 CFR part 2); " +
	"further disclosure is prohibited unless expressly permitted by the written consent of the person to whom it pertains " +
	"or as otherwise permitted by 42 CFR part 2."

// CSVText is a text field as a CSV written for people to open in a
// spreadsheet may carry it: one that begins with =, +, -, @, a tab or a
// carriage return would be read there as a formula (a staff name
// "=HYPERLINK(...)" typed by a provider runs on the MSC's desk), so it is
// prefixed with an apostrophe, which spreadsheets show as text and do not
// display (OWASP's advice for CSV injection). Only free text goes through
// it: numbers, amounts and dates are written as they are, a negative
// amount included.
func CSVText(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
