-- Servers (Nova's instances). A row lives from the create request until the
-- delete has finished on the host; `vm_state`/`task_state`/`power_state`
-- are Nova's and the API's `status` is derived from them.
CREATE TABLE servers (
    id                uuid        PRIMARY KEY,
    -- Listing order and paging marker.
    seq               bigserial   NOT NULL UNIQUE,
    project_id        text        NOT NULL,
    user_id           text        NOT NULL,
    -- The claims of the user who asked for it: the network and storage
    -- services apply that user's rights to its ports and volumes, also
    -- when a build is retried later.
    creator           jsonb       NOT NULL,
    name              text        NOT NULL,
    hostname          text        NOT NULL,
    reservation_id    text        NOT NULL,
    launch_index      integer     NOT NULL DEFAULT 0,
    vm_state          text        NOT NULL,
    task_state        text,
    power_state       integer     NOT NULL DEFAULT 0,
    -- The host it runs on once scheduled (its claim is `flavor`'s size).
    host              text,
    claimed           boolean     NOT NULL DEFAULT false,
    availability_zone text,
    requested_zone    text,
    -- The flavor as it was at create (or resize): id, name, vcpus, ram,
    -- disk, ephemeral, swap, extra_specs.
    flavor            jsonb       NOT NULL,
    -- The flavor being resized to, until confirmed or reverted.
    new_flavor        jsonb,
    -- '' when it boots from a volume.
    image_id          text        NOT NULL DEFAULT '',
    key_name          text,
    key_data          text,
    user_data         text,
    config_drive      boolean     NOT NULL DEFAULT false,
    metadata          jsonb       NOT NULL DEFAULT '{}',
    security_groups   jsonb       NOT NULL DEFAULT '[]',
    -- What the create asked for ({network_id, port_id, fixed_ip}).
    requested_networks jsonb      NOT NULL DEFAULT '[]',
    -- The network service's view of its ports (Nova's network info cache).
    ports             jsonb       NOT NULL DEFAULT '[]',
    -- Block devices: volumes (boot volume first) with their device names.
    block_devices     jsonb       NOT NULL DEFAULT '[]',
    group_id          uuid,
    -- Build attempts so far and the hosts they failed on.
    attempts          integer     NOT NULL DEFAULT 0,
    tried_hosts       jsonb       NOT NULL DEFAULT '[]',
    fault             jsonb,
    access_ipv4       text        NOT NULL DEFAULT '',
    access_ipv6       text        NOT NULL DEFAULT '',
    launched_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX servers_project ON servers (project_id, seq);
CREATE INDEX servers_host ON servers (host);
CREATE INDEX servers_busy ON servers (task_state, updated_at) WHERE task_state IS NOT NULL;

-- What was done to a server, by whom (os-instance-actions). Kept after the
-- server is gone.
CREATE TABLE instance_actions (
    id          bigserial   PRIMARY KEY,
    server_id   uuid        NOT NULL,
    project_id  text        NOT NULL,
    user_id     text        NOT NULL,
    action      text        NOT NULL,
    request_id  text        NOT NULL,
    message     text,
    start_time  timestamptz NOT NULL DEFAULT now(),
    finish_time timestamptz
);
CREATE INDEX instance_actions_server ON instance_actions (server_id, id);

CREATE TABLE instance_action_events (
    action_id   bigint      NOT NULL REFERENCES instance_actions (id) ON DELETE CASCADE,
    event       text        NOT NULL,
    host        text,
    result      text,
    traceback   text,
    start_time  timestamptz NOT NULL DEFAULT now(),
    finish_time timestamptz
);
CREATE INDEX instance_action_events_action ON instance_action_events (action_id);
