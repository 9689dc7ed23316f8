-- Browser sessions (tower-sessions records) and failed sign-ins for throttling.
create table sessions (
    id text primary key,
    -- the signed-in account, so a password change or deactivation can end its sessions
    account_id integer constraint sessions_account_fkey references accounts (id) on delete cascade,
    data text not null,
    -- unix seconds
    expires_at integer not null
);
create index sessions_expires_idx on sessions (expires_at);
create index sessions_account_idx on sessions (account_id);

create table sign_in_failures (
    -- 'account:HANDLE' or 'address:IP'
    key text not null,
    -- unix seconds
    at integer not null
);
create index sign_in_failures_key_idx on sign_in_failures (key, at);
