-- Schema and initial rows for tests/data/debezium/capture.sh. Everything here
-- exists before Debezium starts, so the rows below come out of the initial
-- snapshot (op "r"); workload.sql then produces the streaming events.
-- Table names say what each table is for; see README.md.
\set ON_ERROR_STOP on

CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN public.posint AS integer CHECK (VALUE > 0);

-- One column per PostgreSQL 15 built-in type of the spec's mapping table.
-- REPLICA IDENTITY DEFAULT with a serial primary key.
CREATE TABLE public.all_types (
  id                serial PRIMARY KEY,
  c_bool            boolean,
  c_bit1            bit(1),
  c_bit10           bit(10),
  c_varbit          bit varying(20),
  c_int2            smallint,
  c_int4            integer,
  c_int8            bigint,
  c_bigserial       bigserial,
  c_oid             oid,
  c_real            real,
  c_double          double precision,
  c_numeric         numeric(10, 3),
  c_numeric_p       numeric(6),
  c_numeric_var     numeric,
  c_money           money,
  c_char            char(5),
  c_varchar         varchar(20),
  c_text            text,
  c_date            date,
  c_time0           time(0),
  c_time3           time(3),
  c_time6           time(6),
  c_time            time,
  c_timetz          timetz,
  c_ts0             timestamp(0),
  c_ts3             timestamp(3),
  c_ts6             timestamp(6),
  c_ts              timestamp,
  c_tstz0           timestamptz(0),
  c_tstz3           timestamptz(3),
  c_tstz6           timestamptz(6),
  c_tstz            timestamptz,
  c_interval        interval,
  c_bytea           bytea,
  c_json            json,
  c_jsonb           jsonb,
  c_xml             xml,
  c_uuid            uuid,
  c_enum            public.mood,
  c_inet            inet,
  c_cidr            cidr,
  c_macaddr         macaddr,
  c_macaddr8        macaddr8,
  c_int4range       int4range,
  c_int8range       int8range,
  c_numrange        numrange,
  c_tsrange         tsrange,
  c_tstzrange       tstzrange,
  c_daterange       daterange,
  c_int_arr         integer[],
  c_text_arr        text[],
  c_int_arr2d       integer[][],
  c_domain          public.posint,
  c_point           point
);

