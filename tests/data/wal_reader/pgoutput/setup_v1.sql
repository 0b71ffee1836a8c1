-- Tables and publications for the proto_version 1 captures. Run by
-- capture.sh before the slot exists.
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');

CREATE TABLE t_default (id int PRIMARY KEY, name text, score int);
CREATE TABLE t_full (id int, name text);
ALTER TABLE t_full REPLICA IDENTITY FULL;
CREATE TABLE t_nothing (id int, name text);
ALTER TABLE t_nothing REPLICA IDENTITY NOTHING;
CREATE TABLE t_index (id int NOT NULL, code text NOT NULL, note text);
CREATE UNIQUE INDEX t_index_code ON t_index (code);
ALTER TABLE t_index REPLICA IDENTITY USING INDEX t_index_code;
CREATE TABLE t_toast (id int PRIMARY KEY, big text, n int);
CREATE TABLE t_parent (id serial PRIMARY KEY, label text);
CREATE TABLE t_child (id serial PRIMARY KEY, parent_id int REFERENCES t_parent (id));
CREATE TABLE t_enum (id int PRIMARY KEY, m mood);
CREATE TABLE t_alter (id int PRIMARY KEY, a text);

-- t_nothing has no replica identity, so it may publish inserts only.
CREATE PUBLICATION pub FOR TABLE t_default, t_full, t_index, t_toast, t_parent, t_child,
  t_enum, t_alter;
CREATE PUBLICATION pub_insert_only FOR TABLE t_nothing WITH (publish = 'insert');
