-- regprc_by_preferred_language (event): registrations by preferred language; none: 'None'
-- Source: regprc.anonymous_profile. Recomputes the metric of config/metrics/mosip.json from the
-- table; needs sql/metrics/00_functions.sql. One row per document whose
-- count is above 0: bucket_start, keys, value, count, sum.
SELECT NULL::date AS bucket_start, jsonb_build_object('preferredLanguage', l.language) AS keys,
       count(*) AS value, count(*) AS count, 0 AS sum
FROM walcast_check.regprc_profiles()
CROSS JOIN LATERAL (SELECT x AS language FROM walcast_check.languages(p) x
                    UNION ALL
                    SELECT 'None' WHERE NOT EXISTS (SELECT 1 FROM walcast_check.languages(p))) l
GROUP BY 1, 2;
