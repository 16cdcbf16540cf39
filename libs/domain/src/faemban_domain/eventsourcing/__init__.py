"""Event-sourcing kit shared by every service (modelled on pyeventsourcing).

- ``store``: streams with primary key (stream_id, version) for optimistic
  concurrency, a global position, and the outbox written in the same
  transaction as the events (no dual write);
- ``relay``: publishes the outbox to the service's topic with an idempotent
  producer, keyed by household id;
- ``broker``: Kafka (aiokafka) and the embedded durable log, one interface;
- ``consumer``: inbox + offsets committed with the handler's effects,
  per-partition order, dead-letter topic for poison events;
- ``projection``: read models with a rebuild from offset 0 into fresh tables.
"""
