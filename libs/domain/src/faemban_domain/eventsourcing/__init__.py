"""Event-sourcing kit shared by every service (modelled on pyeventsourcing).

- ``store``: streams with primary key (stream_id, version) for optimistic
  concurrency and a global position; an event that cannot leave fails its
  own write;
- ``relay``: tails the event store by position and publishes it to the
  service's topic with an idempotent producer, keyed by household id (no
  second copy, no dual write);
- ``broker``: Kafka (aiokafka) and the embedded durable log, one interface;
- ``consumer``: inbox + offsets committed with the handler's effects,
  per-partition order, dead-letter topic for poison events;
- ``projection``: read models with a rebuild from offset 0 into fresh tables.
"""
