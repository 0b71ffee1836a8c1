-- A transaction replayed under a replication origin: the server sends an
-- Origin message after Begin.
SELECT pg_replication_origin_create('walcast_origin');
SELECT pg_replication_origin_session_setup('walcast_origin');
BEGIN;
SELECT pg_replication_origin_xact_setup('0/ABCDEF', '2024-01-02 03:04:05+00');
INSERT INTO t_default VALUES (9, 'from origin', 9);
COMMIT;
SELECT pg_replication_origin_session_reset();
