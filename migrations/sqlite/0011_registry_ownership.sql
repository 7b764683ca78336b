-- Registry subjects have owners, and schema ids come from a counter.
--
-- The teams that own a subject: recorded when its first version is registered
-- (the event's team for an event's subject, else the registering member's
-- teams). Only their members and admins write to an owned subject.
CREATE TABLE registry_subject_owners (
    subject TEXT NOT NULL REFERENCES registry_subjects (subject),
    team_id TEXT NOT NULL,
    PRIMARY KEY (subject, team_id)
);

-- Subjects registered before owners were recorded: the teams of whoever
-- registered their first version, as the audit log tells (members of no
-- team, and anonymous callers, leave a subject without owner).
INSERT INTO registry_subject_owners (subject, team_id)
SELECT DISTINCT s.subject, m.team_id
FROM registry_subjects s
JOIN audit_log a ON a.id = (
    SELECT MIN(b.id) FROM audit_log b
    WHERE b.subject = 'schema-subject:' || s.subject AND b.action = 'schema.registered'
)
JOIN team_members m ON m.user_id = a.actor;

-- The next id a registration gets (ids are 1..=2^31-1, Confluent's int32).
-- Imported ids do not move it: allocation takes the first free id from here,
-- so an imported id near the top cannot exhaust the range.
CREATE TABLE registry_id_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    next_id INTEGER NOT NULL
);
INSERT INTO registry_id_counter (id, next_id)
SELECT 1, COALESCE(MAX(id), 0) + 1 FROM registry_schemas WHERE id BETWEEN 1 AND 2147483646;
