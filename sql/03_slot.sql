-- Optional: create the slot ahead of time (walcast creates it at start when
-- missing). Run as the walcast role or a superuser.
SELECT pg_create_logical_replication_slot('walcast', 'pgoutput');
