-- Security groups and their rules. Each project gets one group named
-- `default` (created on first use, with Neutron's default rules).
CREATE TABLE security_groups (
    id              text        PRIMARY KEY,
    project_id      text        NOT NULL,
    name            text        NOT NULL DEFAULT '',
    description     text        NOT NULL DEFAULT '',
    stateful        boolean     NOT NULL DEFAULT true,
    revision_number integer     NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX security_groups_default ON security_groups (project_id) WHERE name = 'default';

CREATE TABLE security_group_rules (
    id                text        PRIMARY KEY,
    security_group_id text        NOT NULL REFERENCES security_groups (id) ON DELETE CASCADE,
    project_id        text        NOT NULL,
    direction         text        NOT NULL CHECK (direction IN ('ingress', 'egress')),
    ethertype         text        NOT NULL CHECK (ethertype IN ('IPv4', 'IPv6')),
    protocol          text,
    port_range_min    integer,
    port_range_max    integer,
    remote_ip_prefix  text,
    remote_group_id   text        REFERENCES security_groups (id) ON DELETE CASCADE,
    description       text        NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX security_group_rules_group ON security_group_rules (security_group_id);
-- One rule per meaning.
CREATE UNIQUE INDEX security_group_rules_unique ON security_group_rules (
    security_group_id, direction, ethertype, COALESCE(protocol, ''), COALESCE(port_range_min, -1),
    COALESCE(port_range_max, -1), COALESCE(remote_ip_prefix, ''), COALESCE(remote_group_id, ''));
