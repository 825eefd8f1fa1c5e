-- Schema version 7: hypothesis_events.features and returns hold JSON
-- objects. Versions before this stored them through the row Appender as
-- JSON strings containing the object's text (json_type 'VARCHAR'), so
-- json_extract(features, '$.ratio') was NULL; unwrap those rows.
UPDATE hypothesis_events SET features = CAST(features->>'$' AS JSON) WHERE json_type(features) = 'VARCHAR';
UPDATE hypothesis_events SET returns = CAST(returns->>'$' AS JSON) WHERE json_type(returns) = 'VARCHAR';
