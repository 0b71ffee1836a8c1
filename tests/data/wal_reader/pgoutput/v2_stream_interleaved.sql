-- Two streamed transactions open at the same time: a dblink session and
-- this one write alternately, so their stream segments interleave; the
-- dblink one commits first.
SELECT dblink_connect('other',
  'host=127.0.0.1 port=' || current_setting('port') || ' user=postgres password=postgres dbname=postgres');
SELECT dblink_exec('other', 'BEGIN');
BEGIN;
SELECT dblink_exec('other',
  'INSERT INTO big SELECT i, repeat(''a'', 40) || i FROM generate_series(1, 700) AS i');
INSERT INTO big SELECT i, repeat('b', 40) || i FROM generate_series(5001, 5700) AS i;
SELECT dblink_exec('other',
  'INSERT INTO big SELECT i, repeat(''a'', 40) || i FROM generate_series(701, 1400) AS i');
INSERT INTO big SELECT i, repeat('b', 40) || i FROM generate_series(5701, 6400) AS i;
SELECT dblink_exec('other', 'COMMIT');
COMMIT;
SELECT dblink_disconnect('other');
