#!/usr/bin/env python3
"""Writes the golden documents of MOSIP's 14 Elasticsearch sink connectors.

An independent model of each connector's chain (mosip/reporting,
kafka-connect/ref_connector_api_calls/*.api), written from the Kafka Connect,
Debezium and MOSIP transform sources, not from walcast's code:

  Debezium (pgoutput, JsonConverter schemas.enable=true, decimal precise,
  time.precision adaptive)  ->  key: StringConverter (the key JSON as is) or
  JsonConverter + ExtractField$Key payload, id (60)  ->  value:
  ExtractNewRecordState (delete.handling.mode=drop, drop.tombstones=false,
  add.fields source.ts_ms:ts_ms,table,lsn, prefix source_) or ExtractField
  payload, after (59, 60, 61)  ->  TimestampConverterAdv per field  ->
  TimestampSelector  ->  Confluent Elasticsearch sink (key.ignore=false,
  schema.ignore=true, behavior.on.null.values=DELETE).

Usage: python3 make_goldens.py   (rewrites the *.json next to it)
"""

import base64
import datetime
import json
import os

PREFIX = "mosip"  # DB_PREFIX_INDEX = Debezium's database.server.name
EPOCH = datetime.datetime(1970, 1, 1)
ISO = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"

# A transaction: commit time and the LSN of each change.
COMMIT_TIME_US = 1705314030456789  # 2024-01-15 10:20:30.456789 UTC
CHANGE_LSN = 24118264
XID = 771


def micros(text):
    """timestamp text (UTC wall time) -> epoch microseconds."""
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in text else "%Y-%m-%d %H:%M:%S"
    d = datetime.datetime.strptime(text, fmt) - EPOCH
    return (d.days * 86400 + d.seconds) * 1000000 + d.microseconds


def days(text):
    return (datetime.datetime.strptime(text, "%Y-%m-%d") - EPOCH).days


def time_micros(text):
    h, m, s = text.split(":")
    sec, _, frac = s.partition(".")
    return ((int(h) * 60 + int(m)) * 60 + int(sec)) * 1000000 + int((frac + "000000")[:6])


def java_div(a, b):
    """Java's integer division: toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def simple_date_format(millis, pattern):
    """java.text.SimpleDateFormat in UTC, for the patterns MOSIP uses."""
    t = EPOCH + datetime.timedelta(milliseconds=millis)
    if pattern == ISO:
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (t.microsecond // 1000) + "Z"
    if pattern == "yyyy-MM-dd":
        return t.strftime("%Y-%m-%d")
    if pattern == "HH:mm:ss":
        return t.strftime("%H:%M:%S")
    raise ValueError(pattern)


def unscaled_bytes(n):
    """BigInteger.toByteArray: two's complement, big-endian, minimal."""
    length = 1
    while not -(1 << (8 * length - 1)) <= n < (1 << (8 * length - 1)):
        length += 1
    return n.to_bytes(length, "big", signed=True)


def debezium_value(typ, text):
    """The JSON value Debezium's `after` carries for a column's text."""
    if text is None:
        return None
    if typ in ("varchar", "text"):
        return text
    if typ == "bool":
        return text == "t"
    if typ in ("int2", "int4", "int8"):
        return int(text)
    if typ == "timestamp":
        return micros(text)  # io.debezium.time.MicroTimestamp
    if typ == "date":
        return days(text)  # io.debezium.time.Date
    if typ == "time":
        return time_micros(text)  # io.debezium.time.MicroTime
    if typ == "bytea":  # \x hex text -> bytes -> base64 (JsonConverter)
        return base64.b64encode(bytes.fromhex(text[2:])).decode()
    if typ == "numeric":  # unconstrained: io.debezium.data.VariableScaleDecimal
        whole, _, frac = text.partition(".")
        return {"scale": len(frac),
                "value": base64.b64encode(unscaled_bytes(int(whole + frac))).decode()}
    raise ValueError(typ)


def key_field_schema(name, typ):
    base = {"varchar": {"type": "string"}, "text": {"type": "string"},
            "int4": {"type": "int32"}, "int8": {"type": "int64"},
            "date": {"type": "int32", "name": "io.debezium.time.Date", "version": 1},
            "time": {"type": "int64", "name": "io.debezium.time.MicroTime", "version": 1}}[typ]
    # Kafka's JsonConverter writes type, optional, name, version, then field.
    out = {"type": base["type"], "optional": False}
    if "name" in base:
        out["name"] = base["name"]
        out["version"] = base["version"]
    out["field"] = name
    return out


