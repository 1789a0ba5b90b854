"""The Faust application and its agents: validate, KPI windows, sinks."""
