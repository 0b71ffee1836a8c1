-- Replica identities DEFAULT, FULL, NOTHING and USING INDEX; a primary key
-- change (old tuple 'K'); a NULL value.
INSERT INTO t_default VALUES (1, 'one', 10), (2, 'two', NULL);
UPDATE t_default SET score = 11 WHERE id = 1;
UPDATE t_default SET id = 100 WHERE id = 1;
DELETE FROM t_default WHERE id = 2;

INSERT INTO t_full VALUES (1, 'full one');
UPDATE t_full SET name = 'full uno' WHERE id = 1;
DELETE FROM t_full WHERE id = 1;

INSERT INTO t_nothing VALUES (1, 'nothing one');

BEGIN;
INSERT INTO t_index VALUES (1, 'c1', 'note one');
UPDATE t_index SET note = 'note uno' WHERE id = 1;
UPDATE t_index SET code = 'c2' WHERE id = 1;
DELETE FROM t_index WHERE id = 1;
COMMIT;
