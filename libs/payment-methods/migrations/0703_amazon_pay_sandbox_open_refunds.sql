-- A batch of the sandbox's refunds as one statement (PostgresSandboxProviderRecords.openRefunds): the rule of
-- 0702_amazon_pay_sandbox_refunds.sql (a charge's refunds not declined never above its captures) is checked on books
-- read after the advisory locks on the batch's charges, so no other refund of those charges is being written. One
-- statement cannot do that by itself (its snapshot is taken before it waits for a lock); a VOLATILE function can: each
-- of its queries takes a fresh snapshot. So the call is one round trip in its own implicit transaction: the locks,
-- then the check and the inserts (refunds and their idempotency keys), which commit together or not at all.
--
-- The batch comes as arrays, one element per call (at most one call per charge): the idempotency key, the request's
-- fingerprint, the answer stored with the key (jsonb as text), and the refund's row as recorded if allowed. Each call
-- answers one row, by its index `i` (0-based): the key's first use if it was used before (operation, fingerprint,
-- response), else whether the refund was allowed and made, with the books it was checked on.
CREATE FUNCTION amazon_pay_sandbox_open_refunds(
  p_key text[], p_fingerprint text[], p_response text[], p_provider_reference text[], p_charge_id text[],
  p_refund_id text[], p_amount bigint[], p_currency text[], p_state text[], p_simulation_code text[],
  p_failure text[], p_settles_at timestamptz[], p_created_at timestamptz[], p_updated_at timestamptz[]
) RETURNS TABLE (i int, operation text, fingerprint text, response jsonb, allowed boolean, captured bigint,
                 currency text, refunded bigint)
LANGUAGE plpgsql VOLATILE
-- Its queries' plans are kept per connection: always the generic one, planned once. Left to choose, PostgreSQL plans
-- each call again (a custom plan, ~0.3 ms), as the arrays' known lengths make a custom plan look cheaper.
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
  -- The charges' locks in one order, so two batches never deadlock (the class 0x0702 is the sandbox refunds' own).
  PERFORM pg_advisory_xact_lock(1794, k)
     FROM (SELECT DISTINCT hashtext(c) AS k FROM unnest(p_charge_id) AS c ORDER BY k) AS ordered;
  -- A fresh snapshot: every refund of these charges committed before the locks were granted is seen.
  RETURN QUERY
  WITH req AS (
    SELECT (r.n - 1)::int AS i, r.*
      FROM unnest(p_key, p_fingerprint, p_response, p_provider_reference, p_charge_id, p_refund_id, p_amount,
                  p_currency, p_state, p_simulation_code, p_failure, p_settles_at, p_created_at, p_updated_at)
           WITH ORDINALITY AS r(key, fingerprint, response, provider_reference, charge_id, refund_id, amount,
                                currency, state, simulation_code, failure, settles_at, created_at, updated_at, n)
  ), prior AS (
    SELECT r.i, k.operation, k.fingerprint, k.response
      FROM req r JOIN amazon_pay_sandbox_idempotency_keys k ON k.idempotency_key = r.key
  ), decided AS (
    -- The rules of sandbox-refund.ts refundRefusalOf, on the charge's books as they stand.
    SELECT r.*, b.captured, b.captured_currency, b.refunded,
           (b.captured > 0 AND b.captured_currency = r.currency AND r.amount > 0
            AND b.refunded + r.amount <= b.captured) IS TRUE AS allowed
      FROM req r
     CROSS JOIN LATERAL (
       SELECT sum(o.amount)::bigint AS captured, min(o.currency) AS captured_currency,
              (SELECT coalesce(sum(x.amount), 0)::bigint FROM amazon_pay_sandbox_refunds x
                WHERE x.charge_id = r.charge_id AND x.state <> 'Declined') AS refunded
         FROM amazon_pay_sandbox_operations o
        WHERE o.type = 'capture' AND o.charge_id = r.charge_id
     ) b
     WHERE NOT EXISTS (SELECT 1 FROM prior p WHERE p.i = r.i)
  ), new_refunds AS (
    INSERT INTO amazon_pay_sandbox_refunds (provider_reference, charge_id, refund_id, amount, currency, state,
                                            simulation_code, failure, settles_at, created_at, updated_at)
    SELECT d.provider_reference, d.charge_id, d.refund_id, d.amount, d.currency, d.state, d.simulation_code,
           d.failure::jsonb, d.settles_at, d.created_at, d.updated_at
      FROM decided d WHERE d.allowed
  ), new_keys AS (
    INSERT INTO amazon_pay_sandbox_idempotency_keys (idempotency_key, operation, fingerprint, response, created_at)
    SELECT d.key, 'refund', d.fingerprint, d.response::jsonb, d.created_at FROM decided d WHERE d.allowed
  )
  SELECT r.i, p.operation, p.fingerprint, p.response, d.allowed, d.captured, d.captured_currency, d.refunded
    FROM req r LEFT JOIN prior p USING (i) LEFT JOIN decided d USING (i);
END
$$;

-- Run by the services' role with its own privileges on the tables (0700, 0702); no one else needs it.
REVOKE EXECUTE ON FUNCTION amazon_pay_sandbox_open_refunds FROM PUBLIC;
GRANT EXECUTE ON FUNCTION amazon_pay_sandbox_open_refunds TO payment_ledger_service;
