-- Accounts that sign in, API tokens for automation, and the audit log.
create table accounts (
    id bigint generated always as identity primary key,
    handle text not null constraint accounts_handle_key unique,
    -- argon2id PHC string; null for accounts that only sign in through GitHub
    password_hash text,
    role text not null,
    person_id bigint constraint accounts_person_fkey references people (id) on delete set null,
    active bigint not null default 1,
    created_at text not null,
    updated_at text not null
);

create table api_tokens (
    id bigint generated always as identity primary key,
    account_id bigint not null constraint api_tokens_account_fkey references accounts (id) on delete cascade,
    name text not null,
    -- the first characters, shown in lists so a person can tell tokens apart
    prefix text not null,
    -- SHA-256 of the whole token; the token itself is never stored
    token_hash text not null constraint api_tokens_hash_key unique,
    scope text not null,
    expires_at text,
    last_used_at text,
    revoked_at text,
    created_at text not null
);
create index api_tokens_account_idx on api_tokens (account_id);

create table audit_events (
    id bigint generated always as identity primary key,
    at text not null,
    actor_kind text not null,
    actor text not null,
    action text not null,
    subject_type text not null,
    subject text not null,
    before text,
    after text,
    request_id text
);
create index audit_events_subject_idx on audit_events (subject_type, subject, at);
create index audit_events_at_idx on audit_events (at);
