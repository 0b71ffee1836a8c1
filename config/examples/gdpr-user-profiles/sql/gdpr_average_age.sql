-- gdpr_average_age: average age at registration
-- Recomputes the metric of config/examples/gdpr-user-profiles/metrics.json from
-- public.user_profiles: one row per document whose count is above 0 (bucket_start,
-- keys, value, count, sum), as the metric tests compare them.
-- Whole years from dob.date to registered.date (a birthday on the day counts).
WITH a AS (
  SELECT profile, extract(year FROM age(left(profile#>>'{registered,date}', 10)::date,
                                        left(profile#>>'{dob,date}', 10)::date)) AS years
  FROM public.user_profiles
  WHERE profile#>>'{dob,date}' ~ '^\d{4}-\d{2}-\d{2}' AND profile#>>'{registered,date}' ~ '^\d{4}-\d{2}-\d{2}'
)
SELECT NULL::date AS bucket_start, '{}'::jsonb AS keys,
       avg(years) AS value, count(*) AS count, sum(years) AS sum
FROM a
WHERE years >= 0
HAVING count(*) > 0;
