-- +goose Up
-- Claims and their lines are the tables intake writes most: each index and
-- foreign key costs every line of a bulk. These guards stay as strong,
-- cheaper.

-- (claim_id, line_number) is unique and leads with claim_id: it serves
-- every lookup by claim, so the index on claim_id alone was a second copy.
DROP INDEX claim_lines_claim_idx;

-- Nothing reads counted lines by authorization: the ledger keeps the units
-- used on the authorization itself.
DROP INDEX claim_lines_authorization_idx;

-- A line is reversed at most once; lines that reverse nothing (nearly all)
-- need no entry in the index that says so.
ALTER TABLE claim_lines DROP CONSTRAINT claim_lines_reversed_once;
CREATE UNIQUE INDEX claim_lines_reversed_once ON claim_lines (reverses_line_id) WHERE reverses_line_id IS NOT NULL;

-- One foreign key instead of two: a line's episode is its authorization's
-- (which the authorization's own key holds to an episode of the person),
-- and a line names both or neither.
ALTER TABLE authorizations ADD CONSTRAINT authorizations_id_episode UNIQUE (id, episode_id);
ALTER TABLE claim_lines
    DROP CONSTRAINT claim_lines_authorization_fkey,
    DROP CONSTRAINT claim_lines_episode_fkey,
    ADD CONSTRAINT claim_lines_authorization_fkey FOREIGN KEY (authorization_id, episode_id)
        REFERENCES authorizations (id, episode_id),
    ADD CONSTRAINT claim_lines_episode_of_authorization CHECK ((authorization_id IS NULL) = (episode_id IS NULL));

-- A claim's (client, agency) key already holds its client to a record of
-- its agency, which holds the agency to a provider: the two single-column
-- keys checked the same thing again for every claim.
ALTER TABLE claims DROP CONSTRAINT claims_client_fkey, DROP CONSTRAINT claims_provider_fkey;

-- +goose Down
ALTER TABLE claims
    ADD CONSTRAINT claims_client_fkey FOREIGN KEY (client_id) REFERENCES clients (id),
    ADD CONSTRAINT claims_provider_fkey FOREIGN KEY (provider_id) REFERENCES providers (id);
ALTER TABLE claim_lines
    DROP CONSTRAINT claim_lines_episode_of_authorization,
    DROP CONSTRAINT claim_lines_authorization_fkey,
    ADD CONSTRAINT claim_lines_authorization_fkey FOREIGN KEY (authorization_id) REFERENCES authorizations (id),
    ADD CONSTRAINT claim_lines_episode_fkey FOREIGN KEY (episode_id) REFERENCES episodes (id);
ALTER TABLE authorizations DROP CONSTRAINT authorizations_id_episode;
DROP INDEX claim_lines_reversed_once;
ALTER TABLE claim_lines ADD CONSTRAINT claim_lines_reversed_once UNIQUE (reverses_line_id);
CREATE INDEX claim_lines_authorization_idx ON claim_lines (authorization_id) WHERE counted;
CREATE INDEX claim_lines_claim_idx ON claim_lines (claim_id);
