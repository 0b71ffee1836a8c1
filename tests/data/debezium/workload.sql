-- Streaming workload for tests/data/debezium/capture.sh, run after Debezium's
-- initial snapshot has finished. Each block is its own transaction unless it
-- says otherwise. See README.md for what each block is meant to show.
\set ON_ERROR_STOP on

-- 1. Inserts: the snapshot rows of all_types again (ids 101..107), so every
--    value can be compared between snapshot (JDBC) and streaming (pgoutput).
INSERT INTO public.all_types
  SELECT id + 100, c_bool, c_bit1, c_bit10, c_varbit, c_int2, c_int4, c_int8, c_bigserial, c_oid,
         c_real, c_double, c_numeric, c_numeric_p, c_numeric_var, c_money, c_char, c_varchar, c_text,
         c_date, c_time0, c_time3, c_time6, c_time, c_timetz, c_ts0, c_ts3, c_ts6, c_ts,
         c_tstz0, c_tstz3, c_tstz6, c_tstz, c_interval, c_bytea, c_json, c_jsonb, c_xml, c_uuid,
         c_enum, c_inet, c_cidr, c_macaddr, c_macaddr8, c_int4range, c_int8range, c_numrange,
         c_tsrange, c_tstzrange, c_daterange, c_int_arr, c_text_arr, c_int_arr2d, c_domain, c_point
  FROM public.all_types WHERE id < 100 ORDER BY id;

-- 2. Update and delete with REPLICA IDENTITY DEFAULT (before image?).
UPDATE public.all_types SET c_text = 'updated', c_int4 = c_int4 + 1 WHERE id = 101;
DELETE FROM public.all_types WHERE id = 103;

-- 3. Session TimeZone: literals without an offset are read in the session's
--    zone; the events should still be in UTC.
BEGIN;
SET LOCAL TimeZone = 'Asia/Kolkata';
INSERT INTO public.all_types (id, c_timetz, c_ts6, c_tstz6, c_tstz, c_tstzrange)
  VALUES (110, '10:00:00', '2024-03-01 10:00:00', '2024-03-01 10:00:00', '2024-03-01 10:00:00.5',
          '[2024-03-01 10:00,2024-03-01 11:00)');
COMMIT;

-- 4. Defaults: columns left out, and explicit NULLs into nullable columns
--    that have a default.
INSERT INTO public.defaults (c_uuid, c_commented) VALUES ('22222222-2222-2222-2222-222222222222', NULL);
INSERT INTO public.defaults (c_int_nullable, c_text_nullable, c_bool_nullable, c_numeric, c_real,
                             c_date, c_date_now, c_ts_now, c_tstz_now, c_tstz_const, c_counter,
                             c_uuid, c_json, c_jsonb, c_enum, c_commented)
  VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
          NULL);

-- 5. REPLICA IDENTITY FULL: update, delete, PK change.
UPDATE public.ri_full SET name = 'one!' WHERE id = 1;
DELETE FROM public.ri_full WHERE id = 2;
UPDATE public.ri_full SET id = 11 WHERE id = 1;

-- 6. REPLICA IDENTITY DEFAULT: update, delete, PK change (delete + tombstone
--    + create, with key headers), update of a row to the same values.
UPDATE public.ri_default SET qty = 11 WHERE id = 1;
DELETE FROM public.ri_default WHERE id = 2;
UPDATE public.ri_default SET id = 33, name = 'three!' WHERE id = 3;
UPDATE public.ri_default SET qty = qty WHERE id = 1;

-- 7. Tables without a primary key, a unique index only, USING INDEX, and a
--    composite key (including a change of one key column).
INSERT INTO public.no_pk VALUES (2, 'y');
INSERT INTO public.no_pk_full VALUES (2, 'y');
UPDATE public.no_pk_full SET b = 'x!' WHERE a = 1;
DELETE FROM public.no_pk_full WHERE a = 2;
INSERT INTO public.unique_only VALUES (2, 'y');
INSERT INTO public.ri_index VALUES (2, 200, 'y');
UPDATE public.ri_index SET v = 'x!' WHERE u = 1;
DELETE FROM public.ri_index WHERE u = 2;
INSERT INTO public.composite_pk VALUES (3, 20, 'c');
UPDATE public.composite_pk SET val = 'a!' WHERE tenant = 1 AND id = 10;
UPDATE public.composite_pk SET tenant = 4 WHERE tenant = 2 AND id = 10;
DELETE FROM public.composite_pk WHERE tenant = 3;

