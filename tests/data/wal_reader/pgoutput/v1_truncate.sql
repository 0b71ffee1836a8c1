-- One TRUNCATE of two tables with RESTART IDENTITY CASCADE.
INSERT INTO t_parent (label) VALUES ('p1');
INSERT INTO t_child (parent_id) VALUES (1);
TRUNCATE t_parent, t_child RESTART IDENTITY CASCADE;
