-- MOSIP's idrepo.anonymous_profile and idrepo.channel_info tables (as in
-- mosip/id-repository db_scripts) with a few sample profiles for the demo.
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

CREATE TABLE IF NOT EXISTS idrepo.channel_info(
    hashed_channel character varying(128) NOT NULL,
    channel_type   character varying(5)   NOT NULL,
    no_of_records  numeric NOT NULL DEFAULT 0,
    cr_by          character varying(256) NOT NULL,
    cr_dtimes      timestamp NOT NULL,
    upd_by         character varying(256),
    upd_dtimes     timestamp,
    is_deleted     boolean DEFAULT FALSE,
    del_dtimes     timestamp,
    CONSTRAINT pk_channel_info PRIMARY KEY (hashed_channel)
);
