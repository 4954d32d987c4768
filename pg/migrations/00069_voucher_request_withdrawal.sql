-- +goose Up
-- A pended voucher request can be withdrawn: by the agency that made it
-- while it waits for a reviewer (the wrong service, units or dates; the
-- client left), or by the system when the enrollment it is for is
-- discharged or withdrawn (it could only be denied by then, and a denial
-- would record a decision no reviewer made). A withdrawn request grants
-- nothing (voucher_requests_granted_span), was pended by the rules
-- (voucher_requests_reviewed_only_pended) and has no reviewer decision.
-- decided_at stays the moment the request left the queue, so the
-- pended-queue report, which rebuilds a past day's queue from it, drops a
-- withdrawn request from the day it was withdrawn; withdrawn_at is that
-- same moment. withdrawn_by is the key whose act withdrew it (the
-- agency's, or the one that discharged or withdrew the enrollment), and
-- withdrawal_cause says which act: 'agency' (POST .../withdraw),
-- 'discharge' or 'enrollment_withdrawal' (system actions).
ALTER TABLE voucher_requests
    DROP CONSTRAINT voucher_requests_decision_valid,
    ADD CONSTRAINT voucher_requests_decision_valid CHECK (decision IN ('approved', 'partial', 'pended', 'denied', 'withdrawn')),
    ADD COLUMN withdrawn_at timestamptz,
    ADD COLUMN withdrawn_by bigint CONSTRAINT voucher_requests_withdrawn_by_fkey REFERENCES api_keys (id),
    ADD COLUMN withdrawal_reason text,
    ADD COLUMN withdrawal_cause text CONSTRAINT voucher_requests_withdrawal_cause_valid
        CHECK (withdrawal_cause IN ('agency', 'discharge', 'enrollment_withdrawal')),
    ADD CONSTRAINT voucher_requests_withdrawal CHECK (
        (decision = 'withdrawn') = (withdrawn_at IS NOT NULL)
        AND (withdrawn_at IS NULL) = (withdrawn_by IS NULL)
        AND (withdrawn_at IS NULL) = (withdrawal_reason IS NULL)
        AND (withdrawn_at IS NULL) = (withdrawal_cause IS NULL)
        AND (withdrawn_at IS NULL OR (withdrawn_at = decided_at AND taken_by IS NULL AND btrim(withdrawal_reason) <> '')));

-- A request leaves pended once: its decision changes only from pended. A
-- reviewer's decision and a withdrawal each lock the row and read it
-- pended first, so one of two at the same moment finds the other's
-- outcome and is refused (409); this holds it should the code not.
-- +goose StatementBegin
CREATE FUNCTION voucher_requests_decided_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.decision <> 'pended' AND NEW.decision IS DISTINCT FROM OLD.decision THEN
        RAISE EXCEPTION 'voucher request % is %: its decision does not change', OLD.id, OLD.decision
            USING ERRCODE = 'check_violation', CONSTRAINT = 'voucher_requests_decided_once';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER voucher_requests_decided_once BEFORE UPDATE OF decision ON voucher_requests
    FOR EACH ROW EXECUTE FUNCTION voucher_requests_decided_once();

-- +goose Down
DROP TRIGGER voucher_requests_decided_once ON voucher_requests;
DROP FUNCTION voucher_requests_decided_once();
-- A withdrawn request goes back to the queue it left: the earlier schema
-- has no outcome for it.
ALTER TABLE voucher_requests DROP CONSTRAINT voucher_requests_withdrawal;
UPDATE voucher_requests SET decision = 'pended', decided_at = NULL WHERE decision = 'withdrawn';
ALTER TABLE voucher_requests
    DROP COLUMN withdrawal_cause, DROP COLUMN withdrawal_reason, DROP COLUMN withdrawn_by, DROP COLUMN withdrawn_at,
    DROP CONSTRAINT voucher_requests_decision_valid,
    ADD CONSTRAINT voucher_requests_decision_valid CHECK (decision IN ('approved', 'partial', 'pended', 'denied'));
