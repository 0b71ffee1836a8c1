-- master.registration_center (database mosip_master): one row per centre and
-- language. Reporting joins appointments' regcntr_id and the profiles'
-- enrollmentCenterId to `name`, `latitude` and `longitude` here. Columns,
-- types and key as in mosip/admin-services
-- db_scripts/mosip_master/ddl/master-registration_center.sql. Idempotent.
CREATE SCHEMA IF NOT EXISTS master;

CREATE TABLE IF NOT EXISTS master.registration_center(
    id                     character varying(10)  NOT NULL,
    name                   character varying(128) NOT NULL,
    cntrtyp_code           character varying(36),
    addr_line1             character varying(256),
    addr_line2             character varying(256),
    addr_line3             character varying(256),
    latitude               character varying(32),
    longitude              character varying(32),
    location_code          character varying(36)  NOT NULL,
    contact_phone          character varying(16),
    contact_person         character varying(128),
    number_of_kiosks       smallint,
    working_hours          character varying(32),
    per_kiosk_process_time time,
    center_start_time      time,
    center_end_time        time,
    lunch_start_time       time,
    lunch_end_time         time,
    time_zone              character varying(64),
    holiday_loc_code       character varying(36),
    zone_code              character varying(36)  NOT NULL,
    lang_code              character varying(3)   NOT NULL,
    is_active              boolean                NOT NULL,
    cr_by                  character varying(256) NOT NULL,
    cr_dtimes              timestamp              NOT NULL,
    upd_by                 character varying(256),
    upd_dtimes             timestamp,
    is_deleted             boolean DEFAULT FALSE,
    del_dtimes             timestamp,
    CONSTRAINT pk_regcntr_code PRIMARY KEY (id, lang_code)
);
