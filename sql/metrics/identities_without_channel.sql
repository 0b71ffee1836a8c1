-- identities_without_channel (state): sum of no_of_records of the NO_PHONE / NO_EMAIL rows
-- Source: idrepo.channel_info. Recomputes the metric of config/metrics/mosip.json from the
-- table; needs sql/metrics/00_functions.sql. One row per document whose
-- count is above 0: bucket_start, keys, value, count, sum.
SELECT NULL::date AS bucket_start, jsonb_build_object('channelType', channel_type) AS keys,
       sum(round(no_of_records, 6)) AS value, count(*) AS count, sum(round(no_of_records, 6)) AS sum
FROM walcast_check.channel_info(true)
GROUP BY 2;
