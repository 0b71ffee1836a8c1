-- regprc_by_channel_type (event): registrations by channel category
-- Source: regprc.anonymous_profile. Recomputes the metric of config/metrics/mosip.json from the
-- table; needs sql/metrics/00_functions.sql. One row per document whose
-- count is above 0: bucket_start, keys, value, count, sum.
SELECT NULL::date AS bucket_start, jsonb_build_object('channelCategory', walcast_check.channel_category(p)) AS keys,
       count(*) AS value, count(*) AS count, 0 AS sum
FROM walcast_check.regprc_profiles()
GROUP BY 1, 2;
