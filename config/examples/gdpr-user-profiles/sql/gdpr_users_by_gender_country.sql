-- gdpr_users_by_gender_country: users by gender and country
-- Recomputes the metric of config/examples/gdpr-user-profiles/metrics.json from
-- public.user_profiles: one row per document whose count is above 0 (bucket_start,
-- keys, value, count, sum), as the metric tests compare them.
SELECT NULL::date AS bucket_start,
       jsonb_build_object('gender', coalesce(nullif(profile->>'gender', ''), 'Unknown'),
                          'country', coalesce(nullif(profile#>>'{location,country}', ''), 'Unknown')) AS keys,
       count(*) AS value, count(*) AS count, 0 AS sum
FROM public.user_profiles
GROUP BY 2;
