-- idrepo_with_verified (state): current identities with / without a verified attribute
-- Source: idrepo.anonymous_profile. Recomputes the metric of config/metrics/mosip.json from the
-- table; needs sql/metrics/00_functions.sql. One row per document whose
-- count is above 0: bucket_start, keys, value, count, sum.
SELECT NULL::date AS bucket_start, jsonb_build_object('hasVerified', (EXISTS (
         SELECT 1 FROM walcast_check.items(side->'verified')))::text) AS keys,
       sum(sign) AS value, sum(sign) AS count, 0 AS sum
FROM walcast_check.idrepo_sides()
GROUP BY 2
HAVING sum(sign) > 0;
