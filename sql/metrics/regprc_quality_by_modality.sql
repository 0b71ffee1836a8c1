-- regprc_quality_by_modality (event): average of the per-profile modality quality averages
-- Source: regprc.anonymous_profile. Recomputes the metric of config/metrics/mosip.json from the
-- table; needs sql/metrics/00_functions.sql. One row per document whose
-- count is above 0: bucket_start, keys, value, count, sum.
SELECT NULL::date AS bucket_start, jsonb_build_object('modality', m.modality) AS keys,
       sum(round(m.quality, 6)) / count(*) AS value, count(*) AS count,
       sum(round(m.quality, 6)) AS sum
FROM walcast_check.regprc_profiles()
CROSS JOIN LATERAL walcast_check.modality_quality(p) m
GROUP BY 1, 2;
