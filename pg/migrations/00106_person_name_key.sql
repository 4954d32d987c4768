-- A person is matched across agencies (and an agency's own earlier
-- registration found) by name and date of birth. Names were compared with
-- their letter case folded only, and names are printable ASCII, so each
-- agency writes an apostrophe, a hyphen or a space its own way: "O'Brien"
-- and "OBrien", "Garcia-Lopez" and "Garcia Lopez", "Mary Ann" and
-- "Maryann" made two persons, each with its own episode caps and no
-- duplicate service seen across them, and the agency itself two records (a
-- clients black-box pass). person_name_key keeps a name's letters and
-- digits, case folded, which both sides of a match compare.

-- +goose Up
CREATE FUNCTION person_name_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN lower(regexp_replace(name, '[^[:alnum:]]+', '', 'g'));

DROP INDEX clients_identity_idx;
CREATE INDEX clients_identity_idx ON clients (person_name_key(last_name), person_name_key(first_name), date_of_birth);

-- +goose Down
DROP INDEX clients_identity_idx;
CREATE INDEX clients_identity_idx ON clients (lower(last_name), lower(first_name), date_of_birth);
DROP FUNCTION person_name_key(text);
