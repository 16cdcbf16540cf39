-- One database per service (ARCHITECTURE.md: no service reads another's tables).
CREATE DATABASE faemban_registry;
CREATE DATABASE faemban_assessment;
CREATE DATABASE faemban_planning;
CREATE DATABASE faemban_assistance_log;
CREATE DATABASE faemban_reporting;
