-- The order the sender chose for a message's attachments (0, 1, 2…). Uploads finish in any order,
-- so created_at is not it. NULL for attachments not (yet) on a message; older rows keep created_at order.
ALTER TABLE attachments ADD COLUMN position smallint;
