-- idrepo.anonymous_profile (database mosip_idrepo): one row per identity
-- create or update, written by the ID Repository's AnonymousProfileHelper
-- (insert only). As in mosip/id-repository
-- db_scripts/mosip_idrepo/ddl/idrepo-anonymous_profile.sql; see
-- anonymous-profile.md §1.1. Idempotent.
CREATE SCHEMA IF NOT EXISTS idrepo;

CREATE TABLE IF NOT EXISTS idrepo.anonymous_profile(
    id          character varying(36)  NOT NULL,
    profile     character varying      NOT NULL,
    cr_by       character varying(256) NOT NULL,
    cr_dtimes   timestamp              NOT NULL,
    upd_by      character varying(256),
    upd_dtimes  timestamp,
    is_deleted  boolean DEFAULT FALSE,
    del_dtimes  timestamp,
    CONSTRAINT pk_profile PRIMARY KEY (id)
);
