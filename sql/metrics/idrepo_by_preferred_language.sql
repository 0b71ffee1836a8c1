-- idrepo_by_preferred_language (state): current identities by preferred language; none: 'None'
-- Source: idrepo.anonymous_profile. Recomputes the metric of config/metrics/mosip.json from the
-- table; needs sql/metrics/00_functions.sql. One row per document whose
-- count is above 0: bucket_start, keys, value, count, sum.
SELECT NULL::date AS bucket_start, jsonb_build_object('preferredLanguage', l.language) AS keys,
       sum(sign) AS value, sum(sign) AS count, 0 AS sum
FROM walcast_check.idrepo_sides()
CROSS JOIN LATERAL (SELECT x AS language FROM walcast_check.languages(side) x
                    UNION ALL
                    SELECT 'None' WHERE NOT EXISTS (SELECT 1 FROM walcast_check.languages(side))) l
GROUP BY 2
HAVING sum(sign) > 0;
