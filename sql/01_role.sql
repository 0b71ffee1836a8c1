-- A least-privilege role for walcast, for a DBA to run by hand instead of
-- letting walcast run as a superuser. Adjust names and the password.
--
--   psql -d mosip_idrepo -v walcast_password="'change-me'" -f sql/01_role.sql
--
-- REPLICATION lets the role open a replication connection and create its
-- logical slot; SELECT lets it read the tables (for the initial snapshot and
-- type lookups). It needs no superuser and owns nothing.
CREATE ROLE walcast WITH LOGIN REPLICATION PASSWORD :walcast_password;

GRANT CONNECT ON DATABASE mosip_idrepo TO walcast;
GRANT USAGE ON SCHEMA idrepo TO walcast;
GRANT SELECT ON idrepo.anonymous_profile, idrepo.channel_info TO walcast;
