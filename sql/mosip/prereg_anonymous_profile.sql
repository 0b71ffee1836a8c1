-- prereg.anonymous_profile (database mosip_prereg): one row per
-- pre-registration application, written by Pre-registration. As in
-- mosip/pre-registration db_scripts/mosip_prereg/ddl/anonymous_profile.sql
-- (is_deleted has no default there); see anonymous-profile.md §1.4. Idempotent.
CREATE SCHEMA IF NOT EXISTS prereg;

CREATE TABLE IF NOT EXISTS prereg.anonymous_profile(
    id          character varying(36)  NOT NULL,
    profile     character varying      NOT NULL,
    cr_by       character varying(256) NOT NULL,
    cr_dtimes   timestamp without time zone NOT NULL,
    upd_by      character varying(256),
    upd_dtimes  timestamp without time zone,
    is_deleted  boolean,
    del_dtimes  timestamp without time zone,
    CONSTRAINT anonymous_profile_pkey PRIMARY KEY (id)
);
