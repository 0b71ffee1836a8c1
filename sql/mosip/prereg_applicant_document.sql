-- prereg.applicant_document (database mosip_prereg): the documents uploaded for an application, at most one per category and type. Columns, types, key and unique
-- index as in mosip/pre-registration db_scripts/mosip_prereg/ddl/applicant_document.sql.
-- Idempotent.
CREATE SCHEMA IF NOT EXISTS prereg;

CREATE TABLE IF NOT EXISTS prereg.applicant_document(
    id               character varying(36)  NOT NULL,
    prereg_id        character varying(36)  NOT NULL,
    doc_name         character varying(128) NOT NULL,
    doc_cat_code     character varying(36)  NOT NULL,
    doc_typ_code     character varying(36)  NOT NULL,
    doc_file_format  character varying(36)  NOT NULL,
    doc_id           character varying(128) NOT NULL,
    doc_hash         character varying(64)  NOT NULL,
    doc_ref_id       character varying,
    encrypted_dtimes timestamp              NOT NULL,
    status_code      character varying(36)  NOT NULL,
    lang_code        character varying(3)   NOT NULL,
    cr_by            character varying(256),
    cr_dtimes        timestamp,
    upd_by           character varying(256),
    upd_dtimes       timestamp,
    CONSTRAINT pk_appldoc_prereg_id PRIMARY KEY (id)
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_appldoc_prereg_id
    ON prereg.applicant_document (prereg_id, doc_cat_code, doc_typ_code);
