"""Alert rules, lifecycle, routing and notifications. Empty until the alerts issue lands; the Faust
worker will host the alert agent (see docs/architecture.md)."""
