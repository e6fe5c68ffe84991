-- Network agents as they last synced, and which host serves each network's
-- DHCP and runs each router.
CREATE TABLE network_agents (
    host              text        PRIMARY KEY,
    tunnel_ip         text,
    physical_networks jsonb       NOT NULL DEFAULT '[]',
    last_seen         timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE networks ADD COLUMN dhcp_host text;
ALTER TABLE routers ADD COLUMN host text;
CREATE INDEX ports_binding_host ON ports (binding_host_id) WHERE binding_host_id <> '';
CREATE INDEX ports_device ON ports (device_id);
