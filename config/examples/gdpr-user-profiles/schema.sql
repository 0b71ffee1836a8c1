-- The GDPR user-profile example: one randomuser.me-shaped profile per user,
-- as JSON in PostgreSQL (config/examples/gdpr-user-profiles/README.md).
-- `walcast generate-user-profiles` creates this table when it is missing.
CREATE TABLE IF NOT EXISTS public.user_profiles (
    id         text PRIMARY KEY,              -- the profile's login.uuid
    profile    jsonb NOT NULL,                -- the whole profile
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- Updates that leave the (TOASTed) profile alone still carry it to walcast.
ALTER TABLE public.user_profiles REPLICA IDENTITY FULL;
