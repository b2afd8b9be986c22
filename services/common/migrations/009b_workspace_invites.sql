-- Workspace invite links get a name of their own, beside the channels' invites (issue 13).
ALTER TABLE invites RENAME TO workspace_invites;
ALTER INDEX invites_created RENAME TO workspace_invites_created;
