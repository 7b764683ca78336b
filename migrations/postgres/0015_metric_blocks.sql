-- Points packed per series, level and block (`monitoring/block.rs`): raw
-- points by the hour, 5-minute rollups by four hours, hourly ones by the day.
-- One row per point cost more in row overhead than the points themselves.
-- `start` is the block's first second (Unix time). `metric_points` stays
-- until the monitor has moved the points an earlier version wrote.
CREATE TABLE metric_blocks (
    series_id BIGINT NOT NULL,
    step BIGINT NOT NULL,
    start BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (series_id, step, start)
);

CREATE INDEX metric_blocks_age ON metric_blocks (step, start);
