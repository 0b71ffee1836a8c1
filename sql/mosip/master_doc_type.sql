-- master.doc_type (database mosip_master): the kinds of document an applicant
-- can bring, one row per code and language. Reporting joins
-- prereg.applicant_document.doc_typ_code and the profiles' `documents` to
-- `name` here. Columns, types and key as in mosip/admin-services
-- db_scripts/mosip_master/ddl/master-doc_type.sql. Idempotent.
CREATE SCHEMA IF NOT EXISTS master;

CREATE TABLE IF NOT EXISTS master.doc_type(
    code        character varying(36)  NOT NULL,
    name        character varying(64)  NOT NULL,
    descr       character varying(128),
    lang_code   character varying(3)   NOT NULL,
    is_active   boolean                NOT NULL,
    cr_by       character varying(256) NOT NULL,
    cr_dtimes   timestamp              NOT NULL,
    upd_by      character varying(256),
    upd_dtimes  timestamp,
    is_deleted  boolean DEFAULT FALSE,
    del_dtimes  timestamp,
    CONSTRAINT pk_doctyp_code PRIMARY KEY (code, lang_code)
);
