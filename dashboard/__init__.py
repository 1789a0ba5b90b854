"""FastAPI dashboard: REST API, websocket hub and the web page (`ioc dashboard`)."""
