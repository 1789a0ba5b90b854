"""Vietnam's indicators as pure functions (no I/O), shared by the KPI agents, the API and the CLI."""
