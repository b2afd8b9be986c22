-- A photo larger than the shown size (≤ 2560 px) keeps a full-resolution copy, upright and without
-- metadata, for "download original". NULL when the shown copy is already the full size.
ALTER TABLE attachments ADD COLUMN original_key text;