-- Row 1: ordinary values, fractions shorter than the column precision.
INSERT INTO public.all_types VALUES (
  1, true, B'1', B'1010000001', B'101', 7, 123456, 9007199254740993, DEFAULT, 4000000000,
  1.5, 3.141592653589793, 12.34, 123456, 12.345, 12.34,
  'ab', 'varchar value', 'text with "quotes", \backslash, tab	and é ü 漢字',
  '2024-02-29', '13:14:15', '13:14:15.1', '13:14:15.12', '13:14:15.123456', '13:14:15.5+02',
  '2024-02-29 13:14:15', '2024-02-29 13:14:15.1', '2024-02-29 13:14:15.12', '2024-02-29 13:14:15.123456',
  '2024-02-29 13:14:15+00', '2024-02-29 13:14:15.1+00', '2024-02-29 13:14:15.12+00', '2024-02-29 13:14:15.5+00',
  '1 year 2 months 3 days 04:05:06.78', '\x00ff10'::bytea,
  '{"b": 1, "a": [1, 2.50]}', '{"b": 1, "a": [1, 2.50]}', '<r a="1">x</r>',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy',
  '192.168.0.1', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
  '[1,10)', '[1,10000000000)', '(1.5,2.5]', '[2024-01-01 00:00,2024-01-02 00:00)',
  '[2024-01-01 00:00+00,2024-01-02 00:00+00)', '[2024-01-01,2024-02-01)',
  '{1,NULL,3}', '{"a",NULL,"b c","\"q\""}', '{{1,2},{3,4}}', 5, '(1.5,-2.25)'
);
-- Row 2: edge values: NaN, infinities, negative numbers, zero fractions,
-- full-precision fractions, empty strings and arrays.
INSERT INTO public.all_types VALUES (
  2, false, B'0', B'0000000001', B'', -32768, -2147483648, -9223372036854775808, DEFAULT, 0,
  'NaN', 'Infinity', 'NaN', -999999, 'NaN', -92233720368547758.08,
  '', '', '',
  'infinity', '00:00:00', '23:59:59.999', '23:59:59.999999', '24:00:00', '00:00:00-05:30',
  'infinity', '-infinity', '1970-01-01 00:00:00', '1900-01-01 00:00:00.000001',
  'infinity', '-infinity', '1969-12-31 23:59:59.999999+00', '2024-06-30 23:59:59.999999+05:30',
  '-1 days -00:00:01', ''::bytea,
  '[]', '{}', '<empty/>',
  '00000000-0000-0000-0000-000000000000', 'sad',
  '::1', '2001:db8::/32', '00:00:00:00:00:00', '00:00:00:ff:fe:00:00:00',
  'empty', '(,)', '[-1.5,)', '(,2024-01-01 00:00]', 'empty', '[2024-01-01,infinity)',
  '{}', '{}', '{}', 2147483647, '(0,0)'
);
-- Row 3: NULL in every nullable column.
INSERT INTO public.all_types (id) VALUES (3);
-- More float formatting cases.
INSERT INTO public.all_types (id, c_real, c_double, c_numeric_var, c_date, c_ts, c_tstz)
  VALUES (4, 1e10, 1e-7, 1e-20, '-infinity', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00'),
         (5, 0.1, 0.1, 1e20, '1970-01-01', '2262-04-11 23:47:16.854775', '9999-12-31 23:59:59.999999+00'),
         (6, '-Infinity', '-Infinity', 0, '0001-01-01 BC', '4713-01-01 00:00:00 BC', '2000-01-01 00:00:00+00'),
         (7, 3.4028235e38, 1.7976931348623157e308, -0.5, '2000-01-01', '2000-01-01 00:00:00', '2000-01-01 00:00:00+14');
SELECT setval('public.all_types_id_seq', 100);

-- Column defaults: constants, nextval, now(), and nullable columns with a
-- default that get an explicit NULL (replace.null.with.default).
CREATE SEQUENCE public.defaults_counter_seq START 500;
CREATE TABLE public.defaults (
  id               bigserial PRIMARY KEY,
  c_int_const      integer NOT NULL DEFAULT 42,
  c_int_nullable   integer DEFAULT 7,
  c_text_nullable  varchar(10) DEFAULT 'dflt',
  c_bool_nullable  boolean DEFAULT true,
  c_numeric        numeric(5, 2) DEFAULT 1.50,
  c_real           real DEFAULT 2.5,
  c_date           date DEFAULT '2020-01-02',
  c_date_now       date DEFAULT CURRENT_DATE,
  c_ts_now         timestamp DEFAULT now(),
  c_tstz_now       timestamptz DEFAULT now(),
  c_tstz_const     timestamptz(3) DEFAULT '2020-01-02 03:04:05.6+00',
  c_counter        integer DEFAULT nextval('public.defaults_counter_seq'),
  c_uuid           uuid DEFAULT gen_random_uuid(),
  c_json           json DEFAULT '{"k": 1}',
  c_jsonb          jsonb DEFAULT '{}',
  c_enum           public.mood DEFAULT 'ok',
  c_commented      text
);
COMMENT ON COLUMN public.defaults.c_commented IS 'A column comment, with "quotes"';
COMMENT ON TABLE public.defaults IS 'A table comment';
INSERT INTO public.defaults (c_tstz_now, c_ts_now, c_date_now, c_uuid, c_commented)
  VALUES ('2024-01-01 00:00:00+00', '2024-01-01 00:00:00', '2024-01-01',
          '11111111-1111-1111-1111-111111111111', 'commented');
INSERT INTO public.defaults (c_int_nullable, c_text_nullable, c_bool_nullable, c_numeric, c_real,
                             c_date, c_date_now, c_ts_now, c_tstz_now, c_tstz_const, c_counter,
                             c_uuid, c_json, c_jsonb, c_enum, c_commented)
  VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
          NULL);

-- REPLICA IDENTITY FULL with a primary key.
CREATE TABLE public.ri_full (id integer PRIMARY KEY, name text, big text);
ALTER TABLE public.ri_full REPLICA IDENTITY FULL;
ALTER TABLE public.ri_full ALTER COLUMN big SET STORAGE EXTERNAL;
INSERT INTO public.ri_full VALUES (1, 'one', NULL), (2, 'two', NULL);

-- REPLICA IDENTITY DEFAULT with a primary key (updates, deletes, PK change).
CREATE TABLE public.ri_default (id integer PRIMARY KEY, name text, qty integer);
INSERT INTO public.ri_default VALUES (1, 'one', 10), (2, 'two', 20), (3, 'three', 30);