def key_json(schema, table, columns, row):
    """The key record Debezium writes (JsonConverter, schemas.enable=true)."""
    keys = [c for c in columns if c.get("key")]
    doc = {"schema": {"type": "struct",
                      "fields": [key_field_schema(c["name"], c["type"]) for c in keys],
                      "optional": False,
                      "name": "%s.%s.%s.Key" % (PREFIX, schema, table)},
           "payload": {c["name"]: debezium_value(c["type"], row[c["name"]]) for c in keys}}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def convert(value, in_type, pattern):
    """MOSIP's TimestampConverterAdv.convertTimestamp."""
    if value is None:
        return None
    if in_type == "milli_sec":
        return simple_date_format(value, pattern)
    if in_type == "micro_sec":
        return simple_date_format(java_div(value, 1000), pattern)
    if in_type == "days_epoch":
        return simple_date_format(value * 24 * 60 * 60 * 1000, pattern)
    raise ValueError(in_type)


def document(conn, schema, table, columns, row):
    doc = {c["name"]: debezium_value(c["type"], row.get(c["name"])) for c in columns}
    if conn["chain"] == "enrs":  # ExtractNewRecordState add.fields, prefix source_
        doc["source_ts_ms"] = COMMIT_TIME_US // 1000
        doc["source_table"] = table
        doc["source_lsn"] = CHANGE_LSN
    for field, in_type, pattern in conn["conversions"]:
        if field in doc:
            doc[field] = convert(doc[field], in_type, pattern)
    for field in conn["ts_order"]:  # TimestampSelector
        v = doc.get(field)
        if v is not None and v != "":
            doc["@timestamp_gen"] = v
            break
    for field in conn.get("leave_out", []):
        doc.pop(field, None)
    return doc


def doc_id(conn, schema, table, columns, row):
    if conn["key"] == "string":  # StringConverter, key.ignore=false
        return key_json(schema, table, columns, row)
    # JsonConverter (schemas off) + ExtractField$Key payload, then id
    return row["id"]


def col(name, typ, key=False):
    c = {"name": name, "type": typ}
    if key:
        c["key"] = True
    return c


AUDIT = [col("cr_by", "varchar"), col("cr_dtimes", "timestamp"), col("upd_by", "varchar"),
         col("upd_dtimes", "timestamp"), col("is_deleted", "bool"), col("del_dtimes", "timestamp")]
CRUD = [("cr_dtimes", "micro_sec", ISO), ("upd_dtimes", "micro_sec", ISO),
        ("del_dtimes", "micro_sec", ISO)]
SOURCE = [("source_ts_ms", "milli_sec", ISO)]


def audit_row(cr="2024-01-15 10:20:30.123999", upd=None):
    return {"cr_by": "admin", "cr_dtimes": cr, "upd_by": None if upd is None else "admin",
            "upd_dtimes": upd, "is_deleted": "f", "del_dtimes": None}


