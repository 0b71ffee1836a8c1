-- shared_channels (state): hashes with no_of_records >= 2 (value) and the identities on them (sum)
-- Source: idrepo.channel_info. Recomputes the metric of config/metrics/mosip.json from the
-- table; needs sql/metrics/00_functions.sql. One row per document whose
-- count is above 0: bucket_start, keys, value, count, sum.
SELECT NULL::date AS bucket_start, jsonb_build_object('channelType', channel_type) AS keys,
       count(*) AS value, count(*) AS count, sum(weight) AS sum
FROM walcast_check.channel_info_hash_weights()
WHERE weight >= 2
GROUP BY 2;
