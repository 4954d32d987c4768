// Package billing owns claims and money: claim intake with line-by-line
// adjudication (a facts snapshot taken under locks in one global order,
// decisions against the ledger in memory, one write), voids and
// replacements, batches, their 837P files (written with the x12 format
// library) and payment registers, and remittance. The units and dollars
// themselves are the ledger package's.
package billing
