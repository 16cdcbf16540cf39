"""Service platform shared by the five services: settings, database and
migrations, logging with correlation ids, auth, problem+json, health and
metrics, and the runtime that runs a service's relay and consumers."""
