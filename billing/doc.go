// Package billing owns claims and money: claim intake with line-by-line
// adjudication, the unit ledger (authorization units and episode dollars,
// consumed in the same transaction as the line, under locks taken in one
// global order), voids and replacements, remittance, and (billing/x12) the
// 837P file format.
package billing