-- No primary key, REPLICA IDENTITY DEFAULT: only inserts can be published.
CREATE TABLE public.no_pk (a integer, b text);
INSERT INTO public.no_pk VALUES (1, 'x'), (NULL, NULL);

-- No primary key, REPLICA IDENTITY FULL.
CREATE TABLE public.no_pk_full (a integer, b text);
ALTER TABLE public.no_pk_full REPLICA IDENTITY FULL;
INSERT INTO public.no_pk_full VALUES (1, 'x');

-- A unique index but no primary key (does the index give a key?).
CREATE TABLE public.unique_only (u integer NOT NULL UNIQUE, v text);
INSERT INTO public.unique_only VALUES (1, 'x');

-- REPLICA IDENTITY USING INDEX, no primary key.
CREATE TABLE public.ri_index (u integer NOT NULL, w integer NOT NULL, v text);
CREATE UNIQUE INDEX ri_index_uw ON public.ri_index (w, u);
ALTER TABLE public.ri_index REPLICA IDENTITY USING INDEX ri_index_uw;
INSERT INTO public.ri_index VALUES (1, 100, 'x');

-- Composite primary key whose column order differs from the table's.
CREATE TABLE public.composite_pk (tenant integer, id integer, val text, PRIMARY KEY (id, tenant));
INSERT INTO public.composite_pk VALUES (1, 10, 'a'), (2, 10, 'b');

-- Keys of other types: a numeric(10,2) with a date, an unconstrained
-- numeric (a struct in the key), a uuid.
CREATE TABLE public.numeric_pk (id numeric(10, 2), day date, v text, PRIMARY KEY (id, day));
INSERT INTO public.numeric_pk VALUES (1.50, '2024-02-29', 'a'), (-0.01, '1970-01-01', 'b');
CREATE TABLE public.numeric_var_pk (id numeric PRIMARY KEY, v text);
INSERT INTO public.numeric_var_pk VALUES (12.345, 'a'), (1e20, 'b');
CREATE TABLE public.uuid_pk (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), v text);
INSERT INTO public.uuid_pk VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a');

-- Unchanged TOAST columns, one per type, stored out of line uncompressed.
CREATE TABLE public.toast (
  id       integer PRIMARY KEY,
  note     text,
  t_text   text,
  t_varchar varchar,
  t_bytea  bytea,
  t_json   json,
  t_jsonb  jsonb,
  t_xml    xml,
  t_int_arr integer[],
  t_text_arr text[],
  t_numeric numeric
);
ALTER TABLE public.toast
  ALTER COLUMN t_text SET STORAGE EXTERNAL, ALTER COLUMN t_varchar SET STORAGE EXTERNAL,
  ALTER COLUMN t_bytea SET STORAGE EXTERNAL, ALTER COLUMN t_json SET STORAGE EXTERNAL,
  ALTER COLUMN t_jsonb SET STORAGE EXTERNAL, ALTER COLUMN t_xml SET STORAGE EXTERNAL,
  ALTER COLUMN t_int_arr SET STORAGE EXTERNAL, ALTER COLUMN t_text_arr SET STORAGE EXTERNAL,
  ALTER COLUMN t_numeric SET STORAGE EXTERNAL;

-- Tables for TRUNCATE (one alone, two in one statement).
CREATE TABLE public.trunc_a (id integer PRIMARY KEY, v text);
CREATE TABLE public.trunc_b (id integer PRIMARY KEY, v text);
INSERT INTO public.trunc_a VALUES (1, 'a');
INSERT INTO public.trunc_b VALUES (1, 'b');