-- 8. Unchanged TOAST: insert rows with large out-of-line values, then update
--    only the small column (and one row with REPLICA IDENTITY FULL).
INSERT INTO public.toast
  SELECT 1, 'small', s, s, convert_to(s, 'UTF8'), json_build_object('s', s), jsonb_build_object('s', s),
         xmlelement(name x, s), (SELECT array_agg(g) FROM generate_series(1, 2000) g),
         ARRAY[s, 'b'], (repeat('9', 10000) || '.5')::numeric
  FROM (SELECT string_agg(md5(g::text), '') AS s FROM generate_series(1, 100) g) t;
UPDATE public.toast SET note = 'small!' WHERE id = 1;
UPDATE public.toast SET note = 'small!!', t_text = 'now short' WHERE id = 1;
INSERT INTO public.ri_full
  SELECT 3, 'three', string_agg(md5(g::text), '') FROM generate_series(1, 100) g;
UPDATE public.ri_full SET name = 'three!' WHERE id = 3;

-- 9. Logical decoding messages: transactional (with a row change in the same
--    transaction), non-transactional, and binary content.
BEGIN;
INSERT INTO public.ri_default VALUES (4, 'four', 40);
SELECT pg_logical_emit_message(true, 'walcast-tx', 'transactional content') IS NOT NULL;
COMMIT;
SELECT pg_logical_emit_message(false, 'walcast-nontx', 'non-transactional {"a":1}') IS NOT NULL;
SELECT pg_logical_emit_message(true, 'walcast-bin', '\x00ff80'::bytea) IS NOT NULL;

-- 10. Truncate: one table alone, then two tables in one statement, then
--     TRUNCATE with a row change in the same transaction.
TRUNCATE public.trunc_a;
TRUNCATE public.trunc_a, public.trunc_b;
BEGIN;
INSERT INTO public.trunc_a VALUES (2, 'a2');
TRUNCATE public.trunc_b;
COMMIT;

-- 11. A transaction touching several tables (transaction metadata run).
BEGIN;
INSERT INTO public.ri_default VALUES (5, 'five', 50);
UPDATE public.ri_default SET qty = 51 WHERE id = 5;
INSERT INTO public.composite_pk VALUES (5, 50, 'e');
COMMIT;

-- 12. MOSIP: one more profile, routed to the topic "Profiles".
INSERT INTO idrepo.anonymous_profile (id, profile, cr_by, cr_dtimes, upd_by, upd_dtimes)
VALUES ('0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
 '{"processName":"Update","date":"2025-06-02","oldProfile":{"yearOfBirth":"1988","gender":"Female","location":["Zone-North","10101"],"preferredLanguage":"eng","channel":["PHONE","EMAIL"],"exceptions":[],"verified":[],"biometricInfo":[],"documents":["DOC001"]},"newProfile":{"yearOfBirth":"1988","gender":"Female","location":["Zone-South","20450"],"preferredLanguage":"eng","channel":["PHONE"],"exceptions":[],"verified":["phone"],"biometricInfo":[],"documents":["DOC001","DOC007"]}}',
 'mosip-idrepo', '2025-06-02 10:00:00.5', 'mosip-idrepo', '2025-06-02 10:00:00.123456');

-- 13. The extension types and JVM-dependent values of more_types again
--     (streaming), then an update of the hstore and a delete.
INSERT INTO public.more_types SELECT id + 100, c_hstore, c_ltree, c_citext, c_tsvector, c_real,
       c_double, c_date, c_ts, c_tstz, c_time, c_bool_arr, c_int2_arr, c_int8_arr, c_real_arr,
       c_double_arr, c_numeric_arr, c_varchar_arr, c_uuid_arr, c_date_arr, c_ts_arr, c_tstz_arr,
       c_jsonb_arr, c_inet_arr, c_enum_arr, c_bytea_arr, c_ltree_arr, c_citext_arr
  FROM public.more_types WHERE id < 100 ORDER BY id;
UPDATE public.more_types SET c_hstore = c_hstore || 'o=>15'::hstore WHERE id = 101;
DELETE FROM public.more_types WHERE id = 104;

-- 14. Keys of other types: insert, update, key change, delete.
INSERT INTO public.numeric_pk VALUES (99999999.99, '2000-01-01', 'c');
UPDATE public.numeric_pk SET v = 'a!' WHERE id = 1.50;
UPDATE public.numeric_pk SET id = 2.5 WHERE id = -0.01;
DELETE FROM public.numeric_pk WHERE id = 99999999.99;
INSERT INTO public.numeric_var_pk VALUES (-0.5, 'c');
UPDATE public.numeric_var_pk SET id = 7.250 WHERE id = 1e20;
DELETE FROM public.numeric_var_pk WHERE id = -0.5;
UPDATE public.uuid_pk SET id = '00000000-0000-0000-0000-000000000001' WHERE v = 'a';

-- Last: capture.sh waits for this event on every run.
INSERT INTO public.capture_done VALUES (1);
