-- A streamed transaction with subtransactions: sp1 is released (kept), sp2
-- writes enough to be streamed and is rolled back (Stream Abort with
-- subxid != xid: big ids 10001..11500 must vanish), then released, and the
-- top level writes before and after. The first row goes to big so the
-- server's catalog caches are warm when it streams sp2's rows; otherwise it
-- notices the (already past) rollback at the first sp2 row and streams none.
BEGIN;
INSERT INTO big VALUES (0, 'top first');
INSERT INTO small VALUES (1, 'top before');
SAVEPOINT sp1;
INSERT INTO small VALUES (2, 'released savepoint');
RELEASE SAVEPOINT sp1;
SAVEPOINT sp2;
INSERT INTO big SELECT i, repeat('r', 40) || i FROM generate_series(10001, 11500) AS i;
ROLLBACK TO SAVEPOINT sp2;
RELEASE SAVEPOINT sp2;
INSERT INTO big SELECT i, repeat('k', 40) || i FROM generate_series(1, 1000) AS i;
INSERT INTO small VALUES (3, 'top after');
COMMIT;
