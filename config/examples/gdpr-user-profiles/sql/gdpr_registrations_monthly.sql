-- gdpr_registrations_monthly: registrations per month
-- Recomputes the metric of config/examples/gdpr-user-profiles/metrics.json from
-- public.user_profiles: one row per document whose count is above 0 (bucket_start,
-- keys, value, count, sum), as the metric tests compare them.
SELECT date_trunc('month', left(profile#>>'{registered,date}', 10)::date)::date AS bucket_start,
       '{}'::jsonb AS keys, count(*) AS value, count(*) AS count, 0 AS sum
FROM public.user_profiles
WHERE profile#>>'{registered,date}' ~ '^\d{4}-\d{2}-\d{2}'
GROUP BY 1;
