-- Workload for wal2json.frames: one statement per transaction unless BEGIN.
-- Every value is a literal so a re-capture decodes to the same data.
INSERT INTO items VALUES (
  1, 'first', true, 12345678901234567890.0123456789, 3.14159265358979323846264338327950288419716939937510,
  ARRAY['a', 'b c', NULL, 'd"e'], ARRAY[1, 2, 3], '{"k": [1, 2.50, "x"]}', '{"k": [1, 2.50, "x"]}',
  '\x00ff10'::bytea, '2024-02-29 13:14:15.123', '2024-02-29 13:14:15.123456+02', '2024-02-29',
  1234.5, 1.5e300, 0.1, 'short', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1 day 02:03:04',
  (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 300) i));
INSERT INTO items (id, name, active) VALUES (2, E'line\nbreak "quoted" \\ back ü €', false);
UPDATE items SET name = 'renamed', active = NULL WHERE id = 1;
UPDATE items SET id = 10 WHERE id = 2;
DELETE FROM items WHERE id = 10;
UPDATE items SET f8 = 'NaN', f4 = '-Infinity', big = 'NaN' WHERE id = 1;
INSERT INTO full_items VALUES (1, 'one', 5);
UPDATE full_items SET qty = 6 WHERE id = 1;
UPDATE full_items SET id = 2 WHERE id = 1;
DELETE FROM full_items WHERE id = 2;
INSERT INTO nopk_full VALUES (7, 'seven');
UPDATE nopk_full SET b = 'SEVEN' WHERE a = 7;
DELETE FROM nopk_full WHERE a = 7;
INSERT INTO "Other"."Odd ""Name""" VALUES (9007199254740993, 'x');
BEGIN;
INSERT INTO full_items VALUES (3, 'three', 3);
SELECT pg_logical_emit_message(true, 'walcast', E'tx\tmessage');
INSERT INTO full_items VALUES (4, 'four', 4);
COMMIT;
SELECT pg_logical_emit_message(false, 'walcast', E'outside "quoted"\n\\ ü');
TRUNCATE full_items, nopk_full;
ALTER TABLE full_items ADD COLUMN extra text;
INSERT INTO full_items VALUES (5, 'five', 5, 'added');
UPDATE full_items SET extra = 'changed' WHERE id = 5;
ALTER TABLE full_items DROP COLUMN qty;
INSERT INTO full_items VALUES (6, 'six', 'after drop');
DELETE FROM full_items WHERE id = 5;
