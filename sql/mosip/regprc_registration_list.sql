-- regprc.registration_list (database mosip_regprc): the packet syncs the
-- registration client sends, one row per workflow instance; name, phone,
-- email, center_id and location_code hold hashes. Columns, types and key as
-- in mosip/registration db_scripts/mosip_regprc/ddl/regprc-registration_list.sql.
-- Idempotent.
CREATE SCHEMA IF NOT EXISTS regprc;

CREATE TABLE IF NOT EXISTS regprc.registration_list(
    workflow_instance_id   character varying(36)  NOT NULL,
    reg_id                 character varying(39)  NOT NULL,
    process                character varying(64),
    packet_checksum        character varying(128) NOT NULL DEFAULT '0',
    packet_size            bigint                 NOT NULL DEFAULT 0,
    client_status_code     character varying(36),
    client_status_comment  character varying(256),
    additional_info        bytea,
    status_code            character varying(36),
    status_comment         character varying(256),
    lang_code              character varying(3)   NOT NULL,
    cr_by                  character varying(256) NOT NULL,
    cr_dtimes              timestamp              NOT NULL,
    upd_by                 character varying(256),
    upd_dtimes             timestamp,
    is_deleted             boolean DEFAULT FALSE,
    del_dtimes             timestamp,
    name                   character varying,
    phone                  character varying,
    email                  character varying,
    center_id              character varying,
    registration_date      date,
    location_code          character varying,
    additional_info_req_id character varying(256),
    packet_id              character varying,
    ref_id                 character varying(512),
    source                 character varying,
    CONSTRAINT pk_reglist_id PRIMARY KEY (workflow_instance_id)
);
