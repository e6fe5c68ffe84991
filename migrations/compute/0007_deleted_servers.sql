-- Servers whose delete finished (a tombstone each): an agent removes an
-- instance on its own only when its server is here. An instance of a
-- server the service has no record of (a database restored from an older
-- backup, another cloud's guest) is reported and left alone.
CREATE TABLE deleted_servers (
    id         uuid        PRIMARY KEY,
    project_id text        NOT NULL,
    host       text,
    deleted_at timestamptz NOT NULL DEFAULT now()
);

-- Instances a host reported that no server owns and none was deleted.
ALTER TABLE compute_nodes ADD COLUMN unknown_instances jsonb NOT NULL DEFAULT '[]';
