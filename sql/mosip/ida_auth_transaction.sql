-- ida.auth_transaction (database mosip_ida): one row per authentication or
-- OTP request ID Authentication served; auth_type_code lists the request
-- types joined by commas, status_code is 'Y' or 'N'. Columns, types and key as
-- in mosip/id-authentication db_scripts/mosip_ida/ddl/ida-auth_transaction.sql.
-- Idempotent.
CREATE SCHEMA IF NOT EXISTS ida;

CREATE TABLE IF NOT EXISTS ida.auth_transaction(
    id                    character varying(36)   NOT NULL,
    request_dtimes        timestamp               NOT NULL,
    response_dtimes       timestamp               NOT NULL,
    request_trn_id        character varying(64),
    auth_type_code        character varying(128)  NOT NULL,
    status_code           character varying(36)   NOT NULL,
    status_comment        character varying(1024),
    lang_code             character varying(3)    NOT NULL,
    ref_id_type           character varying(36),
    ref_id                character varying(64),
    token_id              character varying(128)  NOT NULL,
    requested_entity_type character varying(64),
    requested_entity_id   character varying(36),
    requested_entity_name character varying(128),
    static_tkn_id         character varying(64),
    request_signature     character varying,
    response_signature    character varying,
    cr_by                 character varying(256)  NOT NULL,
    cr_dtimes             timestamp               NOT NULL,
    upd_by                character varying(256),
    upd_dtimes            timestamp,
    is_deleted            boolean NOT NULL DEFAULT FALSE,
    del_dtimes            timestamp,
    CONSTRAINT pk_authtrn_id PRIMARY KEY (id)
);
