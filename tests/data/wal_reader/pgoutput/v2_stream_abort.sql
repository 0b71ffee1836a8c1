-- A streamed transaction that rolls back (Stream Abort with subxid = xid),
-- between two small committed ones. The first one touches big so the
-- decoder's catalog caches are warm: otherwise the server notices the abort
-- while streaming the first row (the SQL interface decodes after the fact)
-- and streams no rows at all.
INSERT INTO big VALUES (0, 'before');
BEGIN;
INSERT INTO big SELECT i, repeat('x', 40) || i FROM generate_series(1, 1500) AS i;
ROLLBACK;
INSERT INTO small VALUES (2, 'after');
