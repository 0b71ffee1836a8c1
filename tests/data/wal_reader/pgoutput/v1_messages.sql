-- A transactional message inside a transaction with a row, then a
-- non-transactional message on its own, then one inside a transaction that
-- rolls back (non-transactional, so it is still decoded), then a row.
BEGIN;
INSERT INTO t_default VALUES (7, 'seven', 7);
SELECT pg_logical_emit_message(true, 'walcast', 'in transaction');
COMMIT;
SELECT pg_logical_emit_message(false, 'walcast', 'on its own');
BEGIN;
SELECT pg_logical_emit_message(false, 'walcast.rb', E'binary\\001\\000ok'::bytea);
ROLLBACK;
-- Neither message above forces a WAL flush (no xid, or an abort), and the
-- SQL decoding interface reads only flushed WAL: commit a row to flush.
INSERT INTO t_default VALUES (8, 'flush', 8);
