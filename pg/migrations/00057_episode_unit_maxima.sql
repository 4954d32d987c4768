-- +goose Up
-- A reviewer's exception to a service's episode unit maximum, kept as the
-- dollar cap's is (episodes.dollar_cap, RaiseEpisodeCap): the maximum of
-- the service in the episode rises to what the episode's authorizations
-- hold once the exception is granted. Claims intake now holds every line
-- of a service with a maximum to it (rule C10U): a chain of late claims
-- revived an inactive authorization whose units had been granted to other
-- vouchers meanwhile, and 214 units were paid of 200 (a black-box pass);
-- without the exception on record, that rule would cut the units a
-- reviewer allowed past the maximum.
CREATE TABLE episode_unit_maxima (
    episode_id   bigint  NOT NULL CONSTRAINT episode_unit_maxima_episode_fkey REFERENCES episodes (id),
    service_code text    NOT NULL CONSTRAINT episode_unit_maxima_service_fkey REFERENCES services (code),
    max_units    integer NOT NULL CONSTRAINT episode_unit_maxima_positive CHECK (max_units > 0),
    raised_at    timestamptz NOT NULL,
    CONSTRAINT episode_unit_maxima_pkey PRIMARY KEY (episode_id, service_code)
);

-- Exceptions granted before: an episode whose authorizations of a service
-- (not void) were granted more units than the service's maximum keeps
-- them, so no line the rules paid before is cut now.
INSERT INTO episode_unit_maxima (episode_id, service_code, max_units, raised_at)
SELECT a.episode_id, a.service_code, sum(a.units_authorized), now()
FROM authorizations a JOIN services s ON s.code = a.service_code
WHERE a.voided_at IS NULL AND s.per_episode_max IS NOT NULL
GROUP BY a.episode_id, a.service_code, s.per_episode_max
HAVING sum(a.units_authorized) > s.per_episode_max;

-- +goose Down
DROP TABLE episode_unit_maxima;
