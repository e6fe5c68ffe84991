-- Subnets of networks, and the addresses handed out of them: one row per
-- address, so the primary key makes handing one out twice impossible.
CREATE TABLE subnets (
    id                text        PRIMARY KEY,
    network_id        text        NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    project_id        text        NOT NULL,
    name              text        NOT NULL DEFAULT '',
    description       text        NOT NULL DEFAULT '',
    ip_version        integer     NOT NULL CHECK (ip_version IN (4, 6)),
    cidr              text        NOT NULL,
    gateway_ip        text,
    enable_dhcp       boolean     NOT NULL DEFAULT true,
    allocation_pools  jsonb       NOT NULL DEFAULT '[]',
    dns_nameservers   jsonb       NOT NULL DEFAULT '[]',
    host_routes       jsonb       NOT NULL DEFAULT '[]',
    ipv6_ra_mode      text,
    ipv6_address_mode text,
    revision_number   integer     NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subnets_network ON subnets (network_id);

CREATE TABLE ip_allocations (
    subnet_id  text NOT NULL REFERENCES subnets (id) ON DELETE CASCADE,
    ip_address text NOT NULL,
    port_id    text,
    PRIMARY KEY (subnet_id, ip_address)
);
