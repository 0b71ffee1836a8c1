-- annexure_shared_channels_histogram (state): Annexure A hashes by current identities per hash
-- Source: idrepo.anonymous_profile. Recomputes the metric of config/metrics/mosip.json from the
-- table; needs sql/metrics/00_functions.sql. One row per document whose
-- count is above 0: bucket_start, keys, value, count, sum.
SELECT NULL::date AS bucket_start,
       jsonb_build_object('channelType', channel_type,
                          'identitiesPerChannel', walcast_check.per_channel_bucket(weight)) AS keys,
       count(*) AS value, count(*) AS count, sum(weight) AS sum
FROM walcast_check.annexure_hash_weights()
WHERE weight >= 1
GROUP BY 2;
