-- A transaction large enough to pass logical_decoding_work_mem (64kB in the
-- capture) is streamed in segments and committed; a transactional message
-- rides inside it. A small transaction after it is sent the ordinary way.
BEGIN;
INSERT INTO big SELECT i, repeat('x', 40) || i FROM generate_series(1, 1000) AS i;
SELECT pg_logical_emit_message(true, 'walcast', 'streamed message');
UPDATE big SET payload = 'updated' WHERE id = 1;
DELETE FROM big WHERE id = 2;
INSERT INTO big SELECT i, repeat('y', 40) || i FROM generate_series(1001, 1500) AS i;
COMMIT;
INSERT INTO small VALUES (1, 'after the stream');
