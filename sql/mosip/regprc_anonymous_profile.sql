-- regprc.anonymous_profile (database mosip_regprc): one row per registration
-- stage event (a SYNC stub at packet sync, then full profiles), written by the
-- Registration Processor. As in mosip/registration
-- db_scripts/mosip_regprc/ddl/regprc-anonymous_profile.sql; see
-- anonymous-profile.md §1.3. Idempotent.
CREATE SCHEMA IF NOT EXISTS regprc;

CREATE TABLE IF NOT EXISTS regprc.anonymous_profile(
    id            character varying(39)  NOT NULL,
    process_stage character varying(36)  NOT NULL,
    profile       character varying      NOT NULL,
    cr_by         character varying(256) NOT NULL,
    cr_dtimes     timestamp              NOT NULL,
    upd_by        character varying(256),
    upd_dtimes    timestamp,
    is_deleted    boolean DEFAULT FALSE,
    del_dtimes    timestamp,
    CONSTRAINT pk_anonymous_id PRIMARY KEY (id)
);
