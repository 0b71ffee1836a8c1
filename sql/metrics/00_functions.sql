-- Helper functions for the queries in sql/metrics/<metric>.sql. Each query
-- recomputes, from the table alone, the figures of one metric of
-- config/metrics/mosip.json, so that a test (or an operator) can compare
-- them with walcast's metric documents. These functions mirror walcast's
-- profile parser (mosip/profile.cc: which rows it refuses, how it reads
-- each field) and derived values (metrics/extractor.cc); docs/metrics.md,
-- "Checking the figures with SQL", says how to compare.
--
-- Run this file once before the queries, as a role that may create a schema
-- (idempotent; it creates the schema walcast_check and nothing else). walcast
-- itself never needs it.
--
-- Known differences from the parser, none of which MOSIP's producers or
-- walcast generate-profiles write: nesting deeper than 32 levels, a "\u0000"
-- escape, numbers beyond double range, and a snapshot with both
-- preferredLanguage and preferredLanguages (here preferredLanguages wins; the
-- parser takes the later key).

CREATE SCHEMA IF NOT EXISTS walcast_check;

-- Type checks run over the json type, which keeps every occurrence of a key
-- in order, because the parser checks each occurrence (jsonb keeps only the
-- last); values are then read from jsonb, whose last occurrence is the one
-- the parser keeps.