CONNECTORS = [
    {"file": "10.master_doc_type.api", "chain": "enrs", "key": "string",
     "tables": [("master", "doc_type",
                 [col("code", "varchar", True), col("name", "varchar"), col("descr", "varchar"),
                  col("lang_code", "varchar", True), col("is_active", "bool")] + AUDIT)],
     "conversions": SOURCE + CRUD, "ts_order": ["upd_dtimes", "cr_dtimes"],
     "rows": [("insert: @timestamp_gen falls back to cr_dtimes (TimestampSelector)", "c",
               dict(code="POA", name="Proof of Address", descr=None, lang_code="eng",
                    is_active="t", **audit_row())),
              ("update: upd_dtimes wins, micros cut to millis toward zero", "u",
               dict(code="POI", name="Proof of Identity", descr="id", lang_code="fra",
                    is_active="t", **audit_row(upd="2024-02-01 00:00:00.000001")))]},
    {"file": "11.master_registration_center.api", "chain": "enrs", "key": "string",
     "tables": [("master", "registration_center",
                 [col("id", "varchar", True), col("name", "varchar"), col("latitude", "varchar"),
                  col("longitude", "varchar"), col("number_of_kiosks", "int2"),
                  col("per_kiosk_process_time", "time"), col("center_start_time", "time"),
                  col("center_end_time", "time"), col("lunch_start_time", "time"),
                  col("lunch_end_time", "time"), col("lang_code", "varchar", True)] + AUDIT)],
     "conversions": SOURCE + CRUD + [(f, "micro_sec", "HH:mm:ss") for f in (
         "per_kiosk_process_time", "center_start_time", "center_end_time", "lunch_start_time",
         "lunch_end_time")],
     "ts_order": ["upd_dtimes", "cr_dtimes"],
     "rows": [("insert: time columns as HH:mm:ss (TimestampConverterAdv output.format)", "c",
               dict(id="10001", name="Center A", latitude="34.52", longitude="-6.49",
                    number_of_kiosks="3", per_kiosk_process_time="00:15:00",
                    center_start_time="09:00:00", center_end_time="17:30:00.5",
                    lunch_start_time="13:00:00", lunch_end_time="14:00:00", lang_code="eng",
                    **audit_row()))]},
    {"file": "20.audit_app_audit_log.api", "chain": "enrs", "key": "string",
     "tables": [("audit", "app_audit_log",
                 [col("log_id", "varchar", True), col("log_dtimes", "timestamp"),
                  col("log_desc", "varchar"), col("event_id", "varchar"),
                  col("action_dtimes", "timestamp"), col("app_name", "varchar"),
                  col("cr_by", "varchar")])],
     "conversions": SOURCE + [("action_dtimes", "micro_sec", ISO),
                              ("log_dtimes", "micro_sec", ISO)],
     "ts_order": ["log_dtimes", "action_dtimes"],
     "rows": [("insert: @timestamp_gen from log_dtimes (ts.order log_dtimes,action_dtimes)",
               "c", dict(log_id="a1b2", log_dtimes="2024-01-15 10:20:29.5",
                         log_desc="Login", event_id="ADM-001",
                         action_dtimes="2024-01-15 10:20:28", app_name="admin",
                         cr_by="system")),
              ("insert without log_dtimes: action_dtimes is taken", "c",
               dict(log_id="a1b3", log_dtimes=None, log_desc="Logout", event_id="ADM-002",
                    action_dtimes="2024-01-15 10:21:00", app_name="admin", cr_by="system"))]},
    {"file": "30.prereg_applicant_demographic.api", "chain": "enrs", "key": "string",
     "tables": [(("prereg", t),
                 [col("prereg_id", "varchar", True), col("demog_detail", "bytea"),
                  col("demog_detail_hash", "varchar"), col("encrypted_dtimes", "timestamp"),
                  col("status_code", "varchar"), col("lang_code", "varchar"),
                  col("cr_appuser_id", "varchar"), col("cr_by", "varchar"),
                  col("cr_dtimes", "timestamp"), col("upd_by", "varchar"),
                  col("upd_dtimes", "timestamp")])
                for t in ("applicant_demographic", "applicant_demographic_consumed")],
     "conversions": SOURCE + [("encrypted_dtimes", "micro_sec", ISO),
                              ("cr_dtimes", "micro_sec", ISO), ("upd_dtimes", "micro_sec", ISO)],
     "ts_order": ["upd_dtimes", "cr_dtimes"],
     "rows": [("insert: bytea as base64, as Debezium writes it", "c",
               dict(prereg_id="29104736251093", demog_detail="\\x0102ff",
                    demog_detail_hash="ab12", encrypted_dtimes="2024-01-15 10:20:30",
                    status_code="Pending_Appointment", lang_code="eng", cr_appuser_id="u1",
                    cr_by="u1", cr_dtimes="2024-01-15 10:20:30.999", upd_by=None,
                    upd_dtimes=None))]},
    {"file": "31.prereg_applicant_document.api", "chain": "enrs", "key": "string",
     "tables": [(("prereg", t),
                 [col("id", "varchar", True), col("prereg_id", "varchar"),
                  col("doc_name", "varchar"), col("doc_cat_code", "varchar"),
                  col("doc_typ_code", "varchar"), col("encrypted_dtimes", "timestamp"),
                  col("lang_code", "varchar"), col("cr_by", "varchar"),
                  col("cr_dtimes", "timestamp"), col("upd_by", "varchar"),
                  col("upd_dtimes", "timestamp")])
                for t in ("applicant_document", "applicant_document_consumed")],
     "conversions": SOURCE + [("encrypted_dtimes", "micro_sec", ISO),
                              ("cr_dtimes", "micro_sec", ISO), ("upd_dtimes", "micro_sec", ISO)],
     "ts_order": ["upd_dtimes", "cr_dtimes"],
     "lookups": "doc_type_name (join01, a lookup in master.doc_type) is left out",
     "rows": [("insert: key JSON _id, source_* fields, encrypted_dtimes NULL stays null", "c",
               dict(id="d-0001", prereg_id="29104736251093", doc_name="poa.pdf",
                    doc_cat_code="POA", doc_typ_code="RNC", encrypted_dtimes=None,
                    lang_code="eng", cr_by="u1", cr_dtimes="2024-01-15 10:20:30.1",
                    upd_by="u2", upd_dtimes="2024-01-16 11:00:00"))]},
    {"file": "32.prereg_reg_appointment.api", "chain": "enrs", "key": "string",
     "tables": [(("prereg", t),
                 [col("id", "varchar", True), col("regcntr_id", "varchar"),
                  col("prereg_id", "varchar"), col("booking_dtimes", "timestamp"),
                  col("appointment_date", "date"), col("slot_from_time", "time"),
                  col("slot_to_time", "time"), col("lang_code", "varchar"),
                  col("cr_by", "varchar"), col("cr_dtimes", "timestamp"),
                  col("upd_by", "varchar"), col("upd_dtimes", "timestamp")])
                for t in ("reg_appointment", "reg_appointment_consumed")],
     "conversions": SOURCE + [("booking_dtimes", "micro_sec", ISO),
                              ("appointment_date", "days_epoch", "yyyy-MM-dd"),
                              ("slot_from_time", "micro_sec", "HH:mm:ss"),
                              ("slot_to_time", "micro_sec", "HH:mm:ss"),
                              ("cr_dtimes", "micro_sec", ISO), ("upd_dtimes", "micro_sec", ISO)],
     "ts_order": ["upd_dtimes", "cr_dtimes"],
     "lookups": "regcntr_name (join01, a lookup in master.registration_center) is left out",
     "rows": [("insert: date as yyyy-MM-dd (days_epoch), times as HH:mm:ss", "c",
               dict(id="appt-1", regcntr_id="10001", prereg_id="29104736251093",
                    booking_dtimes="2024-01-15 10:20:30", appointment_date="2024-02-29",
                    slot_from_time="09:15:00", slot_to_time="09:30:00", lang_code="eng",
                    cr_by="u1", cr_dtimes="2024-01-15 10:20:30", upd_by=None,
                    upd_dtimes=None))]},
    {"file": "33.prereg_reg_available_slot.api", "chain": "enrs", "key": "string",
     "tables": [("prereg", "reg_available_slot",
                 [col("regcntr_id", "varchar", True), col("availability_date", "date", True),
                  col("slot_from_time", "time", True), col("slot_to_time", "time"),
                  col("available_kiosks", "int4"), col("lang_code", "varchar")] + AUDIT)],
     "conversions": SOURCE + [("availability_date", "days_epoch", "yyyy-MM-dd"),
                              ("slot_from_time", "micro_sec", "HH:mm:ss"),
                              ("slot_to_time", "micro_sec", "HH:mm:ss")] + CRUD,
     "ts_order": ["upd_dtimes", "cr_dtimes"],
     "lookups": "regcntr_name (join01, a lookup in master.registration_center) is left out",
     "rows": [("insert: a key of varchar, date and time (Date / MicroTime in the key JSON)", "c",
               dict(regcntr_id="10001", availability_date="2024-01-15",
                    slot_from_time="09:00:00", slot_to_time="09:15:00", available_kiosks="2",
                    lang_code="eng", **audit_row())),
              ("delete: the tombstone deletes the key JSON _id (behavior.on.null.values)", "d",
               dict(regcntr_id="10001", availability_date="2024-01-15",
                    slot_from_time="09:00:00", slot_to_time="09:15:00", available_kiosks="2",
                    lang_code="eng", **audit_row()))]},
    {"file": "34.prereg_otp_transaction.api", "chain": "enrs", "key": "string",
     "tables": [("prereg", "otp_transaction",
                 [col("id", "varchar", True), col("ref_id", "varchar"), col("otp_hash", "varchar"),
                  col("generated_dtimes", "timestamp"), col("expiry_dtimes", "timestamp"),
                  col("validation_retry_count", "int4"), col("status_code", "varchar")] + AUDIT)],
     "conversions": SOURCE + [("generated_dtimes", "micro_sec", ISO),
                              ("expiry_dtimes", "micro_sec", ISO)] + CRUD,
     "ts_order": ["upd_dtimes", "cr_dtimes"],
     "rows": [("insert: generated/expiry_dtimes micro_sec -> ISO, source_ts_ms milli_sec -> ISO", "c",
               dict(id="otp-1", ref_id="user@example.org", otp_hash="9f86d0",
                    generated_dtimes="2024-01-15 10:20:30.25", expiry_dtimes="2024-01-15 10:23:30.25",
                    validation_retry_count="0", status_code="OTP_GENERATED", **audit_row()))]},
    {"file": "40.ida_auth_transaction.api", "chain": "enrs", "key": "string",
     "tables": [("ida", "auth_transaction",
                 [col("id", "varchar", True), col("request_dtimes", "timestamp"),
                  col("response_dtimes", "timestamp"), col("request_trn_id", "varchar"),
                  col("auth_type_code", "varchar"), col("status_code", "varchar"),
                  col("ref_id", "varchar"), col("requested_entity_id", "varchar")] + AUDIT)],
     "conversions": SOURCE + [("request_dtimes", "micro_sec", ISO),
                              ("response_dtimes", "micro_sec", ISO)] + CRUD,
     "ts_order": ["upd_dtimes", "cr_dtimes"],
     "rows": [("insert: request/response_dtimes micro_sec -> ISO (TimestampConverterAdv)", "c",
               dict(id="auth-1", request_dtimes="2024-01-15 10:20:30.001",
                    response_dtimes="2024-01-15 10:20:30.402", request_trn_id="trn-9",
                    auth_type_code="OTP-REQUEST", status_code="Y", ref_id="h4sh",
                    requested_entity_id="partner-1", **audit_row()))]},
    {"file": "50.regprc_registration.api", "chain": "enrs", "key": "string",
     "tables": [("regprc", "registration",
                 [col("workflow_instance_id", "varchar", True), col("reg_id", "varchar"),
                  col("reg_type", "varchar"), col("status_code", "varchar"),
                  col("latest_trn_dtimes", "timestamp"), col("pkt_cr_dtimes", "timestamp"),
                  col("reg_process_retry_count", "int2"), col("is_active", "bool")] + AUDIT +
                 [col("resume_timestamp", "timestamp")])],
     "conversions": SOURCE + [("latest_trn_dtimes", "micro_sec", ISO),
                              ("pkt_cr_dtimes", "micro_sec", ISO)] + CRUD +
                    [("resume_timestamp", "micro_sec", ISO)],
     "ts_order": ["upd_dtimes", "cr_dtimes"],
     "rows": [("update: resume_timestamp NULL stays null, upd_dtimes wins (TimestampSelector)", "u",
               dict(workflow_instance_id="wf-1", reg_id="10001100010002420240115102030",
                    reg_type="NEW", status_code="PROCESSED",
                    latest_trn_dtimes="2024-01-15 10:25:00", pkt_cr_dtimes="2024-01-15 10:00:00",
                    reg_process_retry_count="0", is_active="t",
                    resume_timestamp=None,
                    **audit_row(upd="2024-01-15 10:25:00.75")))]},
    {"file": "51.regprc_registration_list.api", "chain": "enrs", "key": "string",
     "tables": [("regprc", "registration_list",
                 [col("workflow_instance_id", "varchar", True), col("reg_id", "varchar"),
                  col("packet_size", "int8"), col("client_status_code", "varchar")] + AUDIT)],
     "conversions": SOURCE + CRUD, "ts_order": ["upd_dtimes", "cr_dtimes"],
     "rows": [("insert: int8 packet_size as a number (values=debezium), key JSON _id", "c",
               dict(workflow_instance_id="wf-2", reg_id="10001100010002420240115102031",
                    packet_size="4398046511104", client_status_code="UPLOADED",
                    **audit_row()))]},
    {"file": "59.regprc_anon_profile.api", "chain": "extract", "key": "string",
     "tables": [("regprc", "anonymous_profile",
                 [col("id", "varchar", True), col("process_stage", "varchar"),
                  col("profile", "varchar")] + AUDIT)],
     "conversions": CRUD, "ts_order": ["upd_dtimes", "cr_dtimes"],
     "leave_out": ["profile", "registrationCenterGeoLocation", "documents_names"],
     "lookups": "profile (StringToJson + AnonymousProfileTransform: the profile goldens in "
                "tests/data/elasticsearch/ check it), registrationCenterGeoLocation and "
                "documents_names (DynamicNewField lookups) are left out",
     "rows": [("insert: no source_* fields after ExtractField payload/after", "c",
               dict(id="10001100010002420240115102030", process_stage="PacketReceiverStage",
                    profile='{"processName":"NEW","processStage":"PacketReceiverStage",'
                            '"date":"2024-01-15","yearOfBirth":1990,"gender":"Male"}',
                    **audit_row()))]},
    {"file": "60.idrepo_anon_profile.api", "chain": "extract", "key": "id",
     "tables": [("idrepo", "anonymous_profile",
                 [col("id", "varchar", True), col("profile", "varchar")] + AUDIT)],
     "conversions": CRUD, "ts_order": ["upd_dtimes", "cr_dtimes"],
     "leave_out": ["profile", "documents_names"],
     "lookups": "profile (StringToJson + AnonymousProfileTransform: the profile goldens in "
                "tests/data/elasticsearch/ check it) and documents_names (DynamicNewField "
                "lookups) are left out",
     "rows": [("insert: the _id is the key's id (ExtractField$Key payload, id)", "c",
               dict(id="6c1d2c5e-7f1a-4b3e-9d2a-1f0e8c7b6a59",
                    profile='{"processName":"New","date":"2024-01-15","oldProfile":{},'
                            '"newProfile":{"yearOfBirth":"1988","gender":"Female"}}',
                    **audit_row()))]},
    {"file": "61.idrepo_channel_info.api", "chain": "extract", "key": "string",
     "tables": [("idrepo", "channel_info",
                 [col("hashed_channel", "varchar", True), col("channel_type", "varchar"),
                  col("no_of_records", "numeric")] + AUDIT)],
     "conversions": CRUD, "ts_order": ["upd_dtimes", "cr_dtimes"],
     "rows": [("update: numeric as VariableScaleDecimal {scale, value}", "u",
               dict(hashed_channel="5e884898da28047151d0e56f8dc6292773603d0d",
                    channel_type="phone", no_of_records="300",
                    **audit_row(upd="2024-01-16 08:00:00"))),
              ("delete: after is null, the document is deleted", "d",
               dict(hashed_channel="5e884898da28047151d0e56f8dc6292773603d0d",
                    channel_type="phone", no_of_records="300", **audit_row()))]},
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for conn in CONNECTORS:
        tables = []
        for entry in conn["tables"]:
            if isinstance(entry[0], tuple):
                (schema, table), columns = entry
            else:
                schema, table, columns = entry
            tables.append((schema, table, columns))
        cases = []
        for schema, table, columns in tables:
            for name, op, row in conn["rows"]:
                index = ("%s.%s.%s" % (PREFIX, schema, table)).lower()
                case = {"name": name, "table": "%s.%s" % (schema, table), "op": op,
                        "row": row, "index": index,
                        "id": doc_id(conn, schema, table, columns, row)}
                if op == "d":
                    case["action"] = "delete"
                else:
                    case["action"] = "index"
                    case["document"] = document(conn, schema, table, columns, row)
                cases.append(case)
        out = {"connector": conn["file"],
               "source": "mosip/reporting kafka-connect/ref_connector_api_calls/" + conn["file"],
               "chain": conn["chain"], "key": conn["key"],
               "conversions": [list(c) for c in conn["conversions"]],
               "ts_order": conn["ts_order"],
               "not_covered": conn.get("lookups", ""),
               "leave_out": conn.get("leave_out", []),
               "topic_prefix": PREFIX,
               "txn": {"commit_time_us": COMMIT_TIME_US, "xid": XID, "change_lsn": CHANGE_LSN},
               "tables": [{"schema": s, "name": t, "columns": c} for s, t, c in tables],
               "cases": cases}
        path = os.path.join(here, conn["file"].replace(".api", ".json"))
        with open(path, "w") as f:
            json.dump(out, f, indent=1, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
