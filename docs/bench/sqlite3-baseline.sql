-- The baseline of PERF-NOTES / issue #2: the sqlite3 command-line tool loads the NDJSON file into
-- an indexed table via json_extract (5 fields, UNIQUE event id, 3 indexes, one transaction, WAL).
-- Run: sqlite3 /tmp/baseline.db < docs/bench/sqlite3-baseline.sql   (reads /tmp/bench-input.ndjson)
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA cache_size = -262144;
CREATE TABLE lines (line TEXT);
CREATE TABLE events (
  id TEXT NOT NULL UNIQUE,
  tenant TEXT,
  type TEXT,
  ts TEXT,
  correlation TEXT,
  raw TEXT NOT NULL
);
CREATE INDEX events_tenant_ts ON events (tenant, ts);
CREATE INDEX events_type ON events (type);
CREATE INDEX events_correlation ON events (correlation);
BEGIN;
.mode ascii
.separator "\t" "\n"
.import /tmp/bench-input.ndjson lines
INSERT INTO events
SELECT coalesce(json_extract(line, '$.eventId'), json_extract(line, '$.event_id'), json_extract(line, '$.id')),
       coalesce(json_extract(line, '$.orgId'), json_extract(line, '$.customer_id'), json_extract(line, '$.tenantId'),
                json_extract(line, '$.payload.org_id'), json_extract(line, '$.tenantid')),
       coalesce(json_extract(line, '$.type'), json_extract(line, '$.event_type'), json_extract(line, '$.eventType'),
                json_extract(line, '$.eventName')),
       coalesce(json_extract(line, '$.timestamp'), json_extract(line, '$.occurred_at'), json_extract(line, '$.occurredAt'),
                json_extract(line, '$.time')),
       coalesce(json_extract(line, '$.metadata.correlationId'), json_extract(line, '$.correlation_id'),
                json_extract(line, '$.correlationId'), json_extract(line, '$.trace.correlationId'),
                json_extract(line, '$.correlationid')),
       line
FROM lines;
DROP TABLE lines;
COMMIT;
SELECT count(*) FROM events;
