// Package billing owns claims and money: claim intake with line-by-line
// adjudication, the unit ledger (authorization units and episode dollars,
// consumed in the same transaction as the line, under locks taken in one
// global order), voids and replacements, batches, their 837P files (written
// with the x12 format library) and payment registers, and remittance.
package billing
