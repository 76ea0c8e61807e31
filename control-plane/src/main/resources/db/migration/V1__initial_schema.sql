-- Ignis control plane: initial schema. Never edit a released migration; add V<n+1>__... instead.

create table projects (
    id          uuid primary key,
    name        varchar(63) not null unique,
    created_at  timestamptz not null
);

create table api_keys (
    id          uuid primary key,
    project_id  uuid not null references projects (id) on delete cascade,
    name        varchar(100) not null,
    role        varchar(16) not null check (role in ('ADMIN', 'MEMBER')),
    prefix      varchar(32) not null,
    secret_hash bytea not null unique,
    created_at  timestamptz not null,
    revoked_at  timestamptz
);
create index api_keys_project on api_keys (project_id);

create table models (
    id               uuid primary key,
    project_id       uuid references projects (id) on delete cascade,
    name             varchar(100) not null,
    origin           varchar(16) not null check (origin in ('CATALOG', 'LOCAL', 'CUSTOM')),
    task             varchar(16) check (task in ('CHAT', 'COMPLETION', 'EMBEDDING')),
    architecture     varchar(64),
    parameter_count  bigint,
    max_context      integer,
    layer_count      integer,
    kv_width         integer,
    licence          varchar(100),
    description      text,
    source_uri       text not null,
    source_sha256    varchar(64),
    source_format    varchar(16) not null,
    stored_precision varchar(16),
    size_bytes       bigint,
    status           varchar(16) not null check (status in ('PREPARING', 'READY', 'ERROR')),
    status_message   text,
    tags             text[] not null default '{}',
    catalog_version  integer,
    created_at       timestamptz not null,
    updated_at       timestamptz not null
);
-- Public models (catalog, local folder) have no project; names are unique among them and per project.
create unique index models_public_name on models (name) where project_id is null;
create unique index models_project_name on models (project_id, name) where project_id is not null;

create table deployments (
    id                         uuid primary key,
    project_id                 uuid not null references projects (id) on delete cascade,
    name                       varchar(63) not null,
    model_id                   uuid not null references models (id),
    quantization               varchar(8) not null,
    node_type                  varchar(64) not null,
    min_replicas               integer not null,
    max_replicas               integer not null,
    context_size               integer not null,
    threads                    integer,
    slots                      integer,
    tags                       text[] not null default '{}',
    public_endpoint            boolean not null,
    public_endpoint_auth       boolean not null,
    public_endpoint_url        text,
    private_endpoint           boolean not null,
    private_endpoint_auth      boolean not null,
    private_endpoint_url       text,
    status                     varchar(16) not null,
    status_reason              text,
    version                    bigint not null,
    created_at                 timestamptz not null,
    updated_at                 timestamptz not null,
    constraint deployments_name_unique unique (project_id, name),
    constraint deployments_replicas check (min_replicas >= 0 and max_replicas >= min_replicas)
);
create index deployments_model on deployments (model_id);
create index deployments_project_created on deployments (project_id, created_at);

create table deployment_events (
    id             bigserial primary key,
    deployment_id  uuid not null references deployments (id) on delete cascade,
    occurred_at    timestamptz not null,
    kind           varchar(32) not null,
    message        text not null,
    actor          varchar(200) not null
);
create index deployment_events_deployment on deployment_events (deployment_id, id);

create table acl_rules (
    id             uuid primary key,
    deployment_id  uuid not null references deployments (id) on delete cascade,
    cidr           varchar(64) not null,
    description    varchar(200),
    created_at     timestamptz not null,
    constraint acl_rules_unique unique (deployment_id, cidr)
);

create table endpoint_keys (
    id             uuid primary key,
    deployment_id  uuid not null references deployments (id) on delete cascade,
    name           varchar(100) not null,
    prefix         varchar(32) not null,
    secret_hash    bytea not null unique,
    created_at     timestamptz not null,
    revoked_at     timestamptz
);
create index endpoint_keys_deployment on endpoint_keys (deployment_id);

create table idempotency_keys (
    project_id     uuid not null references projects (id) on delete cascade,
    key            varchar(255) not null,
    request_hash   bytea not null,
    deployment_id  uuid not null,
    created_at     timestamptz not null,
    primary key (project_id, key)
);
