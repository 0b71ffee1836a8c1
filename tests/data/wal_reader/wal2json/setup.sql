-- Tables for the wal2json decoder captures (see ../README.md).
CREATE TABLE items (
  id integer PRIMARY KEY,
  name text,
  active boolean,
  price numeric(30,10),
  big numeric,
  tags text[],
  nums integer[],
  doc json,
  docb jsonb,
  raw bytea,
  created timestamp(3),
  created_tz timestamptz,
  day date,
  amount money,
  f8 double precision,
  f4 real,
  vc varchar(20),
  u uuid,
  iv interval,
  big_text text
);
-- EXTERNAL: stored out of line uncompressed, so an UPDATE that leaves it
-- alone reaches the decoder as an unchanged TOAST value.
ALTER TABLE items ALTER COLUMN big_text SET STORAGE EXTERNAL;

CREATE TABLE full_items (id integer PRIMARY KEY, note text, qty integer);
ALTER TABLE full_items REPLICA IDENTITY FULL;

CREATE TABLE nopk_full (a integer, b text);
ALTER TABLE nopk_full REPLICA IDENTITY FULL;

CREATE SCHEMA "Other";
CREATE TABLE "Other"."Odd ""Name""" ("Key" bigint PRIMARY KEY, "we""ird" text);
