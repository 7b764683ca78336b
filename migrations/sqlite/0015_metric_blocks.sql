-- Points packed per series, level and block (`monitoring/block.rs`): raw
-- points by the hour, 5-minute rollups by four hours, hourly ones by the day.
-- One row per point cost more in row overhead than the points themselves.
-- `start` is the block's first second (Unix time). `metric_points` stays
-- until the monitor has moved the points an earlier version wrote.
CREATE TABLE metric_blocks (
    series_id INTEGER NOT NULL,
    step INTEGER NOT NULL,
    start INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (series_id, step, start)
) WITHOUT ROWID;

CREATE INDEX metric_blocks_age ON metric_blocks (step, start);
