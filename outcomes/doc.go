// Package outcomes records the program data the state's reports are built
// on (issue 10): the employment stage of EMP clients on the ladder of
// seed 004, the RCM monthly progress DCF asks for (contacts by kind,
// treatment status, goals), and the RSVP drug screens. It owns every write
// to employment_stages, employment_stage_changes, rcm_monthly_progress,
// rcm_monthly_contacts, rcm_monthly_goals and rsvp_drug_screens.
//
// Records hang on an enrollment of the program they belong to. A provider
// records and reads its own agency's enrollments only (another agency's is
// not found); an admin records for any agency; reviewer and finance read.
// Every write records its audit event in its own transaction, and every
// read of an enrollment's records is audited as a read of the client's
// record.
package outcomes
