-- prereg.applicant_demographic (database mosip_prereg): the pre-registration applications (the demographic form, encrypted), one row per application. Columns, types and key as in
-- mosip/pre-registration db_scripts/mosip_prereg/ddl/applicant_demographic.sql. Idempotent.
CREATE SCHEMA IF NOT EXISTS prereg;

CREATE TABLE IF NOT EXISTS prereg.applicant_demographic(
    prereg_id         character varying(36)  NOT NULL,
    demog_detail      bytea                  NOT NULL,
    demog_detail_hash character varying(64)  NOT NULL,
    encrypted_dtimes  timestamp              NOT NULL,
    status_code       character varying(36)  NOT NULL,
    lang_code         character varying(3)   NOT NULL,
    cr_appuser_id     character varying(256) NOT NULL,
    cr_by             character varying(256) NOT NULL,
    cr_dtimes         timestamp              NOT NULL,
    upd_by            character varying(256),
    upd_dtimes        timestamp,
    CONSTRAINT pk_appldem_prereg_id PRIMARY KEY (prereg_id)
);
