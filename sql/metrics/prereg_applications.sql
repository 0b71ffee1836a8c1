-- prereg_applications (event): pre-registration applications by status
-- Source: prereg.anonymous_profile. Recomputes the metric of config/metrics/mosip.json from the
-- table; needs sql/metrics/00_functions.sql. One row per document whose
-- count is above 0: bucket_start, keys, value, count, sum.
SELECT NULL::date AS bucket_start, jsonb_build_object('status', coalesce(nullif(p->>'status', ''), 'Unknown')) AS keys,
       count(*) AS value, count(*) AS count, 0 AS sum
FROM walcast_check.prereg_profiles()
GROUP BY 1, 2;
