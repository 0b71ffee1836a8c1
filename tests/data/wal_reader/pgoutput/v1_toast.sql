-- An unchanged TOASTed value: big is ~6 kB of md5 text (incompressible
-- enough to be stored out of line), then only n changes, so the server sends
-- 'u' for big.
INSERT INTO t_toast
  SELECT 1, string_agg(md5(i::text), ''), 0 FROM generate_series(1, 200) AS i;
UPDATE t_toast SET n = 1 WHERE id = 1;
DELETE FROM t_toast WHERE id = 1;
