-- An enum column (the server sends a Type message before the Relation) and
-- an ALTER TABLE ADD COLUMN between two inserts (two Relation messages for
-- the same table).
INSERT INTO t_enum VALUES (1, 'happy');
INSERT INTO t_alter VALUES (1, 'before');
ALTER TABLE t_alter ADD COLUMN b int DEFAULT 5;
INSERT INTO t_alter VALUES (2, 'after', 6);
UPDATE t_alter SET a = 'changed' WHERE id = 1;
