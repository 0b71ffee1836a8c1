-- idrepo_exceptions (state): biometric exceptions of current identities by (type, subType)
-- Source: idrepo.anonymous_profile. Recomputes the metric of config/metrics/mosip.json from the
-- table; needs sql/metrics/00_functions.sql. One row per document whose
-- count is above 0: bucket_start, keys, value, count, sum.
SELECT NULL::date AS bucket_start, jsonb_build_object('exceptionType', e.type, 'exceptionSubType', e.sub_type) AS keys,
       sum(sign) AS value, sum(sign) AS count, 0 AS sum
FROM walcast_check.idrepo_sides()
CROSS JOIN LATERAL walcast_check.exceptions(side, p->>'_shape') e
GROUP BY 2
HAVING sum(sign) > 0;