-- Extension types of the mapping table, arrays of other element types,
-- and values whose text depends on the JVM or the JDBC driver: floats that
-- JDK 17 prints with more digits than needed, dates before the Gregorian
-- calendar (1582-10-15), hstore maps big enough to resize a Java HashMap.
CREATE EXTENSION hstore;
CREATE EXTENSION ltree;
CREATE EXTENSION citext;
CREATE TABLE public.more_types (
  id             smallserial PRIMARY KEY,
  c_hstore       hstore,
  c_ltree        ltree,
  c_citext       citext,
  c_tsvector     tsvector,
  c_real         real,
  c_double       double precision,
  c_date         date,
  c_ts           timestamp,
  c_tstz         timestamptz,
  c_time         time(3),
  c_bool_arr     boolean[],
  c_int2_arr     smallint[],
  c_int8_arr     bigint[],
  c_real_arr     real[],
  c_double_arr   double precision[],
  c_numeric_arr  numeric(5, 2)[],
  c_varchar_arr  varchar(10)[],
  c_uuid_arr     uuid[],
  c_date_arr     date[],
  c_ts_arr       timestamp[],
  c_tstz_arr     timestamptz[],
  c_jsonb_arr    jsonb[],
  c_inet_arr     inet[],
  c_enum_arr     public.mood[],
  c_bytea_arr    bytea[],
  c_ltree_arr    ltree[],
  c_citext_arr   citext[]
);
INSERT INTO public.more_types VALUES (
  1,
  'a=>1, b=>2, c=>3, d=>4, e=>5, f=>6, g=>7, h=>8, i=>9, j=>10, k=>11, l=>12, m=>13, '
  '"key with space"=>"value \"quoted\" \\ back", n=>NULL, é=>ü, "tab	key"=>x, ""=>empty',
  'Top.Science.Astronomy', 'MiXeD Case', 'a fat cat sat on a mat',
  8.589974e9, 2e23, '1000-03-01', '1000-03-01 12:00:00', '1000-03-01 12:00:00+00', '12:34:56.789',
  '{t,f,NULL}', '{1,-32768}', '{9223372036854775807,NULL}', '{1.5,8.589974e9}', '{2e23,0.1}',
  '{1.50,-999.99}', '{"a b","",NULL}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}',
  '{2024-02-29,1970-01-01}', '{"2024-02-29 13:14:15.5"}', '{"2024-02-29 13:14:15.5+02"}',
  ARRAY['{"b": 1}'::jsonb, '[]'::jsonb], '{192.168.0.1,::1}', '{happy,sad}', '{"\\x00ff",NULL}',
  '{a.b,c}', '{Ab,cD}'
);
INSERT INTO public.more_types (id, c_hstore, c_ltree, c_citext, c_tsvector, c_real, c_double,
                               c_date, c_ts, c_tstz, c_time)
  VALUES (2, '', '', '', '', 1.17549435e-38, 2.82879384806159e17, '1582-10-10', '1582-10-10 00:00:00',
          '1582-10-10 00:00:00+00', '00:00:00'),
         (3, 'x=>y', 'a', 'b', 'c:1A', -0.0, 5e-324, '0001-01-01', '0001-01-01 00:00:00', '1969-07-20 20:17:40+00', NULL);
INSERT INTO public.more_types (id) VALUES (4);
SELECT setval('public.more_types_id_seq', 100);

-- Written last by workload.sql; capture.sh waits for its event.
CREATE TABLE public.capture_done (id integer PRIMARY KEY);

-- MOSIP's table (anonymous-profile.md §1.1), routed to the topic "Profiles".
CREATE SCHEMA idrepo;
CREATE TABLE idrepo.anonymous_profile(
    id          character varying(36)  NOT NULL,
    profile     character varying      NOT NULL,
    cr_by       character varying(256) NOT NULL,
    cr_dtimes   timestamp              NOT NULL,
    upd_by      character varying(256),
    upd_dtimes  timestamp,
    is_deleted  boolean DEFAULT FALSE,
    del_dtimes  timestamp,
    CONSTRAINT pk_profile PRIMARY KEY (id)
);
INSERT INTO idrepo.anonymous_profile (id, profile, cr_by, cr_dtimes)
VALUES ('6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b',
 '{"processName":"New","date":"2025-03-14","oldProfile":null,"newProfile":{"yearOfBirth":"1988","gender":"Female","location":["Zone-North","10101"],"preferredLanguage":"eng","channel":["PHONE","EMAIL"],"exceptions":[{"type":"Finger","subType":"Left Thumb"}],"verified":[],"biometricInfo":[{"type":"Finger","subType":"Left Thumb","qualityScore":0,"attempts":"1","digitalId":null},{"type":"Finger","subType":"Right IndexFinger","qualityScore":78,"attempts":"2","digitalId":"{\"serialNo\":\"SN-TEST-0001\",\"make\":\"ACME\",\"model\":\"SLAP01\",\"type\":\"Finger\",\"deviceSubType\":\"Slap\",\"deviceProvider\":\"ACME\",\"deviceProviderId\":\"ACME.SBI\",\"dateTime\":\"2025-03-14T08:01:02Z\"}"},{"type":"Face","subType":"","qualityScore":90,"attempts":"1","digitalId":null}],"documents":["DOC001","DOC004"]}}',
 'mosip-idrepo', '2025-03-14 09:12:44.120');
