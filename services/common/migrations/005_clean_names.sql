-- Names written before bidi controls and zero-width characters were refused at the edge lose them
-- now ("invoice<RLO>gpj.exe" read as "invoiceexe.jpg"); the same set as cleanDisplayText in protocol.
UPDATE users SET display_name = COALESCE(NULLIF(btrim(regexp_replace(display_name,
  '[\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]', '', 'g')), ''), username)
WHERE display_name ~ '[\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]';
UPDATE conversations SET title = COALESCE(NULLIF(btrim(regexp_replace(title,
  '[\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]', '', 'g')), ''), 'Group')
WHERE title ~ '[\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]';
UPDATE attachments SET name = COALESCE(NULLIF(btrim(regexp_replace(name,
  '[\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]', '', 'g')), ''), 'file')
WHERE name ~ '[\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]';
