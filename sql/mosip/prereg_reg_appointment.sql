-- prereg.reg_appointment (database mosip_prereg): the appointment booked for an application (at most one), at a centre and slot. Columns, types and keys as in
-- mosip/pre-registration db_scripts/mosip_prereg/ddl/reg_appointment.sql. Idempotent.
CREATE SCHEMA IF NOT EXISTS prereg;

CREATE TABLE IF NOT EXISTS prereg.reg_appointment(
    id               character varying(36)  NOT NULL,
    regcntr_id       character varying(10)  NOT NULL,
    prereg_id        character varying(36)  NOT NULL,
    booking_dtimes   timestamp              NOT NULL,
    appointment_date date,
    slot_from_time   time,
    slot_to_time     time,
    lang_code        character varying(3)   NOT NULL,
    cr_by            character varying(256) NOT NULL,
    cr_dtimes        timestamp              NOT NULL,
    upd_by           character varying(256),
    upd_dtimes       timestamp,
    CONSTRAINT pk_rappmnt_id PRIMARY KEY (id),
    CONSTRAINT uk_rappmnt_id UNIQUE (prereg_id)
);
