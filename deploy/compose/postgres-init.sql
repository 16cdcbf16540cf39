-- One database per service (no service reads another's tables: docs/adr/0001).
CREATE DATABASE faemban_registry;
CREATE DATABASE faemban_assessment;
CREATE DATABASE faemban_planning;
CREATE DATABASE faemban_assistance_log;
CREATE DATABASE faemban_reporting;
