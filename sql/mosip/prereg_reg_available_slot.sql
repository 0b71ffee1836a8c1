-- prereg.reg_available_slot (database mosip_prereg): each centre's bookable
-- slots per day, with the kiosks still free. Columns, types and key as in
-- mosip/pre-registration db_scripts/mosip_prereg/ddl/reg_available_slot.sql.
-- Idempotent.
CREATE SCHEMA IF NOT EXISTS prereg;

CREATE TABLE IF NOT EXISTS prereg.reg_available_slot(
    regcntr_id        character varying(10)  NOT NULL,
    availability_date date                   NOT NULL,
    slot_from_time    time                   NOT NULL,
    slot_to_time      time,
    available_kiosks  smallint,
    cr_by             character varying(256) NOT NULL,
    cr_dtimes         timestamp              NOT NULL,
    upd_by            character varying(256),
    upd_dtimes        timestamp,
    is_deleted        boolean,
    del_dtimes        timestamp,
    CONSTRAINT pk_ravlslt_id PRIMARY KEY (regcntr_id, availability_date, slot_from_time)
);
