-- regprc_by_location_l2 (event): registrations by location path to level 2
-- Source: regprc.anonymous_profile. Recomputes the metric of config/metrics/mosip.json from the
-- table; needs sql/metrics/00_functions.sql. One row per document whose
-- count is above 0: bucket_start, keys, value, count, sum.
SELECT NULL::date AS bucket_start, jsonb_build_object('location_L2', walcast_check.location(p, 2)) AS keys,
       count(*) AS value, count(*) AS count, 0 AS sum
FROM walcast_check.regprc_profiles()
GROUP BY 1, 2;
