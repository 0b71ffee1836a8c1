-- idrepo_update_changed_attributes (event): attributes each update changed ('none': nothing profiled)
-- Source: idrepo.anonymous_profile. Recomputes the metric of config/metrics/mosip.json from the
-- table; needs sql/metrics/00_functions.sql. One row per document whose
-- count is above 0: bucket_start, keys, value, count, sum.
SELECT NULL::date AS bucket_start, jsonb_build_object('changedAttribute', a) AS keys,
       count(*) AS value, count(*) AS count, 0 AS sum
FROM walcast_check.idrepo_profiles()
CROSS JOIN LATERAL walcast_check.changed_attributes(p) a
GROUP BY 1, 2;
