-- A client record joined to another human's person (a Medicaid ID
-- mistyped into one that person holds with the same birth date, or a name
-- and birth date two people share) tied the two for good: episodes, caps,
-- the duplicate-service check and the primary case manager designation
-- shared, and rss gave the MSC no way to part them (a clients black-box
-- pass). Each separation (vouchers' Separate) is kept here with its
-- reason. medicaid_ids are the earlier IDs of the record's eligibility
-- spans that another record of the person it left holds: the ones that
-- joined them, which matchPerson no longer reads as the record's, so a
-- later registration giving one does not join the separated record's
-- person.

-- +goose Up
CREATE TABLE client_separations (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id      bigint NOT NULL CONSTRAINT client_separations_client_fkey REFERENCES clients (id),
    from_person_id bigint NOT NULL CONSTRAINT client_separations_from_fkey REFERENCES persons (id),
    to_person_id   bigint NOT NULL CONSTRAINT client_separations_to_fkey REFERENCES persons (id),
    medicaid_ids   text[] NOT NULL DEFAULT '{}',
    reason         text NOT NULL CONSTRAINT client_separations_reason_nonempty CHECK (btrim(reason) <> ''),
    actor_key_id   bigint NOT NULL CONSTRAINT client_separations_actor_fkey REFERENCES api_keys (id),
    separated_at   timestamptz NOT NULL,
    CONSTRAINT client_separations_other CHECK (from_person_id <> to_person_id)
);
CREATE INDEX client_separations_client_idx ON client_separations (client_id);

-- +goose Down
DROP TABLE client_separations;