-- A JSON value the parser reads as a string: null or a string.
CREATE OR REPLACE FUNCTION walcast_check.str_ok(v jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT v IS NULL OR jsonb_typeof(v) IN ('string', 'null')
$$;

-- One value of the given kind is one the parser accepts.
CREATE OR REPLACE FUNCTION walcast_check.value_ok(v json, kind text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  e json;
BEGIN
  IF kind = 'str' THEN
    RETURN json_typeof(v) IN ('string', 'null');
  ELSIF kind = 'yob' THEN
    RETURN json_typeof(v) IN ('number', 'string', 'null');
  END IF;
  IF json_typeof(v) = 'null' THEN
    RETURN true;
  ELSIF json_typeof(v) <> 'array' THEN
    RETURN false;
  END IF;
  FOR e IN SELECT value FROM json_array_elements(v) LOOP
    IF json_typeof(e) = 'null' THEN
      CONTINUE;
    ELSIF kind = 'strlist' AND json_typeof(e) <> 'string' THEN
      RETURN false;
    ELSIF kind = 'channel' AND NOT (json_typeof(e) = 'string'
          OR (json_typeof(e) = 'object' AND walcast_check.all_ok(e, 'hashedchannel', 'str')
              AND walcast_check.all_ok(e, 'name', 'str'))) THEN
      RETURN false;
    ELSIF kind = 'exceptions' AND NOT (json_typeof(e) = 'string'
          OR (json_typeof(e) = 'object' AND walcast_check.all_ok(e, 'type', 'str')
              AND walcast_check.all_ok(e, 'subType', 'str'))) THEN
      RETURN false;
    ELSIF kind = 'biometrics' AND NOT (json_typeof(e) = 'object'
          AND walcast_check.all_ok(e, 'type', 'str') AND walcast_check.all_ok(e, 'subType', 'str')) THEN
      RETURN false;
    END IF;
  END LOOP;
  RETURN true;
END $$;

-- Every occurrence of `key` in the object is a value of the kind.
CREATE OR REPLACE FUNCTION walcast_check.all_ok(o json, key text, kind text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT NOT EXISTS (SELECT 1 FROM json_each(o) m
                     WHERE m.key = $2 AND NOT walcast_check.value_ok(m.value, $3))
$$;

-- The elements of an array the parser keeps as a list of strings (blank
-- strings and nulls dropped), with their position.
CREATE OR REPLACE FUNCTION walcast_check.items(v jsonb) RETURNS TABLE(x text, k bigint)
LANGUAGE sql IMMUTABLE AS $$
  SELECT e #>> '{}', row_number() OVER (ORDER BY ord)
  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(v) = 'array' THEN v ELSE '[]' END)
       WITH ORDINALITY AS a(e, ord)
  WHERE jsonb_typeof(e) = 'string' AND (e #>> '{}') !~ '^[ \t\n\r]*$'
$$;

-- The fields of one identity snapshot have the types the parser accepts.
CREATE OR REPLACE FUNCTION walcast_check.snapshot_ok(s json) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT walcast_check.all_ok(s, 'yearOfBirth', 'yob')
     AND walcast_check.all_ok(s, 'gender', 'str')
     AND walcast_check.all_ok(s, 'location', 'strlist')
     AND walcast_check.all_ok(s, 'preferredLanguage', 'str')
     AND walcast_check.all_ok(s, 'preferredLanguages', 'strlist')
     AND walcast_check.all_ok(s, 'verified', 'strlist')
     AND walcast_check.all_ok(s, 'documents', 'strlist')
     AND walcast_check.all_ok(s, 'channel', 'channel')
     AND walcast_check.all_ok(s, 'exceptions', 'exceptions')
     AND walcast_check.all_ok(s, 'biometricInfo', 'biometrics')
$$;

-- The last occurrence of a key in a json object (the one the parser reads).
CREATE OR REPLACE FUNCTION walcast_check.last_member(o json, key text) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
  SELECT m.value FROM json_each(o) WITH ORDINALITY AS m(key, value, ord)
  WHERE m.key = $2 ORDER BY m.ord DESC LIMIT 1
$$;

-- snapshot_ok over jsonb, for a profile without duplicate keys (the common
-- case): one jsonpath test, much faster than walking the json text. In
-- strict mode a missing key makes its test unknown, i.e. not a violation.
CREATE OR REPLACE FUNCTION walcast_check.snapshot_ok_fast(s jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $f$
  SELECT NOT jsonb_path_exists(s, 'strict $ ? (
       (@.gender.type() != "string" && @.gender.type() != "null")
    || (@.preferredLanguage.type() != "string" && @.preferredLanguage.type() != "null")
    || (@.yearOfBirth.type() != "number" && @.yearOfBirth.type() != "string" && @.yearOfBirth.type() != "null")
    || (@.location.type() != "array" && @.location.type() != "null")
    || exists(@.location[*] ? (@.type() != "string" && @.type() != "null"))
    || (@.preferredLanguages.type() != "array" && @.preferredLanguages.type() != "null")
    || exists(@.preferredLanguages[*] ? (@.type() != "string" && @.type() != "null"))
    || (@.verified.type() != "array" && @.verified.type() != "null")
    || exists(@.verified[*] ? (@.type() != "string" && @.type() != "null"))
    || (@.documents.type() != "array" && @.documents.type() != "null")
    || exists(@.documents[*] ? (@.type() != "string" && @.type() != "null"))
    || (@.channel.type() != "array" && @.channel.type() != "null")
    || exists(@.channel[*] ? (@.type() != "string" && @.type() != "null" && @.type() != "object"))
    || exists(@.channel[*] ? (@.type() == "object" && ((@.hashedchannel.type() != "string" && @.hashedchannel.type() != "null") || (@.name.type() != "string" && @.name.type() != "null"))))
    || (@.exceptions.type() != "array" && @.exceptions.type() != "null")
    || exists(@.exceptions[*] ? (@.type() != "string" && @.type() != "null" && @.type() != "object"))
    || exists(@.exceptions[*] ? (@.type() == "object" && ((@."type".type() != "string" && @."type".type() != "null") || (@.subType.type() != "string" && @.subType.type() != "null"))))
    || (@.biometricInfo.type() != "array" && @.biometricInfo.type() != "null")
    || exists(@.biometricInfo[*] ? (@.type() != "null" && @.type() != "object"))
    || exists(@.biometricInfo[*] ? (@.type() == "object" && ((@."type".type() != "string" && @."type".type() != "null") || (@.subType.type() != "string" && @.subType.type() != "null"))))
  )')
$f$;

-- The profile the parser accepts, or NULL where it refuses the row (those
-- rows are dead letters, in no metric). The result keeps the profile's
-- fields and adds "_shape" (idrepo, regprc, prereg, annexure), "_new" and
-- "_old": the identity snapshots (a flat profile is its own "_new").
-- has_stage: the row has a process_stage column (regprc's table).
CREATE OR REPLACE FUNCTION walcast_check.profile(t text, has_stage boolean DEFAULT false)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  j json;
  p jsonb;
  r text;
  dup boolean;
  shape text;
  o jsonb;
  n jsonb;
BEGIN
  IF t IS NULL OR octet_length(t) > 1048576 THEN
    RETURN NULL;
  END IF;
  BEGIN
    p := t::jsonb;
  EXCEPTION WHEN others THEN
    RETURN NULL;  -- malformed JSON
  END;
  IF jsonb_typeof(p) <> 'object' THEN
    RETURN NULL;
  END IF;
  -- anonymous-profile.md §2.5.
  IF p ? 'processStage' OR has_stage THEN
    shape := CASE WHEN jsonb_typeof(p->'processName') = 'string'
                       AND lower(p->>'processName') = 'preregistration'
                  THEN 'prereg' ELSE 'regprc' END;
  ELSIF p ? 'oldProfile' OR p ? 'newProfile' THEN
    shape := 'idrepo';
  ELSIF p ? 'old' OR p ? 'new' THEN
    shape := 'annexure';
  ELSE
    RETURN NULL;
  END IF;
  IF NOT p ? 'processName' OR NOT walcast_check.str_ok(p->'processName') THEN
    RETURN NULL;
  END IF;
  IF shape <> 'annexure' AND NOT p ? 'date' THEN
    RETURN NULL;
  END IF;
  -- Does the text write some key twice in one object? Its unescaped
  -- quote-colon pairs (one per key) then outnumber the jsonb's keys, which
  -- its text writes as `": `. Spacing such as `"key" :` also says yes, which
  -- only takes the row down the slower exact path.
  r := p::text;
  dup := (octet_length(t) - octet_length(replace(t, '":', ''))) / 2
         - (octet_length(t) - octet_length(replace(t, '\":', ''))) / 3
      <> (octet_length(r) - octet_length(replace(r, '": ', ''))) / 3
         - (octet_length(r) - octet_length(replace(r, '\": ', ''))) / 4;
  IF dup THEN
    j := t::json;
  END IF;
  IF shape IN ('regprc', 'prereg') THEN
    IF NOT dup THEN
      IF NOT (walcast_check.str_ok(p->'processStage') AND walcast_check.str_ok(p->'status')
              AND walcast_check.str_ok(p->'startDateTime') AND walcast_check.str_ok(p->'endDateTime')
              AND walcast_check.str_ok(p->'enrollmentCenterId')
              AND walcast_check.snapshot_ok_fast(jsonb_build_object('verified', p->'assisted'))
              AND walcast_check.snapshot_ok_fast(p)) THEN
        RETURN NULL;
      END IF;
    ELSIF NOT (walcast_check.all_ok(j, 'processStage', 'str') AND walcast_check.all_ok(j, 'status', 'str')
            AND walcast_check.all_ok(j, 'startDateTime', 'str')
            AND walcast_check.all_ok(j, 'endDateTime', 'str')
            AND walcast_check.all_ok(j, 'enrollmentCenterId', 'str')
            AND walcast_check.all_ok(j, 'assisted', 'strlist') AND walcast_check.snapshot_ok(j)) THEN
      RETURN NULL;
    END IF;
    RETURN p || jsonb_build_object('_shape', shape, '_new', p);
  END IF;
  o := p->(CASE shape WHEN 'idrepo' THEN 'oldProfile' ELSE 'old' END);
  n := p->(CASE shape WHEN 'idrepo' THEN 'newProfile' ELSE 'new' END);
  IF (o IS NOT NULL AND jsonb_typeof(o) NOT IN ('object', 'null'))
     OR (n IS NOT NULL AND jsonb_typeof(n) NOT IN ('object', 'null')) THEN
    RETURN NULL;
  END IF;
  IF NOT dup AND ((jsonb_typeof(o) = 'object' AND NOT walcast_check.snapshot_ok_fast(o))
                   OR (jsonb_typeof(n) = 'object' AND NOT walcast_check.snapshot_ok_fast(n))) THEN
    RETURN NULL;
  END IF;
  IF dup AND ((jsonb_typeof(o) = 'object' AND NOT walcast_check.snapshot_ok(
        walcast_check.last_member(j, CASE shape WHEN 'idrepo' THEN 'oldProfile' ELSE 'old' END)))
     OR (jsonb_typeof(n) = 'object' AND NOT walcast_check.snapshot_ok(
        walcast_check.last_member(j, CASE shape WHEN 'idrepo' THEN 'newProfile' ELSE 'new' END)))) THEN
    RETURN NULL;
  END IF;
  IF jsonb_typeof(o) = 'object' AND jsonb_typeof(n) IS DISTINCT FROM 'object' THEN
    RETURN NULL;  -- an old side without a new one (§4.6)
  END IF;
  RETURN jsonb_build_object(
    '_shape', shape, 'processName', p->'processName', 'date', p->'date',
    '_old', CASE WHEN jsonb_typeof(o) = 'object' THEN o END,
    '_new', CASE WHEN jsonb_typeof(n) = 'object' THEN n END);
END $$;

-- One side of a parsed profile ('new' or 'old'), or NULL when absent.
CREATE OR REPLACE FUNCTION walcast_check.side(p jsonb, which text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(p->('_' || which)) = 'object' THEN p->('_' || which) END
$$;

-- State mode (metrics.md §2): the new side adds, the old side subtracts.
CREATE OR REPLACE FUNCTION walcast_check.state_sides(p jsonb) RETURNS TABLE(side jsonb, sign int)
LANGUAGE sql IMMUTABLE AS $$
  SELECT walcast_check.side(p, 'new'), 1 WHERE walcast_check.side(p, 'new') IS NOT NULL
  UNION ALL
  SELECT walcast_check.side(p, 'old'), -1 WHERE walcast_check.side(p, 'old') IS NOT NULL
$$;

-- processName in MOSIP's form ("NEW" -> "New"), 'Unknown' when empty.
CREATE OR REPLACE FUNCTION walcast_check.process_name(p jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(nullif(upper(left(p->>'processName', 1)) || lower(substr(p->>'processName', 2)), ''),
                  'Unknown')
$$;

-- A whole number written as a JSON int or numeric text; NULL otherwise.
CREATE OR REPLACE FUNCTION walcast_check.json_int(v jsonb) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN jsonb_typeof(v) = 'number' AND (v #>> '{}')::numeric = trunc((v #>> '{}')::numeric)
         AND abs((v #>> '{}')::numeric) < 2147483647
      THEN (v #>> '{}')::numeric::integer
    WHEN jsonb_typeof(v) = 'string' AND (v #>> '{}') ~ '^[ \t]*-?[0-9]{1,10}[ \t]*$'
         AND btrim(v #>> '{}', E' \t')::bigint BETWEEN -2147483648 AND 2147483647
      THEN btrim(v #>> '{}', E' \t')::integer
  END
$$;

-- A number, or text holding one (attempts is "2"); NULL otherwise.
CREATE OR REPLACE FUNCTION walcast_check.lenient_number(v jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN jsonb_typeof(v) = 'number' THEN (v #>> '{}')::numeric
    WHEN jsonb_typeof(v) = 'string'
         AND (v #>> '{}') ~ '^[ \t]*-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?[ \t]*$'
      THEN btrim(v #>> '{}', E' \t')::numeric
  END
$$;

-- The event's year: the leading digits of the profile's date (or Jackson's
-- [y, m, d] array), else cr_dtimes' year (anonymous-profile.md §4.1).
CREATE OR REPLACE FUNCTION walcast_check.event_year(p jsonb, cr timestamp) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(
    CASE
      WHEN jsonb_typeof(p->'date') = 'string' AND (p->>'date') ~ '^[0-9]{4}'
        THEN substr(p->>'date', 1, 4)::integer
      WHEN jsonb_typeof(p->'date') = 'array' AND jsonb_array_length(p->'date') >= 3
           AND (p->'date'->>0) ~ '^-?[0-9]+$' AND (p->'date'->>1) ~ '^-?[0-9]+$'
           AND (p->'date'->>2) ~ '^-?[0-9]+$'
           AND (p->'date'->>0)::numeric BETWEEN 1 AND 9999
        THEN (p->'date'->>0)::integer
    END,
    extract(year FROM cr)::integer)
$$;

-- The event's day: the profile's date when it starts YYYY-MM-DD (days past
-- a month's end roll over, as in walcast), else cr_dtimes' date (metrics.md M15).
CREATE OR REPLACE FUNCTION walcast_check.event_day(p jsonb, cr timestamp) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
  WITH d AS (
    SELECT CASE
      WHEN jsonb_typeof(p->'date') = 'string' AND (p->>'date') ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}'
        THEN ARRAY[substr(p->>'date', 1, 4)::integer, substr(p->>'date', 6, 2)::integer,
                   substr(p->>'date', 9, 2)::integer]
      WHEN jsonb_typeof(p->'date') = 'array' AND jsonb_array_length(p->'date') >= 3
           AND (p->'date'->>0) ~ '^-?[0-9]{1,9}$' AND (p->'date'->>1) ~ '^-?[0-9]{1,9}$'
           AND (p->'date'->>2) ~ '^-?[0-9]{1,9}$'
        THEN ARRAY[(p->'date'->>0)::integer, (p->'date'->>1)::integer, (p->'date'->>2)::integer]
    END AS ymd)
  SELECT coalesce(
    (SELECT make_date(ymd[1], ymd[2], 1) + (ymd[3] - 1) FROM d
     WHERE ymd[1] BETWEEN 1 AND 9999 AND ymd[2] BETWEEN 1 AND 12 AND ymd[3] BETWEEN 1 AND 31),
    cr::date)
$$;

-- Age group with config/metrics/mosip.json's buckets "0-5, 5-18, 18-60, 60
-- and above", half-open, and the recommended rule: no, non-numeric, <= 0 or
-- future year of birth is 'Unknown' (anonymous-profile.md §4.1).
CREATE OR REPLACE FUNCTION walcast_check.age_group(s jsonb, event_year integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN y IS NULL OR event_year IS NULL OR y <= 0 OR y > event_year THEN 'Unknown'
    WHEN event_year - y < 5 THEN '0-5'
    WHEN event_year - y < 18 THEN '5-18'
    WHEN event_year - y < 60 THEN '18-60'
    ELSE '60 and above'
  END
  FROM (SELECT walcast_check.json_int(s->'yearOfBirth') AS y) q
$$;

-- The location path to level n ("Zone-North > 10101"), 'Unknown' when the
-- snapshot has fewer levels.
CREATE OR REPLACE FUNCTION walcast_check.location(s jsonb, n integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN count(*) >= n THEN string_agg(x, ' > ' ORDER BY k) FILTER (WHERE k <= n)
              ELSE 'Unknown' END
  FROM walcast_check.items(s->'location')
$$;

-- Distinct preferred languages (preferredLanguages[], or preferredLanguage).
CREATE OR REPLACE FUNCTION walcast_check.languages(s jsonb) RETURNS SETOF text
LANGUAGE sql IMMUTABLE AS $$
  SELECT DISTINCT x FROM (
    SELECT x FROM walcast_check.items(s->'preferredLanguages') WHERE s ? 'preferredLanguages'
    UNION ALL
    SELECT s->>'preferredLanguage'
    WHERE NOT s ? 'preferredLanguages' AND jsonb_typeof(s->'preferredLanguage') = 'string'
      AND (s->>'preferredLanguage') !~ '^[ \t\n\r]*$') l
$$;

-- Distinct strings of a list field (verified, documents).
CREATE OR REPLACE FUNCTION walcast_check.distinct_items(v jsonb) RETURNS SETOF text
LANGUAGE sql IMMUTABLE AS $$
  SELECT DISTINCT x FROM walcast_check.items(v)
$$;

-- MOSIP's channel category (anonymous-profile.md §4.3).
CREATE OR REPLACE FUNCTION walcast_check.channel_category(s jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  WITH names AS (
    SELECT lower(x) AS name FROM walcast_check.items(s->'channel')
    UNION ALL
    SELECT lower(e->>'name') FROM jsonb_array_elements(
      CASE WHEN jsonb_typeof(s->'channel') = 'array' THEN s->'channel' ELSE '[]' END) e
    WHERE jsonb_typeof(e) = 'object' AND coalesce(e->>'name', '') <> '')
  SELECT CASE
    WHEN bool_or(name = 'phone') AND bool_or(name = 'email') THEN 'Both phone and email'
    WHEN bool_or(name = 'phone') THEN 'only phone'
    WHEN bool_or(name = 'email') THEN 'only email'
    ELSE 'None'
  END FROM names
$$;

-- Distinct (type, subType) of the biometric exceptions: the modality's case
-- folded except in Annexure A, whose labels are opaque.
CREATE OR REPLACE FUNCTION walcast_check.exceptions(s jsonb, shape text)
RETURNS TABLE(type text, sub_type text) LANGUAGE sql IMMUTABLE AS $$
  SELECT DISTINCT CASE WHEN t = '' THEN 'Unknown' ELSE t END, st FROM (
    SELECT CASE WHEN shape = 'annexure' THEN coalesce(e->>'type', '')
                ELSE upper(coalesce(e->>'type', '')) END AS t,
           coalesce(e->>'subType', '') AS st
    FROM jsonb_array_elements(
      CASE WHEN jsonb_typeof(s->'exceptions') = 'array' THEN s->'exceptions' ELSE '[]' END) e
    WHERE jsonb_typeof(e) = 'object'
    UNION ALL
    SELECT CASE WHEN shape = 'annexure' THEN x ELSE upper(x) END, '' FROM walcast_check.items(s->'exceptions')
  ) q
$$;

-- Distinct Annexure A hashed channels: (upper-case hash, lower-case name).
CREATE OR REPLACE FUNCTION walcast_check.hashed_channels(s jsonb)
RETURNS TABLE(hash text, name text) LANGUAGE sql IMMUTABLE AS $$
  SELECT DISTINCT upper(e->>'hashedchannel'),
         CASE WHEN coalesce(e->>'name', '') = '' THEN 'Unknown' ELSE lower(e->>'name') END
  FROM jsonb_array_elements(
    CASE WHEN jsonb_typeof(s->'channel') = 'array' THEN s->'channel' ELSE '[]' END) e
  WHERE jsonb_typeof(e) = 'object' AND coalesce(e->>'hashedchannel', '') <> ''
$$;

-- Per modality (upper case), the average qualityScore of the BIRs that are
-- not exceptions and have both a numeric qualityScore and attempts
-- (MOSIP's collapsed biometricInfo, anonymous-profile.md §4.5).
CREATE OR REPLACE FUNCTION walcast_check.modality_quality(s jsonb)
RETURNS TABLE(modality text, quality numeric) LANGUAGE sql IMMUTABLE AS $$
  WITH ex AS (
    SELECT lower(coalesce(e->>'type', '')) AS t, lower(coalesce(e->>'subType', '')) AS st
    FROM jsonb_array_elements(
      CASE WHEN jsonb_typeof(s->'exceptions') = 'array' THEN s->'exceptions' ELSE '[]' END) e
    WHERE jsonb_typeof(e) = 'object'
    UNION ALL
    SELECT lower(x), '' FROM walcast_check.items(s->'exceptions')),
  rec AS (
    SELECT upper(coalesce(e->>'type', '')) AS m,
           walcast_check.lenient_number(e->'qualityScore') AS q,
           walcast_check.lenient_number(e->'attempts') AS a
    FROM jsonb_array_elements(
      CASE WHEN jsonb_typeof(s->'biometricInfo') = 'array' THEN s->'biometricInfo' ELSE '[]' END) e
    WHERE jsonb_typeof(e) = 'object'
      AND NOT EXISTS (SELECT 1 FROM ex WHERE ex.t = lower(coalesce(e->>'type', ''))
                                         AND ex.st = lower(coalesce(e->>'subType', ''))))
  SELECT CASE WHEN m = '' THEN 'Unknown' ELSE m END, avg(q) FILTER (WHERE q IS NOT NULL AND a IS NOT NULL)
  FROM rec GROUP BY m
  HAVING count(*) FILTER (WHERE q IS NOT NULL AND a IS NOT NULL) > 0
$$;

-- The attributes an update changed (metrics.md M14); 'none' when nothing
-- profiled changed; no rows unless the profile has both sides.
CREATE OR REPLACE FUNCTION walcast_check.changed_attributes(p jsonb) RETURNS SETOF text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  o jsonb := walcast_check.side(p, 'old');
  n jsonb := walcast_check.side(p, 'new');
  shape text := p->>'_shape';
  changed boolean := false;
  levels integer;
  channel text;
BEGIN
  IF o IS NULL OR n IS NULL THEN
    RETURN;
  END IF;
  IF walcast_check.json_int(o->'yearOfBirth') IS DISTINCT FROM walcast_check.json_int(n->'yearOfBirth') THEN
    changed := true; RETURN NEXT 'yearOfBirth';
  END IF;
  IF coalesce(o->>'gender', '') <> coalesce(n->>'gender', '') THEN
    changed := true; RETURN NEXT 'gender';
  END IF;
  SELECT greatest((SELECT count(*) FROM walcast_check.items(o->'location')),
                  (SELECT count(*) FROM walcast_check.items(n->'location'))) INTO levels;
  FOR i IN 1 .. least(levels, 10) LOOP
    IF coalesce((SELECT x FROM walcast_check.items(o->'location') WHERE k = i), '')
       <> coalesce((SELECT x FROM walcast_check.items(n->'location') WHERE k = i), '') THEN
      changed := true; RETURN NEXT 'location_L' || i;
    END IF;
  END LOOP;
  IF ARRAY(SELECT walcast_check.languages(o) ORDER BY 1) <> ARRAY(SELECT walcast_check.languages(n) ORDER BY 1) THEN
    changed := true; RETURN NEXT 'preferredLanguage';
  END IF;
  IF walcast_check.channel_category(o) <> walcast_check.channel_category(n) THEN
    changed := true; RETURN NEXT 'channel';
  END IF;
  FOR channel IN SELECT DISTINCT h.name FROM (SELECT * FROM walcast_check.hashed_channels(o)
                                           UNION SELECT * FROM walcast_check.hashed_channels(n)) h
              ORDER BY 1 LOOP
    IF ARRAY(SELECT h.hash FROM walcast_check.hashed_channels(o) h WHERE h.name = channel ORDER BY 1)
       <> ARRAY(SELECT h.hash FROM walcast_check.hashed_channels(n) h WHERE h.name = channel ORDER BY 1) THEN
      changed := true; RETURN NEXT 'hashedChannel.' || channel;
    END IF;
  END LOOP;
  IF ARRAY(SELECT walcast_check.distinct_items(o->'verified') ORDER BY 1)
     <> ARRAY(SELECT walcast_check.distinct_items(n->'verified') ORDER BY 1) THEN
    changed := true; RETURN NEXT 'verified';
  END IF;
  IF ARRAY(SELECT type || E'\x1f' || sub_type FROM walcast_check.exceptions(o, shape) ORDER BY 1)
     <> ARRAY(SELECT type || E'\x1f' || sub_type FROM walcast_check.exceptions(n, shape) ORDER BY 1) THEN
    changed := true; RETURN NEXT 'exceptions';
  END IF;
  IF ARRAY(SELECT walcast_check.distinct_items(o->'documents') ORDER BY 1)
     <> ARRAY(SELECT walcast_check.distinct_items(n->'documents') ORDER BY 1) THEN
    changed := true; RETURN NEXT 'documents';
  END IF;
  IF ARRAY(SELECT DISTINCT upper(coalesce(e->>'type', '')) FROM jsonb_array_elements(
             CASE WHEN jsonb_typeof(o->'biometricInfo') = 'array' THEN o->'biometricInfo' ELSE '[]' END) e
           WHERE jsonb_typeof(e) = 'object' ORDER BY 1)
     <> ARRAY(SELECT DISTINCT upper(coalesce(e->>'type', '')) FROM jsonb_array_elements(
             CASE WHEN jsonb_typeof(n->'biometricInfo') = 'array' THEN n->'biometricInfo' ELSE '[]' END) e
           WHERE jsonb_typeof(e) = 'object' ORDER BY 1) THEN
    changed := true; RETURN NEXT 'biometrics';
  END IF;
  IF NOT changed THEN
    RETURN NEXT 'none';
  END IF;
END $$;

-- ---- The rows each source's metrics read (plpgsql, so that a database
-- holding only some of MOSIP's tables can still load this file) ----

-- Parsed profiles of idrepo.anonymous_profile in the given shapes (idrepo,
-- annexure), rows not soft-deleted, with cr_dtimes.
CREATE OR REPLACE FUNCTION walcast_check.idrepo_profiles(shapes text[] DEFAULT '{idrepo,annexure}')
RETURNS TABLE(p jsonb, cr_dtimes timestamp) LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
    SELECT q.p, q.cr_dtimes
    FROM (SELECT walcast_check.profile(t.profile) AS p, t.cr_dtimes
          FROM idrepo.anonymous_profile t WHERE t.is_deleted IS NOT TRUE) q
    WHERE q.p->>'_shape' = ANY (shapes);
END $$;

-- State mode over idrepo_profiles: one row per side, +1 new, -1 old.
CREATE OR REPLACE FUNCTION walcast_check.idrepo_sides(shapes text[] DEFAULT '{idrepo,annexure}')
RETURNS TABLE(p jsonb, cr_dtimes timestamp, side jsonb, sign int) LANGUAGE sql STABLE AS $$
  SELECT r.p, r.cr_dtimes, s.side, s.sign
  FROM walcast_check.idrepo_profiles(shapes) r
  CROSS JOIN LATERAL walcast_check.state_sides(r.p) s
$$;

-- Parsed regprc profiles of regprc.anonymous_profile, rows not soft-deleted;
-- with printing_only, one per registration as MOSIP's dashboard filters
-- them: status PROCESSED and the process_stage column PrintingStage.
CREATE OR REPLACE FUNCTION walcast_check.regprc_profiles(printing_only boolean DEFAULT true)
RETURNS TABLE(p jsonb, cr_dtimes timestamp, process_stage text) LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
    SELECT q.p, q.cr_dtimes, q.process_stage::text
    FROM (SELECT walcast_check.profile(t.profile, true) AS p, t.cr_dtimes, t.process_stage
          FROM regprc.anonymous_profile t WHERE t.is_deleted IS NOT TRUE) q
    WHERE q.p->>'_shape' = 'regprc'
      AND (NOT printing_only
           OR (q.p->>'status' = 'PROCESSED' AND q.process_stage = 'PrintingStage'));
END $$;

-- Parsed prereg profiles of prereg.anonymous_profile, rows not soft-deleted.
CREATE OR REPLACE FUNCTION walcast_check.prereg_profiles()
RETURNS TABLE(p jsonb, cr_dtimes timestamp) LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
    SELECT q.p, q.cr_dtimes
    FROM (SELECT walcast_check.profile(t.profile) AS p, t.cr_dtimes
          FROM prereg.anonymous_profile t WHERE t.is_deleted IS NOT TRUE) q
    WHERE q.p->>'_shape' = 'prereg';
END $$;

-- idrepo.channel_info rows not soft-deleted, as walcast reads them: the hash
-- in upper case, the channel type in lower case, whole no_of_records only;
-- no_channel picks the NO_PHONE / NO_EMAIL rows, else the real hashes.
CREATE OR REPLACE FUNCTION walcast_check.channel_info(no_channel boolean)
RETURNS TABLE(hash text, channel_type text, no_of_records numeric) LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
    SELECT upper(c.hashed_channel)::text, coalesce(lower(c.channel_type), 'Unknown')::text,
           c.no_of_records
    FROM idrepo.channel_info c
    WHERE c.is_deleted IS NOT TRUE
      AND (upper(c.hashed_channel) IN ('NO_PHONE', 'NO_EMAIL')) = no_channel;
END $$;

-- Weight total per Annexure A hash over the current identities (state mode).
CREATE OR REPLACE FUNCTION walcast_check.annexure_hash_weights()
RETURNS TABLE(channel_type text, hash text, weight bigint) LANGUAGE sql STABLE AS $$
  SELECT h.name, h.hash, sum(s.sign)
  FROM walcast_check.idrepo_sides('{annexure}') s
  CROSS JOIN LATERAL walcast_check.hashed_channels(s.side) h
  GROUP BY 1, 2
$$;

-- Weight total per channel_info hash (whole no_of_records only).
CREATE OR REPLACE FUNCTION walcast_check.channel_info_hash_weights()
RETURNS TABLE(channel_type text, hash text, weight numeric) LANGUAGE sql STABLE AS $$
  SELECT c.channel_type, c.hash, sum(c.no_of_records)
  FROM walcast_check.channel_info(false) c
  WHERE c.no_of_records = trunc(c.no_of_records)
  GROUP BY 1, 2
$$;

-- The histogram bucket of a weight total: [1, 2, 3, 6, 11] as in
-- config/metrics/mosip.json; NULL below 1.
CREATE OR REPLACE FUNCTION walcast_check.per_channel_bucket(weight numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN weight >= 11 THEN '11+' WHEN weight >= 6 THEN '6-10' WHEN weight >= 3 THEN '3-5'
              WHEN weight >= 2 THEN '2' WHEN weight >= 1 THEN '1' END
$$;
