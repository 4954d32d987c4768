-- A Medicaid ID an earlier eligibility span held joins its person across
-- agencies (matchPerson) and refuses it to another client of the agency:
-- both read client_eligibility by medicaid_id, which had no index, and the
-- match read as one OR over clients scanned the identity index by birth
-- date (120 ms at 500,000 clients, 0.4 ms before: a review).

-- +goose Up
CREATE INDEX client_eligibility_medicaid_idx ON client_eligibility (medicaid_id);

-- +goose Down
DROP INDEX client_eligibility_medicaid_idx;
