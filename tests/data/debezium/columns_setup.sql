-- Tables and snapshot rows for the differential test's Debezium column
-- options (docs/differential-test.md, variants columns and modes). Loaded
-- after setup.sql; schema cols is captured by those two variants only.
\set ON_ERROR_STOP on

CREATE SCHEMA cols;
CREATE TYPE cols.mood AS ENUM ('sad', 'ok', 'happy');

-- One column per option, and columns of other types that the options'
-- expressions match. REPLICA IDENTITY FULL: updates and deletes carry the
-- whole old row, mapped like the new one.
CREATE TABLE cols.people (
  id            serial PRIMARY KEY,
  name          text,                -- masked (expression in upper case)
  email         varchar(64),         -- hashed, v1, SHA-256: 64 hex digits fit
  phone         varchar(12),         -- hashed, v2: cut to the column's 12
  city          char(10),            -- hashed, v1, MD5: cut to 10
  bio           text,                -- truncated to 5
  nick          varchar(4),          -- truncate 5 matches, but 4 <= 5: untouched
  secret        text,                -- excluded
  "Internal_Note" text,              -- excluded (expression in another case)
  age           integer,             -- masked: a number keeps its value
  mood          cols.mood,           -- masked: an enum is a character column
  score         numeric(8, 3),       -- source type propagated by column
  small         smallint,            -- source type propagated by data type
  created       timestamptz,         -- source type propagated by data type
  tags          text[],              -- truncate matches an array: values untouched
  data          bytea,               -- truncated to 3 bytes
  doc           jsonb                -- truncated to 5 (a string value)
);
ALTER TABLE cols.people REPLICA IDENTITY FULL;

-- REPLICA IDENTITY DEFAULT: a delete's old row holds the key only, the
-- other columns are nulls, which a mask still replaces. The key is the
-- email (message.key.columns), hashed in the value but not in the key.
CREATE TABLE cols.accounts (
  id     integer PRIMARY KEY,
  email  text NOT NULL,              -- hashed, v1, and the record key
  owner  text,                       -- masked
  notes  text,                       -- hashed, v2; unchanged TOAST in updates
  plan   text                        -- left out by column.include.list (modes)
);
ALTER TABLE cols.accounts ALTER COLUMN notes SET STORAGE EXTERNAL;

INSERT INTO cols.people (name, email, phone, city, bio, nick, secret, "Internal_Note", age,
                         mood, score, small, created, tags, data, doc) VALUES
  ('Anne Müller', 'anne@example.org', '+49301234567', 'Berlin', 'Grüße aus Berlin', 'an',
   's3cr3t', 'internal', 41, 'happy', 12.345, 7, '2024-01-02 03:04:05+00',
   '{alpha,beta}', '\x0102030405', '{"k": "vvvvvv"}'),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL),
  ('日本語の名前', 'やまだ@example.jp', '０９０１２３４５６７８', '東京', '日本語です、どうぞ', 'ab',
   '秘密', 'メモ', 30, 'ok', -1.5, -2, '1999-12-31 23:59:59.5+09', '{日本}', '\x00', '[1,2,3]'),
  ('emoji 😀 ok', 'e😀@x.org', '😀😀😀😀😀😀😀', 'x😀y', 'ab😀cd', '😀', 'e', 'e', 0, 'sad',
   0, 0, '2000-01-01 00:00:00+00', '{}', '\x', '"a😀bcdef"');

INSERT INTO cols.accounts VALUES
  (1, 'one@example.org', 'Owner One', 'short note', 'gold'),
  (2, 'two@example.org', NULL, NULL, NULL);
