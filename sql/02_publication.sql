-- The publication walcast streams, created by the tables' owner (not a
-- superuser), so walcast can run with publication.autocreate.mode=disabled.
-- Only FOR TABLE publications: walcast never needs FOR ALL TABLES.
--
--   psql -d mosip_idrepo -U <table owner> -f sql/02_publication.sql
CREATE PUBLICATION walcast_publication FOR TABLE idrepo.anonymous_profile, idrepo.channel_info;

-- Tables without a primary key need a replica identity for UPDATE/DELETE to
-- be published; FULL also gives complete "before" images:
-- ALTER TABLE idrepo.some_table REPLICA IDENTITY FULL;
