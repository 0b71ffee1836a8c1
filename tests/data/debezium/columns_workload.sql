-- Streamed events for the column options (see columns_setup.sql). Run
-- before workload.sql, whose last insert ends the capture.
\set ON_ERROR_STOP on

INSERT INTO cols.people (name, email, phone, city, bio, nick, secret, "Internal_Note", age,
                         mood, score, small, created, tags, data, doc) VALUES
  ('Zoë Ærø', 'zoe@example.dk', '+4512345678', 'Århus', 'Hej', 'zo', 'x', 'y', 25, 'ok',
   99999.999, 32767, '2030-06-15 12:00:00+02', '{a,b,c}', '\xdeadbeef', '{"long": "value"}'),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL);
UPDATE cols.people SET name = 'Anne M.', bio = 'Neue Grüße', phone = NULL, data = '\xff'
  WHERE email = 'anne@example.org';
UPDATE cols.people SET name = NULL, email = 'new@example.org', city = 'Köln' WHERE id = 2;
DELETE FROM cols.people WHERE email = 'e😀@x.org';

INSERT INTO cols.accounts VALUES
  (3, 'three@example.org', 'Ünïcödé Owner',
   (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 200) i) || 'ü', 'free');
-- notes is TOASTed and unchanged: streamed as the placeholder, hashed.
UPDATE cols.accounts SET owner = 'Third Owner' WHERE id = 3;
UPDATE cols.accounts SET notes = 'now set', plan = 'silver' WHERE id = 2;
DELETE FROM cols.accounts WHERE id = 1;
