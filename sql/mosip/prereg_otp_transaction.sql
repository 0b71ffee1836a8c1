-- prereg.otp_transaction (database mosip_prereg): one row per login OTP sent
-- to an applicant's phone or email ('active' until used, then 'used').
-- Columns, types and key as in mosip/pre-registration
-- db_scripts/mosip_prereg/ddl/otp_transaction.sql. Idempotent.
CREATE SCHEMA IF NOT EXISTS prereg;

CREATE TABLE IF NOT EXISTS prereg.otp_transaction(
    id                     character varying(36)  NOT NULL,
    ref_id                 character varying(64)  NOT NULL,
    otp_hash               character varying(512) NOT NULL,
    generated_dtimes       timestamp,
    expiry_dtimes          timestamp,
    validation_retry_count smallint,
    status_code            character varying(36),
    lang_code              character varying(3),
    cr_by                  character varying(256) NOT NULL,
    cr_dtimes              timestamp              NOT NULL,
    upd_by                 character varying(256),
    upd_dtimes             timestamp,
    is_deleted             boolean,
    del_dtimes             timestamp,
    CONSTRAINT pk_otpt_id PRIMARY KEY (id)
);
