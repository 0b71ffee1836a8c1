-- Tables and publication for the proto_version 2 streaming captures.
CREATE EXTENSION dblink;
CREATE TABLE big (id int PRIMARY KEY, payload text);
CREATE TABLE small (id int PRIMARY KEY, note text);
CREATE PUBLICATION pub FOR TABLE big, small;
