-- gdpr_top_email_domains: the ten most common email domains
-- Recomputes the metric of config/examples/gdpr-user-profiles/metrics.json from
-- public.user_profiles: one row per document whose count is above 0 (bucket_start,
-- keys, value, count, sum), as the metric tests compare them.
-- Ranked by count, ties by the domain's bytes (COLLATE "C"), as walcast ranks.
WITH d AS (
  SELECT lower(substring(profile->>'email' FROM '@([^@]+)$')) AS domain
  FROM public.user_profiles
), c AS (
  SELECT domain, count(*) AS n FROM d WHERE domain IS NOT NULL GROUP BY domain
), r AS (
  SELECT domain, n, row_number() OVER (ORDER BY n DESC, domain COLLATE "C") AS rank FROM c
)
SELECT NULL::date AS bucket_start,
       jsonb_build_object('rank', rank::text, 'email_domain', domain) AS keys,
       n AS value, n AS count, n AS sum
FROM r
WHERE rank <= 10;
