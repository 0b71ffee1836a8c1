-- regprc.registration (database mosip_regprc): a registration packet's place
-- in the processing workflow (stage, status, latest transaction), one row
-- per workflow instance. Columns, types and key as in mosip/registration
-- db_scripts/mosip_regprc/ddl/regprc-registration.sql. Idempotent.
CREATE SCHEMA IF NOT EXISTS regprc;

CREATE TABLE IF NOT EXISTS regprc.registration(
    reg_id                  character varying(39)  NOT NULL,
    process                 character varying(36)  NOT NULL,
    ref_reg_id              character varying(39),
    applicant_type          character varying(36),
    status_code             character varying(36)  NOT NULL,
    lang_code               character varying(3)   NOT NULL,
    status_comment          character varying(256),
    latest_trn_id           character varying(36),
    latest_trn_type_code    character varying(36),
    latest_trn_status_code  character varying(36),
    latest_trn_dtimes       timestamp,
    reg_process_retry_count smallint,
    reg_stage_name          character varying(36),
    trn_retry_count         smallint,
    pkt_cr_dtimes           timestamp,
    is_active               boolean                NOT NULL,
    cr_by                   character varying(256) NOT NULL,
    cr_dtimes               timestamp              NOT NULL,
    upd_by                  character varying(256),
    upd_dtimes              timestamp,
    is_deleted              boolean DEFAULT FALSE,
    del_dtimes              timestamp,
    resume_timestamp        timestamp,
    default_resume_action   character varying(50),
    pause_rule_ids          character varying(256),
    last_success_stage_name character varying(50),
    workflow_instance_id    character varying(36)  NOT NULL,
    source                  character varying,
    iteration               integer DEFAULT 1,
    CONSTRAINT pk_reg_id PRIMARY KEY (workflow_instance_id)
);
