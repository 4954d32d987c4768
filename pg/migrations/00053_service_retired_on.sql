-- A catalog service taken out of use (active false) denied every later
-- claim line for it, those for days before the change included, on
-- authorizations still active with units left: work already done went
-- unpaid until an admin turned the service back on (a black-box pass). The
-- retirement is dated, as an agency's withdrawal of a service is (00043):
-- retired_on is the first day the service is no longer offered, the
-- service's today when active goes false, cleared when it goes back on.
-- Lines dated before it are judged as before; from it they are denied 96.
-- A service retired before this migration has no day on file and stays
-- refused for every date, as it was: nothing says which days it was
-- offered, and guessing one would pay days the MSC may have closed.

-- +goose Up
ALTER TABLE services
    ADD COLUMN retired_on date,
    ADD CONSTRAINT services_retired_only_inactive CHECK (retired_on IS NULL OR NOT active);

-- +goose Down
ALTER TABLE services
    DROP CONSTRAINT services_retired_only_inactive,
    DROP COLUMN retired_on;
