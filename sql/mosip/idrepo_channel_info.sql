-- idrepo.channel_info (database mosip_idrepo): how many identities use each
-- hashed phone or email ('NO_PHONE' / 'NO_EMAIL' count those without),
-- upserted by the ID Repository's ChannelInfoHelper. As in mosip/id-repository
-- db_scripts/mosip_idrepo/ddl/idrepo-channel_info.sql; see
-- anonymous-profile.md §1.2 and §4.4. Idempotent.
CREATE SCHEMA IF NOT EXISTS idrepo;

CREATE TABLE IF NOT EXISTS idrepo.channel_info(
    hashed_channel character varying(128) NOT NULL,
    channel_type   character varying(5)   NOT NULL,
    no_of_records  numeric NOT NULL DEFAULT 0,
    cr_by          character varying(256) NOT NULL,
    cr_dtimes      timestamp              NOT NULL,
    upd_by         character varying(256),
    upd_dtimes     timestamp,
    is_deleted     boolean DEFAULT FALSE,
    del_dtimes     timestamp,
    CONSTRAINT pk_channel_info PRIMARY KEY (hashed_channel)
);
