-- Workload for wal2json_tz.frames, captured with PGTZ=Asia/Kolkata so the
-- commit timestamps carry a +05:30 offset.
INSERT INTO items (id, created_tz) VALUES (100, '2024-02-29 13:14:15.123456+02');
SELECT pg_logical_emit_message(true, 'tz', 'in its own transaction');
